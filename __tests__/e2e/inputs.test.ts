// Bad inputs: every problem reported in one failure, before any token is requested.
import { describe, expect, it } from '@jest/globals'
import { baseInputs, expectJobClean, newJob, runtimes, useFixtures } from '../helpers/e2e.js'

describe.each(runtimes())('input validation on %s', (_name, node) => {
  const fixtures = useFixtures()

  it('lists every bad input at once, requests no token, audits an input error', async () => {
    const job = newJob(fixtures, node)
    const main = await job.main({
      'role-to-assume': 'arn:aws:iam::1234:role/deploy',
      'aws-region': 'mars-1',
      'role-duration-seconds': 300,
      scopes: 's3:GetObject',
      revoke: 'sometimes',
      'token-issuer': fixtures.issuer.issuer
    })
    expect(main.code).toBe(1)
    expect(main.errors).toHaveLength(1)
    const message = main.errors[0]?.message ?? ''
    // one problem per bad input, each naming it, and no other
    expect(message).toMatch(/^The action's inputs need fixing \(6 problems\):\n- /)
    expect(message.match(/^- [a-z-]+(?=: )/gm)).toEqual(
      ['role-to-assume', 'aws-region', 'role-duration-seconds', 'allowed-repositories', 'scopes', 'revoke'].map(input => `- ${input}`)
    )
    expect(fixtures.issuer.requests).toEqual([])
    expect(fixtures.sts.requests).toEqual([])
    const post = await job.post()
    expect(post.code).toBe(0)
    const events = post.auditEvents()
    expect(events.map(e => e.event)).toEqual(['error', 'revoke'])
    expect(events[0]).toMatchObject({ stage: 'inputs' })
    expectJobClean(job, { allowEmpty: true })
  })

  it('an audit log that cannot be written fails closed before any token is requested', async () => {
    const job = newJob(fixtures, node)
    // a path below a regular file can never be created, whoever runs the test
    const main = await job.main({ ...baseInputs(fixtures), 'audit-log': '/dev/null/audit.jsonl' })
    expect(main.code).toBe(1)
    expect(main.errors).toHaveLength(1)
    const message = main.errors[0]?.message ?? ''
    expect(message).toMatch(/^Could not append to the audit log \/dev\/null\/audit\.jsonl \(.+\); set audit-log to a writable file\.$/)
    expect(fixtures.issuer.requests).toEqual([])
    expect(fixtures.sts.requests).toEqual([])
    expect(main.env).toEqual({})
    const post = await job.post()
    expect(post.code).toBe(0)
    // post fails the same way on the same file, and only warns
    expect(post.warnings.map(w => w.message)).toEqual([`Could not write the audit record: ${message}`])
    expectJobClean(job)
  })
})
