// Denials: each allowed-* input, evaluated against the verified token, stops the job before STS and
// says which rule failed, with the claim value and the patterns.
import { describe, expect, it } from '@jest/globals'
import type { ClaimOverrides } from '../fixtures/oidc-issuer.js'
import type { InputValues } from '../helpers/run-action.js'
import { baseInputs, expectJobClean, newJob, readable, runtimes, useFixtures } from '../helpers/e2e.js'

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
    reason: 'event_name "pull_request_target" is denied unless listed in allowed-events (it runs with secrets on pull requests from forks)'
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
    reason: 'job_workflow_ref "octo-org/octo-app/.github/workflows/deploy.yml@refs/heads/main" does not match allowed-workflows [octo-org/infra/.github/workflows/deploy.yml@refs/heads/main]'
  },
  {
    rule: 'allowed-account-ids',
    inputs: { 'allowed-account-ids': '999988887777' },
    claims: {},
    reason: 'account_id (of role-to-assume) "111122223333" is not in allowed-account-ids [999988887777]'
  }
]

/** The error of a denied main step: every failing rule on a line of its own, and nothing else. */
const denial = (...reasons: string[]): string => `Denied by policy; no credential was issued:\n- ${reasons.join('\n- ')}`

describe.each(runtimes())('denial on %s', (_name, node) => {
  const fixtures = useFixtures()

  it.each(cases)('$rule denies, explains, issues nothing', async ({ inputs, claims, reason }) => {
    fixtures.issuer.setClaims(claims)
    const job = newJob(fixtures, node)
    const main = await job.main({ ...baseInputs(fixtures), ...inputs })
    expect(main.code).toBe(1)
    // Only the failing rule is listed.
    expect(main.errors.map(e => e.message)).toEqual([denial(reason)])
    expect(fixtures.sts.requests).toEqual([])
    expect(main.env).toEqual({})
    expect(main.outputs.decision).toBe('deny')
    expect(main.outputs['aws-account-id']).toBeUndefined()

    const post = await job.post()
    expect(post.code).toBe(0)
    expect(post.env).toEqual({})
    const events = post.auditEvents()
    expect(events.map(e => e.event)).toEqual(['request', 'decision', 'revoke'])
    expect(events[1]).toMatchObject({ allowed: false, reasons: [reason] })
    expect(events[2]).toMatchObject({ method: 'skipped', status: 'skipped' })
    // post audits under the verified job identity main saw, not the runner's environment
    expect(events[2]?.job).toEqual(events[0]?.job)
    expect(events[2]?.job).toMatchObject({ source: 'claims' })
    const summary = readable(post.summary)
    expect(summary).toContain('## jit-credentials: denied')
    expect(summary).toContain(`### Decision\n\n- ${reason}\n\n`)
    expectJobClean(job)
  })

  it('lists every failing rule at once, in rule order', async () => {
    // three of the cases above together
    const failing = ['allowed-refs', 'allowed-events (pull_request_target by default)', 'allowed-account-ids'].map(rule => {
      const found = cases.find(c => c.rule === rule)
      if (!found) throw new Error(`no case ${rule}`)
      return found
    })
    fixtures.issuer.setClaims(Object.assign({}, ...failing.map(c => c.claims)))
    const job = newJob(fixtures, node)
    const main = await job.main(Object.assign(baseInputs(fixtures), ...failing.map(c => c.inputs)))
    expect(main.code).toBe(1)
    expect(main.errors.map(e => e.message)).toEqual([denial(...failing.map(c => c.reason))])
    expect(fixtures.sts.requests).toEqual([])
    expectJobClean(job)
  })
})
