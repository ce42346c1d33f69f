// Self-tests of the test fixtures and helpers, so that the suites built on them mean something: the STS
// stand-in refuses what STS refuses, answers in XML the real SDK parses, keeps its own clock and fails at
// random when told to; the OIDC stand-in guards its token endpoint like the runner's; the runner-protocol
// parser reads what @actions/core writes; the leak scanner finds secrets in the encodings a leak takes.
import { describe, it, expect, jest, beforeAll, afterAll, afterEach } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { types } from 'node:util'
import * as core from '@actions/core'
import {
  AssumeRoleWithWebIdentityCommand,
  type AssumeRoleWithWebIdentityCommandInput,
  type AssumeRoleWithWebIdentityCommandOutput,
  STSClient
} from '@aws-sdk/client-sts'
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose'
import { startStsServer, type StsParams } from './fixtures/aws-sts.js'
import { formatFileCommands, parseFileCommands, parseRunnerCommands } from './helpers/runner-protocol.js'
import { expectNoLeaks, findLeaks, secretForms } from './helpers/leak-scan.js'
import type { StepResult } from './helpers/run-action.js'
import { useLocalAws } from './helpers/local-aws.js'

const ROLE_ARN = 'arn:aws:iam::111122223333:role/deploy'

const aws = useLocalAws()
let client: STSClient
let tmp: string

beforeAll(() => {
  client = new STSClient({ region: 'us-east-1', endpoint: aws.sts.url, maxAttempts: 1 })
  tmp = mkdtempSync(path.join(os.tmpdir(), 'jit-fixtures-test-'))
})

afterAll(() => {
  client?.destroy()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

afterEach(() => {
  jest.restoreAllMocks()
})

const input = (token: string, extra: Partial<AssumeRoleWithWebIdentityCommandInput> = {}): AssumeRoleWithWebIdentityCommandInput => ({
  RoleArn: ROLE_ARN,
  RoleSessionName: 'fixture-test',
  WebIdentityToken: token,
  ...extra
})

const assume = (params: AssumeRoleWithWebIdentityCommandInput): Promise<AssumeRoleWithWebIdentityCommandOutput> =>
  client.send(new AssumeRoleWithWebIdentityCommand(params))

interface SdkError {
  name: string
  Code?: string
  message: string
  $fault?: string
  $metadata: { httpStatusCode?: number }
}

/** The SDK's error for a refused call; the fixture must have issued nothing. */
async function refused(params: AssumeRoleWithWebIdentityCommandInput, code: string, status = 400): Promise<SdkError> {
  const error = (await assume(params).then(
    () => undefined,
    (e: unknown) => e
  )) as SdkError | undefined
  expect(error).toBeDefined()
  expect(error?.Code ?? error?.name).toBe(code)
  expect(error?.$metadata.httpStatusCode).toBe(status)
  expect(aws.sts.issued).toHaveLength(0)
  expect(aws.sts.requests.at(-1)?.result).toBe(code)
  return error as SdkError
}

describe('STS fixture: token verification', () => {
  it('issues for a valid token, in XML the real SDK parses field by field', async () => {
    const token = await aws.issuer.mintToken()
    const policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
    const out = await assume(input(token, { DurationSeconds: 1200, Policy: policy, PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }] }))

    expect(aws.sts.issued).toHaveLength(1)
    const issued = aws.sts.issued[0]!
    expect(out.Credentials).toEqual({
      AccessKeyId: issued.accessKeyId,
      SecretAccessKey: issued.secretAccessKey,
      SessionToken: issued.sessionToken,
      Expiration: new Date(issued.expiration)
    })
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/)
    expect(out.Credentials?.SecretAccessKey).toHaveLength(40)
    expect(out.Credentials!.Expiration!.getTime() - Date.parse(issued.issuedAt)).toBe(1200_000)
    expect(out.AssumedRoleUser).toEqual({
      Arn: 'arn:aws:sts::111122223333:assumed-role/deploy/fixture-test',
      AssumedRoleId: issued.assumedRoleId
    })
    expect(issued.assumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:fixture-test$/)
    expect(out.SubjectFromWebIdentityToken).toBe('repo:octo-org/octo-app:ref:refs/heads/main')
    expect(out.Audience).toBe('sts.amazonaws.com')
    expect(out.Provider).toBe(`arn:aws:iam::111122223333:oidc-provider/${aws.issuer.issuer.replace('http://', '')}`)
    expect(out.PackedPolicySize).toBe(Math.ceil((policy.length / 2048) * 100))
    expect(out.$metadata.httpStatusCode).toBe(200)
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(issued).toMatchObject({ policy, policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], durationSeconds: 1200, subject: out.SubjectFromWebIdentityToken })
  })

  it('escapes claim values in XML so the SDK reads them back exactly', async () => {
    const sub = `repo:octo-org/x<y>&"z'":ref:refs/heads/</Arn>`
    const out = await assume(input(await aws.issuer.mintToken({ sub })))
    expect(out.SubjectFromWebIdentityToken).toBe(sub)
  })

  it('defaults DurationSeconds to 3600, as STS does', async () => {
    const out = await assume(input(await aws.issuer.mintToken()))
    expect(out.Credentials!.Expiration!.getTime() - Date.parse(aws.sts.issued[0]!.issuedAt)).toBe(3600_000)
  })

  it('rejects a token signed by a key the issuer does not publish', async () => {
    const error = await refused(input(await aws.issuer.mintToken({}, { key: 'unknown' })), 'InvalidIdentityToken')
    expect(error.name).toBe('InvalidIdentityTokenException')
  })

  it('rejects a token whose payload was altered after signing', async () => {
    const [header, payload, signature] = (await aws.issuer.mintToken()).split('.')
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
    claims.sub = 'repo:octo-org/other:ref:refs/heads/main'
    await refused(input(`${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`), 'InvalidIdentityToken')
  })

  it('rejects alg none and things that are not JWTs', async () => {
    await refused(input(await aws.issuer.mintToken({}, { unsigned: true })), 'InvalidIdentityToken')
    await refused(input('not-a-jwt-at-all'), 'InvalidIdentityToken')
  })

  it('rejects a token for another audience', async () => {
    const error = await refused(input(await aws.issuer.mintToken({}, { audience: 'https://github.com/octo-org' })), 'InvalidIdentityToken')
    expect(error.message).toBe('Incorrect token audience')
  })

  it('accepts the audiences it was configured with, and only those', async () => {
    const custom = await startStsServer({ issuerUrl: aws.issuer.issuer, audience: ['custom-aud', 'other-aud'] })
    const customClient = new STSClient({ region: 'us-east-1', endpoint: custom.url, maxAttempts: 1 })
    try {
      const out = await customClient.send(new AssumeRoleWithWebIdentityCommand(input(await aws.issuer.mintToken({}, { audience: 'other-aud' }))))
      expect(out.Audience).toBe('other-aud')
      const error = (await customClient.send(new AssumeRoleWithWebIdentityCommand(input(await aws.issuer.mintToken()))).catch((e: unknown) => e)) as SdkError
      expect(error.Code).toBe('InvalidIdentityToken')
      expect(custom.issued).toHaveLength(1)
    } finally {
      customClient.destroy()
      await custom.stop()
    }
  })

  it('rejects an expired token with ExpiredTokenException', async () => {
    const error = await refused(input(await aws.issuer.mintToken({}, { expiresIn: -30 })), 'ExpiredTokenException')
    expect(error.message).toMatch(/^Token expired/)
  })

  it('rejects a token that is not yet valid', async () => {
    await refused(input(await aws.issuer.mintToken({}, { notBefore: 600 })), 'InvalidIdentityToken')
  })

  it('rejects a token from another issuer (no such provider)', async () => {
    const error = await refused(input(await aws.issuer.mintToken({}, { issuer: 'https://token.actions.githubusercontent.com' })), 'InvalidIdentityToken')
    expect(error.message).toContain('No OpenIDConnect provider found')
  })

  it('fetches the keys through discovery, and reports an unreachable provider as IDPCommunicationError', async () => {
    aws.issuer.setDiscoveryResponse('down')
    await refused(input(await aws.issuer.mintToken()), 'IDPCommunicationError')
    aws.issuer.setDiscoveryResponse('ok')
    await assume(input(await aws.issuer.mintToken()))
    expect(aws.issuer.requestCount('discovery')).toBe(2)
    // the keys of the successful discovery are fetched once
    expect(aws.issuer.requestCount('jwks')).toBe(1)
  })
})

