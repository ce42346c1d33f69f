// The post step (runs even when the job failed): load the hand-over, scrub what the main step exported,
// record the revoke event, and write the whole trace to the job summary. It never throws: a post step
// that cannot do its work says why, audits it, and only fails when on-revocation-failure is `fail`.
import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import { AuditLog, jobFromEnvironment, readTrace } from './audit.js'
import { CLOCK_TOLERANCE_S } from './claims.js'
import { type RevokeOutcome, expiredOutcome, failedOutcome, revokedOutcome, scrubOutcome, skippedOutcome } from './aws/revocation.js'
import { messageOf } from './errors.js'
import { maskCredentials, scrubVariables } from './export.js'
import { defaultAuditLog } from './inputs.js'
import { type IssuedSession, type SavedState, parseState, readSavedState } from './state.js'
import { renderSummary } from './summary.js'


export async function runPost(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const parsed = parseState(readSavedState())
  if ('problem' in parsed) {
    // Nothing trustworthy to act on: record the skip under a trace of its own, where the user looks.
    core.info(`Nothing to revoke: ${parsed.problem}.`)
    const auditFile = core.getInput('audit-log').trim() || defaultAuditLog(env)
    await safely('write the audit record', () => new AuditLog(auditFile, randomUUID(), jobFromEnvironment(env)).record('revoke', { ...skippedOutcome(parsed.problem) }))
    return
  }

  const { state } = parsed
  const audit = new AuditLog(state.audit_log, state.trace_id, state.job)
  const outcome = await endSession(state)
  core.info(`Revocation ${outcome.status}: ${outcome.detail}`)
  await safely('write the audit record', () => audit.record('revoke', { ...outcome }))
  if (outcome.status === 'failed') {
    const message = `Revocation failed: ${outcome.detail}`
    if (state.on_revocation_failure === 'fail') core.setFailed(message)
    else core.warning(message)
  }

  if (state.job_summary) {
    await safely('write the job summary', async () => {
      await core.summary.addRaw(renderSummary(readTrace(state.audit_log, state.trace_id), state.trace_id), true).write()
    })
  } else {
    core.info('Job summary skipped: job-summary is false.')
  }
}

/** Scrub first, always; then end the session itself when the method can, even if scrubbing failed. */
async function endSession(state: SavedState): Promise<RevokeOutcome> {
  const session = state.issued
  if (!session) return skippedOutcome('no credential was issued (denied, dry run, or failed before issue)')
  let scrubbed = state.exported
  let scrubProblem: string | undefined
  try {
    scrubVariables(state.exported)
  } catch (error) {
    scrubbed = []
    scrubProblem = `could not clear the exported variables: ${messageOf(error)}`
  }
  const policyArns = state.revocation_policy_arns
  const roleArn = state.revocation_role_arn
  if (state.revoke === 'scrub' || policyArns.length === 0 || !roleArn) {
    const outcome = scrubOutcome(session, scrubbed, new Date())
    return scrubProblem ? { ...outcome, status: 'failed', detail: scrubProblem } : outcome
  }
  // The runner's clock may be ahead of AWS's: only a session surely expired is left alone.
  const outcome = Date.parse(session.expires_at) <= Date.now() - CLOCK_TOLERANCE_S * 1000
    ? expiredOutcome(session, policyArns, scrubbed)
    : await revokeSession(state, session, policyArns, roleArn, scrubbed)
  return scrubProblem ? { ...outcome, detail: `${outcome.detail}; ${scrubProblem}` } : outcome
}

async function revokeSession(state: SavedState, session: IssuedSession, policyArns: string[], roleArn: string, scrubbed: string[]): Promise<RevokeOutcome> {
  try {
    // The token request and the IAM client are loaded only here: the scrub path and the main step never
    // pay for them. The token is requested first; the IAM client, whose chunk takes ~25 ms to compile,
    // loads a turn of the event loop later, while that request is out.
    const { requestIdToken } = await import('./id-token.js')
    let prefetched: Promise<string> | undefined = requestIdToken(state.audience, state.retry_max_attempts)
    prefetched.catch(() => undefined)
    await new Promise(resolve => setImmediate(resolve))
    const { denySession } = await import('./aws/deny-session.js')
    const result = await denySession({
      region: state.region,
      session,
      policyArns,
      revocationRoleArn: roleArn,
      maxAttempts: state.retry_max_attempts,
      // The first STS attempt takes the token already on its way; a retry asks for a fresh one.
      getToken: () => {
        const token = prefetched ?? requestIdToken(state.audience, state.retry_max_attempts)
        prefetched = undefined
        return token
      },
      onCredentials: maskCredentials,
      log: (message: string) => core.info(message)
    })
    return revokedOutcome(session, policyArns, result, scrubbed)
  } catch (error) {
    return failedOutcome(session, policyArns, messageOf(error), scrubbed)
  }
}

async function safely(what: string, work: () => unknown): Promise<void> {
  try {
    await work()
  } catch (error) {
    core.warning(`Could not ${what}: ${messageOf(error)}`)
  }
}
