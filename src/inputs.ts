// Parses and validates every input up front into one typed config. All problems are collected and
// reported together, each naming the input, what is wrong, and an example of a right value.
import path from 'node:path'
import { type PolicyConfig, validatePattern } from './policy.js'
import { type ScopeRule, parseScopes } from './aws/session-policy.js'

export type RevokeMethod = 'deny-session' | 'scrub'

export interface ActionConfig {
  roleArn: string
  /** The 12-digit account of `roleArn`. */
  roleAccountId: string
  region: string
  audience: string
  durationSeconds: number
  maxDurationSeconds: number
  /** Set only when the user gave one; otherwise generated from verified claims. */
  sessionName: string | undefined
  policy: PolicyConfig
  scopes: ScopeRule[]
  managedPolicyArns: string[]
  revoke: RevokeMethod
  revocationRoleArn: string | undefined
  /** deny-session: one list that is the role's boundary, or deny-only lists attached to the role. */
  revocationPolicyArns: string[]
  onRevocationFailure: 'warn' | 'fail'
  auditLog: string
  jobSummary: boolean
  exportEnv: boolean
  outputCredentials: boolean
  dryRun: boolean
  tokenIssuer: string
  retryMaxAttempts: number
}

/** Reads one input as the runner passes it (the `INPUT_<NAME>` variable); '' when unset. */
export type InputReader = (name: string) => string

export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(`The action's inputs need fixing (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`)
    this.name = 'InputError'
  }
}

export const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com'
export const STS_MIN_DURATION = 900
export const STS_MAX_DURATION = 43200
const MAX_MANAGED_POLICIES = 10
/** IAM's highest quota of managed policies attached to a role. */
const MAX_REVOCATION_LISTS = 20

// Partitions: aws, aws-cn, aws-us-gov, aws-iso-b, ... (not `awsx` or `aws-`, which STS would only refuse later).
const ROLE_ARN = /^arn:(aws(?:-[a-z]+)*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/
const POLICY_ARN = /^arn:(aws(?:-[a-z]+)*):iam::(\d{12}|aws):policy\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/
const ACCOUNT_ID = /^\d{12}$/
const REPOSITORY_ID = /^[1-9]\d{0,19}$/
const EVENT_NAME = /^[a-z_]{1,64}$/
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** Splits a list input on newlines and commas; blank entries and surrounding spaces are ignored. */
export function parseList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map(entry => entry.trim())
    .filter(entry => entry !== '')
}

/** The action's folder in the job's temp directory (RUNNER_TEMP is per job). */
export function jobFolder(env: NodeJS.ProcessEnv): string {
  return path.join(env.RUNNER_TEMP || path.resolve('.'), 'jit-credentials')
}

/** The default audit log location, `${RUNNER_TEMP}/jit-credentials/audit.jsonl`. */
export function defaultAuditLog(env: NodeJS.ProcessEnv): string {
  return path.join(jobFolder(env), 'audit.jsonl')
}

