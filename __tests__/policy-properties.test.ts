// Claim confusion (issue 4, item 2): look-alike repositories, refs, environments and workflows that a
// sloppy matcher would accept, and property-based tests (fast-check) of the matcher and of
// evaluatePolicy as a whole. Complements __tests__/policy.test.ts, which has the basic cases.
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import type { GitHubClaims } from '../src/claims.js'
import {
  DEFAULT_DENIED_EVENT,
  type PatternKind,
  type PolicyConfig,
  type PolicyRequest,
  compileGlob,
  evaluatePolicy,
  validatePattern
} from '../src/policy.js'
import { SAMPLE_WORKFLOW as WORKFLOW, policyClaims as claims, samplePolicy as policy } from './helpers/samples.js'

const REQUEST: PolicyRequest = { accountId: '111122223333' }

const decide = (claimOverrides: Partial<GitHubClaims>, policyOverrides: Partial<PolicyConfig> = {}) =>
  evaluatePolicy(claims(claimOverrides), REQUEST, policy(policyOverrides))
const allows = (claimOverrides: Partial<GitHubClaims>, policyOverrides: Partial<PolicyConfig>): boolean =>
  decide(claimOverrides, policyOverrides).allowed

// ---------------------------------------------------------------------------------------------
// Unit tests: claim confusion.
// ---------------------------------------------------------------------------------------------

describe('repositories: near misses of org/app are denied', () => {
  it.each([
    'org/app-evil', 'evil-org/app', 'org/app/', 'org/app.git', 'org//app', 'org/app/x', 'or/gapp', 'org\\app',
    'org%2fapp', 'org/app%00', 'org/.app', 'org/app\u0000', 'org/app\t', 'org/app\u0301', 'orgapp', 'org/'
  ])('%j', repository => {
    const decision = decide({ repository }, { repositories: ['org/app'] })
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual([`repository ${JSON.stringify(repository)} does not match allowed-repositories [org/app]`])
  })

  it.each(['org/app-x/y', 'org-evil/app-x', 'evil-org/app-x', 'org/app', 'org/xapp-x', 'other/app-x'])(
    'org/app-* does not match %j', repository => {
      expect(allows({ repository }, { repositories: ['org/app-*'] })).toBe(false)
    }
  )

  it('org/* covers the owner\'s repositories only, one level deep', () => {
    expect(allows({ repository: 'org/anything' }, { repositories: ['org/*'] })).toBe(true)
    expect(allows({ repository: 'ORG/Anything' }, { repositories: ['org/*'] })).toBe(true)
    for (const repository of ['org-evil/app', 'Org-evil/app', 'evilorg/app', 'org/a/b', 'orga/app']) {
      expect(allows({ repository }, { repositories: ['org/*'] })).toBe(false)
    }
  })

  it.each([
    ['ORG/APP', 'org/app'],
    ['oRg/ApP', 'org/app'],
    ['org/app', 'OrG/aPp'],
    ['Org/App-Core', 'org/app-*']
  ])('ASCII case variants match: %j against %j', (repository, pattern) => {
    const decision = decide({ repository }, { repositories: [pattern] })
    expect(decision.allowed).toBe(true)
    expect(decision.matched.repository).toBe(pattern)
  })
})

