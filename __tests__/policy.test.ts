import { describe, it, expect } from '@jest/globals'
import type { GitHubClaims } from '../src/claims.js'
import {
  type PatternKind,
  type PolicyConfig,
  type PolicyRequest,
  compileGlob,
  evaluatePolicy,
  foldAscii,
  validatePattern
} from '../src/policy.js'
import { SAMPLE_WORKFLOW as WORKFLOW, policyClaims as claims, samplePolicy as policy } from './helpers/samples.js'

const request: PolicyRequest = { accountId: '111122223333' }

function decide(claimOverrides: Partial<GitHubClaims>, policyOverrides: Partial<PolicyConfig> = {}, req = request) {
  return evaluatePolicy(claims(claimOverrides), req, policy(policyOverrides))
}

function repoAllowed(repository: string, patterns: string[]): boolean {
  return decide({ repository }, { repositories: patterns }).allowed
}

function refAllowed(ref: string, patterns: string[]): boolean {
  return decide({ ref }, { refs: patterns }).allowed
}

describe('repository rule', () => {
  it('allows an exact repository and reports the match', () => {
    const decision = decide({}, { repositories: ['org/app'] })
    expect(decision.allowed).toBe(true)
    expect(decision.matched.repository).toBe('org/app')
    expect(decision.reasons).toContain('repository "org/app" matched "org/app"')
  })

  it('denies with a reason naming the claim, its value and the patterns', () => {
    const decision = decide({ repository: 'org/app-evil' }, { repositories: ['org/lib-*', 'org/app'] })
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual([
      'repository "org/app-evil" does not match allowed-repositories [org/app, org/lib-*]'
    ])
    expect(decision.matched.repository).toBeUndefined()
  })

  it.each(['org/app-evil', 'evil-org/app', 'org/app/', '/org/app', 'org/app ', ' org/app', 'org/ap', 'org/app\n', 'org/appx', 'xorg/app'])(
    'org/app does not match %j',
    repository => {
      expect(repoAllowed(repository, ['org/app'])).toBe(false)
    }
  )

  it('matches case-insensitively', () => {
    expect(repoAllowed('Org/App', ['org/app'])).toBe(true)
    expect(repoAllowed('org/app', ['ORG/APP'])).toBe(true)
    expect(repoAllowed('ORG/Lib-X', ['org/lib-*'])).toBe(true)
  })

  it('does not let unicode look-alikes or unicode case folding match', () => {
    expect(repoAllowed('org/\u0430pp', ['org/app'])).toBe(false) // Cyrillic а
    expect(repoAllowed('\u043erg/app', ['org/app'])).toBe(false) // Cyrillic о
    expect(repoAllowed('org/\u212app', ['org/kpp'])).toBe(false) // KELVIN SIGN folds to k in Unicode
    expect(repoAllowed('org/\u017fpp', ['org/spp'])).toBe(false) // LONG S folds to s in Unicode
    expect(repoAllowed('org/app\u200b', ['org/app'])).toBe(false) // zero-width space
  })

  it('lets * match within the name but never across /', () => {
    expect(repoAllowed('org/anything', ['org/*'])).toBe(true)
    expect(repoAllowed('org/lib-core', ['org/lib-*'])).toBe(true)
    expect(repoAllowed('org/app', ['org/lib-*'])).toBe(false)
    expect(repoAllowed('org/a/b', ['org/*'])).toBe(false)
    expect(repoAllowed('other/app', ['org/*'])).toBe(false)
    expect(repoAllowed('org-evil/app', ['org/*'])).toBe(false)
  })

  it('is required: an empty list denies', () => {
    const decision = decide({}, { repositories: [] })
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual(['allowed-repositories is not set; it is required'])
  })

  it('fails closed on invalid patterns that reach it (owner wildcard, **)', () => {
    const decision = decide({ repository: 'evil/app' }, { repositories: ['*/*', '*/app', 'org/**'] })
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual([
      'repository "evil/app" does not match allowed-repositories [*/app, org/**, */*]; invalid patterns never match: [*/app, org/**, */*]'
    ])
  })

  it('treats a missing repository claim as a failure', () => {
    const decision = decide({ repository: '' })
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual(['repository claim is missing but allowed-repositories is set [org/app]'])
  })
})

