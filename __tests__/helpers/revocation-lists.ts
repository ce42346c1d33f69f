// The account set-ups docs/iam-setup.md describes for deny-session, on the local IAM endpoint, and the
// independent judgement of what the post steps wrote there: which sessions the role's policies deny.
import type { IssuedCredentials, StsServer } from '../fixtures/aws-sts.js'
import { roleDeniesSession } from './boundary.js'

export const ACCOUNT = '111122223333'
export const JOB_ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`
export const REVOKER = `arn:aws:iam::${ACCOUNT}:role/jit-revoker`
/** The one-list set-up: the job role's permissions boundary is the list. */
export const BOUNDARY_LIST = `arn:aws:iam::${ACCOUNT}:policy/jit-revocations`
/** The many-list set-up: deny-only lists attached to the role, under a boundary that caps it. */
export const CAP = `arn:aws:iam::${ACCOUNT}:policy/deploy-boundary`
export const listArn = (n: number): string => `arn:aws:iam::${ACCOUNT}:policy/jit-revocations-${n}`

export const ALLOW_ALL = { Sid: 'AllowAll', Effect: 'Allow', Action: '*', Resource: '*' }
/** What docs/iam-setup.md creates each attached list with: a Deny that matches no session. */
export const PLACEHOLDER = { Sid: 'JitRevocationList', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:userid': 'jit-credentials:no-session' } } }
const CAP_DOCUMENT = { Version: '2012-10-17', Statement: [{ Sid: 'DeployOnly', Effect: 'Allow', Action: ['s3:*', 'cloudfront:CreateInvalidation'], Resource: '*' }] }

export interface RevocationAccount {
  /** The value of revocation-policy-arn. */
  lists: string[]
  /** Every policy that applies to the job role: its boundary and its attached policies. */
  rolePolicies(): unknown[]
  /** Does the job role's policy set deny this session (issued at `issuedAt`, default: its own issue)? */
  denies(session: Pick<IssuedCredentials, 'assumedRoleId' | 'issuedAt'>, issuedAt?: Date | string): boolean
}

export interface SetUpOptions {
  /** 0: the boundary is the one list; n > 0: n deny-only lists attached to the role. */
  attachedLists: number
  /** Versions each list starts with (1 to 5), all the same document; the last is the default. */
  versions?: number
}

export function setUpRevocationAccount(sts: StsServer, options: SetUpOptions): RevocationAccount {
  const iam = sts.iam
  iam.addRole(REVOKER)
  const seed = (arn: string, document: object): void => {
    iam.addPolicy(arn, document)
    const versions = options.versions ?? 1
    if (versions > 1) iam.setPolicyVersions(arn, Array.from({ length: versions }, () => ({ document })))
  }
  let lists: string[]
  if (options.attachedLists === 0) {
    lists = [BOUNDARY_LIST]
    seed(BOUNDARY_LIST, { Version: '2012-10-17', Statement: [ALLOW_ALL] })
    iam.addRole(JOB_ROLE, { permissionsBoundaryArn: BOUNDARY_LIST })
  } else {
    lists = Array.from({ length: options.attachedLists }, (_, i) => listArn(i + 1))
    iam.addPolicy(CAP, CAP_DOCUMENT)
    iam.addRole(JOB_ROLE, { permissionsBoundaryArn: CAP })
    for (const arn of lists) {
      seed(arn, { Version: '2012-10-17', Statement: [PLACEHOLDER] })
      iam.attachRolePolicy(JOB_ROLE, arn)
    }
  }
  const rolePolicies = (): unknown[] => [...new Set([...(options.attachedLists === 0 ? [] : [CAP]), ...lists])].map(arn => iam.defaultDocument(arn))
  return {
    lists,
    rolePolicies,
    denies: (session, issuedAt) => roleDeniesSession({ policies: rolePolicies() }, { userId: session.assumedRoleId, tokenIssueTime: issuedAt ?? session.issuedAt })
  }
}

/** The deny-session inputs for an account set up above. */
export const revocationInputs = (account: RevocationAccount): Record<string, string> => ({
  revoke: 'deny-session',
  'revocation-role-to-assume': REVOKER,
  'revocation-policy-arn': account.lists.join('\n')
})

/** The job role's sessions STS issued, in order. */
export const jobSessions = (sts: StsServer): IssuedCredentials[] => sts.issued.filter(c => c.roleArn === JOB_ROLE)
