// deny-session revocation, the IAM side: assume the revocation role with a fresh OIDC token, check
// that the lists bind the role's sessions and only them, then write the session into its list (the
// next one when full) and confirm it stays in force. Loaded only by the post step.
import {
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  type GetPolicyVersionCommandOutput,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand
} from '@aws-sdk/client-iam'
import { randomBytes } from 'node:crypto'
import { DOCS, oneLine } from '../errors.js'
import { sleep as realSleep, withRetry } from '../retry.js'
import type { IssuedSession } from '../state.js'
import { type RevokerClient, revokerClient } from './iam-client.js'
import { type ListKind, type PolicyDocument, RevocationListError, type RevokedSession, listOrder, parsePolicyDocument } from './revocation-list.js'
import { type ListFacts, checkRevocationSetup, isBoundaryList } from './revocation-setup.js'
import { type Contention, ListCallError, type ListOperations, ListFullError, RevocationBusyError, StaleListing, VersionGone, writeSession } from './revocation-writer.js'
import { type IssuedCredentials, assumeRoleWithWebIdentity, awsErrorCode, isRetryableAwsError } from './sts.js'

/** The post step's time for the whole revocation, from the revocation role's token to the confirmation. */
export const REVOCATION_BUDGET_MS = 90_000
/** STS attempts for the revocation role: a burst of post steps meets throttling, which is not failure. */
const STS_ATTEMPTS = 8
/** Attempts of one read before the writer backs off and starts its round again. */
const READ_ATTEMPTS = 3
/** Attempts of a set-up check: IAM throttling a burst of post steps is not a reason to give up. */
const CHECK_ATTEMPTS = 8

export interface DenySessionRequest {
  region: string
  session: IssuedSession
  policyArns: string[]
  revocationRoleArn: string
  maxAttempts: number
  /** A fresh OIDC token for the revocation role (audience as for the main step). */
  getToken: () => Promise<string>
  /** Called with the revocation role's credential before it is used, to mask it. */
  onCredentials: (credentials: IssuedCredentials) => void
  log: (message: string) => void
  sleep?: (ms: number) => Promise<void>
}

export interface DenySessionResult {
  policyArn: string
  version: string
  /** AWS's time when the entry was confirmed in force. */
  revokedAt: Date
  /** Lists tried before this one because they were full. */
  fullLists: string[]
}

/** The revocation role's session may only do this job: read the target role, edit the lists. */
export function revocationSessionPolicy(policyArns: string[], roleArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:ListPolicyVersions', 'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion'],
        Resource: policyArns.length === 1 ? policyArns[0] : policyArns
      },
      { Effect: 'Allow', Action: ['iam:GetRole', 'iam:ListAttachedRolePolicies'], Resource: roleArn },
      // The role's boundary is known only once GetRole answers: reading it is allowed by the revocation
      // role's own policy, for that one ARN.
      { Effect: 'Allow', Action: ['iam:GetPolicy', 'iam:GetPolicyVersion'], Resource: `${roleArn.slice(0, roleArn.indexOf(':role/'))}:policy/*` }
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
  const started = performance.now()
  const elapsed = (): number => performance.now() - started
  const { session } = request
  const credentials = await assumeRoleWithWebIdentity({
    region: request.region,
    roleArn: request.revocationRoleArn,
    sessionName: `jit-revoke-${randomBytes(4).toString('hex')}-${session.session_name}`.slice(0, 64),
    durationSeconds: 900,
    sessionPolicy: revocationSessionPolicy(request.policyArns, session.role_arn),
    managedPolicyArns: [],
    maxAttempts: Math.max(request.maxAttempts, STS_ATTEMPTS),
    getToken: request.getToken,
    onRetry: request.log
  })
  request.onCredentials(credentials)
  const iam = revokerClient(request.region, credentials)
  try {
    const kind = await checkSetup(iam, request)
    return await writeToLists(iam, request, kind, elapsed)
  } finally {
    iam.client.destroy()
  }
}

