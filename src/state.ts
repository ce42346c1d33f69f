// The hand-over from the main step to the post step (through the runner's GITHUB_STATE file).
// It holds what the post step needs to revoke, scrub and audit; never a secret.
import * as core from '@actions/core'
import type { JobInfo } from './audit.js'
import { EXPORTED_VARIABLES } from './export.js'
import type { RevokeMethod } from './inputs.js'

const STATE_KEY = 'jit'
const STATE_VERSION = 2

export interface IssuedSession {
  role_arn: string
  session_name: string
  assumed_role_arn: string
  /** `AROA…:<session-name>`, the session's `aws:userid`; what deny-session revocation lists. */
  assumed_role_id: string
  account_id: string
  issued_at: string
  expires_at: string
}

export interface SavedState {
  version: typeof STATE_VERSION
  trace_id: string
  audit_log: string
  job_summary: boolean
  job: JobInfo
  revoke: RevokeMethod
  on_revocation_failure: 'warn' | 'fail'
  revocation_role_arn: string | null
  /** deny-session: the revocation lists (the role's boundary, or deny-only policies attached to it). */
  revocation_policy_arns: string[]
  /** What deny-session needs to assume the revocation role with a fresh OIDC token. */
  audience: string
  region: string
  retry_max_attempts: number
  /** Set once STS issued a credential. */
  issued: IssuedSession | null
  /** Names of the environment variables the main step exported (to scrub). */
  exported: string[]
}

export function saveState(state: SavedState): void {
  core.saveState(STATE_KEY, JSON.stringify(state))
}

export function readSavedState(): string {
  return core.getState(STATE_KEY)
}

/** Parses what the main step saved; a reason instead when it is missing, corrupt or not ours. */
export function parseState(raw: string): { state: SavedState } | { problem: string } {
  if (raw.trim() === '') return { problem: 'no state was saved: the main step did not run, or stopped before it reached the token request' }
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return { problem: 'the saved state is not valid JSON (corrupt or truncated)' }
  }
  const s = value as Partial<SavedState> | null
  if (s === null || typeof s !== 'object' || s.version !== STATE_VERSION) return { problem: 'the saved state is not from this version of the action' }
  const strings = [s.trace_id, s.audit_log]
  if (strings.some(v => typeof v !== 'string' || v === '') || typeof s.job !== 'object' || s.job === null || !Array.isArray(s.exported)) {
    return { problem: 'the saved state is incomplete' }
  }
  const choices = typeof s.job_summary === 'boolean' && ['deny-session', 'scrub'].includes(String(s.revoke)) &&
    ['warn', 'fail'].includes(String(s.on_revocation_failure))
  const revocation = typeof s.audience === 'string' && typeof s.region === 'string' &&
    Number.isInteger(s.retry_max_attempts) && (s.retry_max_attempts ?? 0) >= 1 &&
    (s.revocation_role_arn === null || typeof s.revocation_role_arn === 'string') &&
    Array.isArray(s.revocation_policy_arns) && s.revocation_policy_arns.every(v => typeof v === 'string' && v !== '')
  if (!choices || !revocation) return { problem: 'the saved state has invalid settings' }
  if (s.revoke === 'deny-session' && (!s.revocation_role_arn || s.revocation_policy_arns?.length === 0)) {
    return { problem: 'the saved state asks for deny-session without a revocation role and policy' }
  }
  // Only what the main step exports: a tampered list must not make post blank PATH or the like.
  if (!s.exported.every(name => typeof name === 'string' && EXPORTED_VARIABLES.includes(name))) {
    return { problem: 'the saved state lists invalid variable names' }
  }
  if (s.issued !== null && !isIssuedSession(s.issued)) return { problem: 'the saved state has an incomplete session record' }
  return { state: s as SavedState }
}

function isIssuedSession(value: unknown): value is IssuedSession {
  if (value === null || typeof value !== 'object') return false
  const v = value as Record<string, unknown>
  const fields = ['role_arn', 'session_name', 'assumed_role_arn', 'assumed_role_id', 'account_id', 'issued_at', 'expires_at']
  return fields.every(field => typeof v[field] === 'string') && !Number.isNaN(Date.parse(v.expires_at as string)) && !Number.isNaN(Date.parse(v.issued_at as string))
}
