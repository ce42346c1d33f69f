import { describe, it, expect } from '@jest/globals'
import { createHash } from 'node:crypto'
import {
  SESSION_POLICY_MAX_CHARS,
  type ScopeRule,
  buildSessionPolicy,
  checkSessionPolicySize,
  parseScopes
} from '../src/aws/session-policy.js'

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

describe('parseScopes', () => {
  it('parses one rule per line with comma lists', () => {
    const { rules, errors } = parseScopes([
      's3:GetObject,s3:PutObject arn:aws:s3:::artifacts/*',
      'dynamodb:Query arn:aws:dynamodb:us-east-1:123456789012:table/app'
    ])
    expect(errors).toEqual([])
    expect(rules).toEqual([
      { actions: ['s3:GetObject', 's3:PutObject'], resources: ['arn:aws:s3:::artifacts/*'] },
      { actions: ['dynamodb:Query'], resources: ['arn:aws:dynamodb:us-east-1:123456789012:table/app'] }
    ])
  })

  it('allows spaces around commas, tabs and surrounding spaces, and skips blank lines', () => {
    const { rules, errors } = parseScopes([
      '',
      '  s3:GetObject , s3:PutObject\tarn:aws:s3:::a/* ,arn:aws:s3:::b/*  ',
      '   '
    ])
    expect(errors).toEqual([])
    expect(rules).toEqual([
      { actions: ['s3:GetObject', 's3:PutObject'], resources: ['arn:aws:s3:::a/*', 'arn:aws:s3:::b/*'] }
    ])
  })

  it('accepts wildcards, * *, and ARNs of other partitions', () => {
    const { rules, errors } = parseScopes([
      's3:Get*,s3:?etObject arn:aws-cn:s3:::bucket/*',
      '* *',
      'logs:* arn:aws:logs:*:123456789012:log-group:/app/*:*',
      'ec2:Describe* *',
      'iam:GetPolicy arn:aws:iam::aws:policy/ReadOnlyAccess',
      'sts:GetCallerIdentity arn:aws-us-gov:sts::*:assumed-role/x'
    ])
    expect(errors).toEqual([])
    expect(rules).toEqual([
      { actions: ['s3:Get*', 's3:?etObject'], resources: ['arn:aws-cn:s3:::bucket/*'] },
      { actions: ['*'], resources: ['*'] },
      { actions: ['logs:*'], resources: ['arn:aws:logs:*:123456789012:log-group:/app/*:*'] },
      { actions: ['ec2:Describe*'], resources: ['*'] },
      { actions: ['iam:GetPolicy'], resources: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] },
      { actions: ['sts:GetCallerIdentity'], resources: ['arn:aws-us-gov:sts::*:assumed-role/x'] }
    ])
  })

  it('reports missing resources with the line number and an example', () => {
    const { rules, errors } = parseScopes(['s3:GetObject'])
    expect(rules).toEqual([])
    expect(errors).toEqual(['line 1: resources are missing: write ACTIONS then RESOURCES (example: s3:GetObject,s3:PutObject arn:aws:s3:::artifacts/*)'])
  })

  it('reports a trailing comma that leaves the resources empty', () => {
    const { errors } = parseScopes(['s3:GetObject arn:aws:s3:::a/*', 's3:GetObject ,'])
    expect(errors).toEqual(['line 2: resources are missing: write ACTIONS then RESOURCES (example: s3:GetObject,s3:PutObject arn:aws:s3:::artifacts/*)'])
  })

  it.each([
    ['S3:GetObject'],
    ['s3'],
    ['s3:'],
    [':GetObject'],
    ['s3:Get-Object'],
    ['s3:GetObject;'],
    ['*:*'],
    ['s3_x:Get'],
    ['"s3:GetObject"']
  ])('rejects the action %j', action => {
    const { rules, errors } = parseScopes([`${action} arn:aws:s3:::a/*`])
    expect(rules).toEqual([])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(`line 1: action ${JSON.stringify(action)} is not valid`)
  })

  it.each([
    ['arn:aws:s3'],
    ['arn:aws:s3::'],
    ['bucket/*'],
    ['s3://bucket/key'],
    ['arn:aws:s3:::'],
    ['arn:evil:s3:::a'],
    ['arn:aws:S3:::a'],
    ['arn:aws:s3:US-EAST-1::a'],
    ['arn:aws:dynamodb:us-east-1:1234:table/x'],
    ['arn:aws:s3:::"a"'],
    ["arn:aws:s3:::a'"],
    ['arn:aws:s3:::a\u0000'],
    ['**']
  ])('rejects the resource %j', resource => {
    const { rules, errors } = parseScopes([`s3:GetObject ${resource}`])
    expect(rules).toEqual([])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(`line 1: resource ${JSON.stringify(resource)}`)
  })

  it('rejects extra columns', () => {
    const { errors } = parseScopes(['s3:GetObject arn:aws:s3:::a/* arn:aws:s3:::b/*'])
    expect(errors).toEqual([
      'line 1: expected 2 columns (ACTIONS RESOURCES) but found 3; separate list entries with commas (example: s3:GetObject,s3:PutObject arn:aws:s3:::artifacts/*)'
    ])
  })

  it('reports every problem on every line, not just the first', () => {
    const { rules, errors } = parseScopes([
      's3:GetObject arn:aws:s3:::ok/*',
      'bad-action arn:aws:s3:::x',
      '',
      's3:GetObject',
      's3:Put!,Nope not-an-arn',
      'a b c d'
    ])
    expect(rules).toEqual([{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::ok/*'] }])
    expect(errors.map(error => error.slice(0, error.indexOf(':', 5)))).toEqual([
      'line 2',
      'line 4',
      'line 5',
      'line 5',
      'line 5',
      'line 6'
    ])
    expect(errors[2]).toContain('action "s3:Put!"')
    expect(errors[3]).toContain('action "Nope"')
    expect(errors[4]).toContain('resource "not-an-arn"')
    for (const error of errors) expect(error).toContain('(example: ')
  })

  it('reports an empty list of scopes', () => {
    const noRules = 'no rules: write one rule per line, e.g. s3:GetObject,s3:PutObject arn:aws:s3:::artifacts/*'
    expect(parseScopes([])).toEqual({ rules: [], errors: [noRules] })
    expect(parseScopes(['', '  '])).toEqual({ rules: [], errors: [noRules] })
  })

  it('keeps control characters out of error messages', () => {
    const { errors } = parseScopes(['s3:Get\u001b[31mObject arn:aws:s3:::a'])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain('\\u001b')
    expect(errors[0]).not.toContain('\u001b')
  })
})

describe('buildSessionPolicy', () => {
  const rules: ScopeRule[] = [
    { actions: ['s3:PutObject', 's3:GetObject', 's3:GetObject'], resources: ['arn:aws:s3:::artifacts/*'] },
    { actions: ['dynamodb:Query'], resources: ['arn:aws:dynamodb:us-east-1:123456789012:table/app'] }
  ]

  it('builds an Allow statement per rule, deduped and sorted', () => {
    const policy = buildSessionPolicy(rules)
    expect(policy.fullAccess).toBe(false)
    expect(policy.document).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'dynamodb:Query', Resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/app' },
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::artifacts/*' }
      ]
    })
  })

  it('produces minified json, pretty json and the sha256 of the json', () => {
    const policy = buildSessionPolicy(rules)
    const json =
      '{"Version":"2012-10-17","Statement":[' +
      '{"Effect":"Allow","Action":"dynamodb:Query","Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/app"},' +
      '{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::artifacts/*"}]}'
    expect(policy.json).toBe(json)
    expect(policy.pretty).toBe(JSON.stringify(JSON.parse(json), null, 2))
    expect(policy.sha256).toBe(sha256(json))
  })

  it('is deterministic: same rules in any order give byte-identical json', () => {
    const a = buildSessionPolicy(rules)
    const b = buildSessionPolicy(rules)
    const reordered = buildSessionPolicy([
      { actions: ['dynamodb:Query'], resources: ['arn:aws:dynamodb:us-east-1:123456789012:table/app'] },
      { actions: ['s3:GetObject', 's3:PutObject'], resources: ['arn:aws:s3:::artifacts/*', 'arn:aws:s3:::artifacts/*'] }
    ])
    expect(b.json).toBe(a.json)
    expect(reordered.json).toBe(a.json)
    expect(reordered.sha256).toBe(a.sha256)
  })

  it('gives a different sha256 for a different policy', () => {
    const other = buildSessionPolicy([{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::artifacts/*'] }])
    expect(other.sha256).not.toBe(buildSessionPolicy(rules).sha256)
    expect(other.sha256).toBe(sha256(other.json))
  })

  it('merges rules with identical resources, then identical actions', () => {
    const policy = buildSessionPolicy([
      { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::a/*'] },
      { actions: ['s3:PutObject'], resources: ['arn:aws:s3:::a/*'] },
      { actions: ['sqs:SendMessage'], resources: ['arn:aws:sqs:us-east-1:123456789012:q1'] },
      { actions: ['sqs:SendMessage'], resources: ['arn:aws:sqs:us-east-1:123456789012:q2'] }
    ])
    expect(policy.document.Statement).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::a/*' },
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: ['arn:aws:sqs:us-east-1:123456789012:q1', 'arn:aws:sqs:us-east-1:123456789012:q2']
      }
    ])
  })

  it('does not merge rules that only partly overlap (that would widen them)', () => {
    const policy = buildSessionPolicy([
      { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::a/*'] },
      { actions: ['s3:PutObject'], resources: ['arn:aws:s3:::b/*'] }
    ])
    expect(policy.document.Statement).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::a/*' },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*' }
    ])
  })

  it('flags * * as full access and collapses to one statement', () => {
    const policy = buildSessionPolicy([
      { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::a/*'] },
      { actions: ['*'], resources: ['*'] }
    ])
    expect(policy.fullAccess).toBe(true)
    expect(policy.document.Statement).toEqual([{ Effect: 'Allow', Action: '*', Resource: '*' }])
  })

  it('does not flag narrower wildcards as full access', () => {
    expect(buildSessionPolicy([{ actions: ['*'], resources: ['arn:aws:s3:::a/*'] }]).fullAccess).toBe(false)
    expect(buildSessionPolicy([{ actions: ['s3:*'], resources: ['*'] }]).fullAccess).toBe(false)
  })

  it('works end to end from parsed scopes', () => {
    const { rules: parsed, errors } = parseScopes(['s3:GetObject, s3:PutObject arn:aws:s3:::artifacts/*'])
    expect(errors).toEqual([])
    expect(buildSessionPolicy(parsed).json).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::artifacts/*"}]}'
    )
  })
})

describe('checkSessionPolicySize', () => {
  // One rule whose resource length is tuned so the json has exactly `size` characters.
  function policyOfSize(size: number) {
    const base = buildSessionPolicy([{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/'] }]).json.length
    const resource = `arn:aws:s3:::b/${'k'.repeat(size - base)}`
    const policy = buildSessionPolicy([{ actions: ['s3:GetObject'], resources: [resource] }])
    expect(policy.json.length).toBe(size)
    return policy
  }

  it('accepts a policy of exactly 2048 characters', () => {
    expect(SESSION_POLICY_MAX_CHARS).toBe(2048)
    expect(checkSessionPolicySize(policyOfSize(2048))).toBeUndefined()
    expect(checkSessionPolicySize(policyOfSize(200))).toBeUndefined()
  })

  it('rejects 2049 characters with the size, the limit and what to do', () => {
    expect(checkSessionPolicySize(policyOfSize(2049))).toBe(
      'the session policy built from scopes is 2049 characters, over the STS limit of 2048. ' +
        'Merge rules that share resources or actions, use wildcards (e.g. s3:Get*, arn:aws:s3:::bucket/*), ' +
        'or move permissions to managed-session-policies'
    )
  })

  it('measures the minified json, not the pretty one', () => {
    const policy = policyOfSize(2040)
    expect(policy.pretty.length).toBeGreaterThan(SESSION_POLICY_MAX_CHARS)
    expect(checkSessionPolicySize(policy)).toBeUndefined()
  })
})