describe('regex metacharacters are literal', () => {
  it.each([
    ['org/a.b', 'org/axb'],
    ['org/a.b', 'org/a.b.c']
  ])('repository %s does not match %s', (pattern, repository) => {
    expect(repoAllowed(repository, [pattern])).toBe(false)
  })

  it('repository org/a.b matches itself', () => {
    expect(repoAllowed('org/a.b', ['org/a.b'])).toBe(true)
  })

  it.each([
    ['refs/heads/a.b', 'refs/heads/axb'],
    ['refs/heads/(a)', 'refs/heads/a'],
    ['refs/heads/a+', 'refs/heads/aaa'],
    ['refs/heads/a$', 'refs/heads/a'],
    ['refs/heads/a|b', 'refs/heads/a'],
    ['refs/heads/a|b', 'refs/heads/b'],
    ['refs/heads/{a}', 'refs/heads/a'],
    ['refs/heads/a.*', 'refs/heads/abc'],
    ['refs/heads/x(y|z)', 'refs/heads/xy']
  ])('ref pattern %s does not match %s', (pattern, ref) => {
    expect(validatePattern('ref', pattern)).toBeUndefined()
    expect(refAllowed(ref, [pattern])).toBe(false)
  })

  it.each(['refs/heads/(a)', 'refs/heads/a+', 'refs/heads/a$', 'refs/heads/a|b', 'refs/heads/{a}', 'refs/heads/x(y|z)'])(
    'ref pattern %s matches itself literally',
    pattern => {
      expect(refAllowed(pattern, [pattern])).toBe(true)
    }
  )

  it('* in a pattern next to metacharacters still only means "one segment"', () => {
    expect(refAllowed('refs/heads/a.bc', ['refs/heads/a.*'])).toBe(true)
    expect(refAllowed('refs/heads/axbc', ['refs/heads/a.*'])).toBe(false)
  })
})

describe('ref rule', () => {
  it('allows any ref when not set', () => {
    const decision = decide({ ref: 'refs/heads/whatever' })
    expect(decision.allowed).toBe(true)
    expect(decision.reasons).toContain('ref: any (allowed-refs not set)')
    expect(decision.matched.ref).toBeUndefined()
  })

  it('matches exactly, no prefixes or other namespaces', () => {
    expect(refAllowed('refs/heads/main', ['refs/heads/main'])).toBe(true)
    expect(refAllowed('refs/heads/main-x', ['refs/heads/main'])).toBe(false)
    expect(refAllowed('refs/tags/main', ['refs/heads/main'])).toBe(false)
    expect(refAllowed('refs/heads/main/x', ['refs/heads/main'])).toBe(false)
    expect(refAllowed('xrefs/heads/main', ['refs/heads/main'])).toBe(false)
  })

  it('is case-sensitive', () => {
    expect(refAllowed('refs/heads/Main', ['refs/heads/main'])).toBe(false)
  })

  it('* does not cross /', () => {
    expect(refAllowed('refs/tags/v1.2.3', ['refs/tags/v*'])).toBe(true)
    expect(refAllowed('refs/tags/v', ['refs/tags/v*'])).toBe(true)
    expect(refAllowed('refs/tags/v1/evil', ['refs/tags/v*'])).toBe(false)
    expect(refAllowed('refs/heads/feature/x', ['refs/heads/*'])).toBe(false)
    expect(refAllowed('refs/heads/feature', ['refs/heads/*'])).toBe(true)
  })

  it('** crosses /', () => {
    expect(refAllowed('refs/heads/feature/x/y', ['refs/heads/**'])).toBe(true)
    expect(refAllowed('refs/heads/release/1.0', ['refs/heads/release/**'])).toBe(true)
    expect(refAllowed('refs/tags/release/1.0', ['refs/heads/**'])).toBe(false)
    expect(refAllowed('refs/heads/a/b/c/end', ['refs/heads/**/end'])).toBe(true)
    expect(refAllowed('refs/heads/a/b/c/end-x', ['refs/heads/**/end'])).toBe(false)
  })

  it('reports the matching pattern', () => {
    const decision = decide({ ref: 'refs/tags/v2' }, { refs: ['refs/heads/main', 'refs/tags/v*'] })
    expect(decision.allowed).toBe(true)
    expect(decision.matched.ref).toBe('refs/tags/v*')
    expect(decision.reasons).toContain('ref "refs/tags/v2" matched "refs/tags/v*"')
  })

  it('denies with the patterns listed', () => {
    const decision = decide({ ref: 'refs/heads/dev' }, { refs: ['refs/heads/main'] })
    expect(decision.reasons).toEqual(['ref "refs/heads/dev" does not match allowed-refs [refs/heads/main]'])
  })

  it('stays fast on pathological patterns and values', () => {
    const pattern = `refs/heads/${'*a'.repeat(20)}b`
    const value = `refs/heads/${'a'.repeat(5000)}`
    const started = Date.now()
    expect(refAllowed(value, [pattern])).toBe(false)
    expect(Date.now() - started).toBeLessThan(2000)
  })
})

