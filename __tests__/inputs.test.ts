import { describe, it, expect } from '@jest/globals'
import * as core from '@actions/core'
import path from 'node:path'
import {
  DEFAULT_ISSUER,
  InputError,
  defaultAuditLog,
  parseInputs,
  parseList
} from '../src/inputs.js'

const ROLE = 'arn:aws:iam::123456789012:role/deploy'

/** The smallest valid set of inputs. */
const VALID: Record<string, string> = {
  'role-to-assume': ROLE,
  'aws-region': 'us-east-1',
  'allowed-repositories': 'octo-org/octo-app',
  scopes: 's3:GetObject arn:aws:s3:::artifacts/*'
}

const ENV = { RUNNER_TEMP: '/runner/temp' }

function reader(values: Record<string, string>) {
  return (name: string): string => values[name] ?? ''
}

function parse(overrides: Record<string, string> = {}, env: NodeJS.ProcessEnv = ENV) {
  return parseInputs(reader({ ...VALID, ...overrides }), env)
}

/** The problems parseInputs reports for these inputs (fails the test when it does not throw). */
function problemsOf(overrides: Record<string, string>, base: Record<string, string> = VALID): string[] {
  try {
    parseInputs(reader({ ...base, ...overrides }), ENV)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as InputError).problems
  }
  throw new Error('parseInputs accepted inputs it should have rejected')
}

/** The single problem reported, checked to name the input. */
function onlyProblem(input: string, value: string): string {
  const problems = problemsOf({ [input]: value })
  expect(problems).toHaveLength(1)
  expect(problems[0]?.startsWith(`${input}: `)).toBe(true)
  return problems[0] as string
}