describe('STS fixture: trust rules', () => {
  it('by default trusts only subjects of octo-org', async () => {
    const error = await refused(input(await aws.issuer.mintToken({ sub: 'repo:octo-org-evil/app:ref:refs/heads/main' })), 'AccessDenied', 403)
    expect(error.message).toBe('Not authorized to perform sts:AssumeRoleWithWebIdentity')
    await assume(input(await aws.issuer.mintToken({ sub: 'repo:octo-org/app:environment:prod' })))
    expect(aws.sts.issued).toHaveLength(1)
  })

  it('passes verified claims and the request (without the token) to a custom rule and obeys it', async () => {
    const seen: { claims: Record<string, unknown>; params: StsParams }[] = []
    aws.sts.setTrust((claims, params) => {
      seen.push({ claims, params })
      return claims.environment === 'production' ? true : 'environment must be production'
    })
    const error = await refused(input(await aws.issuer.mintToken()), 'AccessDenied', 403)
    expect(error.message).toBe('environment must be production')
    await assume(input(await aws.issuer.mintToken({ environment: 'production' }), { RoleSessionName: 'second' }))
    expect(aws.sts.issued).toHaveLength(1)

    expect(seen).toHaveLength(2)
    expect(seen[1]?.claims).toMatchObject({ environment: 'production', iss: aws.issuer.issuer, aud: 'sts.amazonaws.com' })
    expect(seen[1]?.params).toMatchObject({ action: 'AssumeRoleWithWebIdentity', roleArn: ROLE_ARN, roleSessionName: 'second' })
    expect(seen[1]?.params).not.toHaveProperty('webIdentityToken')
  })

  it('a rule returning false denies with the standard message', async () => {
    aws.sts.setTrust(() => false)
    const error = await refused(input(await aws.issuer.mintToken()), 'AccessDenied', 403)
    expect(error.message).toBe('Not authorized to perform sts:AssumeRoleWithWebIdentity')
  })

  it('reset() restores the default trust', async () => {
    aws.sts.setTrust(() => false)
    aws.sts.reset()
    await assume(input(await aws.issuer.mintToken()))
    expect(aws.sts.issued).toHaveLength(1)
  })
})

