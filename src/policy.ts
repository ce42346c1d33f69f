// Policy: which verified OIDC claims may get a credential (DESIGN §4).
// Pure: no I/O. Claim values are attacker-influenced (branch names, environments), so they are
// only ever compared, never interpreted, and always JSON-quoted when they enter a reason.
import type { GitHubClaims } from './claims.js'

export interface PolicyConfig {
  /** allowed-repositories (required): `owner/repo`, `owner/*`, `owner/prefix-*`; case-insensitive. */
  repositories: string[]
  /** allowed-repository-ids: exact numeric strings; empty = any. */
  repositoryIds: string[]
  /** allowed-refs: case-sensitive globs; empty = any. */
  refs: string[]
  /** allowed-environments: globs, case-insensitive like GitHub; empty = any; set = environment required. */
  environments: string[]
  /** allowed-events: exact names; empty = every event except pull_request_target. */
  events: string[]
  /** allowed-workflows: case-sensitive globs against job_workflow_ref; empty = any. */
  workflows: string[]
  /** allowed-account-ids: 12-digit ids; empty = any. */
  accountIds: string[]
}

export interface PolicyRequest {
  /** The account of role-to-assume. */
  accountId: string
}

export interface Decision {
  allowed: boolean
  reasons: string[]
  matched: Record<string, string>
}

export type PatternKind = 'repository' | 'ref' | 'environment' | 'workflow'

/** The one event that is denied unless listed: it runs with secrets on code from forks. */
export const DEFAULT_DENIED_EVENT = 'pull_request_target'

const MAX_PATTERN_LENGTH = 512

// ---------------------------------------------------------------------------------------------
// Globs. `*` = any run of characters except `/`; `**` = any run of characters (where allowed).
// Matching is a small NFA simulation over the tokens instead of a RegExp: nothing from the input is
// ever interpreted as regex syntax, it is always anchored at both ends, and the cost is
// O(pattern × value) whatever the pattern, so a crafted branch name cannot cause backtracking.
// ---------------------------------------------------------------------------------------------

type Token = { type: 'char'; char: string } | { type: 'star' } | { type: 'globstar' }

export interface GlobOptions {
  /** Whether `**` crosses `/`; when false every `*` stays within one segment. */
  globstar: boolean
  /** ASCII-only case folding: `A`-`Z` equal `a`-`z`, nothing else is folded. */
  caseInsensitive: boolean
}

export interface Glob {
  pattern: string
  test(value: string): boolean
}

/** Lower-cases A-Z only. Unicode folding (`K` KELVIN SIGN -> `k`, `ſ` -> `s`) must not apply. */
export function foldAscii(value: string): string {
  return value.replace(/[A-Z]/g, c => String.fromCharCode(c.charCodeAt(0) + 32))
}

function tokenize(pattern: string, options: GlobOptions): Token[] {
  const chars = Array.from(options.caseInsensitive ? foldAscii(pattern) : pattern)
  const tokens: Token[] = []
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string
    if (char !== '*') {
      tokens.push({ type: 'char', char })
    } else if (options.globstar && chars[i + 1] === '*') {
      tokens.push({ type: 'globstar' })
      i++
    } else {
      tokens.push({ type: 'star' })
    }
  }
  return tokens
}

/** Adds every state reachable without consuming a character (wildcards may match nothing). */
function closure(states: Set<number>, tokens: Token[]): Set<number> {
  for (const state of states) {
    // A Set iterates over entries added during iteration, so chains of wildcards are followed.
    if (state < tokens.length && tokens[state]?.type !== 'char') states.add(state + 1)
  }
  return states
}

function step(states: Set<number>, tokens: Token[], char: string): Set<number> {
  const next = new Set<number>()
  for (const state of states) {
    const token = tokens[state]
    if (token === undefined) continue
    if (token.type === 'char' && token.char === char) next.add(state + 1)
    if (token.type === 'star' && char !== '/') next.add(state)
    if (token.type === 'globstar') next.add(state)
  }
  return closure(next, tokens)
}

export function compileGlob(pattern: string, options: GlobOptions): Glob {
  const tokens = tokenize(pattern, options)
  return {
    pattern,
    test(value: string): boolean {
      let states = closure(new Set([0]), tokens)
      for (const char of options.caseInsensitive ? foldAscii(value) : value) {
        states = step(states, tokens, char)
        if (states.size === 0) return false
      }
      return states.has(tokens.length)
    }
  }
}

const GLOB_OPTIONS: Record<PatternKind, GlobOptions> = {
  repository: { globstar: false, caseInsensitive: true },
  ref: { globstar: true, caseInsensitive: false },
  // GitHub environment names are case-insensitive: `Production` and `production` are one environment.
  environment: { globstar: true, caseInsensitive: true },
  workflow: { globstar: true, caseInsensitive: false }
}

// ---------------------------------------------------------------------------------------------
// Pattern validation (used by src/inputs.ts; evaluatePolicy also ignores invalid patterns).
// ---------------------------------------------------------------------------------------------