describe('parseList', () => {
  it('splits on commas and newlines, trims, and drops blank entries', () => {
    expect(parseList(' a, b\n\nc ,\n , d,,\r\ne ')).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  it('returns nothing for an empty or blank value', () => {
    expect(parseList('')).toEqual([])
    expect(parseList(' ,\n, ')).toEqual([])
  })
})

describe('defaultAuditLog', () => {
  it('lives under RUNNER_TEMP', () => {
    expect(defaultAuditLog({ RUNNER_TEMP: '/tmp/rt' })).toBe(path.join('/tmp/rt', 'jit-credentials', 'audit.jsonl'))
  })

  it('falls back to the working directory without RUNNER_TEMP', () => {
    expect(defaultAuditLog({})).toBe(path.join(process.cwd(), 'jit-credentials', 'audit.jsonl'))
    expect(defaultAuditLog({ RUNNER_TEMP: '' })).toBe(path.join(process.cwd(), 'jit-credentials', 'audit.jsonl'))
  })
})

describe('parseInputs: valid inputs and defaults', () => {
  it('fills in every default from DESIGN §2', () => {
    const config = parse()
    expect(config).toEqual({
      roleArn: ROLE,
      roleAccountId: '123456789012',
      region: 'us-east-1',
      audience: 'sts.amazonaws.com',
      durationSeconds: 900,
      maxDurationSeconds: 3600,
      sessionName: undefined,
      policy: {
        repositories: ['octo-org/octo-app'],
        repositoryIds: [],
        refs: [],
        environments: [],
        events: [],
        workflows: [],
        accountIds: []
      },
      scopes: [{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::artifacts/*'] }],
      managedPolicyArns: [],
      revoke: 'scrub',
      revocationRoleArn: undefined,
      revocationPolicyArns: [],
      onRevocationFailure: 'warn',
      auditLog: path.join('/runner/temp', 'jit-credentials', 'audit.jsonl'),
      jobSummary: true,
      exportEnv: true,
      outputCredentials: false,
      dryRun: false,
      tokenIssuer: DEFAULT_ISSUER,
      retryMaxAttempts: 3
    })
  })

  it('takes every input that is given', () => {
    const config = parse({
      'role-to-assume': 'arn:aws-us-gov:iam::210987654321:role/team/ci/deploy',
      'aws-region': 'us-gov-west-1',
      audience: 'my-audience',
      'role-duration-seconds': '1800',
      'max-duration-seconds': '7200',
      'role-session-name': 'deploy-1234',
      'allowed-repositories': 'octo-org/octo-app, octo-org/lib-*',
      'allowed-repository-ids': '123456789\n987',
      'allowed-refs': 'refs/heads/main\nrefs/tags/v*',
      'allowed-environments': 'production',
      'allowed-events': 'push, workflow_dispatch',
      'allowed-workflows': 'octo-org/infra/.github/workflows/deploy.yml@refs/heads/main',
      'allowed-account-ids': '210987654321',
      'managed-session-policies': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      revoke: 'scrub',
      'revocation-role-to-assume': 'arn:aws:iam::210987654321:role/jit-revoker',
      'on-revocation-failure': 'fail',
      'audit-log': '/var/log/jit/audit.jsonl',
      'job-summary': 'false',
      'export-env': 'FALSE',
      'output-credentials': 'True',
      'dry-run': 'true',
      'token-issuer': 'https://ghes.example.com/_services/token',
      'retry-max-attempts': '10'
    })
    expect(config).toMatchObject({
      roleArn: 'arn:aws-us-gov:iam::210987654321:role/team/ci/deploy',
      roleAccountId: '210987654321',
      region: 'us-gov-west-1',
      audience: 'my-audience',
      durationSeconds: 1800,
      maxDurationSeconds: 7200,
      sessionName: 'deploy-1234',
      policy: {
        repositories: ['octo-org/octo-app', 'octo-org/lib-*'],
        repositoryIds: ['123456789', '987'],
        refs: ['refs/heads/main', 'refs/tags/v*'],
        environments: ['production'],
        events: ['push', 'workflow_dispatch'],
        workflows: ['octo-org/infra/.github/workflows/deploy.yml@refs/heads/main'],
        accountIds: ['210987654321']
      },
      managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      revoke: 'scrub',
      revocationRoleArn: 'arn:aws:iam::210987654321:role/jit-revoker',
      onRevocationFailure: 'fail',
      auditLog: '/var/log/jit/audit.jsonl',
      jobSummary: false,
      exportEnv: false,
      outputCredentials: true,
      dryRun: true,
      tokenIssuer: 'https://ghes.example.com/_services/token',
      retryMaxAttempts: 10
    })
  })

  it('trims surrounding whitespace from inputs', () => {
    const config = parse({ 'role-to-assume': `  ${ROLE}\n`, 'aws-region': ' eu-central-1 ', 'role-duration-seconds': ' 1200 ' })
    expect(config.roleArn).toBe(ROLE)
    expect(config.region).toBe('eu-central-1')
    expect(config.durationSeconds).toBe(1200)
  })

  it('parses list inputs with commas, newlines and blank entries', () => {
    const config = parse({
      'allowed-repositories': '\n octo-org/a ,, octo-org/b\n\n octo-org/c,\n',
      'allowed-account-ids': '111122223333,\n\n 444455556666 ,'
    })
    expect(config.policy.repositories).toEqual(['octo-org/a', 'octo-org/b', 'octo-org/c'])
    expect(config.policy.accountIds).toEqual(['111122223333', '444455556666'])
  })

  it('parses several scope lines, skipping blank lines', () => {
    const config = parse({
      scopes: '\ns3:GetObject,s3:PutObject arn:aws:s3:::artifacts/*\n\n  dynamodb:Query   arn:aws:dynamodb:us-east-1:123456789012:table/t\n'
    })
    expect(config.scopes).toEqual([
      { actions: ['s3:GetObject', 's3:PutObject'], resources: ['arn:aws:s3:::artifacts/*'] },
      { actions: ['dynamodb:Query'], resources: ['arn:aws:dynamodb:us-east-1:123456789012:table/t'] }
    ])
  })

  it('accepts the duration bounds 900 and max-duration-seconds', () => {
    expect(parse({ 'role-duration-seconds': '900' }).durationSeconds).toBe(900)
    expect(parse({ 'role-duration-seconds': '3600' }).durationSeconds).toBe(3600)
    expect(parse({ 'role-duration-seconds': '43200', 'max-duration-seconds': '43200' }).durationSeconds).toBe(43200)
  })

  it('accepts session names of 2 and 64 allowed characters', () => {
    expect(parse({ 'role-session-name': 'ab' }).sessionName).toBe('ab')
    const long = 'a_+=,.@-'.repeat(8)
    expect(long).toHaveLength(64)
    expect(parse({ 'role-session-name': long }).sessionName).toBe(long)
  })

  it('accepts GovCloud and China regions', () => {
    expect(parse({ 'aws-region': 'us-gov-east-1' }).region).toBe('us-gov-east-1')
    expect(parse({ 'aws-region': 'cn-northwest-1' }).region).toBe('cn-northwest-1')
  })

  it('accepts up to 10 managed session policies', () => {
    const arns = Array.from({ length: 10 }, (_, i) => `arn:aws:iam::123456789012:policy/p${i}`)
    expect(parse({ 'managed-session-policies': arns.join('\n') }).managedPolicyArns).toEqual(arns)
  })

  it('reads inputs from INPUT_* variables through @actions/core', () => {
    const names = { ...VALID, 'role-duration-seconds': '1000' }
    const saved = { ...process.env }
    try {
      for (const [name, value] of Object.entries(names)) process.env[`INPUT_${name.toUpperCase()}`] = value
      const config = parseInputs(name => core.getInput(name), ENV)
      expect(config.roleArn).toBe(ROLE)
      expect(config.durationSeconds).toBe(1000)
      expect(config.policy.repositories).toEqual(['octo-org/octo-app'])
    } finally {
      for (const name of Object.keys(names)) delete process.env[`INPUT_${name.toUpperCase()}`]
      expect(process.env).toEqual(saved)
    }
  })
})

describe('parseInputs: required inputs', () => {
  it.each([
    ['role-to-assume', 'arn:aws:iam::123456789012:role/deploy'],
    ['aws-region', 'us-east-1'],
    ['allowed-repositories', 'octo-org/octo-app'],
    ['scopes', 's3:GetObject,s3:PutObject arn:aws:s3:::artifacts/*']
  ])('%s is required and the message gives an example', (input, example) => {
    const problem = onlyProblem(input, '')
    expect(problem).toContain('is required')
    expect(problem).toContain(example)
  })

  it('treats a whitespace-only required input as missing', () => {
    expect(onlyProblem('role-to-assume', '  \n ')).toContain('is required')
    expect(onlyProblem('scopes', '\n  \n\n')).toContain('is required')
  })

  it('treats allowed-repositories made only of separators as missing', () => {
    expect(onlyProblem('allowed-repositories', ' ,\n , ')).toContain('is required')
  })

  it('reports all missing required inputs at once', () => {
    const problems = problemsOf({}, {})
    expect(problems.map(p => p.split(':')[0])).toEqual(['role-to-assume', 'aws-region', 'allowed-repositories', 'scopes'])
  })
})

describe('parseInputs: validation of each input', () => {
  it.each([
    'arn:aws:iam::12345678901:role/deploy', // 11 digits
    'arn:aws:iam::123456789012:user/deploy',
    'arn:aws:iam::123456789012:role/',
    'arn:aws:sts::123456789012:role/deploy',
    'arn:aws:iam::123456789012:role/de ploy',
    'arn:aws:iam::123456789012:role/deploy\nx',
    `arn:aws:iam::123456789012:role/${'a'.repeat(65)}`,
    'arn:azure:iam::123456789012:role/deploy',
    'deploy'
  ])('rejects the role ARN %j with an example', arn => {
    const problem = onlyProblem('role-to-assume', arn)
    expect(problem).toContain('is not an IAM role ARN')
    expect(problem).toContain(JSON.stringify(arn.trim()))
    expect(problem).toContain('Example: arn:aws:iam::123456789012:role/deploy')
  })

  it.each(['us-east', 'US-EAST-1', 'useast1', 'us-east-1a', 'us-east-123', 'u-east-1', 'us_east_1'])('rejects the region %j', region => {
    const problem = onlyProblem('aws-region', region)
    expect(problem).toContain(`${JSON.stringify(region)} is not an AWS region`)
    expect(problem).toContain('Example: us-east-1')
  })

  it('rejects an audience with spaces', () => {
    expect(onlyProblem('audience', 'sts amazonaws')).toContain('must not contain spaces. Example: sts.amazonaws.com')
  })

  it.each(['899', '0', '43201', '-900', '1e3', '900.5', 'fifteen minutes', '0x384'])('rejects role-duration-seconds %j', value => {
    const problem = onlyProblem('role-duration-seconds', value)
    expect(problem).toContain(`must be a whole number from 900 to 43200, got ${JSON.stringify(value)}`)
    expect(problem).toContain('Example: role-duration-seconds: 900')
  })

  it('rejects a duration over max-duration-seconds, naming both', () => {
    const problem = onlyProblem('role-duration-seconds', '3601')
    expect(problem).toContain('3601 is over max-duration-seconds (3600)')
  })

  it('checks the duration against a raised or lowered ceiling', () => {
    expect(parse({ 'role-duration-seconds': '7200', 'max-duration-seconds': '7200' }).durationSeconds).toBe(7200)
    const problems = problemsOf({ 'role-duration-seconds': '1000', 'max-duration-seconds': '950' })
    expect(problems).toEqual(['role-duration-seconds: 1000 is over max-duration-seconds (950); ask for less or raise max-duration-seconds'])
  })

  it.each(['899', '43201', 'an hour'])('rejects max-duration-seconds %j', value => {
    expect(onlyProblem('max-duration-seconds', value)).toContain('must be a whole number from 900 to 43200')
  })

  it.each(['a', `${'a'.repeat(65)}`, 'has space', 'slash/name', 'colon:name', 'ünïcode'])('rejects the session name %j', name => {
    const problem = onlyProblem('role-session-name', name)
    expect(problem).toContain(`${JSON.stringify(name)} must be 2 to 64 characters`)
    expect(problem).toContain('Example: deploy-1234')
  })

  it.each(['0', '11', 'three'])('rejects retry-max-attempts %j outside 1..10', value => {
    expect(onlyProblem('retry-max-attempts', value)).toContain('must be a whole number from 1 to 10')
  })

  it('accepts retry-max-attempts 1', () => {
    expect(parse({ 'retry-max-attempts': '1' }).retryMaxAttempts).toBe(1)
  })

  it.each(['job-summary', 'export-env', 'output-credentials', 'dry-run'])('rejects a non-boolean %s', input => {
    expect(onlyProblem(input, 'yes')).toBe(`${input}: must be true or false, got "yes"`)
  })

  it.each([
    ['revoke', 'revoke-now', 'must be one of auto, deny-session, scrub, got "revoke-now"'],
    ['revoke', 'Scrub', 'must be one of auto, deny-session, scrub, got "Scrub"'],
    ['on-revocation-failure', 'ignore', 'must be one of warn, fail, got "ignore"']
  ])('rejects the %s value %j', (input, value, message) => {
    expect(onlyProblem(input, value)).toBe(`${input}: ${message}`)
  })

  it.each([
    ['allowed-repositories', '*/app', 'the owner must be written out'],
    ['allowed-repositories', 'octo-org', 'must be owner/repo'],
    ['allowed-refs', 'main', 'must be a full ref starting with "refs/"'],
    ['allowed-workflows', 'octo-org/infra/.github/workflows/deploy.yml', 'with the ref after "@"'],
    ['allowed-environments', 'prod?', 'contains "?", "[" or "]"']
  ])('rejects the %s pattern %j with an example', (input, value, why) => {
    const problem = onlyProblem(input, value)
    expect(problem).toContain(JSON.stringify(value))
    expect(problem).toContain(why)
    expect(problem).toContain('Example: ')
  })

  it.each([
    ['allowed-repository-ids', '0123', 'a numeric repository id'],
    ['allowed-repository-ids', 'octo-org/app', 'a numeric repository id'],
    ['allowed-account-ids', '12345678901', 'a 12-digit AWS account id'],
    ['allowed-events', 'Push', 'a GitHub event name'],
    ['managed-session-policies', 'ReadOnlyAccess', 'a managed policy ARN'],
    ['revocation-role-to-assume', 'arn:aws:iam::123456789012:policy/x', 'an IAM role ARN']
  ])('rejects the %s entry %j', (input, value, what) => {
    const problem = onlyProblem(input, value)
    expect(problem).toContain(`${JSON.stringify(value)} is not ${what}`)
    expect(problem).toContain('Example: ')
  })

  it('rejects a revocation-policy-arn that is not a managed policy ARN', () => {
    const problems = problemsOf({ revoke: 'scrub', 'revocation-policy-arn': 'arn:aws:iam::123456789012:role/x' })
    expect(problems).toEqual([
      'revocation-policy-arn: "arn:aws:iam::123456789012:role/x" is not a managed policy ARN. Example: arn:aws:iam::123456789012:policy/jit-revocations'
    ])
  })

  it('reports each bad entry of a list on its own, naming the entry', () => {
    const problems = problemsOf({ 'allowed-account-ids': '123456789012, 1, 2' })
    expect(problems).toEqual([
      'allowed-account-ids: "1" is not a 12-digit AWS account id. Example: 123456789012',
      'allowed-account-ids: "2" is not a 12-digit AWS account id. Example: 123456789012'
    ])
  })

  it('rejects more than 10 managed session policies', () => {
    const arns = Array.from({ length: 11 }, (_, i) => `arn:aws:iam::123456789012:policy/p${i}`)
    expect(onlyProblem('managed-session-policies', arns.join(','))).toContain('lists 11 policies; STS accepts at most 10')
  })

  it('reports a malformed scope line with its line number and an example', () => {
    const problems = problemsOf({ scopes: 's3:GetObject arn:aws:s3:::a/*\n\ns3:GetObject' })
    expect(problems).toEqual([
      'scopes: line 3: resources are missing: write ACTIONS then RESOURCES (example: s3:GetObject,s3:PutObject arn:aws:s3:::artifacts/*)'
    ])
  })

  it('reports every problem in the scopes', () => {
    const problems = problemsOf({ scopes: 'not-an-action arn:aws:s3:::a\ns3:GetObject a b' })
    const example = '(example: s3:GetObject,s3:PutObject arn:aws:s3:::artifacts/*)'
    expect(problems).toEqual([
      `scopes: line 1: action "not-an-action" is not valid: use "*" or service:Action (e.g. s3:GetObject, s3:Get*) ${example}`,
      `scopes: line 2: expected 2 columns (ACTIONS RESOURCES) but found 3; separate list entries with commas ${example}`
    ])
  })
})

describe('parseInputs: revocation method', () => {
  it('auto without a revocation policy means scrub', () => {
    expect(parse({ revoke: 'auto' }).revoke).toBe('scrub')
  })

  const REVOKER = 'arn:aws:iam::123456789012:role/jit-revoker'
  const LIST = 'arn:aws:iam::123456789012:policy/jit-revocations'

  it('takes deny-session with its role and policy, asked for or implied by auto', () => {
    for (const revoke of ['deny-session', 'auto']) {
      const config = parse({ revoke, 'revocation-role-to-assume': REVOKER, 'revocation-policy-arn': LIST })
      expect(config).toMatchObject({ revoke: 'deny-session', revocationRoleArn: REVOKER, revocationPolicyArns: [LIST] })
    }
  })

  it('requires the revocation role and policy for deny-session, saying why', () => {
    const role = 'the role the post step assumes to update the revocation list. Example: arn:aws:iam::123456789012:role/jit-revoker'
    const policy = 'the revocation lists: the permissions boundary of role-to-assume, or deny-only policies attached to it (one per line). Example: arn:aws:iam::123456789012:policy/jit-revocations'
    expect(problemsOf({ revoke: 'deny-session' })).toEqual([
      `revocation-role-to-assume: is required because revoke is deny-session: ${role}`,
      `revocation-policy-arn: is required because revoke is deny-session: ${policy}`
    ])
    expect(problemsOf({ 'revocation-policy-arn': LIST })).toEqual([
      `revocation-role-to-assume: is required because revoke is auto and revocation-policy-arn is set, so the post step revokes with deny-session: ${role}`
    ])
  })

  it('requires the revocation policy and role in the account of role-to-assume', () => {
    expect(
      problemsOf({ revoke: 'deny-session', 'revocation-role-to-assume': 'arn:aws:iam::999988887777:role/r', 'revocation-policy-arn': 'arn:aws:iam::aws:policy/AdministratorAccess' })
    ).toEqual([
      'revocation-policy-arn: is in account aws, but role-to-assume is in account 123456789012; the revocation list must be in the role\'s account',
      'revocation-role-to-assume: is in account 999988887777, but role-to-assume is in account 123456789012; the revocation list must be in the role\'s account'
    ])
  })

  it('takes several revocation lists, one per line or comma-separated, each checked', () => {
    const lists = [1, 2, 3].map(n => `${LIST}-${n}`)
    expect(parse({ 'revocation-role-to-assume': REVOKER, 'revocation-policy-arn': `${lists[0]}\n${lists[1]}, ${lists[2]}\n` }).revocationPolicyArns).toEqual(lists)
    expect(problemsOf({ 'revocation-role-to-assume': REVOKER, 'revocation-policy-arn': `${LIST}-1\nnot-an-arn\n${LIST}-1` })).toEqual([
      'revocation-policy-arn: "not-an-arn" is not a managed policy ARN. Example: arn:aws:iam::123456789012:policy/jit-revocations',
      'revocation-policy-arn: lists a policy more than once'
    ])
    const many = Array.from({ length: 21 }, (_, n) => `${LIST}-${n}`).join('\n')
    expect(problemsOf({ 'revocation-role-to-assume': REVOKER, 'revocation-policy-arn': many })).toEqual([
      'revocation-policy-arn: lists 21 policies; a role can have at most 20 managed policies attached'
    ])
  })

  it('keeps scrub when asked for explicitly even with a revocation policy', () => {
    const config = parse({ revoke: 'scrub', 'revocation-policy-arn': 'arn:aws:iam::123456789012:policy/jit-revocations' })
    expect(config.revoke).toBe('scrub')
    expect(config.revocationPolicyArns).toEqual(['arn:aws:iam::123456789012:policy/jit-revocations'])
  })
})

describe('parseInputs: token-issuer', () => {
  it.each([
    'https://token.actions.githubusercontent.com',
    'https://ghes.example.com/_services/token',
    'http://127.0.0.1:8080',
    'http://localhost:3000/issuer',
    'http://[::1]:9000'
  ])('accepts %s', issuer => {
    expect(parse({ 'token-issuer': issuer }).tokenIssuer).toBe(issuer)
  })

  it.each([
    'http://token.actions.githubusercontent.com',
    'http://127.0.0.2',
    'http://127.0.0.1.example.com',
    'http://localhost.example.com',
    'http://10.0.0.1',
    'ftp://127.0.0.1',
    'file:///etc/issuer'
  ])('rejects the non-https issuer %s', issuer => {
    const problem = onlyProblem('token-issuer', issuer)
    expect(problem).toContain('must use https (plain http is accepted only for 127.0.0.1 or localhost')
    expect(problem).toContain(`Example: ${DEFAULT_ISSUER}`)
  })

  it.each([
    'https://issuer.example.com/?x=1',
    'https://issuer.example.com/#frag',
    'https://user:pass@issuer.example.com',
    'http://user@127.0.0.1'
  ])('rejects the issuer %s with query, fragment or credentials', issuer => {
    expect(onlyProblem('token-issuer', issuer)).toContain('must be a plain URL without query, fragment or credentials')
  })

  it('rejects a trailing slash, which would never match the token\'s iss', () => {
    expect(onlyProblem('token-issuer', 'https://token.actions.githubusercontent.com/')).toContain('must not end with "/"')
  })

  it('rejects something that is not a URL', () => {
    expect(onlyProblem('token-issuer', 'token.actions.githubusercontent.com')).toContain(
      '"token.actions.githubusercontent.com" is not a URL'
    )
  })
})

describe('parseInputs: all problems together', () => {
  it('throws one InputError listing every problem, each naming its input', () => {
    let caught: unknown
    try {
      parse({
        'role-to-assume': 'arn:aws:iam::1:role/x',
        'aws-region': 'mars-1',
        'role-duration-seconds': '60',
        'role-session-name': 'bad name',
        'allowed-refs': 'main',
        scopes: 's3:GetObject',
        revoke: 'sometimes',
        'on-revocation-failure': 'panic',
        'dry-run': 'maybe',
        'token-issuer': 'http://issuer.example.com'
      })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(InputError)
    const error = caught as InputError
    expect(error.name).toBe('InputError')
    expect(error.problems.map(p => p.slice(0, p.indexOf(':')))).toEqual([
      'role-to-assume',
      'aws-region',
      'role-duration-seconds',
      'role-session-name',
      'allowed-refs',
      'scopes',
      'revoke',
      'on-revocation-failure',
      'dry-run',
      'token-issuer'
    ])
    expect(error.message).toMatch(/^The action's inputs need fixing \(10 problems\):\n- role-to-assume: /)
    for (const problem of error.problems) expect(error.message).toContain(`\n- ${problem}`)
  })

  it('says "1 problem" for a single problem', () => {
    expect(() => parse({ 'aws-region': 'nowhere' })).toThrow(/\(1 problem\):\n- aws-region: /)
  })
})
