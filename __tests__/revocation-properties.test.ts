// Properties of the revocation lists the post steps write, judged by the independent evaluator in
// helpers/boundary.ts and IAM's policy grammar (the IAM fixture's parser), not by the action's own code:
// every revoked session is denied for its whole remaining life, with its own issue time; the same
// name issued after its revocation and the grace, other names and other roles are not; concurrent
// writers merged lose nobody; and a role with 8 lists keeps up with 30 revocations a minute.
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { MAX_POLICY_CHARACTERS, type PolicyDocument, REUSE_GRACE_MS, type RevokedSession, buildRevocationList, listOrder } from '../src/aws/revocation-list.js'
import { checkPolicyDocument } from './fixtures/aws-iam.js'
import { mulberry32 } from './fixtures/random-faults.js'
import { roleDeniesSession } from './helpers/boundary.js'
import { PLACEHOLDER } from './helpers/revocation-lists.js'

const ROLE = 'arn:aws:iam::111122223333:role/deploy'
const OTHER_ROLE = 'arn:aws:iam::111122223333:role/other'
const ROLE_ID = 'AROAEXAMPLEEXAMPLE12'
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0)
const empty = (): PolicyDocument => ({ Version: '2012-10-17', Statement: [PLACEHOLDER] })

interface Revocation extends RevokedSession {
  revokedAt: Date
}

/** Revokes each session in revocation order into the list its name hashes to (the next when full). */
function revokeAll(sessions: Revocation[], listCount: number): { lists: PolicyDocument[], full: Revocation[] } {
  const lists = Array.from({ length: listCount }, empty)
  const full: Revocation[] = []
  for (const s of [...sessions].sort((a, b) => a.revokedAt.getTime() - b.revokedAt.getTime())) {
    const written = listOrder(s.sessionName, listCount).some(i => {
      const edit = buildRevocationList({ base: lists[i] as PolicyDocument, others: [], session: s, now: s.revokedAt, kind: 'attached' })
      if (edit) lists[i] = edit.document
      return edit !== undefined
    })
    if (!written) full.push(s)
  }
  return { lists, full }
}

const denies = (lists: PolicyDocument[], name: string, issuedAt: number, roleArn = ROLE, roleId = ROLE_ID): boolean =>
  roleDeniesSession({ roleArn: ROLE, policies: lists }, { roleArn, userId: `${roleId}:${name}`, tokenIssueTime: new Date(issuedAt) })

const revocation = fc.record({
  issuedAfterS: fc.integer({ min: 0, max: 3600 }),
  jobS: fc.integer({ min: 0, max: 3600 }),
  lifetimeS: fc.constantFrom(900, 1800, 3600)
})

function sessionsOf(draws: Array<{ issuedAfterS: number, jobS: number, lifetimeS: number }>): Revocation[] {
  return draws.map((d, i) => {
    const issuedAt = T0 + d.issuedAfterS * 1000
    const lifetime = d.lifetimeS * 1000
    // A post step runs before its session expires (an expired one is not written).
    const revokedAt = issuedAt + Math.min(d.jobS * 1000, lifetime - 1000) + 137
    return { sessionName: `gh-${12345678901 + i}-1-${(0x1000_0000 + i * 7919).toString(16)}`, issuedAt: new Date(issuedAt), expiresAt: new Date(issuedAt + lifetime), revokedAt: new Date(revokedAt) }
  })
}

