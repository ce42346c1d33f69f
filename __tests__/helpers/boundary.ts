// Evaluates IAM policies the way IAM would for one STS role session, limited to what the revocation
// writes (the role's permissions boundary, or deny-only customer-managed policies attached to the role),
// so tests can ask "does the written policy deny this session, and only it?" without trusting the
// action's own parser. Anything outside that subset throws, so a test notices instead of guessing.
//
// IAM semantics used:
// - only Effect "Allow" / "Deny"; a Deny counts as denying a session only when its Action lists "*" and
//   its Resource lists "*" (a Deny limited to some actions or resources is skipped, but its Condition is
//   still checked so an unsupported one anywhere throws); NotAction, NotResource, Principal and
//   NotPrincipal throw;
// - a Deny without Condition always applies; all operator/key pairs of a Condition are ANDed; within one
//   key the values are ORed; condition keys are case-insensitive, operator names are not;
// - StringEquals aws:userid: case-sensitive exact comparison;
// - StringLike aws:userid: case-sensitive; "*" matches any run of characters (including none, and
//   including "/" and ":"), "?" matches exactly one character;
// - in a "2012-10-17" document, "${*}", "${?}" and "${$}" are the literal characters "*", "?" and "$" (in
//   StringEquals and StringLike values alike) and any other "${...}" policy variable throws; without a
//   Version (or with "2008-10-17") IAM does not substitute variables, so "${...}" is literal text;
// - DateLessThan aws:TokenIssueTime: the token was issued strictly before the instant (ISO 8601 with a
//   time zone, a bare date, or epoch seconds); an equal instant is not less.
// Any other operator (StringLike on another key, IfExists, ForAnyValue:, Numeric…, Bool…) throws.
//
// Scope: an identity policy or permissions boundary applies only to the role it is attached to. The
// functions below therefore trust the caller to pass the policies of the session's own role (its
// boundary and every managed policy attached to it); a shared managed policy whose `*:<session-name>`
// pattern would also match a same-named session of another role says nothing about that other role
// unless the policy is attached to it too.

export interface SessionContext {
  /** ARN of the session's role (`arn:aws:iam::…:role/…`) or of the session (`arn:aws:sts::…:assumed-role/…`). */
  roleArn?: string
  /** aws:userid of the session: `AROA…:<session-name>` (STS AssumedRoleId). */
  userId: string
  /** aws:TokenIssueTime: when STS issued the session. */
  tokenIssueTime: string | Date
}

export interface RolePolicies {
  /** Optional ARN of the role; when both it and the session's roleArn are given they must name the same role. */
  roleArn?: string
  /** The role's permissions boundary (if any) and every policy attached to the role, as documents or JSON text. */
  policies: unknown[]
}

type Statement = Record<string, unknown>
interface ParsedPolicy { statements: Statement[], substitutesVariables: boolean }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v])

function parsePolicy(policyDocument: unknown): ParsedPolicy {
  const doc = typeof policyDocument === 'string' ? (JSON.parse(policyDocument) as unknown) : policyDocument
  if (!isObject(doc) || !('Statement' in doc)) throw new Error('boundary: not a policy document (no Statement)')
  if ('Version' in doc && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') {
    throw new Error(`boundary: unknown policy Version ${JSON.stringify(doc.Version)}`)
  }
  const statements = asList(doc.Statement)
  for (const s of statements) {
    if (!isObject(s)) throw new Error(`boundary: statement is not an object: ${JSON.stringify(s)}`)
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new Error(`boundary: statement ${sidOf(s)} has Effect ${JSON.stringify(s.Effect)}`)
  }
  return { statements: statements as Statement[], substitutesVariables: doc.Version === '2012-10-17' }
}

const sidOf = (s: Statement): string => (typeof s.Sid === 'string' ? s.Sid : JSON.stringify(s))

/** Action (not NotAction) lists "*", and Resource (not NotResource) lists "*". */
function coversEverything(s: Statement): boolean {
  if ('NotAction' in s || 'NotResource' in s || 'Principal' in s || 'NotPrincipal' in s) {
    throw new Error(`boundary: statement ${sidOf(s)} uses NotAction/NotResource/Principal, which this helper does not evaluate`)
  }
  return asList(s.Action).includes('*') && asList(s.Resource).includes('*')
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/

function parseDate(value: unknown, what: string): number {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error(`boundary: ${what} is not a date: Invalid Date`)
    return value.getTime()
  }
  if ((typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && /^\d{1,12}$/.test(value))) return Number(value) * 1000
  // Date.parse alone would take "Jan 1 2026" and read a zone-less date-time as local time
  const ms = typeof value === 'string' && ISO_8601.test(value) ? Date.parse(value) : Number.NaN
  if (Number.isNaN(ms)) throw new Error(`boundary: ${what} is not a date: ${String(value)}`)
  return ms
}

