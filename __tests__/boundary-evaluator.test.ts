// The independent IAM evaluator in helpers/boundary.ts judges what the action writes into the role's
// permissions boundary and its deny-only managed policies ("shards"). These tests pin its semantics to
// IAM's for that subset, so a wrong evaluator cannot make a wrong revocation look right.
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { allowsAnything, deniedBy, deniesSession, hasAllow, roleDeniesSession, stringLike, type SessionContext } from './helpers/boundary.js'

const ROLE = 'arn:aws:iam::111122223333:role/jit/deploy'
const NAME = 'gh-12345678901-1-0c7f3780'
const SESSION: SessionContext = { roleArn: ROLE, userId: `AROAEXAMPLEEXAMPLE1:${NAME}`, tokenIssueTime: '2026-11-23T10:00:00Z' }
const ALLOW_ALL = { Sid: 'AllowAll', Effect: 'Allow', Action: '*', Resource: '*' }
const PLACEHOLDER = { Sid: 'JitRevocationList', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:userid': 'jit-credentials:no-session' } } }

const doc = (...statements: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement: statements })
const deny = (condition: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ Sid: 'D', Effect: 'Deny', Action: '*', Resource: '*', Condition: condition, ...extra })
/** A deny on aws:userid with one operator, and nothing else. */
const denyUser = (operator: string, values: string | string[], version = '2012-10-17') =>
  ({ Version: version, Statement: [deny({ [operator]: { 'aws:userid': values } })] })
const likeDenies = (pattern: string, userId: string): boolean => deniesSession(denyUser('StringLike', pattern), { userId, tokenIssueTime: SESSION.tokenIssueTime })
const equalsDenies = (value: string, userId: string): boolean => deniesSession(denyUser('StringEquals', value), { userId, tokenIssueTime: SESSION.tokenIssueTime })

/** The statement the action writes: sessions by name pattern, issued before the cut-off. */
const revoked = (sid: string, patterns: string[], before: string) =>
  deny({ StringLike: { 'aws:userid': patterns }, DateLessThan: { 'aws:TokenIssueTime': before } }, { Sid: sid })