describe('unicode look-alikes are never folded into ASCII', () => {
  // Each case is one a naive matcher gets wrong: toLowerCase/toUpperCase or NFKC map it onto the pattern.
  // The last column is the part of the repository that holds the look-alike.
  const cases: Array<[string, string, string, ((value: string) => string) | undefined, 'owner' | 'name']> = [
    // look-alikes to the eye only
    ['Cyrillic а', 'org/\u0430pp', 'org/app', undefined, 'name'],
    ['Greek omicron', '\u03bfrg/app', 'org/app', undefined, 'owner'],
    ['fullwidth letters', '\uff4f\uff52\uff47/\uff41\uff50\uff50', 'org/app', v => v.normalize('NFKC'), 'owner'],
    ['fullwidth upper case', 'org/\uff21\uff30\uff30', 'org/app', v => v.normalize('NFKC').toLowerCase(), 'name'],
    ['dotless i (upper-cases to I)', 'org/b\u0131n', 'org/bin', v => v.toUpperCase().toLowerCase(), 'name'],
    ['dotted capital I (lower-cases to i + dot)', 'org/B\u0130N', 'org/bin', v => v.toLowerCase().normalize('NFKD').replace(/\u0307/g, ''), 'name'],
    ['Kelvin sign K (folds to k)', 'org/\u212aey', 'org/key', v => v.toLowerCase(), 'name'],
    ['Kelvin sign K against an upper-case pattern', '\u212a8s/app', 'K8S/app', v => v.toLowerCase(), 'owner'],
    ['long s (upper-cases to S)', 'org/\u017fite', 'org/site', v => v.toUpperCase().toLowerCase(), 'name'],
    ['sharp s (upper-cases to SS)', 'org/ma\u00df', 'org/mass', v => v.toUpperCase().toLowerCase(), 'name'],
    ['ligature ﬁ', 'org/\ufb01le', 'org/file', v => v.normalize('NFKC'), 'name']
  ]
  const refused = {
    owner: 'the owner may only contain letters, digits, "-", "_" and "."',
    name: 'the repository name may only contain letters, digits, "-", "_", "." and the wildcard "*"'
  }

  it.each(cases)('repository: %s', (_name, repository, pattern, naive, where) => {
    // The naive transformation really would confuse the two; the policy does not.
    if (naive) expect(naive(repository).toLowerCase()).toBe(pattern.toLowerCase())
    expect(allows({ repository }, { repositories: [pattern] })).toBe(false)
    // Nor can such a look-alike be written as a pattern.
    expect(validatePattern('repository', repository)).toBe(refused[where])
  })

  it.each([
    ['dev-\u212a8s', 'dev-k8s'],
    ['\uff30\uff32\uff2f\uff24', 'prod'],
    ['stag\u0131ng', 'staging'],
    ['pr\u043eduction', 'production'],
    ['\u017ftaging', 'staging']
  ])('environment %j does not match %j (environments fold ASCII case only)', (environment, pattern) => {
    expect(allows({ environment }, { environments: [pattern] })).toBe(false)
    expect(allows({ environment: pattern.toUpperCase() }, { environments: [pattern] })).toBe(true)
  })

  it.each([
    ['refs/heads/m\u0430in', 'refs/heads/main'],
    ['refs/heads/\uff4d\uff41\uff49\uff4e', 'refs/heads/main'],
    ['refs/heads/main\u200b', 'refs/heads/main'],
    ['refs/tags/v\u0131', 'refs/tags/vi']
  ])('ref %j does not match %j', (ref, pattern) => {
    expect(allows({ ref }, { refs: [pattern] })).toBe(false)
  })

  it('does not normalize: composed and decomposed forms are different values', () => {
    expect(allows({ environment: 'caf\u00e9' }, { environments: ['cafe\u0301'] })).toBe(false)
    expect(allows({ environment: 'cafe\u0301' }, { environments: ['caf\u00e9'] })).toBe(false)
    expect(allows({ environment: 'caf\u00e9' }, { environments: ['caf\u00e9'] })).toBe(true)
  })
})

