// The allow path, run as a runner runs it: main issues, masks and exports; post scrubs, audits and
// writes the summary. Every channel is scanned for the issued secrets and the OIDC token.
import { describe, expect, it } from '@jest/globals'
import { ACCOUNT_ID, baseInputs, expectJobClean, newJob, readable, ROLE_ARN, runtimes, useFixtures } from '../helpers/e2e.js'

const EXPORTED = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION']
/** What a scrub-mode revoke event says about a session expiring at `expiresAt`. */
const stillValid = (expiresAt: string): string => `the session stays valid until it expires at ${expiresAt} (revoke: scrub cannot end an STS session)`

describe.each(runtimes())('allow path on %s', (_name, node) => {
  const fixtures = useFixtures()

  it('issues a scoped per-job credential, exports it masked, then scrubs, audits and summarises', async () => {
    const job = newJob(fixtures, node)
    const main = await job.main(baseInputs(fixtures))
    expect(main.errors).toEqual([])
    expect(main.code).toBe(0)

    // STS got exactly one call with the job's verified token, the session policy and the lifetime.
    expect(fixtures.sts.requests).toHaveLength(1)
    const [request] = fixtures.sts.requests
    expect(request).toMatchObject({ action: 'AssumeRoleWithWebIdentity', roleArn: ROLE_ARN, durationSeconds: 900, result: 'issued' })
    expect(request?.claims?.repository).toBe('octo-org/octo-app')
    expect(JSON.parse(request?.policy ?? 'null')).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::octo-artifacts/*' }]
    })
    expect(request?.policy).not.toMatch(/\s/)
    const [issued] = fixtures.sts.issued
    if (!issued) throw new Error('nothing issued')

    // Masks for the three secrets and the OIDC token, each before anything else is printed about them.
    for (const secret of [issued.accessKeyId, issued.secretAccessKey, issued.sessionToken, ...fixtures.issuer.issuedTokens]) {
      expect(main.masks).toContain(secret)
    }
    // Exported to the job's environment, and nothing secret in outputs.
    expect(main.env).toEqual({
      AWS_ACCESS_KEY_ID: issued.accessKeyId,
      AWS_SECRET_ACCESS_KEY: issued.secretAccessKey,
      AWS_SESSION_TOKEN: issued.sessionToken,
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1'
    })
    expect(Object.keys(main.outputs).sort()).toEqual(
      ['assumed-role-arn', 'audit-log', 'aws-account-id', 'decision', 'expiration', 'role-session-name', 'trace-id'].sort()
    )
    expect(main.outputs).toMatchObject({
      decision: 'allow',
      'aws-account-id': ACCOUNT_ID,
      'assumed-role-arn': issued.arn,
      'role-session-name': issued.sessionName,
      expiration: new Date(issued.expiration).toISOString(),
      'audit-log': main.paths.audit
    })
    expect(issued.sessionName).toMatch(/^gh-7654321098-1-[0-9a-f]{8}$/)

    const post = await job.post()
    expect(post.code).toBe(0)
    expect(post.errors).toEqual([])
    expect(post.warnings).toEqual([])
    // The runner has no unset: post exports empty values so later post steps see no credential.
    expect(post.env).toEqual(Object.fromEntries(Object.keys(main.env).map(name => [name, ''])))

    // One trace: request, decision, issue from main; revoke from post.
    const events = post.auditEvents()
    expect(events.map(e => e.event)).toEqual(['request', 'decision', 'issue', 'revoke'])
    for (const event of events) {
      expect(event).toMatchObject({ schema: 'jit-credentials.audit/v1', trace_id: main.outputs['trace-id'] })
      expect(event.job).toMatchObject({ repository: 'octo-org/octo-app', repository_id: '123456789', run_id: '7654321098', ref: 'refs/heads/main' })
    }
    expect(events[0]?.request).toMatchObject({ role_arn: ROLE_ARN, duration_s: 900 })
    expect(events[1]).toMatchObject({ allowed: true })
    expect(events[2]).toMatchObject({
      session_name: issued.sessionName,
      assumed_role_id: issued.assumedRoleId,
      account_id: ACCOUNT_ID,
      expires_at: new Date(issued.expiration).toISOString()
    })
    expect(events[2]?.session_policy_sha256).toMatch(/^[0-9a-f]{64}$/)
    // scrub cannot end the session: exposure runs from issue to expiry. STS gives the expiry in whole
    // seconds, 900 s after its own clock; main notes the issue time once the answer is in.
    const expiresAt = new Date(issued.expiration).toISOString()
    const lifetime = Math.round((Date.parse(expiresAt) - Date.parse(String(events[2]?.issued_at))) / 1000)
    expect(lifetime).toBeGreaterThanOrEqual(899)
    expect(lifetime).toBeLessThanOrEqual(900)
    expect(events[3]).toMatchObject({
      method: 'scrub',
      status: 'scrubbed',
      revoked_at: null,
      exposure_s: lifetime,
      expires_at: expiresAt,
      detail: `cleared ${EXPORTED.join(', ')}; ${stillValid(expiresAt)}`
    })

    // The hand-over from main to post: what was issued and exported, and no secret (the scan below).
    expect(JSON.parse(main.state.jit ?? 'null')).toEqual({
      version: 2,
      trace_id: main.outputs['trace-id'],
      audit_log: main.paths.audit,
      job_summary: true,
      job: events[2]?.job,
      revoke: 'scrub',
      on_revocation_failure: 'warn',
      revocation_role_arn: null,
      revocation_policy_arns: [],
      audience: 'sts.amazonaws.com',
      region: 'eu-west-1',
      retry_max_attempts: 3,
      issued: {
        role_arn: ROLE_ARN,
        session_name: issued.sessionName,
        assumed_role_arn: issued.arn,
        assumed_role_id: issued.assumedRoleId,
        account_id: ACCOUNT_ID,
        issued_at: events[2]?.issued_at,
        expires_at: expiresAt
      },
      exported: EXPORTED
    })

    // The summary tells the story a reviewer needs.
    const summary = readable(post.summary)
    expect(summary).toContain(`Trace <code>${main.outputs['trace-id']}</code>`)
    expect(summary).toMatch(/\| Decision \| [\d:.]+ \| allowed \|/)
    expect(summary).toContain('- repository "octo-org/octo-app" matched "octo-org/octo-app"')
    expect(summary).toContain('| <code>s3:GetObject</code> <code>s3:PutObject</code> | <code>arn:aws:s3:::octo-artifacts/*</code> |')
    expect(summary).toContain(`valid until it expires at <code>${events[2]?.expires_at}</code>: usable for ${lifetime} s`)
    expect(summary).toMatch(/\| Revoke \| [\d:.]+ \| scrubbed \(scrub\)/)

    expectJobClean(job, { allow: ['main.GITHUB_ENV'] })
    // The scan is live: the exported credential is found where it legitimately is.
    expect(() => expectJobClean(job)).toThrow(/secret sts#0\.secretAccessKey \(raw\) in main\.GITHUB_ENV/)
  })

  it('gives the credential as outputs only when asked, and exports nothing with export-env false', async () => {
    const job = newJob(fixtures, node)
    const main = await job.main({ ...baseInputs(fixtures), 'export-env': false, 'output-credentials': true })
    expect(main.code).toBe(0)
    const [issued] = fixtures.sts.issued
    if (!issued) throw new Error('nothing issued')
    expect(main.env).toEqual({})
    expect(main.outputs).toMatchObject({
      'aws-access-key-id': issued.accessKeyId,
      'aws-secret-access-key': issued.secretAccessKey,
      'aws-session-token': issued.sessionToken
    })
    const post = await job.post()
    expect(post.code).toBe(0)
    expect(post.env).toEqual({})
    const expiresAt = new Date(issued.expiration).toISOString()
    expect(post.auditEvents().at(-1)).toMatchObject({ method: 'scrub', status: 'scrubbed', detail: `nothing was exported to clear; ${stillValid(expiresAt)}` })
    expectJobClean(job, { allow: ['main.GITHUB_OUTPUT'] })
  })

  it('uses a given role-session-name as is, and only once per job', async () => {
    const job = newJob(fixtures, node)
    const inputs = { ...baseInputs(fixtures), 'role-session-name': 'release-42' }
    const first = await job.main(inputs)
    expect(first.code).toBe(0)
    expect(fixtures.sts.requests.map(r => r.roleSessionName)).toEqual(['release-42'])
    expect(first.outputs['assumed-role-arn']).toBe('arn:aws:sts::111122223333:assumed-role/deploy/release-42')

    const second = await job.main(inputs)
    expect(second.code).toBe(1)
    expect(second.errors.map(e => e.message)).toEqual([
      'role-session-name "release-42" was already used by another step of this job; each credential needs its own session name. ' +
        'Give this step a different role-session-name, or remove the input to get a generated one.'
    ])
    expect(fixtures.sts.requests).toHaveLength(1)
    expect(second.env).toEqual({})
    expectJobClean(job, { allow: ['main.GITHUB_ENV'] })
  })
})
