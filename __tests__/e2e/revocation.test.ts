// deny-session: the post step lists the job's session in a revocation list (here the role's permissions
// boundary), so a copy of the credential stops working when the job ends. Run against the local STS +
// IAM endpoint, which keeps the policy versions in memory and records which credential signed each call.
import { beforeEach, describe, expect, it } from '@jest/globals'
import { REUSE_GRACE_MS } from '../../src/aws/revocation-list.js'
import { allowsAnything, deniesSession } from '../helpers/boundary.js'
import { ALLOW_ALL, BOUNDARY_LIST, REVOKER } from '../helpers/revocation-lists.js'
import { ROLE_ARN, baseInputs, expectJobClean, newJob, readable, runtimes, useFixtures } from '../helpers/e2e.js'
import type { InputValues, Job } from '../helpers/run-action.js'

const POLICY = BOUNDARY_LIST
const WRITES = new Set(['CreatePolicyVersion', 'DeletePolicyVersion'])
const DOCS = 'https://github.com/jit-credentials/jit-credentials#'
const EXPORTED = 'AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_DEFAULT_REGION'

/** The annotation of a deny-session revocation that failed for `reason` after scrubbing the job's environment. */
const revocationFailed = (reason: string, expiresAt: unknown): string =>
  `Revocation failed: ${reason} The session stays valid until it expires at ${String(expiresAt)}. The job's environment was cleared (${EXPORTED}).`

type Doc = { Statement: Array<Record<string, unknown>> }

/** A statement as the first version of the action wrote it (one per expiry minute, full user ids). */
const legacyStatement = (sid: string, users: string[], before: string): Record<string, unknown> => ({
  Sid: sid,
  Effect: 'Deny',
  Action: '*',
  Resource: '*',
  Condition: { StringEquals: { 'aws:userid': users }, DateLessThan: { 'aws:TokenIssueTime': before } }
})

/** `JitRevokedUntil<YYYYMMDDHHmm>` (the first version's Sid) for the minute of `time`, rounded up. */
const sidAt = (time: number): string => {
  const t = new Date(Math.ceil(time / 60_000) * 60_000).toISOString()
  return `JitRevokedUntil${t.slice(0, 4)}${t.slice(5, 7)}${t.slice(8, 10)}${t.slice(11, 13)}${t.slice(14, 16)}`
}
/** The statement id for a time `minutes` from now. */
const sidIn = (minutes: number): string => sidAt(Date.now() + minutes * 60_000)