describe('wildcards and path segments', () => {
  it('* never crosses / in any kind of pattern', () => {
    expect(allows({ repository: 'org/a/b' }, { repositories: ['org/*'] })).toBe(false)
    expect(allows({ ref: 'refs/heads/feature/x' }, { refs: ['refs/heads/*'] })).toBe(false)
    expect(allows({ ref: 'refs/heads/a/b' }, { refs: ['refs/heads/*/*/*'] })).toBe(false)
    expect(allows({ ref: 'refs/heads/a/b/c' }, { refs: ['refs/heads/*/*/*'] })).toBe(true)
    expect(allows({ environment: 'team/prod' }, { environments: ['*'] })).toBe(false)
    expect(allows({ environment: 'team/a/prod' }, { environments: ['team/*'] })).toBe(false)
    expect(allows({ job_workflow_ref: 'org/infra/.github/workflows/sub/evil.yml@refs/heads/main' }, {
      workflows: ['org/infra/.github/workflows/*.yml@refs/heads/main']
    })).toBe(false)
  })

  it('** crosses / in refs, environments and workflows, but stays anchored', () => {
    expect(allows({ ref: 'refs/heads/release/2024/q1' }, { refs: ['refs/heads/release/**'] })).toBe(true)
    expect(allows({ ref: 'refs/heads/release-x/1' }, { refs: ['refs/heads/release/**'] })).toBe(false)
    expect(allows({ ref: 'refs/tags/release/1' }, { refs: ['refs/heads/release/**'] })).toBe(false)
    expect(allows({ ref: 'refs/heads/release/1' }, { refs: ['refs/heads/**/1'] })).toBe(true)
    expect(allows({ ref: 'refs/heads/release/1x' }, { refs: ['refs/heads/**/1'] })).toBe(false)
    expect(allows({ ref: 'refs/pull/1/merge' }, { refs: ['refs/heads/**'] })).toBe(false)
    expect(allows({ environment: 'team/a/prod' }, { environments: ['team/**'] })).toBe(true)
    expect(allows({ job_workflow_ref: 'org/infra/.github/workflows/sub/x.yml@refs/heads/main' }, {
      workflows: ['org/infra/**@refs/heads/main']
    })).toBe(true)
    expect(allows({ job_workflow_ref: 'org/infra/.github/workflows/x.yml@refs/heads/evil' }, {
      workflows: ['org/infra/**@refs/heads/main']
    })).toBe(false)
  })

  it('** is not a wildcard in repositories: such a pattern never matches', () => {
    const decision = decide({ repository: 'org/a/b' }, { repositories: ['org/**'] })
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual(['repository "org/a/b" does not match allowed-repositories [org/**]; invalid patterns never match: [org/**]'])
  })
})

