// Denials: each allowed-* input, evaluated against the verified token, stops the job before STS and
// says which rule failed, with the claim value and the patterns.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import type { ClaimOverrides } from '../fixtures/oidc-issuer.js'
import type { InputValues } from '../helpers/run-action.js'
import { baseInputs, expectJobClean, newJob, readable, runtimes, startFixtures, stopFixtures, type Fixtures } from '../helpers/e2e.js'

interface DenyCase {
  rule: string
  inputs: InputValues
  claims: ClaimOverrides
  reason: string
}

const cases: DenyCase[] = [
  {
    rule: 'allowed-repositories',
    inputs: { 'allowed-repositories': 'octo-org/octo-app' },
    claims: { repository: 'octo-org/octo-app-evil', sub: 'repo:octo-org/octo-app-evil:ref:refs/heads/main' },
    reason: 'repository "octo-org/octo-app-evil" does not match allowed-repositories [octo-org/octo-app]'
  },
  {
    rule: 'allowed-repository-ids',
    inputs: { 'allowed-repository-ids': '123456789' },
    claims: { repository_id: '555' },
    reason: 'repository_id "555" is not in allowed-repository-ids [123456789]'
  },
  {
    rule: 'allowed-refs',
    inputs: { 'allowed-refs': 'refs/heads/main, refs/tags/v*' },
    claims: { ref: 'refs/heads/feature/x' },
    reason: 'ref "refs/heads/feature/x" does not match allowed-refs [refs/heads/main, refs/tags/v*]'
  },
  {
    rule: 'allowed-environments',
    inputs: { 'allowed-environments': 'production' },
    claims: { environment: undefined },
    reason: 'environment claim is missing but allowed-environments is set [production]'
  },
  {
    rule: 'allowed-events (pull_request_target by default)',
    inputs: {},
    claims: { event_name: 'pull_request_target' },
    reason: 'event_name "pull_request_target" is denied unless listed in allowed-events'
  },
  {
    rule: 'allowed-events',
    inputs: { 'allowed-events': 'push\nworkflow_dispatch' },
    claims: { event_name: 'pull_request' },
    reason: 'event_name "pull_request" is not in allowed-events [workflow_dispatch, push]'
  },
  {
    rule: 'allowed-workflows',
    inputs: { 'allowed-workflows': 'octo-org/infra/.github/workflows/deploy.yml@refs/heads/main' },
    claims: {},
    reason: 'job_workflow_ref "octo-org/octo-app/.github/workflows/deploy.yml@refs/heads/main" does not match allowed-workflows'
  },
  {
    rule: 'allowed-account-ids',
    inputs: { 'allowed-account-ids': '999988887777' },
    claims: {},
    reason: 'account_id (of role-to-assume) "111122223333" is not in allowed-account-ids [999988887777]'
  }
]

describe.each(runtimes())('denial on %s', (_name, node) => {
  let fixtures: Fixtures
  beforeAll(async () => { fixtures = await startFixtures() })
  afterAll(async () => { await stopFixtures(fixtures) })
  beforeEach(() => { fixtures.issuer.reset(); fixtures.sts.reset() })

  it.each(cases)('$rule denies, explains, issues nothing', async ({ inputs, claims, reason }) => {
    fixtures.issuer.setClaims(claims)
    const job = newJob(fixtures, node)
    try {
      const main = await job.main({ ...baseInputs(fixtures), ...inputs })
      expect(main.code).toBe(1)
      expect(main.errors).toHaveLength(1)
      expect(main.errors[0]?.message).toMatch(/^Denied by policy; no credential was issued:/)
      expect(main.errors[0]?.message).toContain(`- ${reason}`)
      // Only the failing rule is listed.
      expect(main.errors[0]?.message.split('\n- ')).toHaveLength(2)
      expect(fixtures.sts.requests).toEqual([])
      expect(main.env).toEqual({})
      expect(main.outputs.decision).toBe('deny')
      expect(main.outputs['aws-account-id']).toBeUndefined()

      const post = await job.post()
      expect(post.code).toBe(0)
      expect(post.env).toEqual({})
      const events = post.auditEvents()
      expect(events.map(e => e.event)).toEqual(['request', 'decision', 'revoke'])
      expect(events[1]).toMatchObject({ allowed: false, reasons: [expect.stringContaining(reason)] })
      expect(events[2]).toMatchObject({ method: 'skipped', status: 'skipped' })
      // post audits under the verified job identity main saw, not the runner's environment
      expect(events[2]?.job).toEqual(events[0]?.job)
      expect(events[2]?.job).toMatchObject({ source: 'claims' })
      const summary = readable(post.summary)
      expect(summary).toContain('## jit-credentials: denied')
      expect(summary).toContain(reason)
      expectJobClean(job)
    } finally {
      job.cleanup()
    }
  })

  it('lists every failing rule at once', async () => {
    fixtures.issuer.setClaims({ ref: 'refs/heads/dev', event_name: 'pull_request_target' })
    const job = newJob(fixtures, node)
    try {
      const main = await job.main({ ...baseInputs(fixtures), 'allowed-refs': 'refs/heads/main', 'allowed-account-ids': '999988887777' })
      expect(main.code).toBe(1)
      const listed = main.errors[0]?.message.split('\n- ').slice(1)
      expect(listed).toEqual([
        expect.stringContaining('ref "refs/heads/dev"'),
        expect.stringContaining('event_name "pull_request_target"'),
        expect.stringContaining('account_id (of role-to-assume) "111122223333"')
      ])
      expect(fixtures.sts.requests).toEqual([])
      expectJobClean(job)
    } finally {
      job.cleanup()
    }
  })
})
