// The revocation list edit is pure: document in, document out. These tests pin what IAM will enforce.
import { describe, expect, it } from '@jest/globals'
import {
  MAX_POLICY_CHARACTERS,
  type PolicyDocument,
  addRevocation,
  listsSession,
  RevocationListError,
  parsePolicyDocument,
  revocationSid
} from '../src/aws/revocation.js'

const NOW = new Date('2026-11-23T10:00:00.400Z')
const ALLOW_ALL = { Sid: 'AllowAll', Effect: 'Allow', Action: '*', Resource: '*' }
const boundary = (...statements: Record<string, unknown>[]): PolicyDocument => ({ Version: '2012-10-17', Statement: [ALLOW_ALL, ...statements] })
const session = (name: string, expiresAt: string) => ({ userId: `AROAEXAMPLEEXAMPLE1:${name}`, expiresAt: new Date(expiresAt) })
const revoked = (sid: string, users: string[], before: string) => ({
  Sid: sid,
  Effect: 'Deny',
  Action: '*',
  Resource: '*',
  Condition: { StringEquals: { 'aws:userid': users }, DateLessThan: { 'aws:TokenIssueTime': before } }
})

describe('revocationSid', () => {
  it.each([
    ['2026-11-23T10:15:00.000Z', 'JitRevokedUntil202611231015'],
    ['2026-11-23T10:15:00.001Z', 'JitRevokedUntil202611231016'],
    ['2026-11-23T10:14:59.000Z', 'JitRevokedUntil202611231015'],
    ['2026-12-31T23:59:30.000Z', 'JitRevokedUntil202701010000']
  ])('names the expiry minute of %s, rounded up: %s', (expiry, sid) => {
    expect(revocationSid(new Date(expiry))).toBe(sid)
  })
})

describe('addRevocation', () => {
  it('adds a deny statement for the session, limited to credentials issued before the revocation', () => {
    const edit = addRevocation(boundary(), session('gh-1-1-aaaaaaaa', '2026-11-23T10:15:00Z'), NOW)
    expect(edit.changed).toBe(true)
    expect(edit.document.Statement).toEqual([
      ALLOW_ALL,
      revoked('JitRevokedUntil202611231015', ['AROAEXAMPLEEXAMPLE1:gh-1-1-aaaaaaaa'], '2026-11-23T10:00:01Z')
    ])
    expect(JSON.parse(edit.json)).toEqual(edit.document)
    expect(edit.json).not.toMatch(/\s/)
    expect(edit.size).toBe(edit.json.length)
  })

  it('adds a session expiring in the same minute to that statement, and moves its time limit forward', () => {
    const first = addRevocation(boundary(), session('a1', '2026-11-23T10:14:10Z'), NOW)
    const second = addRevocation(first.document, session('b2', '2026-11-23T10:14:50Z'), new Date('2026-11-23T10:03:00Z'))
    expect(second.document.Statement).toEqual([
      ALLOW_ALL,
      revoked('JitRevokedUntil202611231015', ['AROAEXAMPLEEXAMPLE1:a1', 'AROAEXAMPLEEXAMPLE1:b2'], '2026-11-23T10:03:01Z')
    ])
  })

  it('gives a session of another expiry minute its own statement, appended at the end', () => {
    const first = addRevocation(boundary(), session('a1', '2026-11-23T10:15:00Z'), NOW)
    const second = addRevocation(first.document, session('b2', '2026-11-23T10:45:00Z'), NOW)
    expect(second.document.Statement.map(s => s.Sid)).toEqual(['AllowAll', 'JitRevokedUntil202611231015', 'JitRevokedUntil202611231045'])
  })

  it('is idempotent: a session already listed changes nothing', () => {
    const first = addRevocation(boundary(), session('a1', '2026-11-23T10:15:00Z'), NOW)
    const again = addRevocation(first.document, session('a1', '2026-11-23T10:15:00Z'), new Date('2026-11-23T10:01:00Z'))
    expect(again.changed).toBe(false)
    expect(again.json).toBe(first.json)
  })

  it('drops revocation statements expired more than five minutes ago, and keeps newer ones', () => {
    const doc = boundary(
      revoked('JitRevokedUntil202611230954', ['AROAEXAMPLEEXAMPLE1:old'], '2026-11-23T09:40:00Z'),
      revoked('JitRevokedUntil202611230956', ['AROAEXAMPLEEXAMPLE1:recent'], '2026-11-23T09:41:00Z')
    )
    const edit = addRevocation(doc, session('new', '2026-11-23T10:15:00Z'), NOW)
    expect(edit.pruned).toEqual(['JitRevokedUntil202611230954'])
    expect(edit.document.Statement.map(s => s.Sid)).toEqual(['AllowAll', 'JitRevokedUntil202611230956', 'JitRevokedUntil202611231015'])
  })

  it('leaves every other statement exactly as it was, in place', () => {
    const custom = { Sid: 'NoBilling', Effect: 'Deny', Action: ['aws-portal:*', 'budgets:*'], Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } }
    const unknownJit = { Sid: 'JitRevokedByHand', Effect: 'Deny', Action: '*', Resource: '*' }
    const doc: PolicyDocument = { Version: '2012-10-17', Id: 'boundary', Statement: [custom, ALLOW_ALL, unknownJit] }
    const edit = addRevocation(doc, session('a1', '2026-11-23T10:15:00Z'), NOW)
    expect(edit.document.Statement.slice(0, 3)).toEqual([custom, ALLOW_ALL, unknownJit])
    expect(JSON.stringify(edit.document.Statement.slice(0, 3))).toBe(JSON.stringify([custom, ALLOW_ALL, unknownJit]))
    expect(edit.document.Id).toBe('boundary')
  })

  it('refuses a document without an Allow statement (as a boundary it would deny everything)', () => {
    expect(() => addRevocation({ Version: '2012-10-17', Statement: [] }, session('a1', '2026-11-23T10:15:00Z'), NOW)).toThrow(/no Allow statement/)
  })

  it('refuses to grow past 6,144 characters, whitespace not counted', () => {
    let doc = boundary()
    let added = 0
    const grow = (): void => {
      for (;;) {
        doc = addRevocation(doc, session(`gh-7654321098-1-${String(added).padStart(8, '0')}`, '2026-11-23T10:15:00Z'), NOW).document
        added++
      }
    }
    expect(MAX_POLICY_CHARACTERS).toBe(6144)
    expect(grow).toThrow(
      "the revocation policy would be 6166 characters, over IAM's limit of 6144: too many revoked sessions have not expired yet. " +
        'Shorten role-duration-seconds, or give some roles a revocation policy of their own'
    )
    // 124 sessions of this length fit (each adds 47 characters); the last document that fit holds them all
    expect(added).toBe(124)
    expect(JSON.stringify(doc).length).toBe(6119)
    expect(listsSession(doc, 'AROAEXAMPLEEXAMPLE1:gh-7654321098-1-00000123')).toBe(true)
  })

  it('counts characters without whitespace, as IAM does', () => {
    const padded = boundary({ Sid: 'Pad', Effect: 'Deny', Action: 'x:y', Resource: `arn:aws:s3:::${' '.repeat(7000)}` })
    expect(() => addRevocation(padded, session('a1', '2026-11-23T10:15:00Z'), NOW)).not.toThrow()
  })

  it('refuses a revocation statement it did not write the way it reads', () => {
    const odd = { Sid: 'JitRevokedUntil202611231015', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringLike: { 'aws:userid': '*' } } }
    expect(() => addRevocation(boundary(odd), session('a1', '2026-11-23T10:15:00Z'), NOW)).toThrow(/JitRevokedUntil202611231015 does not list sessions/)
  })
})

