// The revocation list: a pure edit of one IAM policy document (data in, data out; IAM I/O is in
// revocation-writer.ts). A revoked session is denied by a statement
//
//   {"Sid":"JitRevokedBefore<B>Until<U>","Effect":"Deny","Action":"*","Resource":"*","Condition":{
//     "StringLike":{"aws:userid":["*:<session name>", ...]},"DateLessThan":{"aws:TokenIssueTime":"<B>"}}}
//
// `*:<name>` matches the session's `aws:userid` (`<role id>:<name>`) in 30 characters instead of 50;
// it is exact because a list belongs to one role and session names hold no wildcard characters.
// B bounds the sessions denied by their issue time: every listed session was issued before B, and B is
// no later than each listed session's revocation, so a session that reuses a listed name after it was
// revoked is never denied. U is the minute the last listed session expires; the statement is dropped
// PRUNE_MARGIN_MS after it. Statements share B on a minute grid, so most sessions join one statement.
import { createHash } from 'node:crypto'

/** IAM's limit for a managed policy, whitespace not counted. */
export const MAX_POLICY_CHARACTERS = 6144
/** A statement is dropped this long after its last session expired (clock skew, IAM propagation). */
export const PRUNE_MARGIN_MS = 5 * 60_000
/**
 * B may lie this long after a listed session's issue even when the session was revoked sooner: short
 * jobs then share statements (each costs ~210 characters, an entry 30). A session that reuses a listed
 * name is never denied when issued after both its revocation and this grace.
 */
export const REUSE_GRACE_MS = 5 * 60_000

const STATEMENT_SID = /^JitRevokedBefore(\d{14})Until(\d{12})$/
/** Written by the first version of the action (one statement per expiry minute, full user ids). */
const LEGACY_SID = /^JitRevokedUntil(\d{12})$/
const USER_ID = 'aws:userid'
const TOKEN_ISSUE_TIME = 'aws:TokenIssueTime'
/** What a session name may hold (STS's own rule); none of it is a StringLike wildcard. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/

export type PolicyStatement = Record<string, unknown>

export interface PolicyDocument {
  Statement: PolicyStatement[]
  [key: string]: unknown
}

/** A list that holds `Allow *` as the role's permissions boundary, or a deny-only policy attached to it. */
export type ListKind = 'boundary' | 'attached'

export class RevocationListError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RevocationListError'
  }
}

/** The session to deny, in AWS's time. */
export interface RevokedSession {
  sessionName: string
  /** When STS issued it, to the second (its Expiration minus its duration). */
  issuedAt: Date
  expiresAt: Date
}

export interface RevocationEdit {
  document: PolicyDocument
  /** Minified, as written with CreatePolicyVersion. */
  json: string
  /** Characters IAM counts (whitespace excluded). */
  size: number
  /** Sids of the expired statements that were dropped. */
  pruned: string[]
  /** Entries of other versions left out because the document would not fit with them. */
  leftOut: number
}

