import { describe, it, expect } from '@jest/globals'
import { expiredOutcome, failedOutcome, revokedOutcome, scrubOutcome, skippedOutcome } from '../src/aws/revocation.js'
import { SAMPLE_SESSION } from './helpers/samples.js'

const SESSION = SAMPLE_SESSION

const DURING = new Date('2026-01-01T10:05:00.000Z')
const AFTER = new Date('2026-01-01T10:20:00.000Z')

describe('scrubOutcome', () => {
  it('records a scrub that leaves the session valid until it expires', () => {
    expect(scrubOutcome(SESSION, ['AWS_ACCESS_KEY_ID', 'AWS_SESSION_TOKEN'], DURING)).toEqual({
      method: 'scrub',
      status: 'scrubbed',
      revoked_at: null,
      exposure_s: 900,
      expires_at: '2026-01-01T10:15:00.000Z',
      detail:
        'cleared AWS_ACCESS_KEY_ID, AWS_SESSION_TOKEN; the session stays valid until it expires at 2026-01-01T10:15:00.000Z (revoke: scrub cannot end an STS session)'
    })
  })

  it('counts exposure from issue to expiry whenever the post step runs', () => {
    expect(scrubOutcome(SESSION, [], DURING).exposure_s).toBe(900)
    expect(scrubOutcome(SESSION, [], AFTER).exposure_s).toBe(900)
    const long = { ...SESSION, expires_at: '2026-01-01T11:00:00.400Z' }
    expect(scrubOutcome(long, [], DURING).exposure_s).toBe(3600)
  })

  it('says when nothing was exported to clear', () => {
    expect(scrubOutcome(SESSION, [], DURING).detail).toBe(
      'nothing was exported to clear; the session stays valid until it expires at 2026-01-01T10:15:00.000Z (revoke: scrub cannot end an STS session)'
    )
  })

  it('records a session that had already expired as expired, and says so', () => {
    const outcome = scrubOutcome(SESSION, ['AWS_SESSION_TOKEN'], AFTER)
    expect(outcome.detail).toBe('cleared AWS_SESSION_TOKEN; the session had already expired at 2026-01-01T10:15:00.000Z')
    expect(outcome.status).toBe('expired')
    expect(outcome.revoked_at).toBeNull()
  })

  it('treats the expiry instant itself as expired', () => {
    expect(scrubOutcome(SESSION, [], new Date(SESSION.expires_at))).toMatchObject({
      status: 'expired',
      detail: 'nothing was exported to clear; the session had already expired at 2026-01-01T10:15:00.000Z'
    })
    expect(scrubOutcome(SESSION, [], DURING).status).toBe('scrubbed')
    expect(scrubOutcome(SESSION, [], new Date(Date.parse(SESSION.expires_at) - 1))).toMatchObject({
      status: 'scrubbed',
      detail: 'nothing was exported to clear; the session stays valid until it expires at 2026-01-01T10:15:00.000Z (revoke: scrub cannot end an STS session)'
    })
  })
})

describe('skippedOutcome', () => {
  it('records a skip with the reason and no times', () => {
    expect(skippedOutcome('no credential was issued')).toEqual({
      method: 'skipped',
      status: 'skipped',
      revoked_at: null,
      exposure_s: null,
      expires_at: null,
      detail: 'no credential was issued'
    })
  })
})

describe('deny-session outcomes', () => {
  const POLICY = 'arn:aws:iam::123456789012:policy/jit-revocations'
  const OTHER = 'arn:aws:iam::123456789012:policy/jit-revocations-2'
  const LISTS = [POLICY, OTHER]

  it('revoked: exposure runs from issue to revocation, and the list and its version are named', () => {
    const outcome = revokedOutcome(SESSION, LISTS, { policyArn: OTHER, version: 'v7', revokedAt: DURING, fullLists: [] }, ['AWS_SESSION_TOKEN'])
    expect(outcome).toEqual({
      method: 'deny-session',
      status: 'revoked',
      revoked_at: '2026-01-01T10:05:00.000Z',
      exposure_s: 300,
      expires_at: SESSION.expires_at,
      detail: `${SESSION.assumed_role_id} is denied by ${OTHER} (version v7); cleared AWS_SESSION_TOKEN`,
      policy_arns: LISTS,
      policy_arn: OTHER,
      policy_version: 'v7'
    })
  })

  it('revoked: names the lists passed over because they were full', () => {
    const outcome = revokedOutcome(SESSION, LISTS, { policyArn: OTHER, version: 'v2', revokedAt: DURING, fullLists: [POLICY] }, [])
    expect(outcome.detail).toBe(`${SESSION.assumed_role_id} is denied by ${OTHER} (version v2) (full: ${POLICY})`)
  })

  it('expired: nothing written, exposure is the whole lifetime', () => {
    expect(expiredOutcome(SESSION, LISTS, [])).toEqual({
      method: 'deny-session',
      status: 'expired',
      revoked_at: null,
      exposure_s: 900,
      expires_at: SESSION.expires_at,
      detail: `the session had already expired at ${SESSION.expires_at}; nothing was written to the revocation lists`,
      policy_arns: LISTS
    })
    expect(expiredOutcome(SESSION, LISTS, ['AWS_SESSION_TOKEN']).detail).toBe(
      `the session had already expired at ${SESSION.expires_at}; nothing was written to the revocation lists; cleared AWS_SESSION_TOKEN`
    )
  })

  it('failed: the reason, and that the session stays valid until it expires', () => {
    const outcome = failedOutcome(SESSION, LISTS, 'IAM GetPolicy AccessDenied.', ['AWS_ACCESS_KEY_ID'])
    expect(outcome).toMatchObject({ method: 'deny-session', status: 'failed', revoked_at: null, exposure_s: 900, policy_arns: LISTS })
    expect(outcome.detail).toBe(
      `IAM GetPolicy AccessDenied. The session stays valid until it expires at ${SESSION.expires_at}. The job's environment was cleared (AWS_ACCESS_KEY_ID).`
    )
  })
})
