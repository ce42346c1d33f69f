// The job's identity: discover the issuer's signing keys and verify the job's OIDC token ourselves
// (signature, issuer, audience, times, required claims) before anything trusts it. The token request
// itself is in id-token.ts.
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose'
import { CLOCK_TOLERANCE_S, type GitHubClaims } from './claims.js'
import { ActionError, messageOf } from './errors.js'
import { HttpGetError, REQUEST_TIMEOUT_MS, httpGet } from './http-get.js'
import { withRetry } from './retry.js'

/** Discovery and JWKS documents larger than this are refused: they are small, and we fetch before trusting. */
export const MAX_DOCUMENT_BYTES = 100 * 1024
/** GitHub tokens live 5 minutes; a token claiming to be older than this was not just issued to us. */
const MAX_TOKEN_AGE_S = 900

const REQUIRED_STRING_CLAIMS = [
  'sub',
  'repository',
  'repository_id',
  'repository_owner_id',
  'ref',
  'run_id',
  'run_attempt',
  'event_name',
  'jti'
] as const
const OPTIONAL_STRING_CLAIMS = [
  'repository_owner',
  'ref_type',
  'sha',
  'run_number',
  'environment',
  'workflow',
  'workflow_ref',
  'job_workflow_ref',
  'actor',
  'actor_id',
  'runner_environment'
] as const

/** Fetches the issuer's discovery document, then its JWKS, both size-capped and time-limited. */
export async function fetchIssuerKeys(issuer: string, maxAttempts: number): Promise<JWTVerifyGetKey> {
  const retry = { maxAttempts, isRetryable: (error: unknown) => error instanceof TransientFetchError }
  try {
    const discovery = await withRetry(() => fetchJson(`${issuer}/.well-known/openid-configuration`), retry)
    if (discovery.issuer !== issuer) {
      throw new Error(`its discovery document names issuer ${JSON.stringify(discovery.issuer)}, not ${JSON.stringify(issuer)}`)
    }
    const jwksUri = discovery.jwks_uri
    if (typeof jwksUri !== 'string' || !isAllowedKeyUrl(jwksUri)) {
      throw new Error('its discovery document has no https jwks_uri')
    }
    const jwks = await withRetry(() => fetchJson(jwksUri), retry)
    if (!Array.isArray(jwks.keys)) throw new Error('its JWKS has no "keys" array')
    return createLocalJWKSet(jwks as unknown as JSONWebKeySet)
  } catch (error) {
    throw new ActionError(
      'oidc',
      `Could not load the signing keys of token-issuer ${issuer}: ${messageOf(error)}. Check token-issuer (GitHub Enterprise Server: https://HOST/_services/token).`,
      { cause: error }
    )
  }
}

/** Verifies the token and returns its claims; any failure is an `oidc` ActionError that says why. */
export async function verifyIdToken(
  token: string,
  keys: JWTVerifyGetKey,
  expected: { issuer: string; audience: string }
): Promise<GitHubClaims> {
  let payload: Record<string, unknown>
  try {
    const result = await jwtVerify(token, keys, {
      algorithms: ['RS256'],
      issuer: expected.issuer,
      audience: expected.audience,
      clockTolerance: CLOCK_TOLERANCE_S,
      maxTokenAge: MAX_TOKEN_AGE_S,
      requiredClaims: ['exp', 'iat', ...REQUIRED_STRING_CLAIMS]
    })
    payload = result.payload as Record<string, unknown>
  } catch (error) {
    throw new ActionError('oidc', `The OIDC token was refused: ${describeJoseError(error)}`, { cause: error })
  }
  return checkClaimTypes(payload, expected.audience)
}

/** Claims must have the types GitHub issues: a number where a string belongs is a forged or foreign token. */
function checkClaimTypes(payload: Record<string, unknown>, audience: string): GitHubClaims {
  const wrong: string[] = []
  for (const name of REQUIRED_STRING_CLAIMS) {
    if (typeof payload[name] !== 'string' || payload[name] === '') wrong.push(`${name} must be a non-empty string`)
  }
  for (const name of OPTIONAL_STRING_CLAIMS) {
    if (payload[name] !== undefined && typeof payload[name] !== 'string') wrong.push(`${name} must be a string`)
  }
  const aud = payload.aud
  if (!(aud === audience || (Array.isArray(aud) && aud.length === 1 && aud[0] === audience))) {
    wrong.push(`aud must be exactly ${JSON.stringify(audience)}, not several audiences`)
  }
  if (wrong.length > 0) throw new ActionError('oidc', `The OIDC token was refused: ${wrong.join('; ')}`)
  return payload as unknown as GitHubClaims
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return `it has expired (${error.message}). Check the runner's clock, then re-run the job.`
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return `its audience is not the configured audience (${error.message}). Check the audience input.`
    if (error.claim === 'iss') return `its issuer is not token-issuer (${error.message}). Check the token-issuer input.`
    return error.message
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not verify with the issuer\'s keys'
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'it was signed with a key the issuer does not publish'
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'it is not signed with RS256'
  if (error instanceof joseErrors.JWTInvalid || error instanceof joseErrors.JWSInvalid) return `it is malformed (${error.message})`
  return messageOf(error)
}

class TransientFetchError extends Error {}

async function fetchJson(url: string): Promise<Record<string, unknown>> {
  let response
  try {
    response = await httpGet(url, { headers: { accept: 'application/json' }, timeoutMs: REQUEST_TIMEOUT_MS, maxBytes: MAX_DOCUMENT_BYTES })
  } catch (error) {
    if (error instanceof HttpGetError && error.kind === 'too-large') throw new Error(`${url} returned more than ${MAX_DOCUMENT_BYTES / 1024} KiB`)
    throw new TransientFetchError(`${url} could not be reached (${messageOf(error)})`)
  }
  if (response.status === 429 || response.status >= 500) throw new TransientFetchError(`${url} answered HTTP ${response.status}`)
  if (response.status < 200 || response.status > 299) throw new Error(`${url} answered HTTP ${response.status}`)
  let json: unknown
  try {
    json = JSON.parse(response.body)
  } catch {
    throw new Error(`${url} did not return JSON`)
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${url} did not return a JSON object`)
  return json as Record<string, unknown>
}

function isAllowedKeyUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
  } catch {
    return false
  }
}
