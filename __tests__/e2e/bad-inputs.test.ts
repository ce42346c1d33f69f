// Bad inputs (issue 4, item 5), run through the bundled action: a table of malformed values covering
// every validated input of DESIGN §2. Each must fail the step with one error that names the input, no
// stack trace, and no call to the token issuer or STS. One runtime only, to keep the suite fast.
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { ACCOUNT_ID, baseInputs, expectJobClean, newJob, runtimes, useFixtures } from '../helpers/e2e.js'
import { repoRoot, type InputValues } from '../helpers/run-action.js'

interface BadInput {
  // the input the one error must name
  input: string
  // what is wrong, for the test name
  what: string
  // merged over baseInputs (a '' value is an input given empty, as `with: { x: '' }` passes it)
  with: InputValues
  // how many problems the one error lists, all about `input`
  problems: number
}

const ROLE = (name: string, account = ACCOUNT_ID): string => `arn:aws:iam::${account}:role/${name}`
const POLICY = (name: string, account = ACCOUNT_ID): string => `arn:aws:iam::${account}:policy/${name}`
const OTHER_ACCOUNT = '444455556666'
const bad = (input: string, what: string, value: string | InputValues, problems = 1): BadInput =>
  ({ input, what, with: typeof value === 'string' ? { [input]: value } : value, problems })