describe('environment rule', () => {
  it('allows any (or no) environment when not set', () => {
    expect(decide({ environment: undefined }).allowed).toBe(true)
    expect(decide({ environment: 'anything' }).allowed).toBe(true)
  })

  it('allows a listed environment, case-insensitively like GitHub', () => {
    expect(decide({ environment: 'production' }, { environments: ['production'] }).matched.environment).toBe('production')
    expect(decide({ environment: 'Production' }, { environments: ['production'] }).allowed).toBe(true)
    expect(decide({ environment: 'prod-eu' }, { environments: ['prod-*'] }).allowed).toBe(true)
  })

  it('denies another environment', () => {
    const decision = decide({ environment: 'staging' }, { environments: ['production'] })
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual(['environment "staging" does not match allowed-environments [production]'])
  })

  it('requires an environment when set', () => {
    for (const environment of [undefined, '']) {
      const decision = decide({ environment }, { environments: ['production'] })
      expect(decision.allowed).toBe(false)
      expect(decision.reasons).toEqual(['environment claim is missing but allowed-environments is set [production]'])
    }
  })

  it('does not match look-alikes', () => {
    expect(decide({ environment: 'pr\u043eduction' }, { environments: ['production'] }).allowed).toBe(false)
    expect(decide({ environment: 'production ' }, { environments: ['production'] }).allowed).toBe(false)
  })
})

describe('event rule', () => {
  it('allows ordinary events by default', () => {
    for (const event_name of ['push', 'workflow_dispatch', 'pull_request', 'schedule']) {
      const decision = decide({ event_name })
      expect(decision.allowed).toBe(true)
      expect(decision.matched.event_name).toBe(event_name)
    }
  })

  it('denies pull_request_target by default', () => {
    const decision = decide({ event_name: 'pull_request_target' })
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual([
      'event_name "pull_request_target" is denied unless listed in allowed-events (it runs with secrets on pull requests from forks)'
    ])
  })

  it('allows pull_request_target when listed explicitly', () => {
    const decision = decide({ event_name: 'pull_request_target' }, { events: ['pull_request_target'] })
    expect(decision.allowed).toBe(true)
    expect(decision.matched.event_name).toBe('pull_request_target')
  })

  it('denies events not listed when the list is set', () => {
    const decision = decide({ event_name: 'pull_request' }, { events: ['push', 'workflow_dispatch'] })
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual(['event_name "pull_request" is not in allowed-events [workflow_dispatch, push]'])
    expect(decide({ event_name: 'pull_request_target' }, { events: ['push'] }).allowed).toBe(false)
  })

  it('compares event names exactly', () => {
    expect(decide({ event_name: 'Push' }, { events: ['push'] }).allowed).toBe(false)
    expect(decide({ event_name: 'push_x' }, { events: ['push'] }).allowed).toBe(false)
  })
})

describe('repository_id rule', () => {
  it('pins the repository id', () => {
    const allowed = decide({ repository_id: '123456' }, { repositoryIds: ['123456'] })
    expect(allowed.allowed).toBe(true)
    expect(allowed.matched.repository_id).toBe('123456')
  })

  it('denies a re-created repository with the same name', () => {
    const decision = decide({ repository: 'org/app', repository_id: '999999' }, { repositoryIds: ['123456'] })
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual(['repository_id "999999" is not in allowed-repository-ids [123456]'])
  })

  it('compares ids exactly (no prefix, no numeric coercion)', () => {
    expect(decide({ repository_id: '1234567' }, { repositoryIds: ['123456'] }).allowed).toBe(false)
    expect(decide({ repository_id: '0123456' }, { repositoryIds: ['123456'] }).allowed).toBe(false)
    expect(decide({ repository_id: '12345' }, { repositoryIds: ['123456'] }).allowed).toBe(false)
  })
})

