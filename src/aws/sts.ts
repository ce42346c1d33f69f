// Exchanges the verified OIDC token for a per-job credential with STS AssumeRoleWithWebIdentity.
// Retries only what can heal (throttling, 5xx, network, timeout) and turns AWS errors into fixes.
import { AssumeRoleWithWebIdentityCommand, type AssumeRoleWithWebIdentityCommandOutput, STSClient } from '@aws-sdk/client-sts'
import { ActionError, DOCS, messageOf, oneLine } from '../errors.js'
import { withRetry } from '../retry.js'

export const STS_REQUEST_TIMEOUT_MS = 10_000

export interface AssumeRoleRequest {
  region: string
  roleArn: string
  sessionName: string
  durationSeconds: number
  /** Minified inline session policy. */
  sessionPolicy: string
  managedPolicyArns: string[]
  maxAttempts: number
  /** Returns a token with at least a minute to live (re-requesting one when needed). */
  getToken: () => Promise<string>
  onRetry?: (message: string) => void
}

export interface IssuedCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  expiration: Date
  /** When STS issued the session, in AWS's time: its Expiration minus the duration asked for. */
  issuedAt: Date
  assumedRoleArn: string
  /** `AROA…:<session-name>`: the `aws:userid` of this session. */
  assumedRoleId: string
  accountId: string
}

const RETRYABLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'IDPCommunicationError',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException'
])
const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED'])
const ASSUMED_ROLE_ARN = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/.+$/

interface AwsErrorShape {
  name?: string
  /** The error code on the wire (`InvalidIdentityToken`); the SDK's `name` is its class (`InvalidIdentityTokenException`). */
  Code?: string
  code?: string
  $metadata?: { httpStatusCode?: number }
  $retryable?: unknown
}

export function isRetryableAwsError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false
  const e = error as AwsErrorShape
  if (e.Code && RETRYABLE_CODES.has(e.Code)) return true
  if (e.name && RETRYABLE_CODES.has(e.name)) return true
  if (e.code && RETRYABLE_NETWORK.has(e.code)) return true
  if (e.$retryable) return true
  const status = e.$metadata?.httpStatusCode
  return status !== undefined && (status >= 500 || status === 429)
}

export async function assumeRoleWithWebIdentity(request: AssumeRoleRequest): Promise<IssuedCredentials> {
  // One SDK attempt per call: our loop retries, so a retry can carry a fresh OIDC token.
  const client = new STSClient({
    region: request.region,
    maxAttempts: 1,
    requestHandler: { requestTimeout: STS_REQUEST_TIMEOUT_MS, connectionTimeout: STS_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true }
  })
  try {
    const response = await withRetry(
      async () =>
        client.send(
          new AssumeRoleWithWebIdentityCommand({
            RoleArn: request.roleArn,
            RoleSessionName: request.sessionName,
            WebIdentityToken: await request.getToken(),
            DurationSeconds: request.durationSeconds,
            Policy: request.sessionPolicy,
            PolicyArns: request.managedPolicyArns.length > 0 ? request.managedPolicyArns.map(arn => ({ arn })) : undefined
          })
        ),
      {
        maxAttempts: request.maxAttempts,
        isRetryable: isRetryableAwsError,
        onRetry: (error, attempt, delay) => request.onRetry?.(`STS call failed (attempt ${attempt}, ${awsErrorCode(error)}); retrying in ${delay} ms`)
      }
    )
    return toIssuedCredentials(response, request)
  } catch (error) {
    if (error instanceof ActionError) throw error
    throw new ActionError('sts', explainStsError(error, request), { cause: error })
  } finally {
    client.destroy()
  }
}

function toIssuedCredentials(response: AssumeRoleWithWebIdentityCommandOutput, request: Pick<AssumeRoleRequest, 'roleArn' | 'durationSeconds'>): IssuedCredentials {
  const { roleArn } = request
  const credentials = response.Credentials
  const user = response.AssumedRoleUser
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken || !credentials.Expiration || !user?.Arn || !user.AssumedRoleId) {
    throw new ActionError('sts', 'STS answered without a complete credential (keys, expiration, assumed role); nothing was exported.')
  }
  const accountId = ASSUMED_ROLE_ARN.exec(user.Arn)?.[1]
  const roleAccountId = roleArn.split(':')[4]
  if (accountId === undefined || accountId !== roleAccountId) {
    throw new ActionError('sts', `STS returned a session in account ${accountId ?? 'unknown'}, not the role's account ${roleAccountId}; nothing was exported.`)
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
    expiration: credentials.Expiration,
    issuedAt: new Date(credentials.Expiration.getTime() - request.durationSeconds * 1000),
    assumedRoleArn: user.Arn,
    assumedRoleId: user.AssumedRoleId,
    accountId
  }
}

/** The error code AWS sent (`InvalidIdentityToken`), not the SDK's class name (`…Exception`). */
export function awsErrorCode(error: unknown): string {
  const e = (error ?? {}) as AwsErrorShape
  // The SDK reports an unparseable answer as a plain Error; name it so it can be explained.
  if (messageOf(error).includes('XML parse error')) return 'XmlParseError'
  return e.Code ?? e.name ?? e.code ?? 'error'
}

/** What AWS said, and what the user should check to fix it. */
export function explainStsError(error: unknown, request: Pick<AssumeRoleRequest, 'roleArn' | 'durationSeconds'>): string {
  const code = awsErrorCode(error)
  const said = `STS ${code}: ${oneLine(error)}`
  const account = request.roleArn.split(':')[4]
  switch (code) {
    case 'AccessDenied':
    case 'IDPRejectedClaim':
      return (
        `${said}\nThe role ${request.roleArn} does not trust this job. Check its trust policy: Principal.Federated must be the ` +
        `GitHub OIDC provider of account ${account}, and the conditions on token.actions.githubusercontent.com:aud and :sub ` +
        `must match this job's audience and sub (repo:OWNER/REPO:ref:..., or repo:OWNER/REPO:environment:NAME). See ${DOCS}iam-role-trust-policy`
      )
    case 'InvalidIdentityToken':
      return `${said}\nSTS could not validate the OIDC token: create the IAM OIDC identity provider for the issuer in account ${account}, with the audience as a client id. See ${DOCS}iam-role-trust-policy`
    case 'ExpiredTokenException':
      return `${said}\nThe OIDC token expired before STS checked it; check the runner's clock and re-run the job.`
    case 'PackedPolicyTooLarge':
      return `${said}\nThe session policy is too large once packed: use fewer scope lines (wildcards, merged rules) or fewer managed-session-policies.`
    case 'MalformedPolicyDocument':
      return `${said}\nSTS rejected the session policy built from scopes: check the actions and resource ARNs in the scopes input.`
    case 'ValidationError':
      return `${said}\nIf it concerns DurationSeconds: role-duration-seconds (${request.durationSeconds}) must not exceed the role's maximum session duration.`
    case 'XmlParseError':
      return 'STS answered with something that is not an STS response; check AWS_ENDPOINT_URL_STS and any proxy between the runner and AWS. Nothing was exported.'
    case 'RegionDisabledException':
      return `${said}\nActivate STS in this region for the account, or choose another aws-region.`
    default:
      return isRetryableAwsError(error) ? `${said}\nSTS did not answer successfully after the retry budget (retry-max-attempts); try again later.` : said
  }
}