describe.each(runtimes())('deny-session revocation on %s', (_name, node) => {
  const fixtures = useFixtures()
  beforeEach(() => {
    fixtures.sts.iam.addRole(ROLE_ARN, { permissionsBoundaryArn: POLICY })
    fixtures.sts.iam.addRole(REVOKER)
  })

  const inputs = (extra: InputValues = {}): InputValues => ({
    ...baseInputs(fixtures),
    revoke: 'deny-session',
    'revocation-role-to-assume': REVOKER,
    'revocation-policy-arn': POLICY,
    ...extra
  })
  const boundaryNow = (): Doc => fixtures.sts.iam.defaultDocument(POLICY) as Doc
  /** The job's session: the first credential the job's main step got. */
  const jobSession = (index = 0) => {
    const issued = fixtures.sts.issued.filter(c => c.roleArn === ROLE_ARN)[index]
    if (!issued) throw new Error('no job session was issued')
    return issued
  }

  async function mainThenPost(job: Job, extra: InputValues = {}) {
    const main = await job.main(inputs(extra))
    expect(main.errors).toEqual([])
    expect(main.code).toBe(0)
    return { main, post: await job.post() }
  }

  it('denies exactly the job\'s session, with IAM writes signed by the revocation role, audited and summarised', async () => {
    fixtures.sts.iam.addPolicy(POLICY, { Version: '2012-10-17', Statement: [ALLOW_ALL] })
    const job = newJob(fixtures, node)
    const { main, post } = await mainThenPost(job)
    expect(post.errors).toEqual([])
    expect(post.warnings).toEqual([])
    expect(post.code).toBe(0)
    const session = jobSession()
    const revoker = fixtures.sts.issued.find(c => c.roleArn === REVOKER)
    if (!revoker) throw new Error('the revocation role was not assumed')

    // The boundary now denies this session, and only it: not the revocation role's session, not a
    // later session that reuses the name, and it still allows everything else.
    const doc = boundaryNow()
    expect(allowsAnything(doc)).toBe(true)
    expect(deniesSession(doc, { userId: session.assumedRoleId, tokenIssueTime: session.issuedAt })).toBe(true)
    expect(deniesSession(doc, { userId: revoker.assumedRoleId, tokenIssueTime: revoker.issuedAt })).toBe(false)
    // A session that reuses the name after the revocation and the 5-minute grace is not denied.
    expect(deniesSession(doc, { userId: session.assumedRoleId, tokenIssueTime: new Date(Date.parse(session.issuedAt) + REUSE_GRACE_MS + 1000) })).toBe(false)
    expect(doc.Statement.filter(s => s.Effect === 'Deny')).toHaveLength(1)
    expect(JSON.stringify(doc).split(`"*:${session.sessionName}"`)).toHaveLength(2)
    expect(fixtures.sts.iam.policyVersions(POLICY).map(v => [v.versionId, v.isDefault])).toEqual([['v1', false], ['v2', true]])
    // The entry's time bound lies after the session's issue (AWS's time), on the minute grid.
    const deny = doc.Statement[1] as { Sid: string, Condition: { DateLessThan: Record<string, string> } }
    const before = Date.parse(deny.Condition.DateLessThan['aws:TokenIssueTime'] ?? '')
    expect(before).toBeGreaterThan(Date.parse(session.issuedAt))
    expect(before % 60_000).toBe(0)
    expect(deny.Sid).toMatch(/^JitRevokedBefore\d{14}Until\d{12}$/)

    // The revocation role was assumed with a fresh token and a session policy for this job only.
    const stsCalls = fixtures.sts.requests.filter(r => r.result === 'issued')
    expect(stsCalls.map(r => r.roleArn)).toEqual([ROLE_ARN, REVOKER])
    expect(stsCalls[1]?.tokenJti).not.toBe(stsCalls[0]?.tokenJti)
    expect(JSON.parse(stsCalls[1]?.policy ?? '{}').Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:ListPolicyVersions', 'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion'],
        Resource: POLICY
      },
      { Effect: 'Allow', Action: ['iam:GetRole', 'iam:ListAttachedRolePolicies'], Resource: ROLE_ARN },
      { Effect: 'Allow', Action: ['iam:GetPolicy', 'iam:GetPolicyVersion'], Resource: 'arn:aws:iam::111122223333:policy/*' }
    ])
    // The checks, one read, one write, then listings until no version was created for 10 s (the version
    // it wrote is not read back: versions never change); every IAM call signed by the revocation role's
    // credential, never the job's.
    const iamCalls = fixtures.sts.iam.requests
    const actions = iamCalls.map(r => r.action)
    expect([...new Set(actions)].sort()).toEqual(['CreatePolicyVersion', 'GetPolicy', 'GetPolicyVersion', 'GetRole', 'ListPolicyVersions'])
    expect(actions.filter(a => a !== 'ListPolicyVersions').sort()).toEqual(['CreatePolicyVersion', 'GetPolicy', 'GetPolicyVersion', 'GetRole'])
    expect(actions.filter(a => a === 'ListPolicyVersions').length).toBeGreaterThanOrEqual(3)
    expect(iamCalls.every(r => r.signatureValid && r.accessKeyId === revoker.accessKeyId)).toBe(true)
    // Confirmed only after 10 s without a new version, by AWS's clock.
    const created = iamCalls.find(r => r.action === 'CreatePolicyVersion')?.answeredAt ?? Number.NaN
    expect((iamCalls.at(-1)?.at ?? 0) - created).toBeGreaterThanOrEqual(10_000)

    const events = post.auditEvents()
    expect(events.map(e => e.event)).toEqual(['request', 'decision', 'issue', 'revoke'])
    const revoke = events[3] ?? {}
    expect(revoke).toMatchObject({ method: 'deny-session', status: 'revoked', policy_arn: POLICY, policy_version: 'v2', expires_at: events[2]?.expires_at })
    const exposure = (Date.parse(String(revoke.revoked_at)) - Date.parse(String(events[2]?.issued_at))) / 1000
    expect(revoke.exposure_s).toBe(Math.round(exposure))
    expect(exposure).toBeLessThan(60)
    expect(post.env.AWS_SESSION_TOKEN).toBe('')

    const summary = readable(post.summary)
    expect(summary).toContain('## jit-credentials: issued and revoked')
    expect(summary).toContain(`revoked at <code>${String(revoke.revoked_at)}</code>`)
    expect(post.masks).toEqual(expect.arrayContaining([revoker.secretAccessKey, revoker.sessionToken]))
    expect(main.outputs['assumed-role-arn']).toBe(session.arn)
    expectJobClean(job, { allow: ['main.GITHUB_ENV'] })
  })

  it('prunes statements expired over five minutes ago and keeps live ones, also those of the first version', async () => {
    const live = legacyStatement(sidIn(10), ['AROAOTHEROTHEROTHER1:gh-1-1-live'], '2026-01-01T00:00:00Z')
    const stale = legacyStatement('JitRevokedUntil202001010000', ['AROAOTHEROTHEROTHER1:gh-1-1-old'], '2019-12-31T23:00:00Z')
    fixtures.sts.iam.addPolicy(POLICY, { Version: '2012-10-17', Statement: [ALLOW_ALL, stale, live] })
    const job = newJob(fixtures, node)
    const { post } = await mainThenPost(job)
    expect(post.auditEvents().at(-1)).toMatchObject({ status: 'revoked' })
    // the stale statement is gone, the live one kept in place, the job's appended
    const sids = boundaryNow().Statement.map(s => s.Sid)
    expect(sids.slice(0, 2)).toEqual(['AllowAll', live.Sid])
    expect(sids.slice(2)).toEqual([expect.stringMatching(/^JitRevokedBefore\d{14}Until\d{12}$/)])
    expect(String(sids[2]).endsWith(sidAt(Date.parse(jobSession().expiration)).slice('JitRevokedUntil'.length))).toBe(true)
    expect(deniesSession(boundaryNow(), { userId: jobSession().assumedRoleId, tokenIssueTime: jobSession().issuedAt })).toBe(true)
  })

  it('with five versions kept, deletes an older non-default one (never the default or the newest) before writing', async () => {
    const doc = { Version: '2012-10-17', Statement: [ALLOW_ALL] }
    fixtures.sts.iam.addPolicy(POLICY, doc)
    fixtures.sts.iam.setPolicyVersions(POLICY, ['v1', 'v2', 'v3', 'v4', 'v5'].map(versionId => ({ versionId, document: doc, isDefault: versionId === 'v3', createDate: '2026-01-01T00:00:00Z' })))
    const job = newJob(fixtures, node)
    const { post } = await mainThenPost(job)
    expect(post.auditEvents().at(-1)).toMatchObject({ status: 'revoked', policy_version: 'v6' })
    const writes = fixtures.sts.iam.requests.filter(r => WRITES.has(r.action)).map(r => [r.action, r.versionId ?? r.createdVersionId])
    expect(writes).toEqual([['DeletePolicyVersion', expect.stringMatching(/^v[124]$/)], ['CreatePolicyVersion', 'v6']])
    const deleted = String(writes[0]?.[1])
    expect(fixtures.sts.iam.policyVersions(POLICY).map(v => v.versionId)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6'].filter(v => v !== deleted))
  })

  it('two post steps revoking at the same time both end up listed', async () => {
    fixtures.sts.iam.addPolicy(POLICY, { Version: '2012-10-17', Statement: [ALLOW_ALL] })
    const first = newJob(fixtures, node)
    const second = newJob(fixtures, node)
    for (const job of [first, second]) expect((await job.main(inputs())).code).toBe(0)
    // Both writers read the same version before either writes.
    fixtures.sts.iam.holdAnswers('GetPolicyVersion', 2)
    const posts = await Promise.all([first.post(), second.post()])
    for (const post of posts) {
      expect(post.code).toBe(0)
      expect(post.auditEvents().at(-1)).toMatchObject({ method: 'deny-session', status: 'revoked' })
    }
    const doc = boundaryNow()
    for (const index of [0, 1]) {
      const session = jobSession(index)
      expect(deniesSession(doc, { userId: session.assumedRoleId, tokenIssueTime: session.issuedAt })).toBe(true)
      expect(JSON.stringify(doc).split(`"*:${session.sessionName}"`)).toHaveLength(2)
    }
    // Both wrote from the same base at least once: the race was real.
    expect(fixtures.sts.iam.requests.filter(r => r.action === 'CreatePolicyVersion').length).toBeGreaterThanOrEqual(3)
  })

  it.each([
    ['warn', 0],
    ['fail', 1]
  ])('a full revocation list fails clearly (on-revocation-failure: %s) and still scrubs', async (mode, exitCode) => {
    // 117 entries of the first version's format fit under IAM's 6,144 characters; the job's own does not.
    const users = Array.from({ length: 117 }, (_, i) => `AROAOTHEROTHEROTHER1:gh-76543210987-1-${String(i).padStart(8, '0')}`)
    fixtures.sts.iam.addPolicy(POLICY, { Version: '2012-10-17', Statement: [ALLOW_ALL, legacyStatement(sidIn(30), users, '2026-01-01T00:00:00Z')] })
    const job = newJob(fixtures, node)
    const { post } = await mainThenPost(job, { 'on-revocation-failure': mode })
    expect(post.code).toBe(exitCode)
    const failed = revocationFailed(
      `every revocation list is full (${POLICY}): too many revoked sessions have not expired yet. ` +
        `Add lists to revocation-policy-arn (a role can have up to 10 attached, 20 with a quota increase), or shorten role-duration-seconds. See ${DOCS}revocation`,
      post.auditEvents()[2]?.expires_at
    )
    // an error with on-revocation-failure: fail, else a warning; never both
    expect({ errors: post.errors.map(a => a.message), warnings: post.warnings.map(a => a.message) })
      .toEqual(mode === 'fail' ? { errors: [failed], warnings: [] } : { errors: [], warnings: [failed] })
    expect(post.env.AWS_SECRET_ACCESS_KEY).toBe('')
    expect(fixtures.sts.iam.policyVersions(POLICY)).toHaveLength(1)
    expect(post.auditEvents().at(-1)).toMatchObject({ method: 'deny-session', status: 'failed', revoked_at: null })
    expect(readable(post.summary)).toContain('## jit-credentials: issued, revocation failed')
    expectJobClean(job, { allow: ['main.GITHUB_ENV'] })
  })

  it('refuses a policy attached as an identity policy, writing nothing', async () => {
    fixtures.sts.iam.addPolicy(POLICY, { Version: '2012-10-17', Statement: [ALLOW_ALL] }, { attachmentCount: 1 })
    const job = newJob(fixtures, node)
    const { post } = await mainThenPost(job)
    expect(post.warnings.map(w => w.message)).toEqual([revocationFailed(
      `${POLICY} is attached as a permissions policy to 1 user(s), group(s) or role(s); it holds "Allow *", so it must only ever be used as a permissions boundary. ` +
        `Detach it. See ${DOCS}revocation`,
      post.auditEvents()[2]?.expires_at
    )])
    expect(fixtures.sts.iam.requests.filter(r => WRITES.has(r.action))).toEqual([])
    expect(post.auditEvents().at(-1)).toMatchObject({ status: 'failed' })
  })

  it('refuses when the policy is not the role\'s permissions boundary', async () => {
    fixtures.sts.iam.addRole(ROLE_ARN, {})
    fixtures.sts.iam.addPolicy(POLICY, { Version: '2012-10-17', Statement: [ALLOW_ALL] })
    const job = newJob(fixtures, node)
    const { post } = await mainThenPost(job)
    expect(post.warnings.map(w => w.message)).toEqual([revocationFailed(
      `${POLICY} is not the permissions boundary of ${ROLE_ARN}, which has none. Either make the one revocation list the role's permissions boundary, ` +
        'or attach deny-only lists to a role whose permissions boundary caps what it may do (an Allow written into a list would otherwise grant it). ' +
        `See ${DOCS}revocation`,
      post.auditEvents()[2]?.expires_at
    )])
    expect(fixtures.sts.iam.requests.filter(r => WRITES.has(r.action))).toEqual([])
  })

  it('still revokes when the environment cannot be cleared, and says so', async () => {
    fixtures.sts.iam.addPolicy(POLICY, { Version: '2012-10-17', Statement: [ALLOW_ALL] })
    const job = newJob(fixtures, node)
    const main = await job.main(inputs())
    expect(main.code).toBe(0)
    // GITHUB_ENV is a directory in the post step: exporting the empty values fails
    const post = await job.post({ env: { GITHUB_ENV: job.runnerTemp } })
    expect(post.code).toBe(0)
    const revoke = post.auditEvents().at(-1)
    // nothing was cleared, and the detail says why
    expect(revoke).toMatchObject({
      method: 'deny-session',
      status: 'revoked',
      policy_version: 'v2',
      detail: `${jobSession().assumedRoleId} is denied by ${POLICY} (version v2); ` +
        `could not clear the exported variables: EISDIR: illegal operation on a directory, open '${job.runnerTemp}'`
    })
    expect(deniesSession(boundaryNow(), { userId: jobSession().assumedRoleId, tokenIssueTime: jobSession().issuedAt })).toBe(true)
  })

  it('retries IAM throttling', async () => {
    fixtures.sts.iam.addPolicy(POLICY, { Version: '2012-10-17', Statement: [ALLOW_ALL] })
    const job = newJob(fixtures, node)
    const main = await job.main(inputs())
    fixtures.sts.iam.injectFaults([{ kind: 'throttle' }, { kind: 'throttle' }])
    const post = await job.post()
    expect(post.code).toBe(0)
    expect(fixtures.sts.iam.requests.filter(r => r.result === 'Throttling')).toHaveLength(2)
    expect(post.log).toMatch(/IAM \w+ failed \(attempt 1, .*\); retrying/)
    expect(post.auditEvents().at(-1)).toMatchObject({ status: 'revoked' })
    expect(main.code).toBe(0)
  })

  it('records an already expired session as expired and writes nothing', async () => {
    fixtures.sts.iam.addPolicy(POLICY, { Version: '2012-10-17', Statement: [ALLOW_ALL] })
    const job = newJob(fixtures, node)
    await job.main(inputs())
    // The post step runs after the credential's expiry (a job longer than its lifetime), beyond the
    // minute the runner's clock may be ahead of AWS's.
    const saved = JSON.parse(job.state.jit ?? '{}')
    saved.issued.expires_at = new Date(Date.now() - 61_000).toISOString()
    job.state.jit = JSON.stringify(saved)
    const post = await job.post()
    expect(post.code).toBe(0)
    expect(post.auditEvents().at(-1)).toMatchObject({ method: 'deny-session', status: 'expired' })
    expect(fixtures.sts.iam.requests).toEqual([])
    expect(fixtures.sts.requests.filter(r => r.roleArn === REVOKER)).toEqual([])
  })

  it('main refuses deny-session without the revocation role, before any token is requested', async () => {
    const job = newJob(fixtures, node)
    const main = await job.main({ ...baseInputs(fixtures), 'revocation-policy-arn': POLICY })
    expect(main.code).toBe(1)
    expect(main.errors.map(e => e.message)).toEqual([
      'The action\'s inputs need fixing (1 problem):\n- revocation-role-to-assume: is required because revoke is auto and revocation-policy-arn is set, ' +
        'so the post step revokes with deny-session: the role the post step assumes to update the revocation list. Example: arn:aws:iam::123456789012:role/jit-revoker'
    ])
    expect(fixtures.issuer.requestCount('token')).toBe(0)
  })
})
