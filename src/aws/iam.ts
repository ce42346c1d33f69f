// deny-session revocation, the IAM side (DESIGN §5): with the revocation role's own credential, check
// that the revocation policy really is role-to-assume's permissions boundary and nothing else, add the
// session to it as a new default version, and read it back. Loaded only by the post step.
import {
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListPolicyVersionsCommand,
  type PolicyVersion
} from '@aws-sdk/client-iam'
import { randomBytes } from 'node:crypto'
import { DOCS, oneLine } from '../errors.js'
import { sleep as realSleep, withRetry } from '../retry.js'
import type { IssuedSession } from '../state.js'
import { type PolicyDocument, addRevocation, listsSession, parsePolicyDocument } from './revocation.js'
import { type IssuedCredentials, STS_REQUEST_TIMEOUT_MS, assumeRoleWithWebIdentity, awsErrorCode, isRetryableAwsError } from './sts.js'

/** IAM keeps at most this many versions of a managed policy. */
const MAX_POLICY_VERSIONS = 5
/** Rounds of read → write → read back when other post steps write the same policy at the same time. */
const MAX_WRITE_ROUNDS = 5

export interface DenySessionRequest {
  region: string
  session: IssuedSession
  policyArn: string
  revocationRoleArn: string
  maxAttempts: number
  /** A fresh OIDC token for the revocation role (audience as for the main step). */
  getToken: () => Promise<string>
  /** Called with the revocation role's credential before it is used, to mask it. */
  onCredentials: (credentials: IssuedCredentials) => void
  log: (message: string) => void
  now?: () => Date
  sleep?: (ms: number) => Promise<void>
}

export interface DenySessionResult {
  version: string
  revokedAt: Date
}

/** The revocation role's session may only do this job: read the target role, edit the one policy. */
export function revocationSessionPolicy(policyArn: string, roleArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:ListPolicyVersions', 'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion'],
        Resource: policyArn
      },
      { Effect: 'Allow', Action: 'iam:GetRole', Resource: roleArn }
    ]
  })
}

/** Fails with a message that says what to fix; the caller records it as a failed revocation. */
export class RevocationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'RevocationError'
  }
}

export async function denySession(request: DenySessionRequest): Promise<DenySessionResult> {
  const now = request.now ?? (() => new Date())
  const { session, policyArn } = request
  const credentials = await assumeRoleWithWebIdentity({
    region: request.region,
    roleArn: request.revocationRoleArn,
    sessionName: `jit-revoke-${randomBytes(4).toString('hex')}-${session.session_name}`.slice(0, 64),
    durationSeconds: 900,
    sessionPolicy: revocationSessionPolicy(policyArn, session.role_arn),
    managedPolicyArns: [],
    maxAttempts: request.maxAttempts,
    getToken: request.getToken,
    onRetry: request.log
  })
  request.onCredentials(credentials)

  const client = new IAMClient({
    region: request.region,
    maxAttempts: 1,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
    requestHandler: { requestTimeout: STS_REQUEST_TIMEOUT_MS, connectionTimeout: STS_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true }
  })
  const call = <T>(what: string, operation: () => Promise<T>): Promise<T> =>
    withRetry(operation, {
      maxAttempts: request.maxAttempts,
      isRetryable: isRetryableAwsError,
      onRetry: (error, attempt, delay) => request.log(`IAM ${what} failed (attempt ${attempt}, ${oneLine(error)}); retrying in ${delay} ms`),
      ...(request.sleep ? { sleep: request.sleep } : {})
    }).catch((error: unknown) => {
      throw error instanceof RevocationError ? error : new RevocationError(explainIamError(what, error, request), { cause: error })
    })

  try {
    // Listing the versions is read-only: start it with the checks, one round trip sooner.
    const versions = listVersions(client, call, policyArn)
    versions.catch(() => undefined)
    await checkBoundary(client, call, session.role_arn, policyArn)
    return await writeRevocation(client, call, request, now, versions)
  } finally {
    client.destroy()
  }
}

type Call = <T>(what: string, operation: () => Promise<T>) => Promise<T>

async function listVersions(client: IAMClient, call: Call, policyArn: string): Promise<PolicyVersion[]> {
  return (await call('ListPolicyVersions', () => client.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn })))).Versions ?? []
}

/** The list binds only if it is the role's permissions boundary, and is safe only if it is nothing else. */
async function checkBoundary(client: IAMClient, call: Call, roleArn: string, policyArn: string): Promise<void> {
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1)
  const [role, policy] = await Promise.all([
    call('GetRole', () => client.send(new GetRoleCommand({ RoleName: roleName }))),
    call('GetPolicy', () => client.send(new GetPolicyCommand({ PolicyArn: policyArn })))
  ])
  const boundary = role.Role?.PermissionsBoundary?.PermissionsBoundaryArn
  if (boundary !== policyArn) {
    throw new RevocationError(
      `${policyArn} is not the permissions boundary of ${roleArn} (its boundary is ${boundary ?? 'not set'}): a deny list there would bind nothing. ` +
        `Set the role's permissions boundary to the revocation policy. See ${DOCS}revocation`
    )
  }
  const attachments = policy.Policy?.AttachmentCount ?? 0
  if (attachments > 0) {
    throw new RevocationError(
      `${policyArn} is attached as a permissions policy to ${attachments} user(s), group(s) or role(s); it holds "Allow *", so it must only ever be used as a permissions boundary. Detach it. See ${DOCS}revocation`
    )
  }
}