const cases: BadInput[] = [
  bad('role-to-assume', 'missing', ''),
  bad('role-to-assume', 'not an ARN', 'deploy'),
  bad('role-to-assume', 'short account id', 'arn:aws:iam::1234:role/deploy'),
  bad('role-to-assume', '13-digit account id', 'arn:aws:iam::1111222233334:role/deploy'),
  bad('role-to-assume', 'a policy ARN', POLICY('deploy')),
  bad('role-to-assume', 'a user ARN', `arn:aws:iam::${ACCOUNT_ID}:user/deploy`),
  bad('role-to-assume', 'an assumed-role ARN', `arn:aws:sts::${ACCOUNT_ID}:assumed-role/deploy/session`),
  bad('role-to-assume', 'wrong partition', `arn:gcp:iam::${ACCOUNT_ID}:role/deploy`),
  bad('role-to-assume', 'made-up partition awsx', `arn:awsx:iam::${ACCOUNT_ID}:role/deploy`),
  bad('role-to-assume', 'upper-case partition', `arn:AWS:iam::${ACCOUNT_ID}:role/deploy`),
  bad('role-to-assume', 'a region in an IAM ARN', `arn:aws:iam:eu-west-1:${ACCOUNT_ID}:role/deploy`),
  bad('role-to-assume', 'no role name', `arn:aws:iam::${ACCOUNT_ID}:role/`),
  bad('role-to-assume', 'a space in the name', ROLE('de ploy')),
  bad('role-to-assume', 'a name over 64 characters', ROLE('r'.repeat(65))),

  bad('aws-region', 'missing', ''),
  bad('aws-region', 'not a region', 'mars-1'),
  bad('aws-region', 'upper case', 'EU-WEST-1'),
  bad('aws-region', 'no number', 'eu-west'),
  bad('aws-region', 'underscores', 'eu_west_1'),
  bad('aws-region', 'an endpoint URL', 'https://sts.eu-west-1.amazonaws.com'),

  bad('audience', 'contains a space', 'sts.amazonaws.com evil'),

  bad('role-duration-seconds', 'below the STS minimum', '300'),
  bad('role-duration-seconds', 'above the STS maximum', '43201'),
  bad('role-duration-seconds', 'not a number', 'abc'),
  bad('role-duration-seconds', 'a fraction', '900.5'),
  bad('role-duration-seconds', 'negative', '-900'),
  bad('role-duration-seconds', 'exponent notation', '1e3'),
  bad('role-duration-seconds', 'hexadecimal', '0x384'),
  bad('role-duration-seconds', 'above the default max-duration-seconds', '7200'),
  bad('role-duration-seconds', 'above a lowered max-duration-seconds', { 'role-duration-seconds': '3600', 'max-duration-seconds': '1800' }),
  bad('max-duration-seconds', 'below the STS minimum', '100'),
  bad('max-duration-seconds', 'not a number', 'forever'),
  bad('max-duration-seconds', 'above the STS maximum', '43201'),

  bad('role-session-name', 'one character', 'a'),
  bad('role-session-name', 'over 64 characters', 'x'.repeat(65)),
  bad('role-session-name', 'a space', 'deploy session'),
  bad('role-session-name', 'a slash', 'deploy/prod'),
  bad('role-session-name', 'a colon', 'deploy:prod'),
  bad('role-session-name', 'non-ASCII', 'd\u00e9ploy'),

  bad('allowed-repositories', 'missing', ''),
  bad('allowed-repositories', 'no owner', 'octo-app'),
  bad('allowed-repositories', 'empty owner', '/octo-app'),
  bad('allowed-repositories', 'wildcard owner', '*/*'),
  bad('allowed-repositories', '** in a repository pattern', 'octo-org/**'),
  bad('allowed-repositories', 'three path segments', 'octo-org/octo-app/extra'),
  bad('allowed-repositories', 'Cyrillic look-alike', 'octo-org/octo-\u0430pp'),
  bad('allowed-repositories', 'zero-width space', 'octo-org/octo-app\u200b'),
  bad('allowed-repositories', 'regex syntax', 'octo-org/octo-(app|evil)'),

  bad('allowed-repository-ids', 'not a number', 'abc'),
  bad('allowed-repository-ids', 'leading zero', '0123'),
  bad('allowed-repository-ids', 'negative', '-5'),
  bad('allowed-repository-ids', 'a fraction', '12.5'),
  bad('allowed-repository-ids', 'over 20 digits', '123456789012345678901'),
  bad('allowed-repository-ids', 'a repository name', 'octo-org/octo-app'),

  bad('allowed-refs', 'a short branch name', 'main'),
  bad('allowed-refs', 'a character class', 'refs/heads/[a-z]*'),
  bad('allowed-refs', 'triple star', 'refs/heads/***'),
  bad('allowed-refs', 'a space', 'refs/heads/a b'),
  bad('allowed-refs', 'a question mark', 'refs/heads/v?'),

  bad('allowed-environments', 'a question mark', 'prod?'),
  bad('allowed-environments', 'an escape sequence', 'prod\u001b[31m'),
  bad('allowed-environments', 'a bidi override', 'prod\u202e'),

  bad('allowed-events', 'upper case', 'Push'),
  bad('allowed-events', 'a hyphen', 'pull-request'),
  bad('allowed-events', 'a space inside', 'pull request'),

  bad('allowed-workflows', 'no @ref', 'octo-org/infra/.github/workflows/deploy.yml'),
  bad('allowed-workflows', 'empty ref', 'octo-org/infra/.github/workflows/deploy.yml@'),
  bad('allowed-workflows', 'nothing before @', '@refs/heads/main'),
  bad('allowed-workflows', 'a space', 'octo-org/infra/.github/workflows/de ploy.yml@refs/heads/main'),

  bad('allowed-account-ids', 'four digits', '1234'),
  bad('allowed-account-ids', 'dashes', '1111-2222-3333'),
  bad('allowed-account-ids', 'an ARN', ROLE('deploy')),

  bad('scopes', 'missing', ''),
  bad('scopes', 'only blank lines', '\n  \n'),
  bad('scopes', 'no resources', 's3:GetObject'),
  bad('scopes', 'three columns', 's3:GetObject arn:aws:s3:::octo-artifacts/* extra'),
  bad('scopes', 'an action without a service', 'GetObject arn:aws:s3:::octo-artifacts/*'),
  bad('scopes', 'a resource that is not an ARN', 's3:GetObject octo-artifacts'),
  bad('scopes', 'a quote in a resource', 's3:GetObject arn:aws:s3:::octo-artifacts/"x'),
  // the action is not an action and the resource not a resource: two problems
  bad('scopes', 'columns swapped', 'arn:aws:s3:::octo-artifacts/* s3:GetObject', 2),
  bad('scopes', 'an unknown partition in a resource', 's3:GetObject arn:gcp:s3:::octo-artifacts/*'),
  bad('scopes', 'a session policy over the STS size limit', Array.from({ length: 60 }, (_, i) => `s3:GetObject,s3:PutObject arn:aws:s3:::octo-artifacts-${i}-padding-padding/*`).join('\n')),

  bad('managed-session-policies', 'eleven policies', Array.from({ length: 11 }, (_, i) => POLICY(`p${i}`)).join('\n')),
  bad('managed-session-policies', 'a role ARN', ROLE('deploy')),
  bad('managed-session-policies', 'a bare policy name', 'ReadOnlyAccess'),

  bad('revoke', 'unknown method', 'sometimes'),
  bad('revoke', 'upper case', 'Scrub'),
  bad('revocation-role-to-assume', 'missing with revoke: deny-session', { revoke: 'deny-session', 'revocation-policy-arn': POLICY('jit-revocations') }),
  bad('revocation-role-to-assume', 'missing with revoke: auto and a revocation policy', { 'revocation-policy-arn': POLICY('jit-revocations') }),
  bad('revocation-policy-arn', 'missing with revoke: deny-session', { revoke: 'deny-session', 'revocation-role-to-assume': ROLE('jit-revoker') }),
  bad('revocation-role-to-assume', 'not an ARN', { revoke: 'scrub', 'revocation-role-to-assume': 'jit-revoker' }),
  bad('revocation-role-to-assume', 'in another account', {
    'revocation-role-to-assume': ROLE('jit-revoker', OTHER_ACCOUNT), 'revocation-policy-arn': POLICY('jit-revocations')
  }),
  bad('revocation-policy-arn', 'a role ARN', { 'revocation-role-to-assume': ROLE('jit-revoker'), 'revocation-policy-arn': ROLE('jit-revocations') }),
  bad('revocation-policy-arn', 'in another account', {
    'revocation-role-to-assume': ROLE('jit-revoker'), 'revocation-policy-arn': POLICY('jit-revocations', OTHER_ACCOUNT)
  }),
  bad('on-revocation-failure', 'unknown value', 'ignore'),
  bad('on-revocation-failure', 'upper case', 'WARN'),

  bad('job-summary', 'not a boolean', 'yes'),
  bad('export-env', 'not a boolean', 'no'),
  bad('output-credentials', 'a number for a boolean', '1'),
  bad('dry-run', 'not a boolean', 'maybe'),

  bad('token-issuer', 'plain http on a public host', 'http://token.actions.githubusercontent.com'),
  bad('token-issuer', 'not a URL', 'token.actions.githubusercontent.com'),
  bad('token-issuer', 'a trailing slash', 'https://token.actions.githubusercontent.com/'),
  bad('token-issuer', 'credentials in the URL', 'https://user:pass@token.actions.githubusercontent.com'),
  bad('token-issuer', 'a query', 'https://token.actions.githubusercontent.com?x=1'),
  bad('token-issuer', 'another scheme', 'ftp://token.actions.githubusercontent.com'),
  bad('token-issuer', 'http on a look-alike of 127.0.0.1', 'http://127.0.0.1.evil.example'),
  bad('token-issuer', 'http on a look-alike of localhost', 'http://localhost.evil.example:8080'),

  bad('retry-max-attempts', 'zero', '0'),
  bad('retry-max-attempts', 'above 10', '11'),
  bad('retry-max-attempts', 'not a number', 'abc'),
  bad('retry-max-attempts', 'a fraction', '2.5')
]