describe('the written lists, judged by an independent evaluator', () => {
  it('deny every revoked session from its revocation to its expiry, and nobody else', () => {
    fc.assert(
      fc.property(fc.array(revocation, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (draws, listCount) => {
        const sessions = sessionsOf(draws)
        const { lists, full } = revokeAll(sessions, listCount)
        expect(full).toEqual([])
        for (const list of lists) {
          const json = JSON.stringify(list)
          expect(json.length).toBeLessThanOrEqual(MAX_POLICY_CHARACTERS)
          checkPolicyDocument(json)
        }
        // Judged at the last revocation: every session not yet expired by then is still listed.
        const end = Math.max(...sessions.map(s => s.revokedAt.getTime()))
        for (const s of sessions.filter(x => x.expiresAt.getTime() > end)) {
          const issued = s.issuedAt.getTime()
          expect(denies(lists, s.sessionName, issued)).toBe(true)
          // the same name issued once both the revocation and the grace have passed
          const reuse = Math.max(s.revokedAt.getTime(), issued + REUSE_GRACE_MS) + 1000
          expect(denies(lists, s.sessionName, reuse)).toBe(false)
          // other names, and the same name in another role
          expect(denies(lists, `${s.sessionName}0`, issued)).toBe(false)
          expect(denies(lists, s.sessionName.slice(1), issued)).toBe(false)
          expect(denies(lists, s.sessionName, issued, OTHER_ROLE, 'AROAOTHEROTHEROTHER1')).toBe(false)
        }
      }),
      { numRuns: 150 }
    )
  })

  it('lose no entry when writers build from the same version at once and a later writer merges them', () => {
    fc.assert(
      fc.property(fc.array(revocation, { minLength: 2, maxLength: 12 }), fc.integer({ min: 0, max: 1000 }), (draws, seed) => {
        const sessions = sessionsOf(draws)
        const now = new Date(Math.max(...sessions.map(s => s.revokedAt.getTime())))
        // Every writer read the same default version and wrote its own version from it.
        const base = empty()
        const versions = sessions.map(s => buildRevocationList({ base, others: [], session: s, now, kind: 'attached' })?.document ?? base)
        // Any one of them is the default now; the next writer merges every version it lists.
        const current = versions[seed % versions.length] as PolicyDocument
        const merged = buildRevocationList({ base: current, others: versions.filter(v => v !== current), now, kind: 'attached' })
        expect(merged?.leftOut).toBe(0)
        for (const s of sessions.filter(x => x.expiresAt > now)) expect(denies([merged?.document as PolicyDocument], s.sessionName, s.issuedAt.getTime())).toBe(true)
      }),
      { numRuns: 150 }
    )
  })
})

describe('capacity of eight lists', () => {
  it('keeps up with 30 revocations a minute for an hour (900 s credentials, jobs of 12 s to 14 min)', () => {
    // Seeded, so the hour below is the same on every run.
    const next = mulberry32(42)
    const sessions: Revocation[] = []
    for (let minute = 0; minute < 60; minute++) {
      for (let k = 0; k < 30; k++) {
        const issuedAt = T0 + minute * 60_000 + Math.floor(next() * 60) * 1000
        const job = (0.2 + next() * 13.8) * 60_000
        sessions.push({ sessionName: `gh-${12345678901 + sessions.length}-1-${Math.floor(next() * 2 ** 32).toString(16).padStart(8, '0')}`, issuedAt: new Date(issuedAt), expiresAt: new Date(issuedAt + 900_000), revokedAt: new Date(issuedAt + job) })
      }
    }
    // Revoke in order, and every ten minutes check every revoked session that has not expired yet.
    const ordered = [...sessions].sort((a, b) => a.revokedAt.getTime() - b.revokedAt.getTime())
    let checked = 0
    for (let until = T0 + 10 * 60_000; until <= T0 + 70 * 60_000; until += 10 * 60_000) {
      const { lists, full } = revokeAll(ordered.filter(x => x.revokedAt.getTime() <= until), 8)
      expect(full).toEqual([])
      const live = ordered.filter(x => x.revokedAt.getTime() <= until && x.expiresAt.getTime() > until)
      expect(live.filter(x => !denies(lists, x.sessionName, x.issuedAt.getTime())).map(x => x.sessionName)).toEqual([])
      checked += live.length
    }
    expect(checked).toBeGreaterThan(1000)
  })

  it('holds over a thousand live sessions revoked in the same minutes', () => {
    const sessions = sessionsOf(Array.from({ length: 1100 }, (_, i) => ({ issuedAfterS: i % 120, jobS: 300 + (i % 60), lifetimeS: 3600 })))
    const { lists, full } = revokeAll(sessions, 8)
    expect(full).toEqual([])
    expect(sessions.filter(s => !denies(lists, s.sessionName, s.issuedAt.getTime()))).toEqual([])
  })
})