export function parseInputs(read: InputReader, env: NodeJS.ProcessEnv): ActionConfig {
  const problems: string[] = []
  const problem = (input: string, text: string): void => {
    problems.push(`${input}: ${text}`)
  }
  const get = (name: string): string => read(name).trim()

  const required = (name: string, example: string): string => {
    const value = get(name)
    if (value === '') problem(name, `is required. Example: ${name}: ${example}`)
    return value
  }

  const integer = (name: string, fallback: number, min: number, max: number, example: string): number => {
    const raw = get(name)
    if (raw === '') return fallback
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problem(name, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}. Example: ${name}: ${example}`)
      return fallback
    }
    return Number(raw)
  }

  const boolean = (name: string, fallback: boolean): boolean => {
    const raw = get(name)
    if (raw === '') return fallback
    if (/^true$/i.test(raw)) return true
    if (/^false$/i.test(raw)) return false
    problem(name, `must be true or false, got ${JSON.stringify(raw)}`)
    return fallback
  }

  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = get(name)
    if (raw === '') return fallback
    if ((allowed as readonly string[]).includes(raw)) return raw as T
    problem(name, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`)
    return fallback
  }

  const matching = (name: string, values: string[], pattern: RegExp, what: string, example: string): string[] => {
    for (const value of values) {
      if (!pattern.test(value)) problem(name, `${JSON.stringify(value)} is not ${what}. Example: ${example}`)
    }
    return values
  }

  const patterns = (name: string, kind: Parameters<typeof validatePattern>[0], example: string): string[] => {
    const values = parseList(get(name))
    for (const value of values) {
      const trouble = validatePattern(kind, value)
      if (trouble) problem(name, `${JSON.stringify(value)}: ${trouble}. Example: ${example}`)
    }
    return values
  }

  // Role and region.
  const roleArn = required('role-to-assume', 'arn:aws:iam::123456789012:role/deploy')
  const roleMatch = ROLE_ARN.exec(roleArn)
  if (roleArn !== '' && !roleMatch) {
    problem('role-to-assume', `${JSON.stringify(roleArn)} is not an IAM role ARN. Example: arn:aws:iam::123456789012:role/deploy`)
  }
  const region = required('aws-region', 'us-east-1')
  if (region !== '' && !REGION.test(region)) {
    problem('aws-region', `${JSON.stringify(region)} is not an AWS region. Example: us-east-1, eu-central-1`)
  }
  const audience = get('audience') || 'sts.amazonaws.com'
  if (/\s/.test(audience)) problem('audience', 'must not contain spaces. Example: sts.amazonaws.com')

  // Lifetime: the requested duration must fit under the policy ceiling.
  const maxDurationSeconds = integer('max-duration-seconds', 3600, STS_MIN_DURATION, STS_MAX_DURATION, '3600')
  const durationSeconds = integer('role-duration-seconds', 900, STS_MIN_DURATION, STS_MAX_DURATION, '900')
  if (durationSeconds > maxDurationSeconds) {
    problem(
      'role-duration-seconds',
      `${durationSeconds} is over max-duration-seconds (${maxDurationSeconds}); ask for less or raise max-duration-seconds`
    )
  }

  const sessionName = get('role-session-name') || undefined
  if (sessionName !== undefined && !SESSION_NAME.test(sessionName)) {
    problem(
      'role-session-name',
      `${JSON.stringify(sessionName)} must be 2 to 64 characters of letters, digits and _+=,.@- (leave it unset for a generated unique name). Example: deploy-${'1234'}`
    )
  }

  // Policy.
  const repositories = patterns('allowed-repositories', 'repository', 'octo-org/octo-app, octo-org/*')
  if (repositories.length === 0) {
    problem('allowed-repositories', 'is required: list the repositories that may get this credential. Example: allowed-repositories: octo-org/octo-app')
  }
  const policy: PolicyConfig = {
    repositories,
    repositoryIds: matching('allowed-repository-ids', parseList(get('allowed-repository-ids')), REPOSITORY_ID, 'a numeric repository id', '123456789'),
    refs: patterns('allowed-refs', 'ref', 'refs/heads/main, refs/tags/v*'),
    environments: patterns('allowed-environments', 'environment', 'production'),
    events: matching('allowed-events', parseList(get('allowed-events')), EVENT_NAME, 'a GitHub event name', 'push, workflow_dispatch'),
    workflows: patterns('allowed-workflows', 'workflow', 'octo-org/infra/.github/workflows/deploy.yml@refs/heads/main'),
    accountIds: matching('allowed-account-ids', parseList(get('allowed-account-ids')), ACCOUNT_ID, 'a 12-digit AWS account id', '123456789012')
  }

  // Scopes become the inline session policy.
  // Split on newlines only (a rule holds commas); blank lines stay so errors cite the right line number.
  const scopeLines = read('scopes').split('\n')
  let scopes: ScopeRule[] = []
  if (scopeLines.every(line => line.trim() === '')) {
    problem('scopes', 'is required: one rule per line, `ACTIONS RESOURCES`. Example: s3:GetObject,s3:PutObject arn:aws:s3:::artifacts/*')
  } else {
    const parsed = parseScopes(scopeLines)
    scopes = parsed.rules
    for (const error of parsed.errors) problem('scopes', error)
  }

  const managedPolicyArns = matching(
    'managed-session-policies',
    parseList(get('managed-session-policies')),
    POLICY_ARN,
    'a managed policy ARN',
    'arn:aws:iam::aws:policy/ReadOnlyAccess'
  )
  if (managedPolicyArns.length > MAX_MANAGED_POLICIES) {
    problem('managed-session-policies', `lists ${managedPolicyArns.length} policies; STS accepts at most ${MAX_MANAGED_POLICIES}`)
  }

  // Revocation.
  const roleAccountId = roleMatch?.[2]
  const revocationRoleArn = get('revocation-role-to-assume') || undefined
  const revocationRole = revocationRoleArn === undefined ? undefined : ROLE_ARN.exec(revocationRoleArn)
  if (revocationRoleArn !== undefined && !revocationRole) {
    problem('revocation-role-to-assume', `${JSON.stringify(revocationRoleArn)} is not an IAM role ARN. Example: arn:aws:iam::123456789012:role/jit-revoker`)
  }
  const revocationPolicyArns = parseList(get('revocation-policy-arn'))
  const revocationPolicies = revocationPolicyArns.map(arn => {
    const match = POLICY_ARN.exec(arn)
    if (!match) problem('revocation-policy-arn', `${JSON.stringify(arn)} is not a managed policy ARN. Example: arn:aws:iam::123456789012:policy/jit-revocations`)
    return match
  })
  if (new Set(revocationPolicyArns).size < revocationPolicyArns.length) problem('revocation-policy-arn', 'lists a policy more than once')
  if (revocationPolicyArns.length > MAX_REVOCATION_LISTS) {
    problem('revocation-policy-arn', `lists ${revocationPolicyArns.length} policies; a role can have at most ${MAX_REVOCATION_LISTS} managed policies attached`)
  }
  const revocationPolicyArn = revocationPolicyArns[0]
  const revokeInput = oneOf('revoke', ['auto', 'deny-session', 'scrub'] as const, 'auto')
  const revoke: RevokeMethod = revokeInput === 'auto' ? (revocationPolicyArn ? 'deny-session' : 'scrub') : revokeInput
  if (revoke === 'deny-session') {
    // Fail closed: a credential the post step could not revoke must not be issued as if it could be.
    const why = revokeInput === 'auto' ? 'revoke is auto and revocation-policy-arn is set, so the post step revokes with deny-session' : 'revoke is deny-session'
    if (revocationRoleArn === undefined) {
      problem('revocation-role-to-assume', `is required because ${why}: the role the post step assumes to update the revocation list. Example: arn:aws:iam::123456789012:role/jit-revoker`)
    }
    if (revocationPolicyArn === undefined) {
      problem('revocation-policy-arn', `is required because ${why}: the revocation lists: the permissions boundary of role-to-assume, or deny-only policies attached to it (one per line). Example: arn:aws:iam::123456789012:policy/jit-revocations`)
    }
    // IAM is per account: the boundary and the role that edits it live in the role's account.
    for (const [input, match] of [...revocationPolicies.map(m => ['revocation-policy-arn', m] as const), ['revocation-role-to-assume', revocationRole] as const]) {
      const account = match?.[2]
      if (account !== undefined && roleAccountId !== undefined && account !== roleAccountId) {
        problem(input, `is in account ${account}, but role-to-assume is in account ${roleAccountId}; the revocation list must be in the role's account`)
      }
    }
  }
  const onRevocationFailure = oneOf('on-revocation-failure', ['warn', 'fail'] as const, 'warn')

  // Audit, outputs, modes.
  const auditLog = get('audit-log') || defaultAuditLog(env)
  const jobSummary = boolean('job-summary', true)
  const exportEnv = boolean('export-env', true)
  const outputCredentials = boolean('output-credentials', false)
  const dryRun = boolean('dry-run', false)

  const tokenIssuer = get('token-issuer') || DEFAULT_ISSUER
  const issuerProblem = checkIssuer(tokenIssuer)
  if (issuerProblem) problem('token-issuer', issuerProblem)

  const retryMaxAttempts = integer('retry-max-attempts', 3, 1, 10, '3')

  if (problems.length > 0) throw new InputError(problems)
  return {
    roleArn,
    roleAccountId: roleAccountId ?? '',
    region,
    audience,
    durationSeconds,
    maxDurationSeconds,
    sessionName,
    policy,
    scopes,
    managedPolicyArns,
    revoke,
    revocationRoleArn,
    revocationPolicyArns,
    onRevocationFailure,
    auditLog,
    jobSummary,
    exportEnv,
    outputCredentials,
    dryRun,
    tokenIssuer,
    retryMaxAttempts
  }
}

/** The issuer must be https; plain http only on loopback, for local testing. */
function checkIssuer(issuer: string): string | undefined {
  const example = `Example: ${DEFAULT_ISSUER} or https://HOST/_services/token for GitHub Enterprise Server`
  let url: URL
  try {
    url = new URL(issuer)
  } catch {
    return `${JSON.stringify(issuer)} is not a URL. ${example}`
  }
  if (url.search || url.hash || url.username || url.password) return `must be a plain URL without query, fragment or credentials. ${example}`
  // Tokens carry the issuer exactly as configured; a trailing slash would never match.
  if (issuer.endsWith('/')) return `must not end with "/" (the token's iss claim has none). ${example}`
  if (url.protocol === 'https:') return undefined
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined
  return `must use https (plain http is accepted only for 127.0.0.1 or localhost, for local testing). ${example}`
}