describe('empty and wildcard-only patterns', () => {
  // An empty entry must not turn a configured rule into "not set" (= any).
  it.each([
    ['repositories', { repositories: [''] }, 'repository "org/app" does not match allowed-repositories [""]; invalid patterns never match: [""]'],
    ['repositories', { repositories: ['   '] }, 'repository "org/app" does not match allowed-repositories ["   "]; invalid patterns never match: ["   "]'],
    ['refs', { refs: [''] }, 'ref "refs/heads/main" does not match allowed-refs [""]; invalid patterns never match: [""]'],
    ['refs', { refs: [' '] }, 'ref "refs/heads/main" does not match allowed-refs [" "]; invalid patterns never match: [" "]'],
    ['environments', { environments: [''] }, 'environment "production" does not match allowed-environments [""]; invalid patterns never match: [""]'],
    ['workflows', { workflows: [''] }, `job_workflow_ref "${WORKFLOW}" does not match allowed-workflows [""]; invalid patterns never match: [""]`]
  ] as Array<[string, Partial<PolicyConfig>, string]>)('an empty entry in %s denies (%j)', (_list, policyOverrides, reason) => {
    const decision = decide({}, policyOverrides)
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual([reason])
  })

  const NOT_OWNER_REPO = 'must be owner/repo, owner/* or owner/prefix-* (exactly one "/")'
  const NO_GLOBSTAR = '"**" is not supported in repository patterns ("*" never matches "/")'
  const NOT_A_REF = 'must be a full ref starting with "refs/" (e.g. refs/heads/main, refs/tags/v*)'
  it.each([
    ['repository', '*', NOT_OWNER_REPO],
    ['repository', '**', NO_GLOBSTAR],
    ['repository', '*/*', 'the owner must be written out: a wildcard in the owner would allow accounts that anyone can create'],
    ['repository', '*/**', NO_GLOBSTAR],
    ['ref', '*', NOT_A_REF],
    ['ref', '**', NOT_A_REF],
    ['workflow', '**', 'must be a job_workflow_ref with the ref after "@" (owner/repo/.github/workflows/file.yml@refs/heads/main)'],
    ['environment', '***', '"***" is not a wildcard; use "*" (within one path segment) or "**" (across "/")']
  ] as Array<[PatternKind, string, string]>)('%s pattern %j is rejected and never matches', (kind, pattern, problem) => {
    expect(validatePattern(kind, pattern)).toBe(problem)
    const list = { repository: 'repositories', ref: 'refs', environment: 'environments', workflow: 'workflows' }[kind]
    expect(decide({}, { [list]: [pattern] }).allowed).toBe(false)
  })

  it('environment * means "some environment", never "no environment"', () => {
    for (const pattern of ['*', '**']) {
      expect(allows({ environment: 'anything' }, { environments: [pattern] })).toBe(true)
      expect(allows({ environment: undefined }, { environments: [pattern] })).toBe(false)
      expect(allows({ environment: '' }, { environments: [pattern] })).toBe(false)
    }
  })

  it('wildcard-only parts of valid patterns stay within their place', () => {
    expect(allows({ ref: 'refs/heads/main' }, { refs: ['refs/*'] })).toBe(false)
    expect(allows({ ref: 'refs/heads/main' }, { refs: ['refs/*/*'] })).toBe(true)
    // `*@*` cannot match a job_workflow_ref, which always holds a "/"
    expect(validatePattern('workflow', '*@*')).toBeUndefined()
    expect(allows({}, { workflows: ['*@*'] })).toBe(false)
    expect(allows({}, { workflows: ['**@**'] })).toBe(true)
    expect(allows({ job_workflow_ref: undefined }, { workflows: ['**@**'] })).toBe(false)
  })
})

describe('repository_id pinning across a rename', () => {
  const pinned: Partial<PolicyConfig> = { repositories: ['org/app'], repositoryIds: ['123456'] }

  it('the original repository is allowed', () => {
    expect(decide({ repository: 'org/app', repository_id: '123456' }, pinned).matched).toMatchObject({ repository: 'org/app', repository_id: '123456' })
  })

  it('a new repository created under the old name after a rename is denied by its id', () => {
    const decision = decide({ repository: 'org/app', repository_id: '999999' }, pinned)
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual(['repository_id "999999" is not in allowed-repository-ids [123456]'])
  })

  it('a repository transferred to another owner under the same name is denied (name and id both checked)', () => {
    const decision = decide({ repository: 'evil-org/app', repository_id: '999999' }, pinned)
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual([
      'repository "evil-org/app" does not match allowed-repositories [org/app]',
      'repository_id "999999" is not in allowed-repository-ids [123456]'
    ])
  })

  it('the renamed repository keeps its id but needs its new name listed', () => {
    expect(allows({ repository: 'org/app-renamed', repository_id: '123456' }, pinned)).toBe(false)
    expect(allows({ repository: 'org/app-renamed', repository_id: '123456' }, { ...pinned, repositories: ['org/app', 'org/app-renamed'] })).toBe(true)
  })

  it('a repository_id that is not a string never matches', () => {
    expect(allows({ repository_id: 123456 as unknown as string }, pinned)).toBe(false)
  })
})

describe('pull_request_target', () => {
  it('is denied by default even when every other rule matches', () => {
    const decision = decide({ event_name: DEFAULT_DENIED_EVENT }, {
      repositoryIds: ['123456'], refs: ['refs/heads/main'], environments: ['production'], workflows: [WORKFLOW], accountIds: ['111122223333']
    })
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual([
      'event_name "pull_request_target" is denied unless listed in allowed-events (it runs with secrets on pull requests from forks)'
    ])
  })

  it('is not allowed by listing pull_request or a prefix of it', () => {
    for (const events of [['pull_request'], ['pull_request', 'push'], ['pull_request_targe'], ['pull_request_target_x']]) {
      expect(allows({ event_name: DEFAULT_DENIED_EVENT }, { events })).toBe(false)
    }
  })

  it('listing it does not allow the other pull_request events', () => {
    expect(allows({ event_name: 'pull_request' }, { events: [DEFAULT_DENIED_EVENT] })).toBe(false)
    expect(allows({ event_name: DEFAULT_DENIED_EVENT }, { events: ['push', DEFAULT_DENIED_EVENT] })).toBe(true)
  })
})

