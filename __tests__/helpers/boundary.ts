// Evaluates a permissions boundary the way IAM would for one session, limited to what deny-session
// writes, so tests can ask "does the boundary now deny this session, and only it?" without trusting
// the action's own parser. Anything outside that subset throws, so a test notices instead of guessing.
//
// IAM semantics used: condition keys are case-insensitive; within one key the values are ORed; all
// operator/key pairs of a Condition are ANDed; StringEquals compares case-sensitively; DateLessThan
// compares instants (ISO 8601 or epoch seconds); a Deny statement without Condition always applies.

export interface SessionContext {
  /** aws:userid of the session: `AROA…:<session-name>` (STS AssumedRoleId). */
  userId: string
  /** aws:TokenIssueTime: when STS issued the session. */
  tokenIssueTime: string | Date
}

type Statement = Record<string, unknown>

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v])

function statementsOf(policyDocument: unknown): Statement[] {
  const doc = typeof policyDocument === 'string' ? (JSON.parse(policyDocument) as unknown) : policyDocument
  if (!isObject(doc) || !('Statement' in doc)) throw new Error('boundary: not a policy document (no Statement)')
  const statements = asList(doc.Statement)
  for (const s of statements) if (!isObject(s)) throw new Error(`boundary: statement is not an object: ${JSON.stringify(s)}`)
  return statements as Statement[]
}

const sidOf = (s: Statement): string => (typeof s.Sid === 'string' ? s.Sid : JSON.stringify(s))

/** Action (not NotAction) lists "*", and Resource (not NotResource) lists "*". */
function coversEverything(s: Statement): boolean {
  if ('NotAction' in s || 'NotResource' in s || 'Principal' in s || 'NotPrincipal' in s) {
    throw new Error(`boundary: statement ${sidOf(s)} uses NotAction/NotResource/Principal, which this helper does not evaluate`)
  }
  return asList(s.Action).includes('*') && asList(s.Resource).includes('*')
}

function parseDate(value: unknown, what: string): number {
  if (value instanceof Date) return value.getTime()
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{1,12}$/.test(value))) return Number(value) * 1000
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN
  if (Number.isNaN(ms)) throw new Error(`boundary: ${what} is not a date: ${String(value)}`)
  return ms
}

function conditionHolds(s: Statement, userId: string, issuedAt: number): boolean {
  if (!('Condition' in s)) return true
  if (!isObject(s.Condition)) throw new Error(`boundary: statement ${sidOf(s)} has a malformed Condition`)
  // every pair is checked (and an unsupported one throws) before the results are ANDed
  const results: boolean[] = []
  for (const [operator, block] of Object.entries(s.Condition)) {
    if (!isObject(block)) throw new Error(`boundary: statement ${sidOf(s)}: ${operator} is not an object`)
    for (const [key, raw] of Object.entries(block)) {
      const values = asList(raw)
      const pair = `${operator} ${key}`
      if (operator === 'StringEquals' && key.toLowerCase() === 'aws:userid') {
        if (!values.every((v) => typeof v === 'string')) throw new Error(`boundary: statement ${sidOf(s)}: ${pair} values must be strings`)
        results.push(values.includes(userId))
      } else if (operator === 'DateLessThan' && key.toLowerCase() === 'aws:tokenissuetime') {
        results.push(values.map((v) => parseDate(v, `${sidOf(s)} ${pair} value`)).some((before) => issuedAt < before))
      } else {
        throw new Error(`boundary: statement ${sidOf(s)} uses condition ${pair}, which this helper does not evaluate`)
      }
    }
  }
  return results.every(Boolean)
}

/**
 * True when a Deny statement of the boundary applies to every request (Action "*", Resource "*") made
 * by this session. Deny statements limited to some actions or resources are not a session denial and
 * are skipped; conditions other than StringEquals aws:userid and DateLessThan aws:TokenIssueTime throw.
 */
export function deniesSession(policyDocument: unknown, session: SessionContext): boolean {
  const issuedAt = parseDate(session.tokenIssueTime, 'tokenIssueTime')
  let denied = false
  for (const s of statementsOf(policyDocument)) {
    if (s.Effect !== 'Deny') continue
    // evaluate every Deny statement, so an unsupported condition anywhere is noticed
    const everything = coversEverything(s)
    if (conditionHolds(s, session.userId, issuedAt) && everything) denied = true
  }
  return denied
}

/** The boundary has an unconditional Allow statement with Action "*" and Resource "*". */
export function allowsAnything(policyDocument: unknown): boolean {
  return statementsOf(policyDocument).some((s) =>
    s.Effect === 'Allow' &&
    !('Condition' in s) &&
    !('NotAction' in s) &&
    !('NotResource' in s) &&
    asList(s.Action).includes('*') &&
    asList(s.Resource).includes('*'))
}