// C0/C1 controls, DEL, and invisible format characters (zero-width, bidi overrides, BOM).
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/u
const OWNER = /^[A-Za-z0-9_.-]+$/
const REPO_NAME = /^[A-Za-z0-9_.*-]+$/
// Characters git forbids in ref names (plus whitespace); `?[]` also stop other glob dialects.
const REF_FORBIDDEN = /[\s~^:?[\]\\]/
const ENVIRONMENT_FORBIDDEN = /[?[\]]/

function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
}

function validateCommon(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'pattern is empty'
  if (pattern.length > MAX_PATTERN_LENGTH) return `pattern is longer than ${MAX_PATTERN_LENGTH} characters`
  const invisible = INVISIBLE.exec(pattern)
  if (invisible) return `contains a control or invisible character (${codePoint(invisible[0])})`
  if (pattern !== pattern.trim()) return 'has leading or trailing spaces'
  if (pattern.includes(',')) return 'contains "," (commas separate list entries)'
  if (pattern.includes('***')) return '"***" is not a wildcard; use "*" (within one path segment) or "**" (across "/")'
  return undefined
}

function validateRepository(pattern: string): string | undefined {
  if (pattern.includes('**')) return '"**" is not supported in repository patterns ("*" never matches "/")'
  const parts = pattern.split('/')
  if (parts.length !== 2) return 'must be owner/repo, owner/* or owner/prefix-* (exactly one "/")'
  const [owner = '', name = ''] = parts
  if (owner === '') return 'the owner is missing before "/"'
  if (owner.includes('*')) {
    return 'the owner must be written out: a wildcard in the owner would allow accounts that anyone can create'
  }
  if (!OWNER.test(owner)) return 'the owner may only contain letters, digits, "-", "_" and "."'
  if (name === '') return 'the repository name is missing after "/"'
  if (!REPO_NAME.test(name)) return 'the repository name may only contain letters, digits, "-", "_", "." and the wildcard "*"'
  return undefined
}

function validateRef(pattern: string): string | undefined {
  if (!pattern.startsWith('refs/')) return 'must be a full ref starting with "refs/" (e.g. refs/heads/main, refs/tags/v*)'
  if (REF_FORBIDDEN.test(pattern)) return 'contains a character not allowed in git refs (space ~ ^ : ? [ ] \\); only "*" and "**" are wildcards'
  return undefined
}

function validateWorkflow(pattern: string): string | undefined {
  const at = pattern.lastIndexOf('@')
  if (at <= 0 || at === pattern.length - 1) {
    return 'must be a job_workflow_ref with the ref after "@" (owner/repo/.github/workflows/file.yml@refs/heads/main)'
  }
  if (REF_FORBIDDEN.test(pattern)) return 'contains a character not allowed in paths or refs (space ~ ^ : ? [ ] \\); only "*" and "**" are wildcards'
  return undefined
}

function validateEnvironment(pattern: string): string | undefined {
  if (ENVIRONMENT_FORBIDDEN.test(pattern)) return 'contains "?", "[" or "]"; only "*" and "**" are wildcards'
  return undefined
}

