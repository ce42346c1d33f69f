// The main step, top to bottom: inputs → token + keys (in parallel) → verify → decide → issue →
// mask → export → audit. Fails closed: any error before export leaves no credential behind.
import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { AuditLog, jobFromClaims, jobFromEnvironment } from './audit.js'
import type { AssumeRoleRequest } from './aws/sts.js'
import { buildSessionPolicy, checkSessionPolicySize } from './aws/session-policy.js'
import type { GitHubClaims } from './claims.js'
import { ActionError, messageOf } from './errors.js'
import { EXPORTED_VARIABLES, checkExportTargets, checkStepFiles, exportCredentials, maskCredentials, outputCredentials } from './export.js'
import { type ActionConfig, InputError, defaultAuditLog, jobFolder, parseInputs } from './inputs.js'
import { requestIdToken } from './id-token.js'
import { fetchIssuerKeys, verifyIdToken } from './oidc.js'
import { evaluatePolicy } from './policy.js'
import { generateSessionName, reserveSessionName, uniqueSessionName } from './session-name.js'
import { type SavedState, saveState } from './state.js'

/** A token with less than this left is re-requested before an STS attempt. */
const TOKEN_REFRESH_MARGIN_S = 60

export async function runMain(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const traceId = randomUUID()
  // Where to audit is needed even when other inputs are invalid, so it is read on its own first.
  const auditFile = core.getInput('audit-log').trim() || defaultAuditLog(env)
  const audit = new AuditLog(auditFile, traceId, jobFromEnvironment(env))
  const state: SavedState = {
    version: 2,
    trace_id: traceId,
    audit_log: auditFile,
    job_summary: core.getInput('job-summary').trim().toLowerCase() !== 'false',
    job: audit.job,
    revoke: 'scrub',
    on_revocation_failure: 'warn',
    revocation_role_arn: null,
    revocation_policy_arns: [],
    audience: '',
    region: '',
    retry_max_attempts: 1,
    issued: null,
    exported: []
  }

  let stage: ActionError['stage'] = 'state'
  try {
    // A GITHUB_OUTPUT or GITHUB_STATE that cannot be written fails the step with an error event that
    // says so, before anything is written or requested.
    checkStepFiles(env)
    core.setOutput('trace-id', traceId)
    core.setOutput('audit-log', auditFile)
    // Saved before any network call, so the post step can audit and summarise whatever happens next.
    saveState(state)
    stage = 'inputs'
    const config = parseInputs(name => core.getInput(name), env)
    Object.assign(state, {
      job_summary: config.jobSummary,
      revoke: config.revoke,
      on_revocation_failure: config.onRevocationFailure,
      revocation_role_arn: config.revocationRoleArn ?? null,
      revocation_policy_arns: config.revocationPolicyArns,
      audience: config.audience,
      region: config.region,
      retry_max_attempts: config.retryMaxAttempts
    })
    saveState(state)
    const sessionPolicy = buildSessionPolicy(config.scopes)
    const sizeProblem = checkSessionPolicySize(sessionPolicy)
    if (sizeProblem) throw new InputError([`scopes: ${sizeProblem}`])
    if (!config.dryRun) checkExportTargets(config, env)
    // No credential without an audit record: find out now, before any token is requested.
    audit.checkWritable()

    stage = 'oidc'
    const identity = Promise.all([
      requestIdToken(config.audience, config.retryMaxAttempts),
      fetchIssuerKeys(config.tokenIssuer, config.retryMaxAttempts)
    ])
    // Load the STS client while those requests wait for their answers. Compiling its chunk holds the
    // thread for ~20 ms, so it starts a turn of the event loop later, once the requests are written.
    const stsModule = config.dryRun ? undefined : new Promise(resolve => setImmediate(resolve)).then(() => import('./aws/sts.js'))
    stsModule?.catch(() => undefined)
    const [token, keys] = await identity
    const expected = { issuer: config.tokenIssuer, audience: config.audience }
    const claims = await verifyIdToken(token, keys, expected)
    audit.job = state.job = jobFromClaims(claims, env)
    // The post step audits under the same job identity, whatever happens next.
    saveState(state)
    audit.record('request', {
      token: { iss: claims.iss, aud: claims.aud, jti: claims.jti, iat: claims.iat, exp: claims.exp },
      request: {
        role_arn: config.roleArn,
        duration_s: config.durationSeconds,
        scopes: config.scopes,
        managed_policy_arns: config.managedPolicyArns
      }
    })

    stage = 'policy'
    const decision = evaluatePolicy(claims, { accountId: config.roleAccountId }, config.policy)
    audit.record('decision', { allowed: decision.allowed, reasons: decision.reasons, matched: decision.matched })
    core.setOutput('decision', decision.allowed ? 'allow' : 'deny')
    if (!decision.allowed) {
      throw new ActionError('policy', `Denied by policy; no credential was issued:\n- ${decision.reasons.join('\n- ')}`)
    }
    for (const reason of decision.reasons) core.info(`allow: ${reason}`)

    const given = config.sessionName
    const sessionName = given === undefined
      ? generateSessionName(claims, env.GITHUB_JOB ?? '')
      : config.revoke === 'deny-session' ? uniqueSessionName(given) : given
    core.setOutput('role-session-name', sessionName)
    if (config.dryRun) {
      printPlan(config, sessionName, sessionPolicy.pretty, sessionPolicy.fullAccess)
      return
    }

    reserveSessionName(sessionName, path.join(jobFolder(env), 'session-names'))
    if (given !== undefined && given !== sessionName) {
      core.info(`role-session-name ${given} becomes ${sessionName}: deny-session needs a name no other session has.`)
    }

    stage = 'sts'
    const { assumeRoleWithWebIdentity } = await (stsModule as Promise<typeof import('./aws/sts.js')>)
    const credentials = await assumeRoleWithWebIdentity({
      region: config.region,
      roleArn: config.roleArn,
      sessionName,
      durationSeconds: config.durationSeconds,
      sessionPolicy: sessionPolicy.json,
      managedPolicyArns: config.managedPolicyArns,
      maxAttempts: config.retryMaxAttempts,
      getToken: freshToken(token, claims, config, keys, expected),
      onRetry: message => core.info(message)
    } satisfies AssumeRoleRequest)
    maskCredentials(credentials)

    stage = 'export'
    state.issued = {
      role_arn: config.roleArn,
      session_name: sessionName,
      assumed_role_arn: credentials.assumedRoleArn,
      assumed_role_id: credentials.assumedRoleId,
      account_id: credentials.accountId,
      issued_at: credentials.issuedAt.toISOString(),
      expires_at: credentials.expiration.toISOString()
    }
    state.exported = config.exportEnv ? EXPORTED_VARIABLES : []
    // Recorded before exporting, so a post step after a crash here still scrubs.
    saveState(state)
    audit.record('issue', {
      ...state.issued,
      session_policy_sha256: sessionPolicy.sha256,
      full_access: sessionPolicy.fullAccess
    })

    if (config.exportEnv) exportCredentials(credentials, config.region)
    if (config.outputCredentials) outputCredentials(credentials)
    core.setOutput('aws-account-id', credentials.accountId)
    core.setOutput('assumed-role-arn', credentials.assumedRoleArn)
    core.setOutput('expiration', credentials.expiration.toISOString())
    core.info(
      `Issued ${credentials.assumedRoleArn} until ${credentials.expiration.toISOString()} (${config.durationSeconds} s); ` +
        `revocation: ${config.revoke}. Trace ${traceId}.`
    )
  } catch (error) {
    const failedAt = error instanceof ActionError ? error.stage : error instanceof InputError ? 'inputs' : stage
    let message = error instanceof ActionError || error instanceof InputError ? error.message : `Unexpected failure: ${messageOf(error)}`
    if (failedAt === 'policy') {
      // The decision event already holds the reasons.
      core.setOutput('decision', 'deny')
    } else if (failedAt !== 'audit') {
      try {
        audit.record('error', { stage: failedAt, message })
      } catch (auditError) {
        message += `\n${messageOf(auditError)}`
      }
    }
    core.setFailed(message)
  }
}