describe('job_workflow_ref rule', () => {
  it('pins a reusable workflow to a ref', () => {
    expect(decide({}, { workflows: [WORKFLOW] }).matched.job_workflow_ref).toBe(WORKFLOW)
    const other = decide({ job_workflow_ref: 'org/infra/.github/workflows/deploy.yml@refs/heads/evil' }, { workflows: [WORKFLOW] })
    expect(other.allowed).toBe(false)
    expect(other.reasons).toEqual([
      `job_workflow_ref "org/infra/.github/workflows/deploy.yml@refs/heads/evil" does not match allowed-workflows [${WORKFLOW}]`
    ])
  })

  it('does not accept a fork or a similarly named workflow', () => {
    const workflows = [WORKFLOW]
    for (const job_workflow_ref of [
      'evil/infra/.github/workflows/deploy.yml@refs/heads/main',
      'org/infra/.github/workflows/deploy.yml@refs/heads/main-x',
      'org/infra/.github/workflows/deploy.ymlx@refs/heads/main',
      'org/infra-evil/.github/workflows/deploy.yml@refs/heads/main'
    ]) {
      expect(decide({ job_workflow_ref }, { workflows }).allowed).toBe(false)
    }
  })

  it('supports * within a segment and ** across', () => {
    expect(decide({ job_workflow_ref: 'org/infra/.github/workflows/deploy.yml@refs/tags/v1' }, {
      workflows: ['org/infra/.github/workflows/deploy.yml@refs/tags/*']
    }).allowed).toBe(true)
    expect(decide({ job_workflow_ref: 'org/infra/.github/workflows/deploy.yml@refs/heads/a/b' }, {
      workflows: ['org/infra/.github/workflows/deploy.yml@refs/heads/*']
    }).allowed).toBe(false)
    expect(decide({ job_workflow_ref: 'org/infra/.github/workflows/deploy.yml@refs/heads/a/b' }, {
      workflows: ['org/infra/.github/workflows/deploy.yml@**']
    }).allowed).toBe(true)
  })

  it('denies a job without job_workflow_ref when set', () => {
    const decision = decide({ job_workflow_ref: undefined }, { workflows: [WORKFLOW] })
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual([`job_workflow_ref claim is missing but allowed-workflows is set [${WORKFLOW}]`])
  })
})

describe('account rule', () => {
  it('allows a listed account', () => {
    const decision = decide({}, { accountIds: ['111122223333', '444455556666'] })
    expect(decision.allowed).toBe(true)
    expect(decision.matched.account_id).toBe('111122223333')
  })

  it('denies an unlisted account', () => {
    const decision = decide({}, { accountIds: ['444455556666'] }, { accountId: '111122223333' })
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual(['account_id (of role-to-assume) "111122223333" is not in allowed-account-ids [444455556666]'])
  })

  it('allows any account when not set', () => {
    expect(decide({}, {}, { accountId: '999999999999' }).allowed).toBe(true)
  })
})

