// The revocation list edit is pure: document in, document out. These tests pin what IAM will enforce.
import { describe, expect, it } from '@jest/globals'
import {
  MAX_POLICY_CHARACTERS,
  PRUNE_MARGIN_MS,
  type PolicyDocument,
  type RevocationListInput,
  type RevokedSession,
  RevocationListError,
  buildRevocationList,
  listOrder,
  listsSession,
  parsePolicyDocument,
  userIdPattern
} from '../src/aws/revocation-list.js'
import { ALLOW_ALL, PLACEHOLDER } from './helpers/revocation-lists.js'

const boundary = (...statements: Record<string, unknown>[]): PolicyDocument => ({ Version: '2012-10-17', Statement: [ALLOW_ALL, ...statements] })
const attached = (...statements: Record<string, unknown>[]): PolicyDocument => ({ Version: '2012-10-17', Statement: [PLACEHOLDER, ...statements] })
const at = (time: string): Date => new Date(`2026-11-23T${time}Z`)
const session = (name: string, issued: string, lifetimeS = 900): RevokedSession => ({
  sessionName: name,
  issuedAt: at(issued),
  expiresAt: new Date(at(issued).getTime() + lifetimeS * 1000)
})
const statement = (before: string, until: string, names: string[]): Record<string, unknown> => ({
  Sid: `JitRevokedBefore${before.replace(/\D/g, '')}Until${until.replace(/\D/g, '')}`,
  Effect: 'Deny',
  Action: '*',
  Resource: '*',
  Condition: { StringLike: { 'aws:userid': names.map(n => `*:${n}`) }, DateLessThan: { 'aws:TokenIssueTime': before } }
})
/** Adds one session to a boundary list with no other versions, at `now`. */
function add(base: PolicyDocument, revoked: RevokedSession, now: string, extra: Partial<RevocationListInput> = {}) {
  const edit = buildRevocationList({ base, others: [], session: revoked, now: at(now), kind: 'boundary', ...extra })
  if (!edit) throw new Error('the session did not fit')
  return edit
}

describe('userIdPattern', () => {
  it('matches the session of any role id by its name', () => {
    expect(userIdPattern('gh-12345678901-1-0c7f3780')).toBe('*:gh-12345678901-1-0c7f3780')
  })
  it.each(['a', 'x*y', 'x?y', 'x$y', 'a:b', 'a b', 'x'.repeat(65)])('refuses %j, which STS would not issue or which is a wildcard', name => {
    expect(() => userIdPattern(name)).toThrow(RevocationListError)
  })
})

