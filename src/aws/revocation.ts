// Revocation outcomes for the post step, and the pure edit of the revocation list (DESIGN §5).
// STS cannot end a session. `deny-session` lists the session's `aws:userid` in a Deny statement of the
// role's permissions boundary; `scrub` only removes the credential from the job's environment, so the
// session stays valid until it expires. Everything here is data in, data out; IAM I/O is in iam.ts.
import type { IssuedSession } from '../state.js'

export interface RevokeOutcome {
  method: 'deny-session' | 'scrub' | 'skipped'
  status: 'revoked' | 'scrubbed' | 'expired' | 'failed' | 'skipped'
  /** When access ended; null when the session was only scrubbed and stays valid. */
  revoked_at: string | null
  /** Seconds the credential was (or stays) usable: issued → revoked, or issued → expiry. */
  exposure_s: number | null
  expires_at: string | null
  detail: string
  /** deny-session: the boundary policy and the version that lists the session. */
  policy_arn?: string
  policy_version?: string
}

const seconds = (from: string, to: string | number): number => Math.round(((typeof to === 'number' ? to : Date.parse(to)) - Date.parse(from)) / 1000)

export function scrubOutcome(session: IssuedSession, scrubbed: string[], now: Date): RevokeOutcome {
  const expired = Date.parse(session.expires_at) <= now.getTime()
  const variables = scrubbed.length > 0 ? `cleared ${scrubbed.join(', ')}` : 'nothing was exported to clear'
  const validity = expired
    ? `the session had already expired at ${session.expires_at}`
    : `the session stays valid until it expires at ${session.expires_at} (revoke: scrub cannot end an STS session)`
  return {
    method: 'scrub',
    status: expired ? 'expired' : 'scrubbed',
    revoked_at: null,
    exposure_s: seconds(session.issued_at, session.expires_at),
    expires_at: session.expires_at,
    detail: `${variables}; ${validity}`
  }
}

export function skippedOutcome(reason: string): RevokeOutcome {
  return { method: 'skipped', status: 'skipped', revoked_at: null, exposure_s: null, expires_at: null, detail: reason }
}

export function revokedOutcome(session: IssuedSession, revokedAt: Date, policyArn: string, version: string, scrubbed: string[]): RevokeOutcome {
  const variables = scrubbed.length > 0 ? `; cleared ${scrubbed.join(', ')}` : ''
  return {
    method: 'deny-session',
    status: 'revoked',
    revoked_at: revokedAt.toISOString(),
    exposure_s: seconds(session.issued_at, revokedAt.getTime()),
    expires_at: session.expires_at,
    detail: `${session.assumed_role_id} is denied by ${policyArn} (version ${version})${variables}`,
    policy_arn: policyArn,
    policy_version: version
  }
}

/** Nothing is written for a session that can no longer be used. */
export function expiredOutcome(session: IssuedSession, policyArn: string, scrubbed: string[]): RevokeOutcome {
  const variables = scrubbed.length > 0 ? `; cleared ${scrubbed.join(', ')}` : ''
  return {
    method: 'deny-session',
    status: 'expired',
    revoked_at: null,
    exposure_s: seconds(session.issued_at, session.expires_at),
    expires_at: session.expires_at,
    detail: `the session had already expired at ${session.expires_at}; nothing was written to ${policyArn}${variables}`,
    policy_arn: policyArn
  }
}

export function failedOutcome(session: IssuedSession, policyArn: string, reason: string, scrubbed: string[]): RevokeOutcome {
  const variables = scrubbed.length > 0 ? ` The job's environment was cleared (${scrubbed.join(', ')}).` : ''
  return {
    method: 'deny-session',
    status: 'failed',
    revoked_at: null,
    exposure_s: seconds(session.issued_at, session.expires_at),
    expires_at: session.expires_at,
    detail: `${reason} The session stays valid until it expires at ${session.expires_at}.${variables}`,
    policy_arn: policyArn
  }
}

// ---- The revocation list: a pure edit of the boundary policy document. ----

/** IAM's limit for a managed policy, whitespace not counted. */
export const MAX_POLICY_CHARACTERS = 6144
/** A statement is dropped this long after its sessions expired (clock skew, IAM propagation). */
export const PRUNE_MARGIN_MS = 5 * 60_000
const REVOKED_PREFIX = 'JitRevoked'
const UNTIL_SID = /^JitRevokedUntil(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/
const USER_ID = 'aws:userid'
const TOKEN_ISSUE_TIME = 'aws:TokenIssueTime'

export type PolicyStatement = Record<string, unknown>

export interface PolicyDocument {
  Statement: PolicyStatement[]
  [key: string]: unknown
}

export class RevocationListError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RevocationListError'
  }
}

/** A session to deny, and when its credential expires anyway. */
export interface RevokedSession {
  userId: string
  expiresAt: Date
}

export interface RevocationEdit {
  document: PolicyDocument
  /** Minified, as written with CreatePolicyVersion. */
  json: string
  /** False when the document already denies the session and nothing expired: no write is needed. */
  changed: boolean
  /** Sids of the expired statements that were dropped. */
  pruned: string[]
  /** Characters IAM counts (whitespace excluded). */
  size: number
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

/** `JitRevokedUntil<YYYYMMDDHHmm>` for the minute the session expires in, rounded up. */
export function revocationSid(expiresAt: Date): string {
  const minute = new Date(Math.ceil(expiresAt.getTime() / 60_000) * 60_000).toISOString()
  return `${REVOKED_PREFIX}Until${minute.slice(0, 4)}${minute.slice(5, 7)}${minute.slice(8, 10)}${minute.slice(11, 13)}${minute.slice(14, 16)}`
}

function untilTime(sid: string): number | undefined {
  const m = UNTIL_SID.exec(sid)
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5])) : undefined
}

