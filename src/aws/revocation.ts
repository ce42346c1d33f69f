// Revocation outcomes for the post step: what the revoke event and the summary say. STS cannot end a
// session. `deny-session` lists the session in a Deny statement of a revocation list (revocation-list.ts,
// written by deny-session.ts); `scrub` only removes the credential from the job's environment, so the
// session stays valid until it expires.
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
  /** deny-session: the lists configured; once revoked, the one that lists the session and its version. */
  policy_arns?: string[]
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

export interface ConfirmedRevocation {
  policyArn: string
  version: string
  /** AWS's time when the entry was confirmed in force. */
  revokedAt: Date
  /** Lists passed over because they were full. */
  fullLists: string[]
}

export function revokedOutcome(session: IssuedSession, policyArns: string[], result: ConfirmedRevocation, scrubbed: string[]): RevokeOutcome {
  const variables = scrubbed.length > 0 ? `; cleared ${scrubbed.join(', ')}` : ''
  const full = result.fullLists.length > 0 ? ` (full: ${result.fullLists.join(', ')})` : ''
  return {
    method: 'deny-session',
    status: 'revoked',
    revoked_at: result.revokedAt.toISOString(),
    exposure_s: seconds(session.issued_at, result.revokedAt.getTime()),
    expires_at: session.expires_at,
    detail: `${session.assumed_role_id} is denied by ${result.policyArn} (version ${result.version})${full}${variables}`,
    policy_arns: policyArns,
    policy_arn: result.policyArn,
    policy_version: result.version
  }
}

/** Nothing is written for a session that can no longer be used. */
export function expiredOutcome(session: IssuedSession, policyArns: string[], scrubbed: string[]): RevokeOutcome {
  const variables = scrubbed.length > 0 ? `; cleared ${scrubbed.join(', ')}` : ''
  return {
    method: 'deny-session',
    status: 'expired',
    revoked_at: null,
    exposure_s: seconds(session.issued_at, session.expires_at),
    expires_at: session.expires_at,
    detail: `the session had already expired at ${session.expires_at}; nothing was written to the revocation lists${variables}`,
    policy_arns: policyArns
  }
}

export function failedOutcome(session: IssuedSession, policyArns: string[], reason: string, scrubbed: string[]): RevokeOutcome {
  const variables = scrubbed.length > 0 ? ` The job's environment was cleared (${scrubbed.join(', ')}).` : ''
  return {
    method: 'deny-session',
    status: 'failed',
    revoked_at: null,
    exposure_s: seconds(session.issued_at, session.expires_at),
    expires_at: session.expires_at,
    detail: `${reason} The session stays valid until it expires at ${session.expires_at}.${variables}`,
    policy_arns: policyArns
  }
}