/** Parses a policy document (as IAM returns it, already URL-decoded) and checks its outer shape. */
export function parsePolicyDocument(text: string): PolicyDocument {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new RevocationListError('the revocation policy is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RevocationListError('the revocation policy is not a JSON object')
  const document = value as Record<string, unknown>
  const statements = Array.isArray(document.Statement) ? document.Statement : document.Statement === undefined ? undefined : [document.Statement]
  if (!statements || statements.some(s => typeof s !== 'object' || s === null || Array.isArray(s))) {
    throw new RevocationListError('the revocation policy has no list of statements')
  }
  return { ...document, Statement: statements as PolicyStatement[] }
}

/** The StringLike value that matches the session's aws:userid. */
export function userIdPattern(sessionName: string): string {
  if (!SESSION_NAME.test(sessionName)) throw new RevocationListError(`"${sessionName}" is not a session name STS issues`)
  return `*:${sessionName}`
}

/** Which list a session goes to first, then the next ones in turn when it is full: a hash spreads writers over the lists. */
export function listOrder(sessionName: string, count: number): number[] {
  const start = createHash('sha256').update(sessionName).digest().readUInt32BE(0) % count
  return Array.from({ length: count }, (_, i) => (start + i) % count)
}

interface Statement {
  before: number
  until: number
  patterns: Set<string>
}

const sidOf = (statement: PolicyStatement): string => (typeof statement.Sid === 'string' ? statement.Sid : '')
const digits = (time: number, length: number): string => new Date(time).toISOString().replace(/\D/g, '').slice(0, length)
const fromDigits = (text: string): number =>
  Date.UTC(Number(text.slice(0, 4)), Number(text.slice(4, 6)) - 1, Number(text.slice(6, 8)), Number(text.slice(8, 10)), Number(text.slice(10, 12)), Number(text.slice(12, 14) || 0))
const isoSeconds = (time: number): string => new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z')
const floorTo = (time: number, unit: number): number => Math.floor(time / unit) * unit
const ceilTo = (time: number, unit: number): number => Math.ceil(time / unit) * unit

function toStatement(sid: string, statement: PolicyStatement): Statement {
  const m = STATEMENT_SID.exec(sid)
  const condition = statement.Condition as Record<string, Record<string, unknown>> | undefined
  const values = condition?.StringLike?.[USER_ID]
  const patterns = typeof values === 'string' ? [values] : values
  const shaped = m && statement.Effect === 'Deny' && statement.Action === '*' && statement.Resource === '*' &&
    Array.isArray(patterns) && patterns.every(p => typeof p === 'string') &&
    condition?.DateLessThan?.[TOKEN_ISSUE_TIME] === isoSeconds(fromDigits(m[1] ?? '')) && Object.keys(condition ?? {}).length === 2
  if (!m || !shaped) throw new RevocationListError(`statement ${sid} is not a revocation statement as the action writes it; remove it by hand (its sessions expire by the minute its Sid names)`)
  return { before: fromDigits(m[1] ?? ''), until: fromDigits(m[2] ?? ''), patterns: new Set(patterns as string[]) }
}

function toPolicyStatement(s: Statement): PolicyStatement {
  return {
    Sid: `JitRevokedBefore${digits(s.before, 14)}Until${digits(s.until, 12)}`,
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: { StringLike: { [USER_ID]: [...s.patterns].sort() }, DateLessThan: { [TOKEN_ISSUE_TIME]: isoSeconds(s.before) } }
  }
}

/** The document's revocation statements by their B, and everything else as it was. */
function split(document: PolicyDocument): { statements: Map<number, Statement>, kept: PolicyStatement[], legacy: PolicyStatement[] } {
  const statements = new Map<number, Statement>()
  const kept: PolicyStatement[] = []
  const legacy: PolicyStatement[] = []
  for (const statement of document.Statement) {
    const sid = sidOf(statement)
    if (LEGACY_SID.test(sid)) legacy.push(statement)
    else if (sid.startsWith('JitRevoked')) mergeStatement(statements, toStatement(sid, statement))
    else kept.push(statement)
  }
  return { statements, kept, legacy }
}

function mergeStatement(into: Map<number, Statement>, s: Statement): void {
  const existing = into.get(s.before)
  if (!existing) into.set(s.before, { before: s.before, until: s.until, patterns: new Set(s.patterns) })
  else {
    existing.until = Math.max(existing.until, s.until)
    for (const p of s.patterns) existing.patterns.add(p)
  }
}

/** True when a revocation statement of the document denies the session. */
export function listsSession(document: PolicyDocument, session: RevokedSession): boolean {
  return denies(split(document).statements, session)
}

/** A statement lists the session and bounds it after its issue. */
function denies(statements: Map<number, Statement>, session: RevokedSession): boolean {
  const pattern = userIdPattern(session.sessionName)
  return [...statements.values()].some(s => s.patterns.has(pattern) && s.before > session.issuedAt.getTime())
}

/**
 * Adds `session` to the statement whose B lies between its issue and `now` (joining the one that
 * already lasts longest), or to a new statement with B on the minute grid.
 */
function addSession(statements: Map<number, Statement>, session: RevokedSession, now: number): void {
  const pattern = userIdPattern(session.sessionName)
  const earliest = floorTo(session.issuedAt.getTime(), 1000) + 1000
  const latest = Math.max(earliest, floorTo(Math.max(now, session.issuedAt.getTime() + REUSE_GRACE_MS), 1000))
  const until = ceilTo(session.expiresAt.getTime(), 60_000)
  if (denies(statements, session)) return
  const candidates = [...statements.values()].filter(s => s.before >= earliest && s.before <= latest)
  const join = candidates.sort((a, b) => b.until - a.until || b.before - a.before)[0]
  if (join) {
    join.patterns.add(pattern)
    join.until = Math.max(join.until, until)
    return
  }
  const before = Math.max(earliest, floorTo(latest, 60_000))
  mergeStatement(statements, { before, until, patterns: new Set([pattern]) })
}

function render(base: PolicyDocument, kept: PolicyStatement[], legacy: PolicyStatement[], statements: Map<number, Statement>): { document: PolicyDocument, json: string, size: number } {
  const revocations = [...statements.values()].filter(s => s.patterns.size > 0).sort((a, b) => a.before - b.before).map(toPolicyStatement)
  const document: PolicyDocument = { ...base, Statement: [...kept, ...legacy, ...revocations] }
  const json = JSON.stringify(document)
  return { document, json, size: json.replace(/\s/g, '').length }
}

function checkKind(document: PolicyDocument, kind: ListKind): void {
  const allows = document.Statement.some(s => s.Effect === 'Allow')
  if (kind === 'boundary' && !allows) {
    throw new RevocationListError('the revocation policy has no Allow statement; as a permissions boundary it would deny everything. Add {"Effect":"Allow","Action":"*","Resource":"*"}')
  }
  if (kind === 'attached' && allows) {
    throw new RevocationListError('the revocation policy holds an Allow statement, but it is attached to the role, where an Allow grants access; remove the Allow statement (a revocation list attached to a role holds Deny statements only)')
  }
}

export interface RevocationListInput {
  /** The default version: what IAM enforces now. */
  base: PolicyDocument
  /** The other versions kept: entries concurrent writers put there are carried into the new default. */
  others: PolicyDocument[]
  /** The session this writer revokes; absent to only merge and prune. */
  session?: RevokedSession
  /** AWS's time (the IAM answer's Date), for B and for pruning. */
  now: Date
  kind: ListKind
}

/**
 * The new default version: the base with expired statements dropped, every entry of the other versions
 * merged, and the session added. Returns undefined when the session does not fit in IAM's size limit
 * (the caller tries the next list); entries of other versions that do not fit are left to their owners.
 */
export function buildRevocationList(input: RevocationListInput): RevocationEdit | undefined {
  const { base, others, session, kind } = input
  checkKind(base, kind)
  const now = input.now.getTime()
  const { statements, kept, legacy } = split(base)
  const pruned: string[] = []
  const live = (s: Statement): boolean => s.until + PRUNE_MARGIN_MS >= now
  for (const [before, s] of statements) {
    if (!live(s)) {
      pruned.push(toPolicyStatement(s).Sid as string)
      statements.delete(before)
    }
  }
  const liveLegacy = legacy.filter(s => {
    const expired = fromDigits(LEGACY_SID.exec(sidOf(s))?.[1] ?? '') + PRUNE_MARGIN_MS < now
    if (expired) pruned.push(sidOf(s))
    return !expired
  })
  const own = cloneStatements(statements)
  if (session) addSession(own, session, now)
  const mine = render(base, kept, liveLegacy, own)
  if (mine.size > MAX_POLICY_CHARACTERS) return undefined

  const merged = cloneStatements(own)
  let extra = 0
  for (const other of others) {
    for (const s of split(other).statements.values()) {
      if (!live(s)) continue
      for (const p of s.patterns) if (!merged.get(s.before)?.patterns.has(p)) extra++
      mergeStatement(merged, s)
    }
  }
  const all = render(base, kept, liveLegacy, merged)
  const chosen = all.size <= MAX_POLICY_CHARACTERS ? all : mine
  return { ...chosen, pruned, leftOut: chosen === all ? 0 : extra }
}

function cloneStatements(statements: Map<number, Statement>): Map<number, Statement> {
  return new Map([...statements].map(([k, s]) => [k, { ...s, patterns: new Set(s.patterns) }]))
}