// ---------------------------------------------------------------------------------------------
// Patterns: a value is read into tokens once, then matched without any RegExp built from its text.
// ---------------------------------------------------------------------------------------------

type Token = { kind: 'char', char: string } | { kind: 'star' } | { kind: 'one' }

const LITERAL_VARIABLES: Record<string, string> = { '${*}': '*', '${?}': '?', '${$}': '$' }

/**
 * Reads a condition value into tokens. With `wildcards`, a bare "*" / "?" is a wildcard; otherwise it is
 * literal. With `variables` (Version 2012-10-17), "${*}", "${?}", "${$}" are literals and any other
 * "${" throws. Characters are code points, as IAM compares strings.
 */
function tokenize(value: string, wildcards: boolean, variables: boolean, where: string): Token[] {
  const chars = Array.from(value)
  const tokens: Token[] = []
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!
    if (variables && c === '$' && chars[i + 1] === '{') {
      const special = chars.slice(i, i + 4).join('')
      const literal = LITERAL_VARIABLES[special]
      if (literal === undefined) throw new Error(`boundary: ${where}: policy variable in ${JSON.stringify(value)} is not supported by this helper`)
      tokens.push({ kind: 'char', char: literal })
      i += 3
    } else if (wildcards && c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' }) // "**" matches what "*" does
    } else if (wildcards && c === '?') {
      tokens.push({ kind: 'one' })
    } else {
      tokens.push({ kind: 'char', char: c })
    }
  }
  return tokens
}

/**
 * Glob match of tokens against the whole text: greedy scan that, on a mismatch, retries from the most
 * recent "*" one character further. Never exponential: at most O(pattern × text) steps.
 */
function matchTokens(tokens: Token[], text: string): boolean {
  const chars = Array.from(text)
  let p = 0
  let t = 0
  let starP = -1
  let starT = 0
  while (t < chars.length) {
    const token = tokens[p]
    if (token !== undefined && (token.kind === 'one' || (token.kind === 'char' && token.char === chars[t]))) {
      p++
      t++
    } else if (token?.kind === 'star') {
      starP = p++
      starT = t
    } else if (starP >= 0) {
      p = starP + 1
      t = ++starT
    } else {
      return false
    }
  }
  while (tokens[p]?.kind === 'star') p++
  return p === tokens.length
}

/** IAM StringLike of one pattern against a value (exported for tests of the matcher itself). */
export function stringLike(pattern: string, value: string, options: { policyVariables?: boolean } = {}): boolean {
  return matchTokens(tokenize(pattern, true, options.policyVariables ?? true, 'StringLike'), value)
}

// ---------------------------------------------------------------------------------------------
// Conditions and statements.
// ---------------------------------------------------------------------------------------------

interface Request { userId: string, issuedAt: number }

function stringValues(s: Statement, pair: string, raw: unknown): string[] {
  const values = asList(raw)
  if (values.length === 0) throw new Error(`boundary: statement ${sidOf(s)}: ${pair} has no values`)
  if (!values.every((v): v is string => typeof v === 'string')) throw new Error(`boundary: statement ${sidOf(s)}: ${pair} values must be strings`)
  return values
}

function conditionHolds(s: Statement, request: Request, variables: boolean): boolean {
  if (!('Condition' in s)) return true
  if (!isObject(s.Condition)) throw new Error(`boundary: statement ${sidOf(s)} has a malformed Condition`)
  // every pair is checked (and an unsupported one throws) before the results are ANDed
  const results: boolean[] = []
  for (const [operator, block] of Object.entries(s.Condition)) {
    if (!isObject(block)) throw new Error(`boundary: statement ${sidOf(s)}: ${operator} is not an object`)
    const entries = Object.entries(block)
    if (entries.length === 0) throw new Error(`boundary: statement ${sidOf(s)}: ${operator} has no condition keys`)
    const seen = new Set<string>()
    for (const [key, raw] of entries) {
      const pair = `${operator} ${key}`
      const lowerKey = key.toLowerCase()
      if (seen.has(lowerKey)) throw new Error(`boundary: statement ${sidOf(s)}: ${operator} names ${lowerKey} twice (in different case)`)
      seen.add(lowerKey)
      if (operator === 'StringEquals' && lowerKey === 'aws:userid') {
        const where = `statement ${sidOf(s)} ${pair}`
        results.push(stringValues(s, pair, raw).some((v) => matchTokens(tokenize(v, false, variables, where), request.userId)))
      } else if (operator === 'StringLike' && lowerKey === 'aws:userid') {
        const where = `statement ${sidOf(s)} ${pair}`
        results.push(stringValues(s, pair, raw).some((v) => matchTokens(tokenize(v, true, variables, where), request.userId)))
      } else if (operator === 'DateLessThan' && lowerKey === 'aws:tokenissuetime') {
        const values = asList(raw)
        if (values.length === 0) throw new Error(`boundary: statement ${sidOf(s)}: ${pair} has no values`)
        results.push(values.map((v) => parseDate(v, `${sidOf(s)} ${pair} value`)).some((before) => request.issuedAt < before))
      } else {
        throw new Error(`boundary: statement ${sidOf(s)} uses condition ${pair}, which this helper does not evaluate`)
      }
    }
  }
  return results.every(Boolean)
}