describe('addRevocation with concurrent versions', () => {
  it('adds what a concurrent writer listed, keeping ours and the later time limit', () => {
    const ours = addRevocation(boundary(), session('ours', '2026-11-23T10:15:00Z'), NOW).document
    const theirs = addRevocation(boundary(), session('theirs', '2026-11-23T10:14:30Z'), new Date('2026-11-23T10:00:09Z')).document
    const merged = addRevocation(ours, session('ours', '2026-11-23T10:15:00Z'), NOW, [theirs])
    expect(merged.changed).toBe(true)
    expect(merged.document.Statement).toEqual([
      ALLOW_ALL,
      revoked('JitRevokedUntil202611231015', ['AROAEXAMPLEEXAMPLE1:ours', 'AROAEXAMPLEEXAMPLE1:theirs'], '2026-11-23T10:00:10Z')
    ])
  })

  it('does not bring back statements that expired', () => {
    const theirs = boundary(revoked('JitRevokedUntil202611230900', ['AROAEXAMPLEEXAMPLE1:gone'], '2026-11-23T08:50:00Z'))
    const edit = addRevocation(boundary(), session('new', '2026-11-23T10:15:00Z'), NOW, [theirs])
    expect(edit.document.Statement.map(s => s.Sid)).toEqual(['AllowAll', 'JitRevokedUntil202611231015'])
    expect(JSON.stringify(edit.document)).not.toContain('gone')
  })
})

describe('parsePolicyDocument', () => {
  it('accepts a single statement object and returns a list', () => {
    expect(parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement: ALLOW_ALL })).Statement).toEqual([ALLOW_ALL])
  })

  it.each([
    ['not json', 'the revocation policy is not valid JSON'],
    ['[]', 'the revocation policy is not a JSON object'],
    ['{"Version":"2012-10-17"}', 'the revocation policy has no list of statements'],
    ['{"Statement":[1]}', 'the revocation policy has no list of statements']
  ])('refuses %j', (text, problem) => {
    expect(() => parsePolicyDocument(text)).toThrow(new RevocationListError(problem))
  })
})