/** A read, retried when IAM is throttling or failing; any error explained for the user. */
function reader(request: DenySessionRequest) {
  return <T>(what: string, operation: () => Promise<T>, attempts = Math.max(request.maxAttempts, CHECK_ATTEMPTS)): Promise<T> =>
    withRetry(operation, {
      maxAttempts: attempts,
      isRetryable: isRetryableAwsError,
      onRetry: (error, attempt, delay) => request.log(`IAM ${what} failed (attempt ${attempt}, ${awsErrorCode(error)}); retrying in ${delay} ms`),
      ...(request.sleep ? { sleep: request.sleep } : {})
    }).catch((error: unknown) => {
      throw new RevocationError(explainIamError(what, error, request), { cause: error })
    })
}

async function checkSetup(iam: RevokerClient, request: DenySessionRequest): Promise<ListKind> {
  const read = reader(request)
  const roleArn = request.session.role_arn
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1)
  const [role, ...policies] = await Promise.all([
    read('GetRole', () => iam.client.send(new GetRoleCommand({ RoleName: roleName }))),
    ...request.policyArns.map(arn => read('GetPolicy', () => iam.client.send(new GetPolicyCommand({ PolicyArn: arn }))))
  ])
  const boundaryArn = role.Role?.PermissionsBoundary?.PermissionsBoundaryArn
  const attachedLists = !isBoundaryList(request.policyArns, boundaryArn)
  const [attachedArns, boundaryDocument] = await Promise.all([
    attachedLists ? listAttached(iam, roleName, read) : undefined,
    attachedLists && boundaryArn !== undefined && !request.policyArns.includes(boundaryArn) ? readDefaultVersion(iam, boundaryArn, read) : undefined
  ])
  const lists: ListFacts[] = request.policyArns.map((arn, i) => ({
    arn,
    attachmentCount: policies[i]?.Policy?.AttachmentCount ?? 0,
    boundaryUsageCount: policies[i]?.Policy?.PermissionsBoundaryUsageCount ?? 0
  }))
  const verdict = checkRevocationSetup({ arn: roleArn, boundaryArn, attachedArns, boundaryDocument }, lists)
  if ('problem' in verdict) throw new RevocationError(verdict.problem)
  return verdict.kind
}

/** What the boundary allows: with attached lists it must cap the role. */
async function readDefaultVersion(iam: RevokerClient, policyArn: string, read: ReturnType<typeof reader>): Promise<unknown> {
  const policy = await read('GetPolicy', () => iam.client.send(new GetPolicyCommand({ PolicyArn: policyArn })))
  const version = await read('GetPolicyVersion', () => iam.client.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: policy.Policy?.DefaultVersionId })))
  return documentOf(version)
}

/** IAM returns policy documents URL-encoded (RFC 3986). */
const documentOf = (answer: GetPolicyVersionCommandOutput): PolicyDocument => parsePolicyDocument(decodeURIComponent(answer.PolicyVersion?.Document ?? ''))

async function listAttached(iam: RevokerClient, roleName: string, read: ReturnType<typeof reader>): Promise<string[]> {
  const arns: string[] = []
  let marker: string | undefined
  do {
    const page = await read('ListAttachedRolePolicies', () => iam.client.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName, Marker: marker })))
    arns.push(...(page.AttachedPolicies ?? []).map(p => p.PolicyArn ?? ''))
    marker = page.IsTruncated ? page.Marker : undefined
  } while (marker)
  return arns
}

async function writeToLists(iam: RevokerClient, request: DenySessionRequest, kind: ListKind, elapsed: () => number): Promise<DenySessionResult> {
  const { session } = request
  const revoked: RevokedSession = { sessionName: session.session_name, issuedAt: new Date(session.issued_at), expiresAt: new Date(session.expires_at) }
  const clock = { awsNow: iam.awsNow, elapsed, sleep: request.sleep ?? realSleep, deadline: REVOCATION_BUDGET_MS }
  const full: string[] = []
  for (const index of listOrder(session.session_name, request.policyArns.length)) {
    const policyArn = request.policyArns[index] as string
    const result = await writeSession(listOperations(iam, policyArn, reader(request)), revoked, kind, clock, contention, request.log).catch((error: unknown) => {
      if (error instanceof RevocationBusyError) throw new RevocationError(`${error.message} on ${policyArn}. Other post steps kept writing it; add lists to revocation-policy-arn to spread them. See ${DOCS}revocation`)
      if (error instanceof RevocationListError) throw new RevocationError(`${policyArn}: ${error.message}`)
      if (error instanceof ListCallError) {
        if (error.error instanceof RevocationError) throw error.error
        throw new RevocationError(explainIamError(CALL_NAMES[error.call], error.error, request), { cause: error.error })
      }
      throw error
    })
    if (result.status === 'confirmed') return { policyArn, version: result.version, revokedAt: result.confirmedAt, fullLists: full }
    request.log(`${policyArn} is full; trying the next revocation list.`)
    full.push(policyArn)
  }
  throw new RevocationError(
    `every revocation list is full (${full.join(', ')}): too many revoked sessions have not expired yet. ` +
      `Add lists to revocation-policy-arn (a role can have up to 10 attached, 20 with a quota increase), or shorten role-duration-seconds. See ${DOCS}revocation`
  )
}