describe('decisions', () => {
  const everything: Partial<PolicyConfig> = {
    repositories: ['org/app'],
    repositoryIds: ['123456'],
    refs: ['refs/heads/main'],
    environments: ['production'],
    events: ['push'],
    workflows: [WORKFLOW],
    accountIds: ['111122223333']
  }

  it('allows when every configured rule holds and explains each', () => {
    const decision = decide({}, everything)
    expect(decision.allowed).toBe(true)
    expect(decision.matched).toEqual({
      repository: 'org/app',
      repository_id: '123456',
      ref: 'refs/heads/main',
      environment: 'production',
      event_name: 'push',
      job_workflow_ref: WORKFLOW,
      account_id: '111122223333'
    })
    expect(decision.reasons).toEqual([
      'repository "org/app" matched "org/app"',
      'repository_id "123456" is listed in allowed-repository-ids',
      'ref "refs/heads/main" matched "refs/heads/main"',
      'environment "production" matched "production"',
      'event_name "push" is listed in allowed-events',
      `job_workflow_ref "${WORKFLOW}" matched "${WORKFLOW}"`,
      'account_id (of role-to-assume) "111122223333" is listed in allowed-account-ids'
    ])
  })

  it('reports every failing rule at once', () => {
    const decision = decide(
      {
        repository: 'evil/app',
        repository_id: '1',
        ref: 'refs/heads/evil',
        environment: undefined,
        event_name: 'pull_request_target',
        job_workflow_ref: 'evil/app/.github/workflows/x.yml@refs/heads/evil'
      },
      everything,
      { accountId: '999999999999' }
    )
    expect(decision.allowed).toBe(false)
    expect(decision.matched).toEqual({})
    expect(decision.reasons).toEqual([
      'repository "evil/app" does not match allowed-repositories [org/app]',
      'repository_id "1" is not in allowed-repository-ids [123456]',
      'ref "refs/heads/evil" does not match allowed-refs [refs/heads/main]',
      'environment claim is missing but allowed-environments is set [production]',
      'event_name "pull_request_target" is not in allowed-events [push]',
      `job_workflow_ref "evil/app/.github/workflows/x.yml@refs/heads/evil" does not match allowed-workflows [${WORKFLOW}]`,
      'account_id (of role-to-assume) "999999999999" is not in allowed-account-ids [111122223333]'
    ])
  })

  it('lists only the failures in a denial, not the rules that held', () => {
    const decision = decide({ ref: 'refs/heads/dev' }, everything)
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual(['ref "refs/heads/dev" does not match allowed-refs [refs/heads/main]'])
    expect(decision.matched.repository).toBe('org/app')
  })

  it('JSON-quotes claim values so control characters cannot forge lines', () => {
    const decision = decide({ ref: 'refs/heads/x\nrepository "org/app" matched "org/app"' }, { refs: ['refs/heads/main'] })
    expect(decision.allowed).toBe(false)
    expect(decision.reasons).toEqual(['ref "refs/heads/x\\nrepository \\"org/app\\" matched \\"org/app\\"" does not match allowed-refs [refs/heads/main]'])
  })

  it('gives identical decisions for permuted pattern lists', () => {
    const lists: PolicyConfig = {
      repositories: ['org/*', 'org/app', 'org/ap*', 'other/x'],
      repositoryIds: ['1', '123456', '7'],
      refs: ['refs/heads/**', 'refs/heads/main', 'refs/heads/*', 'refs/tags/v*'],
      environments: ['prod*', 'production', '*'],
      events: ['workflow_dispatch', 'push'],
      workflows: ['org/infra/**@**', WORKFLOW, 'org/infra/.github/workflows/*@refs/heads/main'],
      accountIds: ['111122223333', '444455556666']
    }
    const reversed = Object.fromEntries(
      Object.entries(lists).map(([key, values]) => [key, [...(values as string[])].reverse()])
    ) as unknown as PolicyConfig
    const rotated = Object.fromEntries(
      Object.entries(lists).map(([key, values]) => [key, [...(values as string[]).slice(1), (values as string[])[0]]])
    ) as unknown as PolicyConfig
    for (const claimOverrides of [{}, { ref: 'refs/heads/feature/x' }, { repository: 'org/apple' }, { event_name: 'schedule' }]) {
      const base = evaluatePolicy(claims(claimOverrides), request, lists)
      expect(evaluatePolicy(claims(claimOverrides), request, reversed)).toEqual(base)
      expect(evaluatePolicy(claims(claimOverrides), request, rotated)).toEqual(base)
    }
    // The most specific pattern is the one reported.
    const base = evaluatePolicy(claims(), request, lists)
    expect(base.matched.repository).toBe('org/app')
    expect(base.matched.ref).toBe('refs/heads/main')
    expect(base.matched.job_workflow_ref).toBe(WORKFLOW)
  })

  it('does not change when duplicated patterns are given', () => {
    const once = decide({ repository: 'x/y' }, { repositories: ['org/app'] })
    const twice = decide({ repository: 'x/y' }, { repositories: ['org/app', 'org/app'] })
    expect(twice).toEqual(once)
  })
})