/** Sids (or JSON text, when a statement has no Sid) of the Deny statements of one document that deny the request. */
function denyingStatements(policyDocument: unknown, request: Request): string[] {
  const { statements, substitutesVariables } = parsePolicy(policyDocument)
  const denying: string[] = []
  for (const s of statements) {
    if (s.Effect !== 'Deny') continue
    // evaluate every Deny statement, so an unsupported condition anywhere is noticed
    const everything = coversEverything(s)
    if (conditionHolds(s, request, substitutesVariables) && everything) denying.push(sidOf(s))
  }
  return denying
}

const requestOf = (session: SessionContext): Request => {
  if (typeof session.userId !== 'string' || session.userId === '') throw new Error('boundary: session userId must be a non-empty string')
  return { userId: session.userId, issuedAt: parseDate(session.tokenIssueTime, 'tokenIssueTime') }
}

/**
 * True when a Deny statement of the document applies to every request (Action "*", Resource "*") made
 * by this session. Deny statements limited to some actions or resources are not a session denial and
 * are skipped; conditions outside the subset described at the top of this file throw.
 */
export function deniesSession(policyDocument: unknown, session: SessionContext): boolean {
  return denyingStatements(policyDocument, requestOf(session)).length > 0
}

/**
 * The Sids of the statements, across all of the given policies (in order), that deny this session;
 * empty when none does. Meant for failure messages. Pass only the policies of the session's own role.
 */
export function deniedBy(policies: unknown[], session: SessionContext): string[] {
  if (!Array.isArray(policies)) throw new Error('boundary: policies must be an array of policy documents')
  const request = requestOf(session)
  return policies.flatMap((policy) => denyingStatements(policy, request))
}

/** "role/<name>" of an IAM role ARN or the role of an STS assumed-role ARN, with the account: `<account>:<name>`. */
function roleKey(arn: string): string {
  const role = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/.exec(arn)
  if (role) return `${role[1]}:${role[2]}`
  const assumed = /^arn:aws[\w-]*:sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/[\w+=,.@-]+$/.exec(arn)
  if (assumed) return `${assumed[1]}:${assumed[2]}`
  throw new Error(`boundary: not a role or assumed-role ARN: ${arn}`)
}

/**
 * True when any of the role's policies (its permissions boundary and every policy attached to it) has a
 * Deny statement that applies to every request of this session. Every policy is evaluated, so an
 * unsupported construct in any of them throws. Policies apply only to the role they are attached to:
 * pass the session's own role; when both `role.roleArn` and `session.roleArn` are given and name
 * different roles, the answer is false (another role's policies never deny this session).
 */
export function roleDeniesSession(role: RolePolicies, session: SessionContext): boolean {
  if (!isObject(role) || !Array.isArray(role.policies)) throw new Error('boundary: role must be { policies: [...] }')
  const denying = deniedBy(role.policies, session)
  if (role.roleArn !== undefined && session.roleArn !== undefined && roleKey(role.roleArn) !== roleKey(session.roleArn)) return false
  return denying.length > 0
}

/** The document has an unconditional Allow statement with Action "*" and Resource "*". */
export function allowsAnything(policyDocument: unknown): boolean {
  return parsePolicy(policyDocument).statements.some((s) =>
    s.Effect === 'Allow' &&
    !('Condition' in s) &&
    !('NotAction' in s) &&
    !('NotResource' in s) &&
    asList(s.Action).includes('*') &&
    asList(s.Resource).includes('*'))
}

/** The document has an Allow statement of any kind (a deny-only shard must not). */
export function hasAllow(policyDocument: unknown): boolean {
  return parsePolicy(policyDocument).statements.some((s) => s.Effect === 'Allow')
}
