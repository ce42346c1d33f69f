// The job's OIDC token, through the Actions toolkit (`core.getIDToken` masks it before returning).
// Apart from oidc.ts so the post step, which needs a fresh token but verifies none, does not bundle jose.
import * as core from '@actions/core'
import { ActionError, DOCS, messageOf, oneLine } from './errors.js'
import { REQUEST_TIMEOUT_MS } from './http-get.js'
import { withRetry } from './retry.js'

const PERMISSION_FIX =
  'The job has no OIDC token to request. Add this to the workflow (job or top level):\n' +
  '  permissions:\n' +
  '    id-token: write\n' +
  '    contents: read\n' +
  `Tokens are never given to pull requests from forks. See ${DOCS}permissions`

/** Requests the job's OIDC token for `audience`, retrying what can heal. */
export async function requestIdToken(audience: string, maxAttempts: number): Promise<string> {
  if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new ActionError('oidc', PERMISSION_FIX)
  }
  try {
    return await withRetry(() => withTimeout(core.getIDToken(audience), 'the OIDC token request'), {
      maxAttempts,
      isRetryable: isRetryableTokenError,
      onRetry: (error, attempt, delay) => core.info(`OIDC token request failed (attempt ${attempt}): ${oneLine(error)}; retrying in ${delay} ms`)
    })
  } catch (error) {
    throw new ActionError('oidc', `Could not get the job's OIDC token: ${oneLine(error)}`, { cause: error })
  }
}

/** `core.getIDToken` reports the HTTP status only inside its message; 4xx other than 429 will not heal. */
function isRetryableTokenError(error: unknown): boolean {
  const status = /Error Code : (\d+)/.exec(messageOf(error))?.[1]
  if (status === undefined || status === 'undefined') return true
  return status === '429' || Number(status) >= 500
}

async function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${REQUEST_TIMEOUT_MS / 1000} s`)), REQUEST_TIMEOUT_MS)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