/** Returns undefined when the pattern is fine, else a short description of the problem. */
export function validatePattern(kind: PatternKind, pattern: string): string | undefined {
  const common = validateCommon(pattern)
  if (common !== undefined) return common
  switch (kind) {
    case 'repository':
      return validateRepository(pattern)
    case 'ref':
      return validateRef(pattern)
    case 'workflow':
      return validateWorkflow(pattern)
    case 'environment':
      return validateEnvironment(pattern)
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation.
// ---------------------------------------------------------------------------------------------

interface RuleResult {
  /** false = the rule failed and the request is denied. */
  ok: boolean
  reason: string
  /** For `matched`: the pattern or value that satisfied the rule. */
  match?: string
}

function wildcardCount(pattern: string): number {
  return pattern.split('*').length - 1
}

/**
 * Dedupe and sort so that permuted inputs give identical decisions, reasons and `matched`:
 * most specific first (fewest wildcards, then longest), then by code unit.
 */
function canonical(values: string[]): string[] {
  return [...new Set(values)].sort(
    (a, b) => wildcardCount(a) - wildcardCount(b) || b.length - a.length || (a < b ? -1 : a > b ? 1 : 0)
  )
}

const SAFE_DISPLAY = /^[\x21-\x7e]+$/

/** Patterns are config, but show anything unusual quoted so it cannot forge text. */
function showPattern(pattern: string): string {
  return SAFE_DISPLAY.test(pattern) && !/[,[\]"]/.test(pattern) ? pattern : JSON.stringify(pattern)
}

function showList(values: string[]): string {
  return `[${values.map(showPattern).join(', ')}]`
}

/** A claim that is absent, empty or not a string counts as missing. */
function present(value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}

interface PatternRule {
  claim: string
  input: string
  kind: PatternKind
  value: unknown
  patterns: string[]
  /** What an unset rule means, or undefined when the rule is required. */
  unset?: string
}

function evaluatePatternRule(rule: PatternRule): RuleResult {
  const { claim, input, kind, value } = rule
  if (rule.patterns.length === 0) {
    if (rule.unset === undefined) return { ok: false, reason: `${input} is not set; it is required` }
    return { ok: true, reason: `${claim}: ${rule.unset} (${input} not set)` }
  }
  const all = canonical(rule.patterns)
  const valid = all.filter(pattern => validatePattern(kind, pattern) === undefined)
  const invalid = all.filter(pattern => !valid.includes(pattern))
  // Invalid patterns never match (fail closed); say so, since inputs.ts should have caught them.
  const ignored = invalid.length > 0 ? `; invalid patterns never match: ${showList(invalid)}` : ''
  if (!present(value)) {
    return { ok: false, reason: `${claim} claim is missing but ${input} is set ${showList(all)}${ignored}` }
  }
  const options = GLOB_OPTIONS[kind]
  const hit = valid.find(pattern => compileGlob(pattern, options).test(value))
  if (hit === undefined) {
    return { ok: false, reason: `${claim} ${JSON.stringify(value)} does not match ${input} ${showList(all)}${ignored}` }
  }
  return { ok: true, reason: `${claim} ${JSON.stringify(value)} matched ${JSON.stringify(hit)}`, match: hit }
}

interface ValueRule {
  claim: string
  input: string
  value: unknown
  allowed: string[]
  unset: string
}

function evaluateValueRule(rule: ValueRule): RuleResult {
  const { claim, input, value } = rule
  if (rule.allowed.length === 0) return { ok: true, reason: `${claim}: ${rule.unset} (${input} not set)` }
  const all = canonical(rule.allowed)
  if (!present(value)) return { ok: false, reason: `${claim} is missing but ${input} is set ${showList(all)}` }
  if (!all.includes(value)) {
    return { ok: false, reason: `${claim} ${JSON.stringify(value)} is not in ${input} ${showList(all)}` }
  }
  return { ok: true, reason: `${claim} ${JSON.stringify(value)} is listed in ${input}`, match: value }
}

/** Events: an unset list allows everything except pull_request_target. */
function evaluateEvent(value: unknown, events: string[]): RuleResult {
  if (events.length > 0) {
    return evaluateValueRule({ claim: 'event_name', input: 'allowed-events', value, allowed: events, unset: '' })
  }
  if (!present(value)) return { ok: false, reason: 'event_name claim is missing' }
  if (value === DEFAULT_DENIED_EVENT) {
    return {
      ok: false,
      reason: `event_name ${JSON.stringify(value)} is denied unless listed in allowed-events (it runs with secrets on pull requests from forks)`
    }
  }
  return {
    ok: true,
    reason: `event_name ${JSON.stringify(value)} allowed (allowed-events not set: every event except ${DEFAULT_DENIED_EVENT})`,
    match: value
  }
}

/** Every configured rule must hold. Denied decisions list every failing rule. */
export function evaluatePolicy(claims: GitHubClaims, request: PolicyRequest, policy: PolicyConfig): Decision {
  const results: Array<[string, RuleResult]> = [
    ['repository', evaluatePatternRule({
      claim: 'repository', input: 'allowed-repositories', kind: 'repository',
      value: claims.repository, patterns: policy.repositories
    })],
    ['repository_id', evaluateValueRule({
      claim: 'repository_id', input: 'allowed-repository-ids',
      value: claims.repository_id, allowed: policy.repositoryIds, unset: 'any'
    })],
    ['ref', evaluatePatternRule({
      claim: 'ref', input: 'allowed-refs', kind: 'ref',
      value: claims.ref, patterns: policy.refs, unset: 'any'
    })],
    ['environment', evaluatePatternRule({
      claim: 'environment', input: 'allowed-environments', kind: 'environment',
      value: claims.environment, patterns: policy.environments, unset: 'any, or none'
    })],
    ['event_name', evaluateEvent(claims.event_name, policy.events)],
    ['job_workflow_ref', evaluatePatternRule({
      claim: 'job_workflow_ref', input: 'allowed-workflows', kind: 'workflow',
      value: claims.job_workflow_ref, patterns: policy.workflows, unset: 'any'
    })],
    ['account_id', evaluateValueRule({
      claim: 'account_id (of role-to-assume)', input: 'allowed-account-ids',
      value: request.accountId, allowed: policy.accountIds, unset: 'any'
    })]
  ]

  const allowed = results.every(([, result]) => result.ok)
  const matched: Record<string, string> = {}
  for (const [name, result] of results) {
    if (result.match !== undefined) matched[name] = result.match
  }
  // A denial lists only what failed; an allow explains every rule, set or not.
  const reasons = results.filter(([, result]) => allowed || !result.ok).map(([, result]) => result.reason)
  return { allowed, reasons, matched }
}