describe('validatePattern', () => {
  it.each([
    ['repository', 'org/app'],
    ['repository', 'org/*'],
    ['repository', 'org/prefix-*'],
    ['repository', 'Org-Name/repo.name_x'],
    ['repository', 'user_emu/app'],
    ['ref', 'refs/heads/main'],
    ['ref', 'refs/tags/v*'],
    ['ref', 'refs/heads/**'],
    ['ref', 'refs/heads/release/**/final'],
    ['ref', 'refs/heads/(a)+$'],
    ['environment', 'production'],
    ['environment', 'prod-*'],
    ['environment', 'team/prod'],
    ['environment', 'My Env'],
    ['workflow', WORKFLOW],
    ['workflow', 'org/infra/.github/workflows/*.yml@refs/tags/v*'],
    ['workflow', 'org/infra/**@**']
  ] as Array<[PatternKind, string]>)('accepts %s pattern %j', (kind, pattern) => {
    expect(validatePattern(kind, pattern)).toBeUndefined()
  })

  it.each([
    ['repository', '', 'empty'],
    ['repository', '   ', 'empty'],
    ['repository', 'org', 'exactly one "/"'],
    ['repository', 'org/app/x', 'exactly one "/"'],
    ['repository', '/app', 'owner is missing'],
    ['repository', 'org/', 'name is missing'],
    ['repository', '*/*', 'owner must be written out'],
    ['repository', '*/app', 'owner must be written out'],
    ['repository', 'org-*/app', 'owner must be written out'],
    ['repository', 'org/**', '"**" is not supported'],
    ['repository', 'org/***', '"***"'],
    ['repository', 'org/a b', 'may only contain'],
    ['repository', 'org/a+b', 'may only contain'],
    ['repository', 'org/\u0430pp', 'may only contain'],
    ['repository', 'or\u0261/app', 'owner may only contain'],
    ['repository', 'org/a?', 'may only contain'],
    ['repository', 'org/app,org/x', 'commas'],
    ['repository', ' org/app', 'leading or trailing'],
    ['repository', 'org/app\n', 'control'],
    ['repository', 'org/app\u200b', 'invisible'],
    ['repository', 'org/app\u202e', 'invisible'],
    ['ref', 'main', 'starting with "refs/"'],
    ['ref', 'heads/main', 'starting with "refs/"'],
    ['ref', 'refs/heads/***', '"***"'],
    ['ref', 'refs/heads/a b', 'not allowed in git refs'],
    ['ref', 'refs/heads/a?', 'not allowed in git refs'],
    ['ref', 'refs/heads/[ab]', 'not allowed in git refs'],
    ['ref', 'refs/heads/a~1', 'not allowed in git refs'],
    ['ref', 'refs/heads/a\\b', 'not allowed in git refs'],
    ['ref', 'refs/heads/\u0000', 'control'],
    ['ref', `refs/heads/${'a'.repeat(600)}`, 'longer than'],
    ['environment', '', 'empty'],
    ['environment', 'prod?', 'only "*" and "**"'],
    ['environment', 'prod\t', 'control'],
    ['environment', '***', '"***"'],
    ['workflow', 'org/infra/.github/workflows/deploy.yml', 'ref after "@"'],
    ['workflow', 'org/infra/.github/workflows/deploy.yml@', 'ref after "@"'],
    ['workflow', '@refs/heads/main', 'ref after "@"'],
    ['workflow', 'org/infra/.github/workflows/a b.yml@refs/heads/main', 'not allowed']
  ] as Array<[PatternKind, string, string]>)('rejects %s pattern %j', (kind, pattern, problem) => {
    expect(validatePattern(kind, pattern)).toContain(problem)
  })
})

describe('compileGlob', () => {
  it('is anchored at both ends', () => {
    const glob = compileGlob('a*b', { globstar: true, caseInsensitive: false })
    expect(glob.test('ab')).toBe(true)
    expect(glob.test('axxb')).toBe(true)
    expect(glob.test('xab')).toBe(false)
    expect(glob.test('abx')).toBe(false)
    expect(glob.test('a/b')).toBe(false)
  })

  it('treats ** as two single stars when globstar is off', () => {
    const glob = compileGlob('a**b', { globstar: false, caseInsensitive: false })
    expect(glob.test('axyb')).toBe(true)
    expect(glob.test('a/b')).toBe(false)
  })

  it('folds ASCII case only', () => {
    expect(foldAscii('ABC-xyz-\u00c4-\u212a')).toBe('abc-xyz-\u00c4-\u212a')
    const glob = compileGlob('ABC', { globstar: false, caseInsensitive: true })
    expect(glob.test('abc')).toBe(true)
    expect(glob.test('\u0430bc')).toBe(false)
  })

  it('matches characters outside the BMP as one character', () => {
    const glob = compileGlob('refs/heads/?*', { globstar: false, caseInsensitive: false })
    expect(glob.test('refs/heads/?\u{1f600}')).toBe(true)
    expect(compileGlob('x\u{1f600}', { globstar: false, caseInsensitive: false }).test('x\u{1f600}')).toBe(true)
    expect(compileGlob('x\u{1f600}', { globstar: false, caseInsensitive: false }).test('x\u{1f601}')).toBe(false)
  })
})