describe('job_workflow_ref pinned to a ref', () => {
  it.each([
    'org/infra/.github/workflows/deploy.yml@refs/tags/main',
    'org/infra/.github/workflows/deploy.yml@refs/heads/main/x',
    'org/infra/.github/workflows/deploy.yml@refs/heads/Main',
    'org/infra/.github/workflows/deploy.yml@a3c5e8f0b1d2c4e6f8a0b2c4d6e8f0a1b3c5d7e9',
    'org/infra/.github/workflows/deploy.yml@refs/heads/main@refs/heads/evil',
    'org/infra/.github/workflows/deploy.yml@refs/heads/evil@refs/heads/main',
    'org/infra/.github/workflows/deploy.yaml@refs/heads/main',
    'org/infra/.github/workflows/other.yml@refs/heads/main',
    'org/infra/.github/workflows/deploy.yml@refs/pull/1/merge',
    'Org/Infra/.github/workflows/deploy.yml@refs/heads/main'
  ])('%s does not match the pin', job_workflow_ref => {
    const decision = decide({ job_workflow_ref }, { workflows: [WORKFLOW] })
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual([`job_workflow_ref ${JSON.stringify(job_workflow_ref)} does not match allowed-workflows [${WORKFLOW}]`])
  })

  it('pins to a tag or a commit exactly', () => {
    const tag = 'org/infra/.github/workflows/deploy.yml@refs/tags/v1'
    expect(allows({ job_workflow_ref: tag }, { workflows: [tag] })).toBe(true)
    expect(allows({ job_workflow_ref: `${tag}.0` }, { workflows: [tag] })).toBe(false)
    expect(allows({ job_workflow_ref: tag.replace('tags', 'heads') }, { workflows: [tag] })).toBe(false)
    const sha = 'org/infra/.github/workflows/deploy.yml@a3c5e8f0b1d2c4e6f8a0b2c4d6e8f0a1b3c5d7e9'
    expect(allows({ job_workflow_ref: sha }, { workflows: [sha] })).toBe(true)
    expect(allows({ job_workflow_ref: sha.slice(0, -1) }, { workflows: [sha] })).toBe(false)
  })

  it('is judged on job_workflow_ref, not on the caller\'s workflow_ref', () => {
    const decision = evaluatePolicy(
      { ...claims({ job_workflow_ref: 'evil/infra/.github/workflows/deploy.yml@refs/heads/main' }), workflow_ref: WORKFLOW },
      REQUEST,
      policy({ workflows: [WORKFLOW] })
    )
    expect(decision.allowed).toBe(false)
  })
})

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

const RUNS = { numRuns: 300 }

// The oracle's own ASCII case folding (independent of src/policy.ts's foldAscii).
const asciiLower = (value: string): string => value.replace(/[A-Z]/g, c => c.toLowerCase())

// Characters that tempt a matcher: case, separators, wildcards, regex syntax, look-alikes.
const TRICKY = ['a', 'b', 'A', 'B', 'k', 'K', 'i', 'I', 's', '-', '_', '.', '/', '*', '@', '$', '(', '+', '\u212a', '\u0131', '\u0130', '\u017f', '\u0430', '\uff41', '\u00df', '\u{1f600}']
const trickyString = (maxLength = 12) => fc.string({ unit: fc.constantFrom(...TRICKY), maxLength })

