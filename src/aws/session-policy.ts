// Scopes -> inline session policy (DESIGN §2 `scopes`). Pure: no I/O.
// The session policy intersects with the role's own permissions, so it can only narrow them.
import { createHash } from 'node:crypto'

export interface ScopeRule {
  actions: string[]
  resources: string[]
}

export interface PolicyStatement {
  Sid?: string
  Effect: 'Allow'
  Action: string[] | string
  Resource: string[] | string
}

export interface SessionPolicy {
  document: { Version: '2012-10-17'; Statement: PolicyStatement[] }
  /** Minified JSON exactly as sent to STS. */
  json: string
  /** JSON.stringify(document, null, 2) for the dry-run plan. */
  pretty: string
  /** Hex sha256 of `json`. */
  sha256: string
  /** A `* *` rule: the credential gets the role's full permissions. */
  fullAccess: boolean
}

/** STS limit on the plaintext of inline session policies. */
export const SESSION_POLICY_MAX_CHARS = 2048

export const SCOPE_EXAMPLE = 's3:GetObject,s3:PutObject arn:aws:s3:::artifacts/*'

const ACTION = /^(?:\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$/
const PARTITION = /^aws(?:-[a-z]+)*$/
const SERVICE = /^[a-z0-9-]+$/
const REGION = /^[a-z0-9*?-]*$/
// Empty (s3, iam), 12 digits, `aws` (AWS-owned resources), or digits with wildcards.
const ACCOUNT = /^(?:|aws|\d{12}|[0-9]*[*?][0-9*?]*)$/
// No whitespace, quotes or control/invisible characters anywhere in a resource.
// eslint-disable-next-line no-control-regex
const RESOURCE_FORBIDDEN = /[\s"'`\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/u

/** Returns the problem with an action, or undefined when it is fine. */
export function validateAction(action: string): string | undefined {
  if (ACTION.test(action)) return undefined
  return `action ${JSON.stringify(action)} is not valid: use "*" or service:Action (e.g. s3:GetObject, s3:Get*)`
}

/** Returns the problem with a resource, or undefined when it is fine. */
export function validateResource(resource: string): string | undefined {
  if (resource === '*') return undefined
  const bad = (why: string): string => `resource ${JSON.stringify(resource)} ${why}`
  if (RESOURCE_FORBIDDEN.test(resource)) return bad('contains spaces, quotes or control characters')
  const parts = resource.split(':')
  if (parts[0] !== 'arn' || parts.length < 6) {
    return bad('is not "*" or an ARN arn:<partition>:<service>:<region>:<account>:<resource>')
  }
  const [, partition = '', service = '', region = '', account = ''] = parts
  if (!PARTITION.test(partition)) return bad(`has an unknown partition ${JSON.stringify(partition)} (e.g. aws, aws-cn, aws-us-gov)`)
  if (!SERVICE.test(service)) return bad(`has an invalid service ${JSON.stringify(service)} (e.g. s3, dynamodb)`)
  if (!REGION.test(region)) return bad(`has an invalid region ${JSON.stringify(region)} (e.g. us-east-1, or empty)`)
  if (!ACCOUNT.test(account)) return bad(`has an invalid account ${JSON.stringify(account)} (12 digits, or empty)`)
  if (parts.slice(5).join(':') === '') return bad('has no resource part after the account')
  return undefined
}

function splitList(column: string): string[] {
  return column.split(',').filter(entry => entry !== '')
}

/** Parses one rule; errors are returned without the line prefix. */
function parseLine(line: string): { rule?: ScopeRule; errors: string[] } {
  // Spaces around commas belong to the list, not the column separator.
  const columns = line.trim().replace(/\s*,\s*/g, ',').split(/\s+/)
  if (columns.length === 1) return { errors: ['resources are missing: write ACTIONS then RESOURCES'] }
  if (columns.length > 2) {
    return { errors: [`expected 2 columns (ACTIONS RESOURCES) but found ${columns.length}; separate list entries with commas`] }
  }
  const actions = splitList(columns[0] ?? '')
  const resources = splitList(columns[1] ?? '')
  const errors: string[] = []
  if (actions.length === 0) errors.push('actions are missing')
  if (resources.length === 0) errors.push('resources are missing')
  for (const action of actions) {
    const problem = validateAction(action)
    if (problem !== undefined) errors.push(problem)
  }
  for (const resource of resources) {
    const problem = validateResource(resource)
    if (problem !== undefined) errors.push(problem)
  }
  return errors.length > 0 ? { errors } : { rule: { actions, resources }, errors }
}

/**
 * One rule per non-blank line: `ACTIONS RESOURCES`, each a comma list.
 * Every problem on every line is reported (1-based line numbers of `lines`, blanks included).
 */
export function parseScopes(lines: string[]): { rules: ScopeRule[]; errors: string[] } {
  const rules: ScopeRule[] = []
  const errors: string[] = []
  lines.forEach((raw, index) => {
    if (raw.trim() === '') return
    const { rule, errors: lineErrors } = parseLine(raw)
    if (rule) rules.push(rule)
    for (const error of lineErrors) errors.push(`line ${index + 1}: ${error} (example: ${SCOPE_EXAMPLE})`)
  })
  if (rules.length === 0 && errors.length === 0) {
    errors.push(`no rules: write one rule per line, e.g. ${SCOPE_EXAMPLE}`)
  }
  return { rules, errors }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Deduped and sorted by code unit, so equal sets always serialize the same way. */
function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compare)
}

/**
 * Groups rules by a key, uniting the other side. (A1 x R) ∪ (A2 x R) = (A1 ∪ A2) x R, so merging
 * rules that share an identical resource (or action) list never changes what is allowed.
 */
function mergeBy(rules: ScopeRule[], key: 'actions' | 'resources'): ScopeRule[] {
  const other = key === 'actions' ? 'resources' : 'actions'
  const groups = new Map<string, Set<string>>()
  const keys = new Map<string, string[]>()
  for (const rule of rules) {
    const values = sortedSet(rule[key])
    const id = JSON.stringify(values)
    keys.set(id, values)
    const united = groups.get(id) ?? new Set<string>()
    for (const value of rule[other]) united.add(value)
    groups.set(id, united)
  }
  return [...groups].map(([id, united]) => {
    const same = keys.get(id) ?? []
    const merged = sortedSet(united)
    return key === 'actions' ? { actions: same, resources: merged } : { actions: merged, resources: same }
  })
}

function isFullAccess(rule: ScopeRule): boolean {
  return rule.actions.includes('*') && rule.resources.includes('*')
}

/** IAM accepts a single string; it keeps the document small. */
function oneOrMany(values: string[]): string[] | string {
  return values.length === 1 ? (values[0] as string) : values
}

function statementKey(rule: ScopeRule): string {
  return JSON.stringify([rule.resources, rule.actions])
}

export function buildSessionPolicy(rules: ScopeRule[]): SessionPolicy {
  const fullAccess = rules.some(isFullAccess)
  // `* *` allows everything the role allows; any other statement would add nothing.
  const merged = fullAccess
    ? [{ actions: ['*'], resources: ['*'] }]
    : mergeBy(mergeBy(rules, 'resources'), 'actions')
  // Sorted statements: the same set of rules gives byte-identical JSON (and sha256) in any order.
  const statements = merged
    .sort((a, b) => compare(statementKey(a), statementKey(b)))
    .map((rule): PolicyStatement => ({ Effect: 'Allow', Action: oneOrMany(rule.actions), Resource: oneOrMany(rule.resources) }))
  const document: SessionPolicy['document'] = { Version: '2012-10-17', Statement: statements }
  const json = JSON.stringify(document)
  return {
    document,
    json,
    pretty: JSON.stringify(document, null, 2),
    sha256: createHash('sha256').update(json, 'utf8').digest('hex'),
    fullAccess
  }
}

/** undefined when STS will take the policy, else what to do about its size. */
export function checkSessionPolicySize(policy: SessionPolicy): string | undefined {
  const size = policy.json.length
  if (size <= SESSION_POLICY_MAX_CHARS) return undefined
  return (
    `the session policy built from scopes is ${size} characters, over the STS limit of ${SESSION_POLICY_MAX_CHARS}. ` +
    'Merge rules that share resources or actions, use wildcards (e.g. s3:Get*, arn:aws:s3:::bucket/*), ' +
    'or move permissions to managed-session-policies'
  )
}
