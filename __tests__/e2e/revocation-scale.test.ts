// deny-session under load: a matrix of 32 jobs on one role ends at once, and every post step writes the
// same revocation lists. The local IAM endpoint behaves like IAM where it matters: 5 versions, no
// conditional write, reads that lag behind writes, writes that land mid-call, throttling and 5xx.
// Every session must end up denied by the written documents (judged by an independent evaluator), no
// other session may be, and a post step says `revoked` only when that holds.
import { describe, expect, it } from '@jest/globals'
import { REUSE_GRACE_MS } from '../../src/aws/revocation-list.js'
import { baseInputs, newJob, runtimes, useFixtures } from '../helpers/e2e.js'
import type { StepResult } from '../helpers/run-action.js'
import { JOB_ROLE, type RevocationAccount, jobSessions, revocationInputs, setUpRevocationAccount } from '../helpers/revocation-lists.js'
import type { Fixtures } from '../helpers/local-aws.js'

const JOBS = 32
const STEP_TIMEOUT_MS = 120_000

/** Runs the main steps of `count` jobs at once, then (after `beforePosts`) all their post steps at once. */
async function matrix(fixtures: Fixtures, node: string, account: RevocationAccount, count: number, beforePosts = (): void => undefined): Promise<StepResult[]> {
  const jobs = Array.from({ length: count }, () => newJob(fixtures, node))
  const inputs = { ...baseInputs(fixtures), ...revocationInputs(account) }
  const mains = await Promise.all(jobs.map(job => job.main(inputs, { timeoutMs: STEP_TIMEOUT_MS })))
  for (const main of mains) expect({ code: main.code, errors: main.errors }).toEqual({ code: 0, errors: [] })
  beforePosts()
  return Promise.all(jobs.map(job => job.post({ timeoutMs: STEP_TIMEOUT_MS })))
}

/** Each post step revoked, and the written documents deny every job session and nothing else. */
function expectEverySessionDenied(fixtures: Fixtures, account: RevocationAccount, posts: StepResult[]): void {
  for (const post of posts) {
    expect({ code: post.code, timedOut: post.timedOut, errors: post.errors, warnings: post.warnings }).toEqual({ code: 0, timedOut: false, errors: [], warnings: [] })
    expect(post.auditEvents().at(-1)).toMatchObject({ method: 'deny-session', status: 'revoked' })
  }
  const sessions = jobSessions(fixtures.sts)
  expect(sessions).toHaveLength(posts.length)
  const lost = sessions.filter(s => !account.denies(s)).map(s => s.sessionName)
  expect(lost).toEqual([])
  // Not the revocation role's sessions, not other names, and not a session that reuses a listed name
  // once both its revocation and the grace have passed.
  const revokers = fixtures.sts.issued.filter(c => c.roleArn !== JOB_ROLE)
  expect(revokers.length).toBeGreaterThanOrEqual(posts.length)
  expect(revokers.filter(s => account.denies(s))).toEqual([])
  for (const s of sessions) {
    expect(account.denies({ ...s, assumedRoleId: `${s.assumedRoleId}x` })).toBe(false)
    expect(account.denies(s, new Date(Date.parse(s.issuedAt) + REUSE_GRACE_MS + 60_000))).toBe(false)
  }
}

describe.each(runtimes())('deny-session at scale on %s', (_name, node) => {
  const fixtures = useFixtures()

  it(`${JOBS} post steps at once on one boundary list with 5 versions, 100 ms per call and lagging reads: every session denied`, async () => {
    const account = setUpRevocationAccount(fixtures.sts, { attachedLists: 0, versions: 5 })
    fixtures.sts.iam.setLatency(100, undefined, { before: 0.5 })
    fixtures.sts.iam.setReadStaleness(1000)
    const posts = await matrix(fixtures, node, account, JOBS)
    expectEverySessionDenied(fixtures, account, posts)
    // Contention was real: writers met full version slots or each other's versions.
    const refused = fixtures.sts.iam.requests.filter(r => ['LimitExceeded', 'NoSuchEntity', 'DeleteConflict'].includes(r.result))
    expect(refused.length).toBeGreaterThan(0)
    expect(fixtures.sts.iam.requests.filter(r => (r.staleByMs ?? 0) > 0).length).toBeGreaterThan(0)
  }, 300_000)

  it(`${JOBS} post steps at once on four attached lists, with throttling and 5xx on IAM and STS: every session denied`, async () => {
    const account = setUpRevocationAccount(fixtures.sts, { attachedLists: 4, versions: 3 })
    fixtures.sts.iam.setLatency(100, undefined, { before: 0.5 })
    fixtures.sts.iam.setReadStaleness(1000)
    // Faults start once the main steps have their credentials: they are the post steps' weather.
    const posts = await matrix(fixtures, node, account, JOBS, () => {
      fixtures.sts.iam.setRandomFaults({ throttle: 0.15, serverError: 0.05, seed: 8 })
      fixtures.sts.setRandomFaults({ throttle: 0.15, serverError: 0.05, seed: 9 })
    })
    expectEverySessionDenied(fixtures, account, posts)
    expect(fixtures.sts.iam.requests.filter(r => r.fault !== undefined).length).toBeGreaterThan(10)
    expect(fixtures.sts.requests.filter(r => r.result === 'Throttling' || r.status >= 500).length).toBeGreaterThan(0)
    // The lists share the load: each holds some of the sessions.
    for (const arn of account.lists) expect(JSON.stringify(fixtures.sts.iam.defaultDocument(arn))).toMatch(/\*:gh-/)
  }, 300_000)
})