describe('STS fixture: request validation like STS', () => {
  it.each([
    ['one character', 'a'],
    ['65 characters', 'a'.repeat(65)],
    ['a space', 'bad name'],
    ['a slash', 'a/b'],
    ['a colon', 'a:b']
  ])('rejects a RoleSessionName with %s', async (_what, name) => {
    const error = await refused(input(await aws.issuer.mintToken(), { RoleSessionName: name }), 'ValidationError')
    expect(error.message).toContain('roleSessionName')
  })

  it('accepts a RoleSessionName of 64 characters from [\\w+=,.@-]', async () => {
    const name = `gh_+=,.@-${'x'.repeat(55)}`
    expect(name).toHaveLength(64)
    const out = await assume(input(await aws.issuer.mintToken(), { RoleSessionName: name }))
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::111122223333:assumed-role/deploy/${name}`)
  })

  it.each([
    [899, 'greater than or equal to 900'],
    [43201, 'less than or equal to 43200']
  ])('rejects DurationSeconds %i', async (duration, text) => {
    const error = await refused(input(await aws.issuer.mintToken(), { DurationSeconds: duration }), 'ValidationError')
    expect(error.message).toContain(text)
  })

  it("rejects a DurationSeconds above the role's MaxSessionDuration", async () => {
    aws.sts.setMaxSessionDuration(1800)
    const error = await refused(input(await aws.issuer.mintToken(), { DurationSeconds: 1801 }), 'ValidationError')
    expect(error.message).toContain('MaxSessionDuration')
    await assume(input(await aws.issuer.mintToken(), { DurationSeconds: 1800 }))
    expect(aws.sts.issued).toHaveLength(1)
  })

  it('rejects an invalid role ARN', async () => {
    await refused(input(await aws.issuer.mintToken(), { RoleArn: 'arn:aws:iam::1234:role/x' }), 'ValidationError')
  })

  it('rejects a packed policy that is too large and a malformed policy', async () => {
    const big = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: 'x'.repeat(2100) }] })
    const error = await refused(input(await aws.issuer.mintToken(), { Policy: big }), 'PackedPolicyTooLarge')
    expect(error.name).toBe('PackedPolicyTooLargeException')
    await refused(input(await aws.issuer.mintToken(), { Policy: '{"Statement": [' }), 'MalformedPolicyDocument')
    await refused(input(await aws.issuer.mintToken(), { Policy: '"just a string"' }), 'MalformedPolicyDocument')
  })

  it('rejects more than 10 managed policies and invalid policy ARNs', async () => {
    const arns = Array.from({ length: 11 }, (_, i) => ({ arn: `arn:aws:iam::111122223333:policy/p${i}` }))
    await refused(input(await aws.issuer.mintToken(), { PolicyArns: arns }), 'ValidationError')
    await refused(input(await aws.issuer.mintToken(), { PolicyArns: [{ arn: 'arn:aws:s3:::bucket' }] }), 'ValidationError')
  })

  it('answers other actions with InvalidAction', async () => {
    const response = await fetch(aws.sts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetSessionToken&Version=2011-06-15'
    })
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('<Code>InvalidAction</Code>')
  })
})

describe('STS fixture: request log and faults', () => {
  it('records each request with its parameters and the token jti, never the token', async () => {
    const token = await aws.issuer.mintToken()
    const bad = await aws.issuer.mintToken({}, { key: 'unknown' })
    await assume(input(token, { DurationSeconds: 900, PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/A' }, { arn: 'arn:aws:iam::aws:policy/B' }] }))
    await assume(input(bad)).catch(() => undefined)

    expect(aws.sts.requests).toHaveLength(2)
    expect(aws.sts.requests[0]).toMatchObject({
      action: 'AssumeRoleWithWebIdentity',
      version: '2011-06-15',
      roleArn: ROLE_ARN,
      roleSessionName: 'fixture-test',
      durationSeconds: 900,
      policyArns: ['arn:aws:iam::aws:policy/A', 'arn:aws:iam::aws:policy/B'],
      hasWebIdentityToken: true,
      tokenJti: decodeJwt(token).jti,
      status: 200,
      result: 'issued'
    })
    // an unverified token leaves no claims behind
    expect(aws.sts.requests[1]).toMatchObject({ hasWebIdentityToken: true, status: 400, result: 'InvalidIdentityToken' })
    expect(aws.sts.requests[1]?.claims).toBeUndefined()
    for (const r of aws.sts.requests) expect(r).not.toHaveProperty('webIdentityToken')
    expect(findLeaks({ requests: JSON.stringify(aws.sts.requests) }, { token, bad, signature: token.split('.')[2] })).toEqual([])
  })

  it('throttle: the SDK sees Throttling; faults are used up one request at a time', async () => {
    aws.sts.injectFaults([{ kind: 'throttle' }, { kind: 'status', status: 500 }])
    expect(aws.sts.pendingFaults()).toBe(2)
    const throttled = await refusedWithoutLog(await aws.issuer.mintToken())
    expect(throttled).toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } })
    const failed = await refusedWithoutLog(await aws.issuer.mintToken())
    expect(failed).toMatchObject({ Code: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } })
    expect(aws.sts.pendingFaults()).toBe(0)
    await assume(input(await aws.issuer.mintToken()))
    expect(aws.sts.requests.map(r => r.result)).toEqual(['fault:throttle', 'fault:status', 'issued'])
  })

  it('status with a code: the SDK sees that code', async () => {
    aws.sts.injectFaults([{ kind: 'status', status: 503 }, { kind: 'status', status: 400, code: 'IDPCommunicationError' }])
    expect(await refusedWithoutLog(await aws.issuer.mintToken())).toMatchObject({ Code: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } })
    expect(await refusedWithoutLog(await aws.issuer.mintToken())).toMatchObject({ Code: 'IDPCommunicationError', name: 'IDPCommunicationErrorException' })
  })

  it('malformed: a truncated 200 the SDK cannot parse into a credential', async () => {
    aws.sts.injectFaults([{ kind: 'malformed' }])
    // the SDK's own words, which the action recognises (src/aws/sts.ts awsErrorCode)
    await expect(assume(input(await aws.issuer.mintToken()))).rejects.toThrow(/^@aws-sdk XML parse error: /)
    expect(aws.sts.requests[0]).toMatchObject({ status: 200, result: 'fault:malformed' })
    expect(aws.sts.issued).toHaveLength(0)
  })

  it('reset: the connection is dropped without an answer', async () => {
    aws.sts.injectFaults([{ kind: 'reset' }])
    const outcome = await fetch(aws.sts.url, { method: 'POST', body: 'Action=AssumeRoleWithWebIdentity' }).then(
      r => `HTTP ${r.status}`,
      (e: unknown) => e
    )
    // fetch's TypeError comes from Node's realm, not the test's: check it is an error without instanceof
    expect(types.isNativeError(outcome)).toBe(true)
    expect(aws.sts.requests[0]).toMatchObject({ status: -1, result: 'fault:reset' })
  })

  it('reset() clears faults, requests and issued credentials', async () => {
    await assume(input(await aws.issuer.mintToken()))
    aws.sts.injectFaults([{ kind: 'throttle' }])
    aws.sts.reset()
    expect(aws.sts.pendingFaults()).toBe(0)
    expect(aws.sts.requests).toHaveLength(0)
    expect(aws.sts.issued).toHaveLength(0)
    expect(aws.sts.issuedSecrets()).toEqual({})
  })

  it('issuedSecrets names every secret handed out', async () => {
    await assume(input(await aws.issuer.mintToken()))
    const issued = aws.sts.issued[0]!
    expect(aws.sts.issuedSecrets()).toEqual({
      'sts#0.secretAccessKey': issued.secretAccessKey,
      'sts#0.sessionToken': issued.sessionToken,
      'sts#0.accessKeyId': issued.accessKeyId
    })
  })
})

describe('STS fixture: the AWS clock and random faults', () => {
  const HOURS_3 = 3 * 3600_000

  it('setClockOffset moves the issue time, Expiration and the Date header of every answer; tokens are still judged on the machine clock', async () => {
    aws.sts.setClockOffset(HOURS_3)
    expect(Math.abs(aws.sts.now().getTime() - (Date.now() + HOURS_3))).toBeLessThan(50)
    const before = Date.now() + HOURS_3
    // a token minted on the machine's clock (GitHub's, which agrees with AWS's) is accepted
    const out = await assume(input(await aws.issuer.mintToken(), { DurationSeconds: 900 }))
    const after = Date.now() + HOURS_3
    const issued = aws.sts.issued[0]!
    expect(issued.issuedAt).toMatch(/T\d{2}:\d{2}:\d{2}Z$/)
    expect(Date.parse(issued.issuedAt)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000)
    expect(Date.parse(issued.issuedAt)).toBeLessThanOrEqual(after)
    expect(out.Credentials?.Expiration?.getTime()).toBe(Date.parse(issued.issuedAt) + 900_000)
    expect(Date.parse(issued.expiration)).toBe(Date.parse(issued.issuedAt) + 900_000)

    // errors and injected faults carry the AWS clock's Date too
    aws.sts.injectFaults([{ kind: 'throttle' }])
    const post = (): Promise<Response> => fetch(aws.sts.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' })
    const throttled = await post()
    const unsigned = await post()
    expect([throttled.status, unsigned.status]).toEqual([400, 403])
    for (const res of [throttled, unsigned]) {
      expect(res.headers.get('date')).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/)
      expect(Math.abs(Date.parse(res.headers.get('date') ?? '') - aws.sts.now().getTime())).toBeLessThan(2000)
    }

    aws.sts.reset()
    expect(Math.abs(aws.sts.now().getTime() - Date.now())).toBeLessThan(50)
    await assume(input(await aws.issuer.mintToken()))
    expect(Math.abs(Date.parse(aws.sts.issued[0]!.issuedAt) - Date.now())).toBeLessThan(2000)
  })

  it('setRandomFaults answers AssumeRoleWithWebIdentity at random before anything is issued; a seed replays the same faults', async () => {
    const token = await aws.issuer.mintToken()
    const run = async (): Promise<string[]> => {
      aws.sts.setRandomFaults({ throttle: 0.3, serverError: 0.3, seed: 11 })
      const results: string[] = []
      for (let i = 0; i < 20; i++) {
        results.push(await assume(input(token)).then(
          () => 'issued',
          (e: unknown) => `${(e as SdkError).Code ?? (e as SdkError).name} ${(e as SdkError).$metadata.httpStatusCode}`
        ))
      }
      return results
    }
    const first = await run()
    expect(new Set(first)).toEqual(new Set(['issued', 'Throttling 400', 'InternalFailure 500', 'ServiceUnavailable 503']))
    expect(await run()).toEqual(first)
    // a faulted request issued nothing
    expect(aws.sts.issued).toHaveLength(2 * first.filter(r => r === 'issued').length)
    expect(aws.sts.requests.map(r => r.result)).toEqual([...first, ...first].map(r => r === 'issued' ? 'issued' : r.startsWith('Throttling') ? 'fault:throttle' : 'fault:status'))

    aws.sts.setRandomFaults(undefined)
    await assume(input(token))
    aws.sts.setRandomFaults({ throttle: 1 })
    aws.sts.reset()
    await assume(input(await aws.issuer.mintToken()))
    expect(aws.sts.requests.map(r => r.result)).toEqual(['issued'])
    expect(() => aws.sts.setRandomFaults({ serverError: -0.1 })).toThrow(/probability/)
  })
})

/** The SDK error of a call that a fault answered. */
async function refusedWithoutLog(token: string): Promise<SdkError> {
  const error = (await assume(input(token)).then(
    () => undefined,
    (e: unknown) => e
  )) as SdkError | undefined
  expect(error).toBeDefined()
  return error as SdkError
}

describe('OIDC fixture', () => {
  const tokenUrl = (audience?: string): string =>
    audience === undefined ? aws.issuer.tokenRequestUrl : `${aws.issuer.tokenRequestUrl}&audience=${encodeURIComponent(audience)}`

  it('the token endpoint requires the bearer', async () => {
    const none = await fetch(tokenUrl('sts.amazonaws.com'))
    expect(none.status).toBe(401)
    const wrong = await fetch(tokenUrl('sts.amazonaws.com'), { headers: { authorization: 'Bearer not-it' } })
    expect(wrong.status).toBe(401)
    const basic = await fetch(tokenUrl('sts.amazonaws.com'), { headers: { authorization: aws.issuer.requestToken } })
    expect(basic.status).toBe(401)
    expect(aws.issuer.requests.map(r => r.authorized)).toEqual([false, false, false])
    expect(aws.issuer.issuedTokens).toHaveLength(0)
  })

  it('the token endpoint requires api-version=2.0', async () => {
    const headers = { authorization: `Bearer ${aws.issuer.requestToken}` }
    expect((await fetch(`${aws.issuer.url}/token-request?audience=x`, { headers })).status).toBe(400)
    expect((await fetch(`${aws.issuer.url}/token-request?api-version=1.0&audience=x`, { headers })).status).toBe(400)
    expect(aws.issuer.issuedTokens).toHaveLength(0)
  })

  it('honours the audience parameter, and defaults to the owner URL like GitHub', async () => {
    const headers = { authorization: `Bearer ${aws.issuer.requestToken}` }
    const withAud = (await (await fetch(tokenUrl('my-audience'), { headers })).json()) as { count: number; value: string }
    expect(withAud.count).toBe(1)
    expect(decodeJwt(withAud.value).aud).toBe('my-audience')
    const without = (await (await fetch(tokenUrl(), { headers })).json()) as { value: string }
    expect(decodeJwt(without.value).aud).toBe('https://github.com/octo-org')
    expect(aws.issuer.requests.map(r => r.audience)).toEqual(['my-audience', undefined])
    expect(aws.issuer.issuedTokens).toEqual([withAud.value, without.value])
  })

  it('never records the bearer', async () => {
    await fetch(tokenUrl('a'), { headers: { authorization: `Bearer ${aws.issuer.requestToken}` } })
    expect(aws.issuer.requests[0]?.authorized).toBe(true)
    expect(findLeaks({ requests: JSON.stringify(aws.issuer.requests) }, { bearer: aws.issuer.requestToken })).toEqual([])
  })

  it('works with @actions/core getIDToken, and injected failures are counted down', async () => {
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = aws.issuer.tokenRequestUrl
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = aws.issuer.requestToken
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
    aws.issuer.failTokenRequests(1, 500)
    await expect(core.getIDToken('sts.amazonaws.com')).rejects.toThrow(/Error Code : 500/)
    const token = await core.getIDToken('sts.amazonaws.com')
    expect(decodeJwt(token).aud).toBe('sts.amazonaws.com')
    expect(aws.issuer.requests.map(r => r.status)).toEqual([500, 200])
  })

  it('publishes discovery and JWKS that verify its tokens and only its tokens', async () => {
    const discovery = (await (await fetch(aws.issuer.discoveryUrl)).json()) as { issuer: string; jwks_uri: string }
    expect(discovery.issuer).toBe(aws.issuer.issuer)
    expect(discovery.jwks_uri).toBe(aws.issuer.jwksUri)
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { kid: string; alg: string }[] }
    expect(jwks.keys).toEqual([expect.objectContaining({ kid: aws.issuer.kid, alg: 'RS256', kty: 'RSA' })])
    expect(jwks.keys[0]).not.toHaveProperty('d')

    const keySet = createRemoteJWKSet(new URL(discovery.jwks_uri))
    const { payload, protectedHeader } = await jwtVerify(await aws.issuer.mintToken(), keySet, { issuer: aws.issuer.issuer, audience: 'sts.amazonaws.com' })
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: aws.issuer.kid, typ: 'JWT' })
    expect(payload).toMatchObject({ repository: 'octo-org/octo-app', repository_id: '123456789' })
    await expect(jwtVerify(await aws.issuer.mintToken({}, { key: 'unknown' }), keySet)).rejects.toThrow('signature verification failed')
  })

  it('mints tokens with the requested times and claim overrides', async () => {
    // times are whole seconds from the moment of minting: between these two readings of the clock
    const seconds = (): number => Math.floor(Date.now() / 1000)
    const before = seconds()
    const expired = decodeJwt(await aws.issuer.mintToken({ environment: 'prod', jti: undefined }, { expiresIn: -100 }))
    const future = decodeJwt(await aws.issuer.mintToken({}, { notBefore: 600 }))
    const after = seconds()
    expect(expired.exp).toBeGreaterThanOrEqual(before - 100)
    expect(expired.exp).toBeLessThanOrEqual(after - 100)
    expect(expired.exp! - expired.iat!).toBe(300)
    expect(expired.environment).toBe('prod')
    expect(expired).not.toHaveProperty('jti')
    expect(future.nbf).toBeGreaterThanOrEqual(before + 600)
    expect(future.nbf).toBeLessThanOrEqual(after + 600)
  })

  it('setTokenOptions applies to tokens from the endpoint', async () => {
    aws.issuer.setTokenOptions({ audience: 'forced', expiresIn: 42 })
    const res = (await (await fetch(tokenUrl('asked'), { headers: { authorization: `Bearer ${aws.issuer.requestToken}` } })).json()) as { value: string }
    const claims = decodeJwt(res.value)
    expect(claims.aud).toBe('forced')
    // a short remaining life, on a token that keeps GitHub's 300 s lifetime (issued 258 s ago)
    const left = claims.exp! - Math.floor(Date.now() / 1000)
    expect(left).toBeGreaterThanOrEqual(40)
    expect(left).toBeLessThanOrEqual(42)
    expect(claims.exp! - claims.iat!).toBe(300)
  })

  it('fault kinds produce what they claim', async () => {
    aws.issuer.setJwksResponse('huge')
    const huge = await (await fetch(aws.issuer.jwksUri)).text()
    expect(Buffer.byteLength(huge)).toBeGreaterThan(100 * 1024)
    expect(JSON.parse(huge)).toHaveProperty('keys')
    aws.issuer.setJwksResponse('garbage')
    expect(await (await fetch(aws.issuer.jwksUri)).text()).toBe('<html>not json')
    aws.issuer.setJwksResponse('empty')
    expect(await (await fetch(aws.issuer.jwksUri)).json()).toEqual({ keys: [] })
    aws.issuer.setDiscoveryResponse('down')
    expect((await fetch(aws.issuer.discoveryUrl)).status).toBe(503)
    aws.issuer.setDiscoveryResponse('wrong-issuer')
    const wrong = (await (await fetch(aws.issuer.discoveryUrl)).json()) as { issuer: string; jwks_uri: string }
    expect(wrong.issuer).toBe('https://evil.example')
    expect(wrong.jwks_uri).toBe(aws.issuer.jwksUri)
  })

  it('refuses other methods', async () => {
    expect((await fetch(aws.issuer.discoveryUrl, { method: 'POST' })).status).toBe(405)
  })
})

describe('runner protocol parsers read what @actions/core writes', () => {
  function fileCommandEnv(): Record<'GITHUB_ENV' | 'GITHUB_OUTPUT' | 'GITHUB_STATE', string> {
    const dir = mkdtempSync(path.join(tmp, 'files-'))
    const files = {
      GITHUB_ENV: path.join(dir, 'env'),
      GITHUB_OUTPUT: path.join(dir, 'output'),
      GITHUB_STATE: path.join(dir, 'state')
    }
    for (const file of Object.values(files)) writeFileSync(file, '')
    Object.assign(process.env, files)
    return files
  }

  function captureStdout(): () => string {
    const chunks: string[] = []
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      chunks.push(String(chunk))
      return true
    })
    return () => chunks.join('')
  }

  it('parseFileCommands reads exportVariable / setOutput / saveState files', () => {
    const files = fileCommandEnv()
    core.exportVariable('AWS_REGION', 'eu-west-1')
    core.exportVariable('MULTI', 'line one\nline=two\n\nline<<four')
    core.exportVariable('EMPTY', '')
    core.exportVariable('AWS_REGION', 'us-east-1')
    core.setOutput('expiration', '2030-01-01T00:00:00Z')
    core.setOutput('json', { a: 1, b: 'x=y' })
    core.saveState('state', 'a\r\nb')

    expect(parseFileCommands(readFileSync(files.GITHUB_ENV, 'utf8'))).toEqual({
      AWS_REGION: 'us-east-1',
      MULTI: 'line one\nline=two\n\nline<<four',
      EMPTY: ''
    })
    expect(parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8'))).toEqual({
      expiration: '2030-01-01T00:00:00Z',
      json: '{"a":1,"b":"x=y"}'
    })
    expect(parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8'))).toEqual({ state: 'a\r\nb' })
  })

  it('parseFileCommands reads name=value lines, round-trips formatFileCommands and throws on malformed input', () => {
    expect(parseFileCommands('A=1\n\nB=x=y\r\nA=2\n')).toEqual({ A: '2', B: 'x=y' })
    const values = { ONE: 'v', TWO: 'multi\nline', THREE: '' }
    expect(parseFileCommands(formatFileCommands(values))).toEqual(values)
    expect(() => parseFileCommands('NAME<<EOF\nvalue\n')).toThrow(/delimiter/)
    expect(() => parseFileCommands('just a line\n')).toThrow('Invalid file command format for line "just a line"')
    expect(() => parseFileCommands('=value\n')).toThrow('Invalid file command: empty name')
  })

  it('parseRunnerCommands reads masks, annotations, debug and groups from core, and renders the masked log', () => {
    const stdout = captureStdout()
    const secret = 'sup3r-s3cret-value'
    core.info(`before ${secret}`)
    core.setSecret(secret)
    core.info(`after ${secret}`)
    core.warning('100% sure\nsecond line', { title: 'T: a, b', file: 'src/x.ts', startLine: 3 })
    core.error('bad thing')
    core.notice('fyi')
    core.debug('details')
    core.startGroup('Group name')
    core.info('inside')
    core.endGroup()
    const parsed = parseRunnerCommands(stdout())
    jest.restoreAllMocks()

    expect(parsed.masks).toEqual([secret])
    expect(parsed.warnings).toEqual([{ level: 'warning', message: '100% sure\nsecond line', properties: { title: 'T: a, b', file: 'src/x.ts', line: '3' } }])
    expect(parsed.errors.map(e => e.message)).toEqual(['bad thing'])
    expect(parsed.notices.map(e => e.message)).toEqual(['fyi'])
    expect(parsed.debug).toEqual(['details'])
    const log = parsed.log.split('\n')
    // the runner masks from the line after ::add-mask::
    expect(log).toContain(`before ${secret}`)
    expect(log).toContain('after ***')
    expect(log).toContain('##[group]Group name')
    expect(log).toContain('inside')
    expect(parsed.log).not.toContain('details')
    expect(parsed.log).not.toContain('::')
  })

  it('parseRunnerCommands honours stop-commands', () => {
    const parsed = parseRunnerCommands('::stop-commands::tok123\n::add-mask::not-a-mask\n::error::not an error\n::tok123::\n::error::real\n')
    expect(parsed.masks).toEqual([])
    expect(parsed.errors.map(e => e.message)).toEqual(['real'])
    expect(parsed.log).toContain('::error::not an error')
  })
})

describe('leak scanner', () => {
  const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'

  it('finds a raw secret and reports where, without printing it', () => {
    const leaks = findLeaks({ 'main.stderr': `error: key=${SECRET} rejected` }, { secretAccessKey: SECRET })
    expect(leaks).toEqual([`secret secretAccessKey (raw) in main.stderr at offset ${'error: key='.length}`])
    expect(leaks.join('\n')).not.toContain(SECRET)
  })

  it('finds nothing in clean text, in text holding a near miss, and for secrets shorter than 8 characters', () => {
    expect(findLeaks({ out: 'nothing to see' }, [SECRET])).toEqual([])
    expect(findLeaks({ out: SECRET.slice(0, -1) }, [SECRET])).toEqual([])
    expect(findLeaks({ out: 'short secret: abc123' }, ['abc123'])).toEqual([])
  })

  // the offset reported: `data: `, then the base64 characters that still carry padding bytes
  it.each([[0, 6], [1, 8], [2, 9], [3, 10], [4, 12], [5, 13]])('finds the secret inside a base64 blob at byte offset %i', (shift, offset) => {
    const blob = Buffer.concat([Buffer.from('p'.repeat(shift)), Buffer.from(`${SECRET}`), Buffer.from('trailing bytes')]).toString('base64')
    expect(blob).not.toContain(SECRET)
    expect(findLeaks({ file: `data: ${blob}` }, { key: SECRET })).toEqual([`secret key (base64) in file at offset ${offset}`])
  })

  it('finds the secret in base64url', () => {
    const secret = '>>>???>>>???~~~'
    const blob = Buffer.from(`x${secret}`).toString('base64url')
    expect(Buffer.from(`x${secret}`).toString('base64')).toMatch(/[+/]/)
    expect(findLeaks({ file: blob }, { s: secret })).toEqual(['secret s (base64url) in file at offset 2'])
  })

  it('finds the url-encoded secret, whatever the case of the escapes', () => {
    const encoded = encodeURIComponent(SECRET)
    expect(encoded).not.toBe(SECRET)
    expect(findLeaks({ url: `https://x.example/?k=${encoded}` }, { k: SECRET })).toEqual([`secret k (url-encoded) in url at offset ${'https://x.example/?k='.length}`])
    const lower = encoded.replace(/%[0-9A-F]{2}/g, m => m.toLowerCase())
    expect(findLeaks({ url: lower }, { k: SECRET })).toEqual(['secret k (url-encoded) in url at offset 0'])
  })

  it('finds the form-encoded secret (space as +)', () => {
    const secret = 'pass word with spaces'
    expect(findLeaks({ body: `a=1&p=${new URLSearchParams({ p: secret }).toString().slice(2)}` }, { p: secret })).toEqual([
      `secret p (form-encoded) in body at offset ${'a=1&p='.length}`
    ])
  })

  it('finds the JSON-escaped secret', () => {
    const secret = 'quote"back\\slash\nnewline'
    const json = JSON.stringify({ token: secret })
    expect(json).not.toContain(secret)
    expect(findLeaks({ audit: json }, { t: secret })).toEqual([`secret t (json-escaped) in audit at offset ${'{"token":"'.length}`])
  })

  it('secretForms covers raw, three base64 alignments, url, form and JSON forms', () => {
    expect(secretForms('>>>???>>>???"~~~ /').map(f => f.kind)).toEqual([
      'raw', 'base64', 'base64url', 'base64', 'base64url', 'base64', 'base64url', 'url-encoded', 'form-encoded', 'json-escaped'
    ])
  })

  it('ignores ::add-mask:: lines on stdout', () => {
    const stdout = `starting\n::add-mask::${SECRET}\ndone\n`
    expect(findLeaks({ 'main.stdout': stdout }, { key: SECRET })).toEqual([])
    expect(findLeaks({ stdout }, { key: SECRET })).toEqual([])
  })

  it('still reports a masked secret printed afterwards, unless honorMasks is set', () => {
    const stdout = `::add-mask::${SECRET}\nkey is ${SECRET}\n`
    expect(findLeaks({ 'main.stdout': stdout }, { key: SECRET })).toEqual([`secret key (raw) in main.stdout at offset ${`::add-mask::${SECRET}\nkey is `.length}`])
    expect(findLeaks({ 'main.stdout': stdout }, { key: SECRET }, { honorMasks: true })).toEqual([])
  })

  it('reports a secret printed before its mask even with honorMasks, and the mask line itself then counts', () => {
    const stdout = `key is ${SECRET}\n::add-mask::${SECRET}\n`
    const leaks = findLeaks({ 'main.stdout': stdout }, { key: SECRET }, { honorMasks: true })
    expect(leaks).toEqual(['secret key (raw) in main.stdout at offset 7 (2 occurrences)'])
  })

  it('does not ignore ::add-mask:: text outside stdout', () => {
    expect(findLeaks({ 'main.stderr': `::add-mask::${SECRET}\n` }, { key: SECRET })).toEqual(['secret key (raw) in main.stderr at offset 12'])
    expect(findLeaks({ 'main.GITHUB_ENV': `::add-mask::${SECRET}\n` }, { key: SECRET })).toEqual(['secret key (raw) in main.GITHUB_ENV at offset 12'])
  })

  describe('expectNoLeaks', () => {
    const step = (stdout: string, env = ''): StepResult =>
      ({
        step: 'main',
        stdout,
        stderr: '',
        files: { GITHUB_ENV: env, GITHUB_OUTPUT: '', GITHUB_STATE: '', GITHUB_PATH: '', summary: '', audit: '' }
      }) as unknown as StepResult

    it('throws naming the channel, and passes for allowed channels', () => {
      const env = formatFileCommands({ AWS_SECRET_ACCESS_KEY: SECRET })
      expect(() => expectNoLeaks(step('ok\n', env), { key: SECRET })).toThrow(/secret key \(raw\) in main\.GITHUB_ENV/)
      expect(() => expectNoLeaks(step('ok\n', env), { key: SECRET }, { allow: ['GITHUB_ENV'] })).not.toThrow()
      expect(() => expectNoLeaks(step('ok\n', env), { key: SECRET }, { allow: ['post.GITHUB_ENV'] })).toThrow(/secret key \(raw\) in main\.GITHUB_ENV/)
    })

    it('refuses to pass vacuously with no secret to look for', () => {
      expect(() => expectNoLeaks(step('ok\n'), [undefined, 'short'])).toThrow(/no secret/)
      expect(() => expectNoLeaks(step('ok\n'), [], { allowEmpty: true })).not.toThrow()
    })
  })
})