/**
 * Read the default version, add the session, write it as the new default, read back. IAM has no
 * conditional write: when another post step wrote at the same time, merge what its version listed
 * and write again, until a round sees no concurrent writer and the default lists the session.
 */
async function writeRevocation(
  client: IAMClient,
  call: Call,
  request: DenySessionRequest,
  now: () => Date,
  firstListing: Promise<PolicyVersion[]>
): Promise<DenySessionResult> {
  const { session, policyArn } = request
  const userId = session.assumed_role_id
  const revoked = { userId, expiresAt: new Date(session.expires_at) }
  const readVersion = async (versionId: string): Promise<PolicyDocument> => {
    const response = await call('GetPolicyVersion', () => client.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId })))
    // IAM returns documents URL-encoded (RFC 3986).
    return parsePolicyDocument(decodeURIComponent(response.PolicyVersion?.Document ?? ''))
  }
  const defaultOf = (versions: PolicyVersion[]): string => {
    const id = versions.find(v => v.IsDefaultVersion)?.VersionId
    if (!id) throw new RevocationError(`${policyArn} has no default version`)
    return id
  }

  let concurrent: PolicyDocument[] = []
  for (let round = 1; round <= MAX_WRITE_ROUNDS; round++) {
    const before = round === 1 ? await firstListing : await listVersions(client, call, policyArn)
    const edit = addRevocation(await readVersion(defaultOf(before)), revoked, now(), concurrent)
    if (!edit.changed && listsSession(edit.document, userId)) {
      return { version: defaultOf(before), revokedAt: now() }
    }
    if (before.length >= MAX_POLICY_VERSIONS) {
      // CreateDate has whole seconds: break ties by the version number (v1, v2, ...).
      const number = (v: PolicyVersion): number => Number(v.VersionId?.slice(1) ?? 0)
      const oldest = before
        .filter(v => !v.IsDefaultVersion)
        .sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0) || number(a) - number(b))[0]
      if (oldest?.VersionId) {
        await call('DeletePolicyVersion', () => client.send(new DeletePolicyVersionCommand({ PolicyArn: policyArn, VersionId: oldest.VersionId })))
      }
    }
    const created = await call('CreatePolicyVersion', () =>
      client.send(new CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: edit.json, SetAsDefault: true }))
    )
    const version = created.PolicyVersion?.VersionId
    if (!version) throw new RevocationError(`IAM did not say which version of ${policyArn} it created`)

    // What IAM now enforces, read back while checking for writers that raced with this one.
    const [after, written] = await Promise.all([listVersions(client, call, policyArn), readVersion(version)])
    const known = new Set(before.map(v => v.VersionId))
    const others = after.filter(v => v.VersionId && !known.has(v.VersionId) && v.VersionId !== version).map(v => v.VersionId as string)
    const current = defaultOf(after)
    if (others.length === 0 && current === version) {
      if (listsSession(written, userId)) return { version, revokedAt: now() }
      throw new RevocationError(`${policyArn} version ${version} does not list ${userId} when read back`)
    }
    request.log(`Another writer changed ${policyArn} at the same time (versions ${[...others, current].join(', ')}); merging and writing again.`)
    concurrent = await Promise.all(others.map(readVersion))
    await (request.sleep ?? realSleep)(Math.round(Math.random() * 200 * round))
  }
  throw new RevocationError(`${policyArn} kept changing under concurrent writers; gave up after ${MAX_WRITE_ROUNDS} rounds`)
}

function explainIamError(what: string, error: unknown, request: DenySessionRequest): string {
  const code = awsErrorCode(error)
  const said = `IAM ${what} ${code}: ${oneLine(error)}`
  switch (code) {
    case 'AccessDenied':
      return `${said}. The revocation role ${request.revocationRoleArn} needs iam:GetRole on role-to-assume and iam:GetPolicy, GetPolicyVersion, ListPolicyVersions, CreatePolicyVersion and DeletePolicyVersion on ${request.policyArn}. See ${DOCS}revocation`
    case 'NoSuchEntity':
      return `${said}. Check revocation-policy-arn and role-to-assume.`
    case 'LimitExceeded':
      return `${said}. The revocation list is full or has too many versions; shorten role-duration-seconds so entries expire sooner.`
    default:
      return isRetryableAwsError(error) ? `${said}. IAM did not answer successfully within retry-max-attempts.` : said
  }
}