const NAME_CHARS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.']
const name = fc.string({ unit: fc.constantFrom(...NAME_CHARS), minLength: 1, maxLength: 8 })
const literalRepository = fc.tuple(name, name).map(([owner, repo]) => `${owner}/${repo}`)
const segment = fc.string({ unit: fc.constantFrom(...'abcAB0-_.'), minLength: 1, maxLength: 5 })
const literalRef = fc.tuple(fc.constantFrom('heads', 'tags', 'pull'), fc.array(segment, { minLength: 1, maxLength: 3 }))
  .map(([kind, parts]) => `refs/${kind}/${parts.join('/')}`)

// Unicode characters that case-fold, upper-case or look like an ASCII letter.
const CONFUSABLE: Record<string, string> = { k: '\u212a', K: '\u212a', s: '\u017f', S: '\u017f', i: '\u0131', I: '\u0130', a: '\u0430', o: '\u043e', e: '\u0435' }

/** Values near `literal`: itself, case flips, confusable swaps, one edit, an affix, or something random. */
const nearby = (literal: string): fc.Arbitrary<string> => {
  const chars = Array.from(literal)
  const perChar = (change: (c: string) => string) => fc.array(fc.boolean(), { minLength: chars.length, maxLength: chars.length })
    .map(picks => chars.map((c, i) => (picks[i] ? change(c) : c)).join(''))
  return fc.oneof(
    fc.constant(literal),
    perChar(c => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())),
    perChar(c => CONFUSABLE[c] ?? c),
    fc.tuple(fc.nat({ max: chars.length }), fc.constantFrom(...TRICKY), fc.constantFrom('insert', 'replace', 'delete'))
      .map(([at, c, edit]) => [...chars.slice(0, at), ...(edit === 'delete' ? [] : [c]), ...chars.slice(edit === 'insert' ? at : at + 1)].join('')),
    fc.tuple(trickyString(3), trickyString(3)).map(([before, after]) => `${before}${literal}${after}`),
    trickyString()
  )
}

describe('property: a pattern without wildcards matches exactly one value', () => {
  it('repositories: exactly the ASCII case-folded value', () => {
    fc.assert(fc.property(literalRepository.chain(p => fc.tuple(fc.constant(p), nearby(p))), ([pattern, repository]) => {
      expect(validatePattern('repository', pattern)).toBeUndefined()
      expect(allows({ repository }, { repositories: [pattern] })).toBe(asciiLower(repository) === asciiLower(pattern))
    }), RUNS)
  })

  it('refs: exactly the same string, case-sensitive', () => {
    fc.assert(fc.property(literalRef.chain(p => fc.tuple(fc.constant(p), nearby(p))), ([pattern, ref]) => {
      expect(validatePattern('ref', pattern)).toBeUndefined()
      expect(allows({ ref }, { refs: [pattern] })).toBe(ref === pattern)
    }), RUNS)
  })

  it('any literal glob of any kind: test(value) iff equal (after ASCII folding where case-insensitive)', () => {
    const literal = trickyString().filter(p => !p.includes('*'))
    fc.assert(fc.property(literal.chain(p => fc.tuple(fc.constant(p), nearby(p))), fc.boolean(), fc.boolean(), ([pattern, value], globstar, caseInsensitive) => {
      const fold = caseInsensitive ? asciiLower : (v: string) => v
      expect(compileGlob(pattern, { globstar, caseInsensitive }).test(value)).toBe(fold(value) === fold(pattern))
    }), RUNS)
  })
})