describe('listOrder', () => {
  it('is a permutation starting at a hash of the name, the same every time', () => {
    const order = listOrder('gh-1-1-aaaaaaaa', 8)
    expect([...order].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(listOrder('gh-1-1-aaaaaaaa', 8)).toEqual(order)
    const first = order[0] ?? 0
    expect(order.slice(1)).toEqual(Array.from({ length: 7 }, (_, i) => (first + i + 1) % 8))
  })
  it('spreads names evenly over the lists', () => {
    const counts = new Map<number, number>()
    for (let i = 0; i < 8000; i++) {
      const first = listOrder(`gh-${12345678901 + i}-1-0c7f3780`, 8)[0] ?? -1
      counts.set(first, (counts.get(first) ?? 0) + 1)
    }
    expect([...counts.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    for (const count of counts.values()) expect(count).toBeGreaterThan(850)
    for (const count of counts.values()) expect(count).toBeLessThan(1150)
  })
})

describe('buildRevocationList', () => {
  it('denies a session revoked after its issue minute in a statement whose B is that minute', () => {
    const edit = add(boundary(), session('gh-1-1-aaaaaaaa', '10:00:05'), '10:07:30.400')
    expect(edit.document.Statement).toEqual([ALLOW_ALL, statement('2026-11-23T10:07:00Z', '202611231016', ['gh-1-1-aaaaaaaa'])])
    expect(JSON.parse(edit.json)).toEqual(edit.document)
    expect(edit.json).not.toMatch(/\s/)
    expect(edit.size).toBe(edit.json.length)
  })

  it('gives a session revoked soon after its issue a B within the reuse grace, on the minute grid', () => {
    // Issued 10:07:10 and revoked 20 s later: B is the last minute before issue + 5 min.
    const edit = add(boundary(), session('b2', '10:07:10'), '10:07:30')
    expect(edit.document.Statement[1]).toEqual(statement('2026-11-23T10:12:00Z', '202611231023', ['b2']))
  })

  it('never sets B at or before the issue time, whatever the runner or AWS clock says', () => {
    // "now" before the issue (a clock behind AWS): B is still after the issue.
    const edit = add(boundary(), session('c3', '10:07:59'), '10:00:00')
    const condition = edit.document.Statement[1]?.Condition as Record<string, Record<string, string>>
    const before = Date.parse(condition.DateLessThan?.['aws:TokenIssueTime'] ?? '')
    expect(before).toBeGreaterThan(at('10:07:59').getTime())
  })

  it('joins an existing statement whose B lies after the issue, extending its end when needed', () => {
    const first = add(boundary(), session('a1', '10:00:05'), '10:07:30')
    const second = add(first.document, session('b2', '10:03:00', 1800), '10:08:10')
    expect(second.document.Statement).toEqual([ALLOW_ALL, statement('2026-11-23T10:07:00Z', '202611231033', ['a1', 'b2'])])
  })

  it('does not join a statement with B at or before the issue (it would not deny the session)', () => {
    const first = add(boundary(), session('a1', '10:00:05'), '10:07:30')
    const second = add(first.document, session('late', '10:07:00'), '10:20:00')
    expect(second.document.Statement).toEqual([
      ALLOW_ALL,
      statement('2026-11-23T10:07:00Z', '202611231016', ['a1']),
      statement('2026-11-23T10:20:00Z', '202611231022', ['late'])
    ])
  })

  it('does not join a statement whose B is after both the revocation and the reuse grace', () => {
    const first = add(boundary(), session('short', '10:07:10'), '10:07:30') // B 10:12:00
    const second = add(first.document, session('old', '10:00:00'), '10:07:40')
    expect(second.document.Statement.slice(1)).toEqual([
      statement('2026-11-23T10:07:00Z', '202611231015', ['old']),
      statement('2026-11-23T10:12:00Z', '202611231023', ['short'])
    ])
  })

  it('prefers the statement that already lasts longest', () => {
    const base = boundary(statement('2026-11-23T10:06:00Z', '202611231016', ['x1']), statement('2026-11-23T10:07:00Z', '202611231040', ['y1']))
    const edit = add(base, session('z1', '10:02:00'), '10:08:00')
    expect(edit.document.Statement.slice(1)).toEqual([
      statement('2026-11-23T10:06:00Z', '202611231016', ['x1']),
      statement('2026-11-23T10:07:00Z', '202611231040', ['y1', 'z1'])
    ])
  })

  it('changes nothing for a session already listed', () => {
    const first = add(boundary(), session('a1', '10:00:05'), '10:07:30')
    const again = add(first.document, session('a1', '10:00:05'), '10:09:00')
    expect(again.json).toBe(first.json)
    expect(listsSession(first.document, session('a1', '10:00:05'))).toBe(true)
    expect(listsSession(first.document, session('a1', '10:07:00'))).toBe(false)
    expect(listsSession(first.document, session('a2', '10:00:05'))).toBe(false)
  })

  it('drops statements five minutes after their last session expired, not before', () => {
    const base = boundary(statement('2026-11-23T09:50:00Z', '202611231000', ['old']))
    const kept = add(base, session('n1', '10:00:00'), '10:04:59')
    expect(kept.document.Statement.map(s => s.Sid)).toContain('JitRevokedBefore20261123095000Until202611231000')
    const pruned = add(base, session('n1', '10:00:00'), '10:05:01')
    expect(pruned.pruned).toEqual(['JitRevokedBefore20261123095000Until202611231000'])
    expect(pruned.document.Statement.map(s => s.Sid)).not.toContain('JitRevokedBefore20261123095000Until202611231000')
    expect(PRUNE_MARGIN_MS).toBe(300_000)
  })

  it('merges the live entries of the other versions and leaves their expired ones out', () => {
    const base = boundary(statement('2026-11-23T10:07:00Z', '202611231016', ['a']))
    const racing = boundary(statement('2026-11-23T10:07:00Z', '202611231020', ['b']), statement('2026-11-23T10:08:00Z', '202611231030', ['c']))
    const stale = boundary(statement('2026-11-23T09:00:00Z', '202611230915', ['gone']))
    const edit = buildRevocationList({ base, others: [racing, stale], session: session('d1', '10:01:00'), now: at('10:09:00'), kind: 'boundary' })
    expect(edit?.document.Statement.slice(1)).toEqual([
      statement('2026-11-23T10:07:00Z', '202611231020', ['a', 'b', 'd1']),
      statement('2026-11-23T10:08:00Z', '202611231030', ['c'])
    ])
  })

  it('merges without a session of its own, and leaves a document with nothing new as it was', () => {
    const base = boundary(statement('2026-11-23T10:07:00Z', '202611231016', ['a']))
    expect(buildRevocationList({ base, others: [base], now: at('10:09:00'), kind: 'boundary' })?.json).toBe(JSON.stringify(base))
  })

  it('keeps other statements in place, and writes in the same order whatever the order of the versions', () => {
    const custom = { Sid: 'DenyBilling', Effect: 'Deny', Action: 'aws-portal:*', Resource: '*' }
    const base = boundary(custom)
    const v1 = boundary(statement('2026-11-23T10:07:00Z', '202611231016', ['a']))
    const v2 = boundary(statement('2026-11-23T10:06:00Z', '202611231020', ['b', 'c']))
    const one = buildRevocationList({ base, others: [v1, v2], session: session('d1', '10:01:00'), now: at('10:09:00'), kind: 'boundary' })
    const other = buildRevocationList({ base, others: [v2, v1], session: session('d1', '10:01:00'), now: at('10:09:00'), kind: 'boundary' })
    expect(one?.json).toBe(other?.json)
    expect(one?.document.Statement.slice(0, 2)).toEqual([ALLOW_ALL, custom])
  })

  it('keeps statements of the first version of the action until they expire', () => {
    const legacy = {
      Sid: 'JitRevokedUntil202611231015',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:userid': ['AROAEXAMPLEEXAMPLE1:gh-1-1-aaaaaaaa'] }, DateLessThan: { 'aws:TokenIssueTime': '2026-11-23T10:00:01Z' } }
    }
    expect(add(boundary(legacy), session('n1', '10:00:00'), '10:19:59').document.Statement).toContainEqual(legacy)
    expect(add(boundary(legacy), session('n1', '10:00:00'), '10:20:01').pruned).toEqual(['JitRevokedUntil202611231015'])
  })

  it('returns nothing when the session does not fit, and leaves out entries of other versions that do not', () => {
    const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `gh-${prefix}${String(i).padStart(6, '0')}-1-0c7f3780`)
    const filled = (n: number): PolicyDocument => boundary(statement('2026-11-23T10:07:00Z', '202611231016', names('1', n)))
    let n = 1
    while (JSON.stringify(filled(n + 1)).length <= MAX_POLICY_CHARACTERS) n++
    // One more entry of the same length would not fit: neither does the session.
    const tryAdd = (base: PolicyDocument) => buildRevocationList({ base, others: [], session: session('gh-2999999-1-0c7f3780', '10:01:00'), now: at('10:09:00'), kind: 'boundary' })
    expect(tryAdd(filled(n))).toBeUndefined()
    expect(tryAdd(filled(n - 1))?.size).toBe(JSON.stringify(filled(n)).length)

    const room = boundary(statement('2026-11-23T10:07:00Z', '202611231016', names('1', 150)))
    const crowded = boundary(statement('2026-11-23T10:07:00Z', '202611231016', names('2', 150)))
    const edit = buildRevocationList({ base: room, others: [crowded], session: session('gh-9-1-0c7f3780', '10:01:00'), now: at('10:09:00'), kind: 'boundary' })
    expect(edit?.leftOut).toBe(150)
    expect(edit && listsSession(edit.document, session('gh-9-1-0c7f3780', '10:01:00'))).toBe(true)
    expect(edit?.size).toBeLessThanOrEqual(MAX_POLICY_CHARACTERS)
  })

  it('refuses a boundary without an Allow statement (it would deny everything)', () => {
    expect(() => add({ Version: '2012-10-17', Statement: [PLACEHOLDER] }, session('a1', '10:00:00'), '10:05:00')).toThrow(/no Allow statement/)
  })

  it('refuses an attached list that holds an Allow statement (it would grant access)', () => {
    expect(() => add(boundary(), session('a1', '10:00:00'), '10:05:00', { kind: 'attached' })).toThrow(/attached to the role, where an Allow grants access/)
    expect(add(attached(), session('a1', '10:00:00'), '10:05:00', { kind: 'attached' }).document.Statement[0]).toEqual(PLACEHOLDER)
  })

  it.each([
    ['an Allow', { ...statement('2026-11-23T10:07:00Z', '202611231016', ['a']), Effect: 'Allow' }],
    ['some actions only', { ...statement('2026-11-23T10:07:00Z', '202611231016', ['a']), Action: 's3:*' }],
    ['a B that differs from its Sid', { ...statement('2026-11-23T10:07:00Z', '202611231016', ['a']), Sid: 'JitRevokedBefore20261123100800Until202611231016' }],
    ['an extra condition', { ...statement('2026-11-23T10:07:00Z', '202611231016', ['a']), Condition: { StringLike: { 'aws:userid': ['*:a'] }, DateLessThan: { 'aws:TokenIssueTime': '2026-11-23T10:07:00Z' }, Bool: { 'aws:SecureTransport': 'true' } } }],
    ['a Sid of our prefix it cannot read', { Sid: 'JitRevokedSomething', Effect: 'Deny', Action: '*', Resource: '*' }]
  ] as Array<[string, Record<string, unknown>]>)('refuses a revocation statement with %s, naming it', (_what, bad) => {
    expect(() => add(boundary(bad), session('n1', '10:00:00'), '10:09:00')).toThrow(new RevocationListError(
      `statement ${String(bad.Sid)} is not a revocation statement as the action writes it; remove it by hand (its sessions expire by the minute its Sid names)`
    ))
  })
})

describe('parsePolicyDocument', () => {
  it('accepts a single statement object as a list of one', () => {
    expect(parsePolicyDocument('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}').Statement).toHaveLength(1)
  })
  it.each([
    ['not JSON', '{', 'the revocation policy is not valid JSON'],
    ['an array', '[]', 'the revocation policy is not a JSON object'],
    ['no statements', '{"Version":"2012-10-17"}', 'the revocation policy has no list of statements'],
    ['a statement that is a string', '{"Statement":["x"]}', 'the revocation policy has no list of statements']
  ])('refuses %s', (_what, text, message) => {
    expect(() => parsePolicyDocument(text)).toThrow(new RevocationListError(message))
  })
})