const sidOf = (statement: PolicyStatement): string => (typeof statement.Sid === 'string' ? statement.Sid : '')

/** The aws:userid values a revocation statement lists (it may hold one string or a list). */
function listedUsers(statement: PolicyStatement): string[] {
  const condition = statement.Condition as Record<string, Record<string, unknown>> | undefined
  const value = condition?.StringEquals?.[USER_ID]
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.every(v => typeof v === 'string')) return value as string[]
  throw new RevocationListError(`statement ${sidOf(statement)} does not list sessions in Condition.StringEquals."${USER_ID}" as the action writes it; fix or remove that statement`)
}

function revokedBefore(statement: PolicyStatement): string | undefined {
  const condition = statement.Condition as Record<string, Record<string, unknown>> | undefined
  const value = condition?.DateLessThan?.[TOKEN_ISSUE_TIME]
  return typeof value === 'string' ? value : undefined
}

/** Credentials issued before this instant are denied; rounded up so the revoked session is surely before it. */
function tokenIssueLimit(now: Date): string {
  return new Date((Math.floor(now.getTime() / 1000) + 1) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

const later = (a: string | undefined, b: string): string => (a !== undefined && Date.parse(a) > Date.parse(b) ? a : b)

function revocationStatement(sid: string, users: string[], before: string): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: { StringEquals: { [USER_ID]: users }, DateLessThan: { [TOKEN_ISSUE_TIME]: before } }
  }
}

/** True when a revocation statement of the document lists `userId`. */
export function listsSession(document: PolicyDocument, userId: string): boolean {
  return document.Statement.some(s => untilTime(sidOf(s)) !== undefined && listedUsers(s).includes(userId))
}

interface Entry {
  sid: string
  userId: string
  before: string
}

/**
 * Adds the entries to their statements (created at the end when needed), drops revocation statements
 * that expired more than PRUNE_MARGIN_MS before `now`, and leaves every other statement as it was.
 */
function applyEntries(current: PolicyDocument, entries: Entry[], now: Date): RevocationEdit {
  if (!current.Statement.some(s => s.Effect === 'Allow')) {
    throw new RevocationListError('the revocation policy has no Allow statement; as a permissions boundary it would deny everything. Add {"Effect":"Allow","Action":"*","Resource":"*"}')
  }
  const pruned: string[] = []
  let changed = false
  const statements: PolicyStatement[] = []
  for (const statement of current.Statement) {
    const until = untilTime(sidOf(statement))
    if (until !== undefined && until + PRUNE_MARGIN_MS < now.getTime()) {
      pruned.push(sidOf(statement))
      continue
    }
    statements.push(statement)
  }
  for (const entry of entries) {
    const until = untilTime(entry.sid)
    // A session past its expiry needs no entry (and a merged one must not bring back a pruned statement).
    if (until === undefined || until + PRUNE_MARGIN_MS < now.getTime()) continue
    const index = statements.findIndex(s => sidOf(s) === entry.sid)
    const existing = statements[index]
    if (existing === undefined) {
      statements.push(revocationStatement(entry.sid, [entry.userId], entry.before))
      changed = true
      continue
    }
    const users = listedUsers(existing)
    if (users.includes(entry.userId)) continue
    if (existing.Effect !== 'Deny') throw new RevocationListError(`statement ${entry.sid} is not a Deny statement; fix or remove it`)
    statements[index] = revocationStatement(entry.sid, [...users, entry.userId], later(revokedBefore(existing), entry.before))
    changed = true
  }
  const document: PolicyDocument = { ...current, Statement: statements }
  const json = JSON.stringify(document)
  const size = json.replace(/\s/g, '').length
  if (size > MAX_POLICY_CHARACTERS) {
    throw new RevocationListError(
      `the revocation policy would be ${size} characters, over IAM's limit of ${MAX_POLICY_CHARACTERS}: too many revoked sessions have not expired yet. ` +
        'Shorten role-duration-seconds, or give some roles a revocation policy of their own'
    )
  }
  return { document, json, changed: changed || pruned.length > 0, pruned, size }
}

/**
 * The document with `session` denied: what the post step writes as the new default version. Sessions
 * listed by `concurrent` versions are added too: a writer that raced with ours may have based its
 * version on one without our entry, or we on one without theirs.
 */
export function addRevocation(current: PolicyDocument, session: RevokedSession, now: Date, concurrent: PolicyDocument[] = []): RevocationEdit {
  const entries: Entry[] = [{ sid: revocationSid(session.expiresAt), userId: session.userId, before: tokenIssueLimit(now) }]
  for (const statement of concurrent.flatMap(other => other.Statement)) {
    const sid = sidOf(statement)
    const before = revokedBefore(statement)
    if (untilTime(sid) === undefined || before === undefined) continue
    for (const userId of listedUsers(statement)) entries.push({ sid, userId, before })
  }
  return applyEntries(current, entries, now)
}
