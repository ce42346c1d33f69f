// deny-session with several revocation lists attached to the role: the session goes to the list its
// name hashes to (the next one when full), names are made unique, the time bound follows AWS's clock,
// and a thousand live revoked sessions fit. Judged by the independent evaluator in helpers/boundary.ts.
import { describe, expect, it } from '@jest/globals'
import { buildRevocationList, listOrder, type PolicyDocument } from '../../src/aws/revocation-list.js'
import { baseInputs, newJob, runtimes, useFixtures } from '../helpers/e2e.js'
import type { InputValues } from '../helpers/run-action.js'
import { ALLOW_ALL, CAP, JOB_ROLE, type RevocationAccount, jobSessions, revocationInputs, setUpRevocationAccount } from '../helpers/revocation-lists.js'

const STEP = { timeoutMs: 60_000 }
const MAX_POLICY_SIZE = 6144

describe.each(runtimes())('deny-session with attached revocation lists on %s', (_name, node) => {
  const fixtures = useFixtures()
  const inputs = (account: RevocationAccount, extra: InputValues = {}): InputValues => ({ ...baseInputs(fixtures), ...revocationInputs(account), ...extra })

  it('writes the session into the list its name hashes to, and only there', async () => {
    const account = setUpRevocationAccount(fixtures.sts, { attachedLists: 4 })
    const job = newJob(fixtures, node)
    expect((await job.main(inputs(account), STEP)).code).toBe(0)
    const post = await job.post(STEP)
    expect({ code: post.code, warnings: post.warnings }).toEqual({ code: 0, warnings: [] })
    const [session] = jobSessions(fixtures.sts)
    if (!session) throw new Error('no session was issued')
    const target = account.lists[listOrder(session.sessionName, 4)[0] ?? 0]
    expect(post.auditEvents().at(-1)).toMatchObject({ status: 'revoked', policy_arn: target, policy_arns: account.lists })
    expect(account.denies(session)).toBe(true)
    for (const arn of account.lists) {
      expect(fixtures.sts.iam.policyVersions(arn)).toHaveLength(arn === target ? 2 : 1)
    }
    // It asked which policies are attached to the role, and wrote nothing but Deny statements.
    expect(fixtures.sts.iam.requests.filter(r => r.action === 'ListAttachedRolePolicies')).toHaveLength(1)
    expect(JSON.stringify(fixtures.sts.iam.defaultDocument(target ?? ''))).not.toContain('"Allow"')
  }, 90_000)

  it('refuses attached lists under a boundary that allows everything, writing nothing', async () => {
    const account = setUpRevocationAccount(fixtures.sts, { attachedLists: 2 })
    fixtures.sts.iam.setPolicyVersions(CAP, [{ document: { Version: '2012-10-17', Statement: [ALLOW_ALL] } }])
    const job = newJob(fixtures, node)
    expect((await job.main(inputs(account), STEP)).code).toBe(0)
    const post = await job.post(STEP)
    expect(post.warnings.map(w => w.message)).toEqual([expect.stringContaining(
      `Revocation failed: the permissions boundary of ${JOB_ROLE} (${CAP}) allows every action on every resource, so it caps nothing`
    )])
    expect(fixtures.sts.iam.requests.filter(r => r.action === 'CreatePolicyVersion' || r.action === 'DeletePolicyVersion')).toEqual([])
    expect(post.auditEvents().at(-1)).toMatchObject({ method: 'deny-session', status: 'failed' })
  }, 90_000)

  it('passes over full lists to the next one, and says so', async () => {
    const account = setUpRevocationAccount(fixtures.sts, { attachedLists: 3 })
    const job = newJob(fixtures, node)
    expect((await job.main(inputs(account), STEP)).code).toBe(0)
    const [session] = jobSessions(fixtures.sts)
    if (!session) throw new Error('no session was issued')
    // Fill the two lists the session's name points to first: only the third one has room.
    const [first = 0, second = 0, third = 0] = listOrder(session.sessionName, 3)
    const full = [first, second].map(i => account.lists[i] ?? '')
    const filled = fill(fixtures.sts.iam.defaultDocument(full[0] ?? '') as PolicyDocument, 'full', 400)
    for (const arn of full) fixtures.sts.iam.setPolicyVersions(arn, [{ document: filled }])
    const post = await job.post(STEP)
    const revoke = post.auditEvents().at(-1)
    expect(revoke).toMatchObject({ status: 'revoked', policy_arn: account.lists[third], policy_version: 'v2' })
    expect(String(revoke?.detail)).toContain(` (full: ${full.join(', ')}); cleared`)
    for (const arn of full) expect(post.log).toContain(`${arn} is full; trying the next revocation list.`)
    for (const arn of full) expect(fixtures.sts.iam.policyVersions(arn)).toHaveLength(1)
    expect(account.denies(session)).toBe(true)
  }, 90_000)

  it('gives two jobs that name their sessions alike names of their own: revoking one leaves the other running', async () => {
    const account = setUpRevocationAccount(fixtures.sts, { attachedLists: 2 })
    const [first, second] = [newJob(fixtures, node), newJob(fixtures, node)]
    const mains = await Promise.all([first, second].map(job => job?.main(inputs(account, { 'role-session-name': 'deploy' }), STEP)))
    const names = mains.map(main => main?.outputs['role-session-name'])
    expect(names).toEqual([expect.stringMatching(/^deploy-[0-9a-f]{8}$/), expect.stringMatching(/^deploy-[0-9a-f]{8}$/)])
    expect(names[0]).not.toBe(names[1])
    expect(mains[0]?.log).toContain(`role-session-name deploy becomes ${String(names[0])}: deny-session needs a name no other session has.`)
    const [one, two] = names.map(name => jobSessions(fixtures.sts).find(s => s.sessionName === name))
    if (!one || !two) throw new Error('two sessions were not issued')
    expect(await first?.post(STEP)).toMatchObject({ code: 0 })
    expect(account.denies(one)).toBe(true)
    expect(account.denies(two)).toBe(false)
    expect(await second?.post(STEP)).toMatchObject({ code: 0 })
    expect([account.denies(one), account.denies(two)]).toEqual([true, true])
  }, 90_000)

  it.each([
    ['ahead of', 45_000],
    ['behind', -45_000]
  ])('bounds the entry by AWS\'s time when the runner\'s clock is %s it by 45 s', async (_how, offset) => {
    fixtures.sts.setClockOffset(offset)
    const account = setUpRevocationAccount(fixtures.sts, { attachedLists: 2 })
    const job = newJob(fixtures, node)
    expect((await job.main(inputs(account), STEP)).code).toBe(0)
    const post = await job.post(STEP)
    expect(post.auditEvents().at(-1)).toMatchObject({ status: 'revoked' })
    const [session] = jobSessions(fixtures.sts)
    if (!session) throw new Error('no session was issued')
    // Denied for its whole life, measured on AWS's clock, and the audit says when AWS issued it.
    expect(account.denies(session)).toBe(true)
    expect(post.auditEvents().find(e => e.event === 'issue')).toMatchObject({ issued_at: new Date(session.issuedAt).toISOString() })
    const revokedAt = Date.parse(String(post.auditEvents().at(-1)?.revoked_at))
    expect(Math.abs(revokedAt - fixtures.sts.now().getTime())).toBeLessThan(5000)
  }, 90_000)

  it('holds a thousand live revoked sessions in eight lists, and takes more', async () => {
    const account = setUpRevocationAccount(fixtures.sts, { attachedLists: 8 })
    // 1,000 sessions of other jobs, issued over the last ten minutes, each in the list its name
    // hashes to, as post steps would have written them.
    const now = fixtures.sts.now().getTime()
    const earlier = Array.from({ length: 1000 }, (_, i) => ({
      sessionName: `gh-${12345678901 + i}-1-${(0x0c7f3780 + i).toString(16)}`,
      issuedAt: new Date(Math.floor((now - 600_000 + i * 600) / 1000) * 1000),
      lifetime: 3600_000
    }))
    const documents = account.lists.map(arn => fixtures.sts.iam.defaultDocument(arn) as PolicyDocument)
    for (const s of earlier) {
      const index = listOrder(s.sessionName, 8)[0] ?? 0
      const edit = buildRevocationList({ base: documents[index] as PolicyDocument, others: [], session: { ...s, expiresAt: new Date(s.issuedAt.getTime() + s.lifetime) }, now: new Date(now), kind: 'attached' })
      if (!edit) throw new Error(`list ${index} is full after ${earlier.indexOf(s)} sessions`)
      documents[index] = edit.document
    }
    account.lists.forEach((arn, i) => fixtures.sts.iam.setPolicyVersions(arn, [{ document: documents[i] as PolicyDocument }]))

    const jobs = Array.from({ length: 8 }, () => newJob(fixtures, node))
    for (const main of await Promise.all(jobs.map(job => job.main(inputs(account), STEP)))) expect(main.code).toBe(0)
    const posts = await Promise.all(jobs.map(job => job.post(STEP)))
    for (const post of posts) expect(post.auditEvents().at(-1)).toMatchObject({ status: 'revoked' })

    const denied = (userId: string, issuedAt: Date | string): boolean => account.denies({ assumedRoleId: userId, issuedAt: new Date(issuedAt).toISOString() })
    expect(earlier.filter(s => !denied(`AROAOTHEROTHEROTHER1:${s.sessionName}`, s.issuedAt)).map(s => s.sessionName)).toEqual([])
    expect(jobSessions(fixtures.sts).filter(s => !account.denies(s))).toEqual([])
    expect(denied('AROAOTHEROTHEROTHER1:gh-99999999999-1-00000000', new Date(now))).toBe(false)
    for (const arn of account.lists) expect(JSON.stringify(fixtures.sts.iam.defaultDocument(arn)).length).toBeLessThanOrEqual(MAX_POLICY_SIZE)
  }, 120_000)
})

/** The document with `count` sessions named `<prefix>-<n>` listed, as far as they fit. */
function fill(document: PolicyDocument, prefix: string, count: number): PolicyDocument {
  let current = document
  const now = new Date()
  for (let i = 0; i < count; i++) {
    const issuedAt = new Date(Math.floor(now.getTime() / 1000) * 1000 - 600_000)
    const edit = buildRevocationList({ base: current, others: [], session: { sessionName: `gh-${prefix}-${String(i).padStart(6, '0')}`, issuedAt, expiresAt: new Date(issuedAt.getTime() + 3600_000) }, now, kind: 'attached' })
    if (!edit) return current
    current = edit.document
  }
  throw new Error(`${count} sessions fit: not full`)
}