describe('StringLike', () => {
  it('"*" matches any run of characters, including none, "/" and ":"', () => {
    expect(likeDenies('*:gh-1', 'AROAX:gh-1')).toBe(true)
    expect(likeDenies('*:gh-1', ':gh-1')).toBe(true)
    expect(likeDenies('*:gh-1', 'a/b:c/d:gh-1')).toBe(true)
    expect(likeDenies('AROA*gh-1', 'AROA:x/y:gh-1')).toBe(true)
    expect(stringLike('*', '')).toBe(true)
    expect(() => likeDenies('*', '')).toThrow(/userId must be a non-empty string/)
    expect(likeDenies('a*b*c', 'abc')).toBe(true)
    expect(likeDenies('a*b*c', 'acb')).toBe(false)
    expect(likeDenies('**', 'x')).toBe(true)
  })

  it('matches the whole value, not a substring', () => {
    expect(likeDenies('*:gh-1', 'AROAX:gh-12')).toBe(false)
    expect(likeDenies('*:gh-1', 'AROAX:gh-1:x')).toBe(false)
    expect(likeDenies('AROAX:*', 'xAROAX:gh-1')).toBe(false)
    expect(likeDenies('gh-1', 'AROAX:gh-1')).toBe(false)
  })

  it('"?" matches exactly one character (also "/" and ":")', () => {
    expect(likeDenies('AROA?:gh', 'AROAX:gh')).toBe(true)
    expect(likeDenies('AROA?:gh', 'AROA::gh')).toBe(true)
    expect(likeDenies('AROA?:gh', 'AROA/:gh')).toBe(true)
    expect(likeDenies('AROA?:gh', 'AROA:gh')).toBe(false)
    expect(likeDenies('AROA?:gh', 'AROAXY:gh')).toBe(false)
    expect(likeDenies('???', 'abc')).toBe(true)
    expect(likeDenies('???', 'ab')).toBe(false)
    expect(likeDenies('*?', 'a')).toBe(true)
    expect(likeDenies('?*?', 'a')).toBe(false)
  })

  it('other characters are literal, regular-expression syntax included', () => {
    expect(likeDenies('*:gh-1.2', 'A:gh-1.2')).toBe(true)
    expect(likeDenies('*:gh-1.2', 'A:gh-1x2')).toBe(false)
    expect(likeDenies('*:a+', 'A:aa')).toBe(false)
    expect(likeDenies('*:a+', 'A:a+')).toBe(true)
    expect(likeDenies('*:[ab]', 'A:a')).toBe(false)
    expect(likeDenies('*:[ab]', 'A:[ab]')).toBe(true)
    expect(likeDenies('^A.*$', 'AB')).toBe(false)
    expect(likeDenies('^A.*$', '^A.xyz$')).toBe(true)
    expect(likeDenies('a\\*', 'a\\xyz')).toBe(true) // backslash does not escape
    expect(likeDenies('a\\*', 'a*')).toBe(false)
    expect(likeDenies('a|b', 'a')).toBe(false)
  })

  it('"${*}", "${?}" and "${$}" are the literal characters in a 2012-10-17 document', () => {
    expect(likeDenies('a${*}', 'a*')).toBe(true)
    expect(likeDenies('a${*}', 'ab')).toBe(false)
    expect(likeDenies('a${?}', 'a?')).toBe(true)
    expect(likeDenies('a${?}', 'ab')).toBe(false)
    expect(likeDenies('a${$}b', 'a$b')).toBe(true)
    expect(likeDenies('a${$}{x}', 'a${x}')).toBe(true)
    expect(likeDenies('${*}*', '*anything')).toBe(true)
    expect(likeDenies('${*}*', 'anything')).toBe(false)
    expect(likeDenies('a$b', 'a$b')).toBe(true) // a "$" not opening "${" is just a character
    expect(equalsDenies('a${*}', 'a*')).toBe(true)
    expect(equalsDenies('a${*}', 'a${*}')).toBe(false)
  })

  it('without Version IAM substitutes nothing: "${...}" is literal text, wildcards still work', () => {
    const old = (pattern: string, userId: string, version?: string) => {
      const d = denyUser('StringLike', pattern)
      const policy = version === undefined ? { Statement: d.Statement } : { ...d, Version: version }
      return deniesSession(policy, { userId, tokenIssueTime: SESSION.tokenIssueTime })
    }
    expect(old('a${*}', 'a${*}')).toBe(true)
    expect(old('a${*}', 'a*')).toBe(false)
    expect(old('a${aws:username}', 'a${aws:username}')).toBe(true)
    expect(old('*:gh', 'A:gh', '2008-10-17')).toBe(true)
    expect(() => old('*', 'x', '2012-10-18')).toThrow(/unknown policy Version/)
  })

  it('throws on any other policy variable, and on an unclosed "${"', () => {
    for (const pattern of ['${aws:username}', '*:${aws:userid}', "${aws:username, 'x'}", 'a${', 'a${*', '${}']) {
      expect(() => likeDenies(pattern, 'AROAX:gh-1')).toThrow(/policy variable/)
    }
    expect(() => equalsDenies('${aws:userid}', 'AROAX:gh-1')).toThrow(/policy variable/)
  })

  it('is case-sensitive in values', () => {
    expect(likeDenies('*:GH-1', 'AROAX:gh-1')).toBe(false)
    expect(likeDenies('aroa*', 'AROAX:gh-1')).toBe(false)
    expect(equalsDenies('aroax:gh-1', 'AROAX:gh-1')).toBe(false)
    expect(equalsDenies('AROAX:gh-1', 'AROAX:gh-1')).toBe(true)
  })

  it('compares code points: "?" is one astral character, not half of one', () => {
    expect(stringLike('a?b', 'a\u{1F600}b')).toBe(true)
    expect(stringLike('a??b', 'a\u{1F600}b')).toBe(false)
  })

  it('does not backtrack exponentially', () => {
    const pattern = `${'*a'.repeat(30)}*b`
    const text = 'a'.repeat(20_000)
    const started = performance.now()
    expect(stringLike(pattern, text)).toBe(false)
    expect(stringLike(pattern, `${text}b`)).toBe(true)
    expect(performance.now() - started).toBeLessThan(2_000)
  })
})