/** The token for an STS attempt: the one in hand, or a new verified one when it is about to expire. */
function freshToken(
  token: string,
  claims: GitHubClaims,
  config: ActionConfig,
  keys: Parameters<typeof verifyIdToken>[1],
  expected: Parameters<typeof verifyIdToken>[2]
): () => Promise<string> {
  let current = { token, exp: claims.exp }
  return async () => {
    if (current.exp - Date.now() / 1000 >= TOKEN_REFRESH_MARGIN_S) return current.token
    const next = await requestIdToken(config.audience, config.retryMaxAttempts)
    const nextClaims = await verifyIdToken(next, keys, expected)
    if (nextClaims.sub !== claims.sub || nextClaims.repository_id !== claims.repository_id) {
      throw new ActionError('oidc', 'A re-requested OIDC token names a different subject than the one the policy allowed.')
    }
    current = { token: next, exp: nextClaims.exp }
    return next
  }
}

function printPlan(config: ActionConfig, sessionName: string, policy: string, fullAccess: boolean): void {
  core.info('Dry run: the policy allows this job; nothing was issued. The plan:')
  core.info(`  role:          ${config.roleArn}`)
  core.info(`  region:        ${config.region}`)
  core.info(`  session name:  ${sessionName}`)
  core.info(`  lifetime:      ${config.durationSeconds} s (ceiling ${config.maxDurationSeconds} s)`)
  core.info(`  revocation:    ${config.revoke}`)
  if (config.managedPolicyArns.length > 0) core.info(`  managed session policies: ${config.managedPolicyArns.join(', ')}`)
  if (fullAccess) core.warning('A `* *` scope gives the credential all of the role\'s permissions.')
  core.info(`  session policy:\n${policy}`)
}