function listOperations(iam: RevokerClient, policyArn: string, read: ReturnType<typeof reader>): ListOperations {
  const send = iam.client.send.bind(iam.client)
  return {
    list: async () => {
      const answer = await read('ListPolicyVersions', () => send(new ListPolicyVersionsCommand({ PolicyArn: policyArn })), READ_ATTEMPTS)
      return (answer.Versions ?? []).map(v => ({ id: v.VersionId ?? '', isDefault: v.IsDefaultVersion === true, created: v.CreateDate ?? new Date(0) }))
    },
    read: async versionId => {
      try {
        return documentOf(await send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId })))
      } catch (error) {
        if (awsErrorCode(error) === 'NoSuchEntity') return undefined
        throw error
      }
    },
    create: async document => {
      try {
        const answer = await send(new CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: document, SetAsDefault: true }))
        if (!answer.PolicyVersion?.VersionId) throw new RevocationError(`IAM did not say which version of ${policyArn} it created`)
        return answer.PolicyVersion.VersionId
      } catch (error) {
        if (awsErrorCode(error) === 'LimitExceeded' && /PolicySize/i.test(oneLine(error))) throw new ListFullError(oneLine(error))
        throw error
      }
    },
    remove: async versionId => {
      try {
        await send(new DeletePolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId }))
      } catch (error) {
        if (awsErrorCode(error) !== 'NoSuchEntity') throw error
      }
    }
  }
}

const CALL_NAMES = { list: 'ListPolicyVersions', read: 'GetPolicyVersion', create: 'CreatePolicyVersion', remove: 'DeletePolicyVersion' } as const

/** Which failures are other writers at work (or IAM pacing them), to retry inside the budget. */
export const contention: Contention = (error, call) => {
  if (error instanceof StaleListing) return 'the listing aged while writing'
  if (error instanceof VersionGone) return 'the default version changed while reading'
  if (error instanceof RevocationError && error.cause !== undefined) return contention(error.cause, call)
  const code = awsErrorCode(error)
  if (isRetryableAwsError(error)) return `${call}: ${code}`
  if (code === 'LimitExceeded' && call === 'create') return 'create: another writer took the free version slot'
  if (code === 'DeleteConflict') return 'remove: that version became the default'
  if (code === 'ConcurrentModification') return `${call}: concurrent modification`
  return undefined
}

function explainIamError(what: string, error: unknown, request: DenySessionRequest): string {
  const code = awsErrorCode(error)
  const said = `IAM ${what} ${code}: ${oneLine(error)}`
  switch (code) {
    case 'AccessDenied':
      return `${said}. The revocation role ${request.revocationRoleArn} needs iam:GetRole and iam:ListAttachedRolePolicies on role-to-assume, iam:GetPolicy, GetPolicyVersion, ListPolicyVersions, CreatePolicyVersion and DeletePolicyVersion on each policy of revocation-policy-arn, and (with attached lists) iam:GetPolicy and GetPolicyVersion on role-to-assume's permissions boundary. See ${DOCS}revocation`
    case 'NoSuchEntity':
      return `${said}. Check that revocation-policy-arn names existing policies in the role's account, and role-to-assume an existing role.`
    default:
      return isRetryableAwsError(error) ? `${said}. IAM did not answer successfully within the retries.` : said
  }
}