describe('StringEquals', () => {
  it('is an exact comparison: wildcards are literal', () => {
    expect(equalsDenies('*', 'AROAX:gh-1')).toBe(false)
    expect(equalsDenies('*:gh-1', 'AROAX:gh-1')).toBe(false)
    expect(equalsDenies('AROAX:gh-?', 'AROAX:gh-1')).toBe(false)
    expect(equalsDenies('AROAX:gh-?', 'AROAX:gh-?')).toBe(true)
    expect(equalsDenies('AROAX:gh-1', 'AROAX:gh-1 ')).toBe(false)
  })
})

describe('conditions', () => {
  it('condition keys are case-insensitive; operator names are not', () => {
    for (const key of ['aws:userid', 'AWS:UserId', 'Aws:USERID']) {
      expect(deniesSession(doc(deny({ StringLike: { [key]: `*:${NAME}` }, DateLessThan: { 'AWS:TOKENISSUETIME': '2026-11-23T10:03:00Z' } })), SESSION)).toBe(true)
    }
    expect(() => deniesSession(doc(deny({ stringlike: { 'aws:userid': '*' } })), SESSION)).toThrow(/uses condition stringlike aws:userid/)
    expect(() => deniesSession(doc(deny({ StringLike: { 'aws:userid': 'a', 'AWS:UserId': 'b' } })), SESSION)).toThrow(/twice/)
  })

  it('DateLessThan is strict: a token issued at the cut-off is not before it', () => {
    const at = (tokenIssueTime: string | Date, before: string | number) =>
      deniesSession(doc(deny({ DateLessThan: { 'aws:TokenIssueTime': before } })), { userId: SESSION.userId, tokenIssueTime })
    expect(at('2026-11-23T10:02:59Z', '2026-11-23T10:03:00Z')).toBe(true)
    expect(at('2026-11-23T10:02:59.999Z', '2026-11-23T10:03:00Z')).toBe(true)
    expect(at('2026-11-23T10:03:00Z', '2026-11-23T10:03:00Z')).toBe(false)
    expect(at(new Date('2026-11-23T10:03:00.000Z'), '2026-11-23T10:03:00Z')).toBe(false)
    expect(at('2026-11-23T10:03:01Z', '2026-11-23T10:03:00Z')).toBe(false)
    const epoch = Date.parse('2026-11-23T10:03:00Z') / 1000
    expect(at('2026-11-23T10:02:59Z', epoch)).toBe(true)
    expect(at('2026-11-23T10:03:00Z', String(epoch))).toBe(false)
    expect(at('2026-11-23T11:02:59+01:00', '2026-11-23T10:03:00Z')).toBe(true) // offsets are instants
    expect(at('2026-11-23T11:03:00+01:00', '2026-11-23T10:03:00Z')).toBe(false)
  })

  it('refuses dates that would be read in local time or by Date.parse guesswork', () => {
    const at = (before: string) => () => deniesSession(doc(deny({ DateLessThan: { 'aws:TokenIssueTime': before } })), SESSION)
    expect(at('2026-11-23T10:03:00')).toThrow(/not a date/)
    expect(at('Nov 23 2026')).toThrow(/not a date/)
    expect(() => deniesSession(doc(), { ...SESSION, tokenIssueTime: new Date(Number.NaN) })).toThrow(/tokenIssueTime is not a date/)
  })

  it('ANDs operator/key pairs and ORs the values of one key', () => {
    const both = (patterns: string[], before: string[]) =>
      deniesSession(doc(deny({ StringLike: { 'aws:userid': patterns }, DateLessThan: { 'aws:TokenIssueTime': before } })), SESSION)
    expect(both(['*:someone-else', `*:${NAME}`], ['2026-11-23T10:03:00Z'])).toBe(true)
    expect(both(['*:someone-else'], ['2026-11-23T10:03:00Z'])).toBe(false) // the name fails, the date holds
    expect(both([`*:${NAME}`], ['2026-11-23T09:00:00Z'])).toBe(false) // the name holds, the date fails
    expect(both([`*:${NAME}`], ['2026-11-23T09:00:00Z', '2026-11-23T10:03:00Z'])).toBe(true)
    // StringEquals and StringLike on the same key are ANDed too
    const mixed = (equals: string) => deniesSession(doc(deny({ StringEquals: { 'aws:userid': equals }, StringLike: { 'aws:userid': `*:${NAME}` } })), SESSION)
    expect(mixed(SESSION.userId)).toBe(true)
    expect(mixed(`AROAOTHER:${NAME}`)).toBe(false)
  })

  it('a Deny without Condition always applies; an empty Condition applies too', () => {
    expect(deniesSession(doc({ Effect: 'Deny', Action: '*', Resource: '*' }), SESSION)).toBe(true)
    expect(deniesSession(doc({ Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: {} }), SESSION)).toBe(true)
  })

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['StringNotLike', { StringNotLike: { 'aws:userid': 'x' } }, /uses condition StringNotLike aws:userid/],
    ['StringEqualsIgnoreCase', { StringEqualsIgnoreCase: { 'aws:userid': 'x' } }, /uses condition/],
    ['StringLikeIfExists', { StringLikeIfExists: { 'aws:userid': '*' } }, /uses condition/],
    ['ForAnyValue:StringLike', { 'ForAnyValue:StringLike': { 'aws:userid': '*' } }, /uses condition/],
    ['StringLike on another key', { StringLike: { 'aws:PrincipalArn': '*' } }, /uses condition StringLike aws:PrincipalArn/],
    ['DateGreaterThan', { DateGreaterThan: { 'aws:TokenIssueTime': '2026-01-01T00:00:00Z' } }, /uses condition/],
    ['DateLessThan on another key', { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } }, /uses condition/],
    ['Bool', { Bool: { 'aws:MultiFactorAuthPresent': 'true' } }, /uses condition/],
    ['an unsupported pair after a non-matching one', { StringLike: { 'aws:userid': 'nobody' }, NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 } }, /uses condition NumericLessThan/],
    ['non-string values', { StringLike: { 'aws:userid': [1] } }, /values must be strings/],
    ['an empty value list', { StringLike: { 'aws:userid': [] } }, /no values/],
    ['an empty operator block', { StringLike: {} }, /no condition keys/]
  ])('throws on %s', (_what, condition, message) => {
    expect(() => deniesSession(doc(ALLOW_ALL, deny(condition)), SESSION)).toThrow(message)
  })

  it('still throws on an unsupported condition in a Deny that does not cover everything', () => {
    expect(() => deniesSession(doc(deny({ StringNotLike: { 'aws:userid': 'x' } }, { Action: 's3:*' })), SESSION)).toThrow(/uses condition/)
  })
})

