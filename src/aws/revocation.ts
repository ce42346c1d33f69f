// Revocation outcomes for the post step. STS cannot revoke a session; `scrub` only removes the
// credential from the job's environment, so the session stays valid until it expires.
// Deny-session revocation (DESIGN §5: a deny list in the role's permissions boundary) will add its
// pure policy edit and IAM calls here, returning the same RevokeOutcome.
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
}

export function scrubOutcome(session: IssuedSession, scrubbed: string[], now: Date): RevokeOutcome {
  const issued = Date.parse(session.issued_at)
  const expires = Date.parse(session.expires_at)
  const variables = scrubbed.length > 0 ? `cleared ${scrubbed.join(', ')}` : 'nothing was exported to clear'
  const validity =
    expires <= now.getTime()
      ? `the session had already expired at ${session.expires_at}`
      : `the session stays valid until it expires at ${session.expires_at} (revoke: scrub cannot end an STS session)`
  return {
    method: 'scrub',
    status: expires <= now.getTime() ? 'expired' : 'scrubbed',
    revoked_at: null,
    exposure_s: Math.round((expires - issued) / 1000),
    expires_at: session.expires_at,
    detail: `${variables}; ${validity}`
  }
}

export function skippedOutcome(reason: string): RevokeOutcome {
  return { method: 'skipped', status: 'skipped', revoked_at: null, exposure_s: null, expires_at: null, detail: reason }
}