// Inputs of DESIGN §2 the table covers; audit-log has no up-front check (an unwritable file fails the
// first audit write: see e2e/inputs.test.ts).
const VALIDATED_INPUTS = [
  'role-to-assume', 'aws-region', 'audience', 'role-duration-seconds', 'max-duration-seconds', 'role-session-name',
  'allowed-repositories', 'allowed-repository-ids', 'allowed-refs', 'allowed-environments', 'allowed-events',
  'allowed-workflows', 'allowed-account-ids', 'scopes', 'managed-session-policies', 'revoke', 'revocation-role-to-assume',
  'revocation-policy-arn', 'on-revocation-failure', 'job-summary', 'export-env', 'output-credentials', 'dry-run',
  'token-issuer', 'retry-max-attempts'
]

const tried = { cases: cases.length, refused: 0 }

afterAll(() => {
  // The Security section of the README quotes this number.
  const dir = path.join(repoRoot, '.test-results')
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'bad-inputs.json'), `${JSON.stringify(tried, null, 2)}\n`)
})

it('covers every validated input, at least 40 cases', () => {
  expect(cases.length).toBeGreaterThanOrEqual(40)
  expect([...new Set(cases.map(c => c.input))].sort()).toEqual([...VALIDATED_INPUTS].sort())
  expect(new Set(cases.map(c => `${c.input}: ${c.what}`)).size).toBe(cases.length)
})

describe.each(runtimes().slice(0, 1))('bad inputs on %s', (_name, node) => {
  const fixtures = useFixtures()

  it.each(cases)('$input: $what', async ({ input, with: values, problems }) => {
    const job = newJob(fixtures, node)
    const main = await job.main({ ...baseInputs(fixtures), ...values })
    expect(main.code).toBe(1)
    expect(main.errors).toHaveLength(1)
    const message = main.errors[0]?.message ?? ''
    // One error, and every problem it lists is about this input.
    const count = `${problems} problem${problems === 1 ? '' : 's'}`
    expect(message).toMatch(new RegExp(`^The action's inputs need fixing \\(${count}\\):\\n- ${input}: \\S`))
    expect(message.match(/^- [a-z-]+: /gm)).toEqual(Array.from({ length: problems }, () => `- ${input}: `))
    // No stack trace anywhere, no "Unexpected failure".
    for (const text of [main.stdout, main.stderr, message]) {
      expect(text).not.toMatch(/^\s+at /m)
      expect(text).not.toContain('Unexpected failure')
    }
    // Refused before any network call: no token, no discovery, no STS.
    expect(fixtures.issuer.requests).toEqual([])
    expect(fixtures.sts.requests).toEqual([])
    expect(main.env).toEqual({})
    const events = main.auditEvents()
    expect(events.map(e => e.event)).toEqual(['error'])
    expect(events[0]).toMatchObject({ stage: 'inputs', message })
    expectJobClean(job)
    tried.refused++
  })
})