describe('statements', () => {
  it('a statement listing only other sessions does not deny', () => {
    const policy = doc(ALLOW_ALL, revoked('JitRevokedBefore20261123100300Until202611231020', ['*:gh-12345678902-1-1a2b3c4d', `*:${NAME}x`, `*:x${NAME}`], '2026-11-23T10:03:00Z'))
    expect(deniesSession(policy, SESSION)).toBe(false)
    expect(deniesSession(policy, { ...SESSION, userId: 'AROAEXAMPLEEXAMPLE1:gh-12345678902-1-1a2b3c4d' })).toBe(true)
  })

  it('a Deny limited to some actions or resources is not a session denial', () => {
    const cond = { StringLike: { 'aws:userid': `*:${NAME}` } }
    expect(deniesSession(doc(deny(cond, { Action: 's3:*' })), SESSION)).toBe(false)
    expect(deniesSession(doc(deny(cond, { Action: ['iam:*', 'sts:*'] })), SESSION)).toBe(false)
    expect(deniesSession(doc(deny(cond, { Resource: 'arn:aws:s3:::bucket/*' })), SESSION)).toBe(false)
    expect(deniesSession(doc(deny(cond, { Action: ['s3:*', '*'], Resource: ['arn:aws:s3:::b', '*'] })), SESSION)).toBe(true)
    expect(deniesSession(doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: cond }), SESSION)).toBe(false)
  })

  it('throws on NotAction, NotResource, Principal, an odd Effect and non-documents', () => {
    expect(() => deniesSession(doc({ Effect: 'Deny', NotAction: 'iam:*', Resource: '*' }), SESSION)).toThrow(/NotAction/)
    expect(() => deniesSession(doc({ Effect: 'Deny', Action: '*', NotResource: 'x' }), SESSION)).toThrow(/NotResource/)
    expect(() => deniesSession(doc({ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }), SESSION)).toThrow(/Principal/)
    expect(() => deniesSession(doc({ Effect: 'deny', Action: '*', Resource: '*' }), SESSION)).toThrow(/Effect "deny"/)
    expect(() => deniesSession({ Version: '2012-10-17' }, SESSION)).toThrow(/no Statement/)
    expect(() => deniesSession(doc('x' as unknown as Record<string, unknown>), SESSION)).toThrow(/not an object/)
  })

  it('reads JSON text and a single Statement object', () => {
    const statement = revoked('S', [`*:${NAME}`], '2026-11-23T10:03:00Z')
    expect(deniesSession(JSON.stringify(doc(statement)), SESSION)).toBe(true)
    expect(deniesSession({ Version: '2012-10-17', Statement: statement }, SESSION)).toBe(true)
  })

  it('older documents: StringEquals with full user ids', () => {
    const policy = doc(ALLOW_ALL, deny({ StringEquals: { 'aws:userid': ['AROAOTHER:x', SESSION.userId] }, DateLessThan: { 'aws:TokenIssueTime': '2026-11-23T10:03:00Z' } }))
    expect(deniesSession(policy, SESSION)).toBe(true)
    expect(deniesSession(policy, { ...SESSION, userId: `AROAOTHERROLE:${NAME}` })).toBe(false)
  })
})

