// STS failures: a role that does not trust the job is reported with what to check and never retried;
// throttling and 5xx are retried with backoff up to retry-max-attempts; nothing half-issued remains.
import { describe, expect, it } from '@jest/globals'
import { baseInputs, expectJobClean, newJob, runtimes, useFixtures } from '../helpers/e2e.js'

describe.each(runtimes())('STS on %s', (_name, node) => {
  const fixtures = useFixtures()

  it('AccessDenied from the trust policy: one attempt, a message pointing at sub/aud, audited', async () => {
    fixtures.sts.setTrust(claims => claims.sub === 'repo:octo-org/other:ref:refs/heads/main' || 'Not authorized to perform sts:AssumeRoleWithWebIdentity')
    const job = newJob(fixtures, node)
    const main = await job.main(baseInputs(fixtures))
    expect(main.code).toBe(1)
    expect(fixtures.sts.requests.map(r => r.result)).toEqual(['AccessDenied'])
    const message = main.errors[0]?.message ?? ''
    expect(message).toContain('STS AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity')
    expect(message).toContain('Check its trust policy')
    expect(message).toMatch(/:aud and :sub/)
    expect(main.env).toEqual({})
    expect(main.outputs.decision).toBe('allow')

    const post = await job.post()
    const events = post.auditEvents()
    expect(events.map(e => e.event)).toEqual(['request', 'decision', 'error', 'revoke'])
    expect(events[2]).toMatchObject({ stage: 'sts', message })
    expect(events[3]).toMatchObject({ method: 'skipped', status: 'skipped' })
    expectJobClean(job)
  })

  it('throttling and a 500, then success: retried, and the credential is issued once', async () => {
    fixtures.sts.injectFaults([{ kind: 'throttle' }, { kind: 'status', status: 500 }])
    const job = newJob(fixtures, node)
    const main = await job.main(baseInputs(fixtures))
    expect(main.errors).toEqual([])
    expect(main.code).toBe(0)
    expect(fixtures.sts.requests.map(r => r.result)).toEqual(['fault:throttle', 'fault:status', 'issued'])
    expect(fixtures.sts.issued).toHaveLength(1)
    expect(main.log).toMatch(/^STS call failed \(attempt 1, Throttling\); retrying in \d+ ms$/m)
    expect(main.log).toMatch(/^STS call failed \(attempt 2, InternalFailure\); retrying in \d+ ms$/m)
    expect(main.env.AWS_ACCESS_KEY_ID).toBe(fixtures.sts.issued[0]?.accessKeyId)
    await job.post()
    expectJobClean(job, { allow: ['main.GITHUB_ENV'] })
  })

  it('gives up after retry-max-attempts and exports nothing', async () => {
    fixtures.sts.injectFaults([{ kind: 'throttle' }, { kind: 'status', status: 503 }, { kind: 'throttle' }])
    const job = newJob(fixtures, node)
    const main = await job.main({ ...baseInputs(fixtures), 'retry-max-attempts': 2 })
    expect(main.code).toBe(1)
    expect(fixtures.sts.requests).toHaveLength(2)
    expect(main.errors[0]?.message).toContain('retry budget (retry-max-attempts)')
    expect(main.env).toEqual({})
    const post = await job.post()
    expect(post.auditEvents().map(e => e.event)).toEqual(['request', 'decision', 'error', 'revoke'])
    expectJobClean(job)
  })
})