describe('property: * never matches across /', () => {
  it('a lone * matches exactly the strings without /', () => {
    fc.assert(fc.property(trickyString(), fc.boolean(), (value, caseInsensitive) => {
      expect(compileGlob('*', { globstar: true, caseInsensitive }).test(value)).toBe(!value.includes('/'))
      expect(compileGlob('*', { globstar: false, caseInsensitive }).test(value)).toBe(!value.includes('/'))
    }), RUNS)
  })

  // Both properties are about matches: each counts them, so a run that never matched fails instead of passing.
  it('without **, a match has exactly as many / as the pattern', () => {
    const slashes = (s: string): number => s.split('/').length - 1
    const pattern = fc.string({ unit: fc.constantFrom('a', 'b', '/', '*'), maxLength: 8 })
    const value = fc.string({ unit: fc.constantFrom('a', 'b', '/'), maxLength: 10 })
    let matches = 0
    fc.assert(fc.property(pattern, value, fc.boolean(), (p, v, globstar) => {
      fc.pre(!globstar || !p.includes('**'))
      if (!compileGlob(p, { globstar, caseInsensitive: false }).test(v)) return
      matches++
      expect(slashes(v)).toBe(slashes(p))
    }), { numRuns: 1000 })
    expect(matches).toBeGreaterThan(0)
  })

  it('an allowed repository always has exactly one /', () => {
    const rest = fc.string({ unit: fc.constantFrom('a', '-', '*'), minLength: 1, maxLength: 4 })
    const value = fc.string({ unit: fc.constantFrom('a', '-', '/'), maxLength: 6 })
    let matches = 0
    fc.assert(fc.property(name, rest, value, (owner, p, r) => {
      if (!allows({ repository: `${owner}/${r}` }, { repositories: [`${owner}/${p}`] })) return
      matches++
      expect(r).not.toContain('/')
    }), RUNS)
    expect(matches).toBeGreaterThan(0)
  })
})

// Random policies and claims over small vocabularies, so that matches and misses both happen.
const OWNERS = ['org', 'Org', 'evil-org', 'org-evil']
const REPOS = ['app', 'App', 'app-evil', 'lib-core', 'lib']
const repositoryValue = fc.tuple(fc.constantFrom(...OWNERS), fc.constantFrom(...REPOS)).map(([o, r]) => `${o}/${r}`)
const repositoryPattern = fc.tuple(fc.constantFrom(...OWNERS), fc.constantFrom(...REPOS, '*', 'lib-*', 'app*', '**', ''))
  .map(([o, r]) => `${o}/${r}`)
const refValue = fc.constantFrom('refs/heads/main', 'refs/heads/main-x', 'refs/tags/main', 'refs/heads/feature/x', 'refs/tags/v1.2', 'refs/pull/1/merge')
const refPattern = fc.constantFrom('refs/heads/main', 'refs/heads/*', 'refs/heads/**', 'refs/tags/v*', 'refs/**', 'refs/tags/*', 'main', '')
const environmentValue = fc.option(fc.constantFrom('production', 'Production', 'staging', 'team/prod', 'pr\u043eduction'), { nil: undefined })
const environmentPattern = fc.constantFrom('production', 'prod*', '*', 'team/*', '**', 'staging', 'prod?')
const eventValue = fc.constantFrom('push', 'pull_request', 'pull_request_target', 'workflow_dispatch', 'schedule')
const workflowValue = fc.option(fc.constantFrom(WORKFLOW, WORKFLOW.replace('main', 'evil'), 'evil/infra/.github/workflows/deploy.yml@refs/heads/main'), { nil: undefined })
const workflowPattern = fc.constantFrom(WORKFLOW, 'org/infra/.github/workflows/*@refs/heads/main', 'org/infra/**@**', '**@refs/heads/main', 'no-ref')
const idValue = fc.constantFrom('123456', '999999', '1')
const accountValue = fc.constantFrom('111122223333', '444455556666')

const claimsArb = fc.record({
  repository: repositoryValue,
  repository_id: idValue,
  ref: refValue,
  environment: environmentValue,
  event_name: eventValue,
  job_workflow_ref: workflowValue
})
const list = <T>(arb: fc.Arbitrary<T>, minLength = 0) => fc.array(arb, { minLength, maxLength: 4 })
const policyArb: fc.Arbitrary<PolicyConfig> = fc.record({
  repositories: list(repositoryPattern, 1),
  repositoryIds: list(idValue),
  refs: list(refPattern),
  environments: list(environmentPattern),
  events: list(eventValue),
  workflows: list(workflowPattern),
  accountIds: list(accountValue)
})
const requestArb = accountValue.map((accountId): PolicyRequest => ({ accountId }))