describe('roles: boundary and attached shards', () => {
  const boundary = doc(ALLOW_ALL, revoked('JitRevokedBefore20261123100000Until202611231015', ['*:gh-1-1-aaaa'], '2026-11-23T10:00:00Z'))
  const shard1 = doc(PLACEHOLDER)
  const shard2 = doc(PLACEHOLDER, revoked('JitRevokedBefore20261123100300Until202611231020', [`*:${NAME}`, '*:gh-12345678902-1-1a2b3c4d'], '2026-11-23T10:03:00Z'))
  const role = { roleArn: ROLE, policies: [boundary, shard1, JSON.stringify(shard2)] }

  it('a role denies the session when any of its policies does, and names the statements', () => {
    expect(roleDeniesSession(role, SESSION)).toBe(true)
    expect(deniedBy(role.policies, SESSION)).toEqual(['JitRevokedBefore20261123100300Until202611231020'])
    const early = { ...SESSION, userId: 'AROAEXAMPLEEXAMPLE1:gh-1-1-aaaa', tokenIssueTime: '2026-11-23T09:00:00Z' }
    expect(deniedBy(role.policies, early)).toEqual(['JitRevokedBefore20261123100000Until202611231015'])
    expect(roleDeniesSession(role, early)).toBe(true)
  })

  it('collects every denying statement across policies, in order', () => {
    const both = { ...SESSION, tokenIssueTime: '2026-11-23T09:00:00Z' }
    const policies = [doc(ALLOW_ALL, revoked('A', ['*'], '2026-11-23T10:00:00Z')), shard2]
    expect(deniedBy(policies, both)).toEqual(['A', 'JitRevokedBefore20261123100300Until202611231020'])
  })

  it('the placeholder denies nobody, and no policy denies a session of another name or a later one', () => {
    expect(roleDeniesSession({ policies: [shard1] }, SESSION)).toBe(false)
    expect(roleDeniesSession(role, { ...SESSION, userId: 'AROAEXAMPLEEXAMPLE1:gh-99-1-ffff' })).toBe(false)
    expect(roleDeniesSession(role, { ...SESSION, tokenIssueTime: '2026-11-23T10:03:00Z' })).toBe(false)
    expect(deniedBy(role.policies, { ...SESSION, userId: 'AROAEXAMPLEEXAMPLE1:gh-99-1-ffff' })).toEqual([])
    expect(roleDeniesSession({ policies: [] }, SESSION)).toBe(false)
  })

  it('evaluates every policy: an unsupported construct in a later one throws even after a denial', () => {
    const odd = doc(deny({ StringNotEquals: { 'aws:userid': 'x' } }))
    expect(() => roleDeniesSession({ policies: [shard2, odd] }, SESSION)).toThrow(/StringNotEquals/)
    expect(() => roleDeniesSession({ policies: [shard2, { Version: '2012-10-17' }] }, SESSION)).toThrow(/no Statement/)
  })

  it("another role's policies never deny this session", () => {
    const other = { roleArn: 'arn:aws:iam::111122223333:role/other', policies: role.policies }
    expect(roleDeniesSession(other, SESSION)).toBe(false)
    expect(roleDeniesSession({ ...other, roleArn: 'arn:aws:iam::444455556666:role/jit/deploy' }, SESSION)).toBe(false)
    // the same role named by its ARN or by the session's assumed-role ARN
    expect(roleDeniesSession(role, { ...SESSION, roleArn: `arn:aws:sts::111122223333:assumed-role/deploy/${NAME}` })).toBe(true)
    expect(roleDeniesSession({ ...role, roleArn: 'arn:aws:iam::111122223333:role/deploy' }, SESSION)).toBe(true)
    expect(() => roleDeniesSession({ ...role, roleArn: 'deploy' }, SESSION)).toThrow(/not a role or assumed-role ARN/)
  })
})

describe('allowsAnything and hasAllow', () => {
  it('allowsAnything needs an unconditional Allow of Action * on Resource *', () => {
    expect(allowsAnything(doc(ALLOW_ALL, PLACEHOLDER))).toBe(true)
    expect(allowsAnything(doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }))).toBe(false)
    expect(allowsAnything(doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }))).toBe(false)
    expect(allowsAnything(doc(PLACEHOLDER))).toBe(false)
  })

  it('hasAllow finds any Allow statement; a deny-only shard has none', () => {
    expect(hasAllow(doc(PLACEHOLDER, revoked('S', ['*:x'], '2026-11-23T10:03:00Z')))).toBe(false)
    expect(hasAllow(doc(PLACEHOLDER, { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }))).toBe(true)
    expect(hasAllow(JSON.stringify(doc(ALLOW_ALL)))).toBe(true)
    expect(hasAllow({ Statement: [] })).toBe(false)
  })
})

describe('property: StringLike "*:" + name denies exactly the user ids ending in ":" + name', () => {
  const NAME_CHARS = /^[A-Za-z0-9_+=,.@-]{2,64}$/
  const name = fc.stringMatching(NAME_CHARS)
  const roleId = fc.stringMatching(/^AROA[A-Z0-9]{4,17}$/)
  const reference = (sessionName: string, userId: string) => userId.endsWith(`:${sessionName}`)

  it('for the name itself and near misses', () => {
    const userIdFor = (n: string) => fc.oneof(
      roleId.map((r) => `${r}:${n}`), // the session itself
      fc.tuple(roleId, name).map(([r, other]) => `${r}:${other}`), // another session
      fc.tuple(roleId, fc.string({ maxLength: 4 })).map(([r, extra]) => `${r}:${n}${extra}`), // name as a prefix
      fc.tuple(roleId, fc.string({ maxLength: 4 })).map(([r, extra]) => `${r}:${extra}${n}`), // name as a suffix, maybe after ":"
      fc.tuple(roleId, fc.nat({ max: n.length - 1 })).map(([r, i]) => `${r}:${n.slice(0, i)}${n.slice(i + 1)}`), // one character dropped
      fc.tuple(roleId, fc.nat({ max: n.length - 1 })).map(([r, i]) => `${r}:${n.slice(0, i)}${n[i] === 'a' ? 'A' : 'a'}${n.slice(i + 1)}`), // one changed
      fc.string({ minLength: 1, maxLength: 80 }) // anything
    )
    fc.assert(
      fc.property(name.chain((n) => fc.tuple(fc.constant(n), userIdFor(n))), ([n, userId]) => {
        expect(likeDenies(`*:${n}`, userId)).toBe(reference(n, userId))
      }),
      { numRuns: 300 }
    )
  })

  it('and the full revocation statement adds only the issue-time cut-off', () => {
    fc.assert(
      fc.property(name, roleId, fc.integer({ min: -3, max: 3 }), (n, r, offset) => {
        const cutOff = Date.parse('2026-11-23T10:03:00Z')
        const session = { userId: `${r}:${n}`, tokenIssueTime: new Date(cutOff + offset * 1000) }
        const policy = doc(PLACEHOLDER, revoked('S', [`*:${n}`], '2026-11-23T10:03:00Z'))
        expect(deniesSession(policy, session)).toBe(offset < 0)
        expect(deniesSession(policy, { ...session, userId: `${r}:${n}-x` })).toBe(false)
      }),
      { numRuns: 100 }
    )
  })
})