/** The same list, reordered, with some entries repeated. */
const shuffledWithDuplicates = <T>(values: T[]): fc.Arbitrary<T[]> =>
  fc.subarray(values).chain(extra => fc.shuffledSubarray([...values, ...extra], { minLength: values.length + extra.length }))

const KEYS = ['repositories', 'repositoryIds', 'refs', 'environments', 'events', 'workflows', 'accountIds'] as const

describe('property: decisions do not depend on list order or repetition', () => {
  it('(allowed, reasons, matched) are identical for permuted and duplicated lists', () => {
    const scrambled = policyArb.chain(p => fc.tuple(
      fc.constant(p),
      fc.tuple(...KEYS.map(key => shuffledWithDuplicates(p[key]))).map(lists =>
        Object.fromEntries(KEYS.map((key, i) => [key, lists[i]])) as unknown as PolicyConfig)
    ))
    fc.assert(fc.property(claimsArb, requestArb, scrambled, (c, request, [original, reordered]) => {
      expect(evaluatePolicy(claims(c), request, reordered)).toEqual(evaluatePolicy(claims(c), request, original))
    }), { numRuns: 500 })
  })
})

// Which rule a reason is about, from the claim it starts with.
const RULE_OF_REASON = /^(repository_id|repository|ref|environment|event_name|job_workflow_ref|account_id)\b/
// Replaces one rule by a setting that lets these claims through.
const satisfy = (rule: string, p: PolicyConfig, c: GitHubClaims, request: PolicyRequest): PolicyConfig => {
  switch (rule) {
    case 'repository': return { ...p, repositories: [c.repository] }
    case 'repository_id': return { ...p, repositoryIds: [] }
    case 'ref': return { ...p, refs: [] }
    case 'environment': return { ...p, environments: [] }
    case 'event_name': return { ...p, events: [c.event_name] }
    case 'job_workflow_ref': return { ...p, workflows: [] }
    case 'account_id': return { ...p, accountIds: [request.accountId] }
    default: throw new Error(`unknown rule ${rule}`)
  }
}

describe('property: a denial names every failing claim, and only those', () => {
  it('each reason names a claim; fixing exactly the named rules allows; leaving any one of them denies', () => {
    fc.assert(fc.property(claimsArb, requestArb, policyArb, (partial, request, p) => {
      const c = claims(partial)
      const decision = evaluatePolicy(c, request, p)
      const named = decision.reasons.map(reason => RULE_OF_REASON.exec(reason)?.[1])
      expect(named).not.toContain(undefined)
      if (decision.allowed) {
        // an allow explains every rule, one reason each, in a fixed order
        expect(named).toEqual(['repository', 'repository_id', 'ref', 'environment', 'event_name', 'job_workflow_ref', 'account_id'])
        return
      }
      expect(decision.reasons.length).toBeGreaterThan(0)
      // claim values are JSON-quoted in the reason, or the reason says the claim is missing
      for (const reason of decision.reasons) expect(reason).toMatch(/^\S+(?: \(of role-to-assume\))? (?:"|(?:claim )?is missing)/)
      const rules = [...new Set(named as string[])]
      expect(rules).toHaveLength(named.length)
      expect(evaluatePolicy(c, request, rules.reduce((q, rule) => satisfy(rule, q, c, request), p)).allowed).toBe(true)
      for (const kept of rules) {
        const others = rules.filter(rule => rule !== kept).reduce((q, rule) => satisfy(rule, q, c, request), p)
        const still = evaluatePolicy(c, request, others)
        expect(still.allowed).toBe(false)
        expect(still.reasons.map(reason => RULE_OF_REASON.exec(reason)?.[1])).toEqual([kept])
      }
    }), { numRuns: 500 })
  })
})
