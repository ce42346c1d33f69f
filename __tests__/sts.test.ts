// src/aws/sts.ts against the local STS fixture through the real @aws-sdk/client-sts, reached via
// AWS_ENDPOINT_URL_STS exactly as the action reaches it in tests; no machine profile or credentials.
import { describe, it, expect, jest, afterEach } from '@jest/globals'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { types } from 'node:util'
import { decodeJwt } from 'jose'
import type { StsFault } from './fixtures/aws-sts.js'
import { ActionError } from '../src/errors.js'
import { type AssumeRoleRequest, assumeRoleWithWebIdentity, explainStsError, isRetryableAwsError } from '../src/aws/sts.js'
import { useLocalAws } from './helpers/local-aws.js'

const ROLE_ARN = 'arn:aws:iam::111122223333:role/deploy'
const SESSION_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: ['arn:aws:s3:::octo-artifacts/*'] }]
})
const MANAGED = ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::111122223333:policy/team/deploy-extra']

const aws = useLocalAws()

afterEach(() => {
  jest.restoreAllMocks()
})

/** A request like the action's, with a getToken that mints a fresh fixture token per call. */
function request(overrides: Partial<AssumeRoleRequest> = {}) {
  const getToken = jest.fn(() => aws.issuer.mintToken())
  const onRetry = jest.fn<(message: string) => void>()
  const req: AssumeRoleRequest = {
    region: 'eu-west-1',
    roleArn: ROLE_ARN,
    sessionName: 'gh-7654321098-1-0a1b2c3d',
    durationSeconds: 900,
    sessionPolicy: SESSION_POLICY,
    managedPolicyArns: MANAGED,
    maxAttempts: 3,
    getToken,
    onRetry,
    ...overrides
  }
  return { req, getToken, onRetry }
}

async function stsError(promise: Promise<unknown>): Promise<ActionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(ActionError)
  expect((error as ActionError).stage).toBe('sts')
  return error as ActionError
}

describe('assumeRoleWithWebIdentity: success', () => {
  it('returns the credential STS issued, with account id, assumed role id and expiration', async () => {
    const { req, getToken, onRetry } = request()
    const creds = await assumeRoleWithWebIdentity(req)

    expect(aws.sts.issued).toHaveLength(1)
    const issued = aws.sts.issued[0]!
    expect(creds).toEqual({
      accessKeyId: issued.accessKeyId,
      secretAccessKey: issued.secretAccessKey,
      sessionToken: issued.sessionToken,
      expiration: new Date(issued.expiration),
      // AWS's issue time: the Expiration minus the duration asked for, not the runner's clock
      issuedAt: new Date(issued.issuedAt),
      assumedRoleArn: 'arn:aws:sts::111122223333:assumed-role/deploy/gh-7654321098-1-0a1b2c3d',
      assumedRoleId: issued.assumedRoleId,
      accountId: '111122223333'
    })
    expect(creds.assumedRoleId).toMatch(/^AROA[A-Z0-9]+:gh-7654321098-1-0a1b2c3d$/)
    expect(creds.expiration).toBeInstanceOf(Date)
    expect(creds.expiration.getTime() - Date.parse(issued.issuedAt)).toBe(900_000)
    expect(getToken).toHaveBeenCalledTimes(1)
    expect(onRetry).not.toHaveBeenCalled()
  })

  it('sends the role, session name, duration, session policy, managed policies and the token', async () => {
    const { req, getToken } = request({ durationSeconds: 1800 })
    await assumeRoleWithWebIdentity(req)

    expect(aws.sts.requests).toHaveLength(1)
    const sent = aws.sts.requests[0]!
    expect(sent).toMatchObject({
      action: 'AssumeRoleWithWebIdentity',
      version: '2011-06-15',
      roleArn: ROLE_ARN,
      roleSessionName: 'gh-7654321098-1-0a1b2c3d',
      durationSeconds: 1800,
      policy: SESSION_POLICY,
      policyArns: MANAGED,
      hasWebIdentityToken: true,
      status: 200,
      result: 'issued'
    })
    const token = await (getToken.mock.results[0]!.value as Promise<string>)
    expect(sent.tokenJti).toBe(decodeJwt(token).jti)
    expect(aws.sts.issued[0]).toMatchObject({ policy: SESSION_POLICY, policyArns: MANAGED, durationSeconds: 1800 })
  })

  it('sends no PolicyArns when there are no managed session policies', async () => {
    const { req } = request({ managedPolicyArns: [] })
    await assumeRoleWithWebIdentity(req)
    expect(aws.sts.requests[0]?.policyArns).toEqual([])
    expect(aws.sts.requests[0]?.policy).toBe(SESSION_POLICY)
  })

  it('uses the endpoint from AWS_ENDPOINT_URL_STS (no other endpoint is reachable)', async () => {
    process.env.AWS_ENDPOINT_URL_STS = 'http://127.0.0.1:1'
    const { req } = request({ maxAttempts: 1 })
    await stsError(assumeRoleWithWebIdentity(req))
    expect(aws.sts.requests).toHaveLength(0)
  })

  it('works in another partition', async () => {
    const roleArn = 'arn:aws-us-gov:iam::444455556666:role/path/to/gov-deploy'
    const { req } = request({ region: 'us-gov-west-1', roleArn, managedPolicyArns: [] })
    const creds = await assumeRoleWithWebIdentity(req)
    expect(creds.accountId).toBe('444455556666')
    expect(creds.assumedRoleArn).toBe('arn:aws-us-gov:sts::444455556666:assumed-role/gov-deploy/gh-7654321098-1-0a1b2c3d')
  })
})

describe('assumeRoleWithWebIdentity: errors that are not retried', () => {
  it('AccessDenied: one attempt, and the message says to check the trust policy sub/aud conditions', async () => {
    aws.issuer.setClaims({ sub: 'repo:other-org/app:ref:refs/heads/main' })
    const { req, getToken, onRetry } = request()
    const error = await stsError(assumeRoleWithWebIdentity(req))

    expect(aws.sts.requests.map(r => r.result)).toEqual(['AccessDenied'])
    expect(getToken).toHaveBeenCalledTimes(1)
    expect(onRetry).not.toHaveBeenCalled()
    expect(error.message).toMatch(/^STS AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity/)
    expect(error.message).toContain(`The role ${ROLE_ARN} does not trust this job`)
    expect(error.message).toContain('trust policy')
    expect(error.message).toContain('token.actions.githubusercontent.com:aud')
    expect(error.message).toContain(':sub')
    expect(error.message).toContain('account 111122223333')
    expect(aws.sts.issued).toHaveLength(0)
  })

  it('InvalidIdentityToken (token for the wrong audience): one attempt, points at the identity provider', async () => {
    const getToken = jest.fn(() => aws.issuer.mintToken({}, { audience: 'https://github.com/octo-org' }))
    const { req, onRetry } = request({ getToken })
    const error = await stsError(assumeRoleWithWebIdentity(req))
    expect(aws.sts.requests.map(r => r.result)).toEqual(['InvalidIdentityToken'])
    expect(getToken).toHaveBeenCalledTimes(1)
    expect(onRetry).not.toHaveBeenCalled()
    expect(error.message).toMatch(/^STS InvalidIdentityToken: Incorrect token audience/)
    expect(error.message).toContain('create the IAM OIDC identity provider')
    expect(error.message).toContain('account 111122223333')
  })

  it('InvalidIdentityToken (unknown signing key) is not retried either', async () => {
    const { req } = request({ getToken: () => aws.issuer.mintToken({}, { key: 'unknown' }) })
    const error = await stsError(assumeRoleWithWebIdentity(req))
    expect(aws.sts.requests).toHaveLength(1)
    expect(error.message).toMatch(/^STS InvalidIdentityToken: /)
  })

  it('ExpiredTokenException: says to check the runner clock', async () => {
    const { req } = request({ getToken: () => aws.issuer.mintToken({}, { expiresIn: -120 }) })
    const error = await stsError(assumeRoleWithWebIdentity(req))
    expect(aws.sts.requests.map(r => r.result)).toEqual(['ExpiredTokenException'])
    expect(error.message).toMatch(/^STS ExpiredTokenException: Token expired/)
    expect(error.message).toContain("check the runner's clock")
  })

  it('PackedPolicyTooLarge: says to shrink the scopes', async () => {
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: Array.from({ length: 40 }, (_, i) => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::bucket-number-${i}/*` }))
    })
    expect(big.length).toBeGreaterThan(2048)
    const { req } = request({ sessionPolicy: big })
    const error = await stsError(assumeRoleWithWebIdentity(req))
    expect(aws.sts.requests.map(r => r.result)).toEqual(['PackedPolicyTooLarge'])
    expect(error.message).toMatch(/^STS PackedPolicyTooLarge: Packed policy consumes \d+% of allotted space/)
    expect(error.message).toContain('fewer scope lines')
  })

  it('MalformedPolicyDocument: says to check the scopes', async () => {
    const { req } = request({ sessionPolicy: '{"Version":"2012-10-17"' })
    const error = await stsError(assumeRoleWithWebIdentity(req))
    expect(aws.sts.requests.map(r => r.result)).toEqual(['MalformedPolicyDocument'])
    expect(error.message).toMatch(/^STS MalformedPolicyDocument: /)
    expect(error.message).toContain('check the actions and resource ARNs in the scopes input')
  })

  it("ValidationError on a duration above the role's maximum names role-duration-seconds", async () => {
    aws.sts.setMaxSessionDuration(3600)
    const { req } = request({ durationSeconds: 7200 })
    const error = await stsError(assumeRoleWithWebIdentity(req))
    expect(aws.sts.requests.map(r => r.result)).toEqual(['ValidationError'])
    expect(error.message).toContain('MaxSessionDuration')
    expect(error.message).toContain('role-duration-seconds (7200)')
  })

  it('RegionDisabledException: says to activate STS in the region', async () => {
    aws.sts.injectFaults([{ kind: 'status', status: 403, code: 'RegionDisabledException' }])
    const { req } = request()
    const error = await stsError(assumeRoleWithWebIdentity(req))
    expect(aws.sts.requests).toHaveLength(1)
    expect(error.message).toMatch(/^STS RegionDisabledException: /)
    expect(error.message).toContain('Activate STS in this region')
  })

  it('IDPRejectedClaim: one attempt, points at the trust policy like AccessDenied', async () => {
    aws.sts.injectFaults([{ kind: 'status', status: 403, code: 'IDPRejectedClaim' }])
    const { req } = request()
    const error = await stsError(assumeRoleWithWebIdentity(req))
    expect(aws.sts.requests).toHaveLength(1)
    expect(error.message).toMatch(/^STS IDPRejectedClaim: /)
    expect(error.message).toContain('Check its trust policy')
  })

  it('an unknown client error is reported as STS said it, once', async () => {
    aws.sts.injectFaults([{ kind: 'status', status: 400, code: 'InvalidParameterValue' }])
    const { req, onRetry } = request()
    const error = await stsError(assumeRoleWithWebIdentity(req))
    expect(aws.sts.requests).toHaveLength(1)
    expect(onRetry).not.toHaveBeenCalled()
    expect(error.message).toBe('STS InvalidParameterValue: Injected fault')
  })

  it('a malformed 200 answer fails without a credential', async () => {
    aws.sts.injectFaults([{ kind: 'malformed' }])
    const { req } = request({ maxAttempts: 1 })
    const error = await stsError(assumeRoleWithWebIdentity(req))
    expect(error.message).toMatch(/^STS answered with something that is not an STS response; check AWS_ENDPOINT_URL_STS/)
    expect(aws.sts.requests).toHaveLength(1)
  })

  it('an error from getToken stops the call before STS is asked', async () => {
    const tokenError = new ActionError('oidc', 'A re-requested OIDC token names a different subject')
    const { req } = request({ getToken: () => Promise.reject(tokenError) })
    await expect(assumeRoleWithWebIdentity(req)).rejects.toBe(tokenError)
    expect(aws.sts.requests).toHaveLength(0)
  })
})

/**
 * Jest runs each test file in its own vm realm, while Node core creates network errors ("socket hang up",
 * code ECONNRESET) in the main realm. The SDK's retry middleware then finds `error instanceof Error` false
 * and replaces the error by a bare string wrapper without `code` or `name`; in the action's real runtime
 * (one realm) the SDK passes the error through. This makes `instanceof Error` (only Error itself) accept
 * native errors of any realm, for the tests that drop connections; everything else is unchanged.
 */
function acceptForeignRealmErrors(): () => void {
  const ordinary = Function.prototype[Symbol.hasInstance]
  Object.defineProperty(Error, Symbol.hasInstance, {
    configurable: true,
    value(this: unknown, value: unknown): boolean {
      return ordinary.call(this, value) || (this === Error && types.isNativeError(value))
    }
  })
  return () => {
    Reflect.deleteProperty(Error, Symbol.hasInstance)
  }
}

describe('assumeRoleWithWebIdentity: retries', () => {
  let restoreErrors: (() => void) | undefined
  afterEach(() => {
    restoreErrors?.()
    restoreErrors = undefined
  })

  it.each<[string, StsFault, string]>([
    ['throttling', { kind: 'throttle' }, 'Throttling'],
    ['HTTP 500', { kind: 'status', status: 500 }, 'InternalFailure'],
    ['HTTP 503', { kind: 'status', status: 503 }, 'ServiceUnavailable'],
    ['IDPCommunicationError', { kind: 'status', status: 400, code: 'IDPCommunicationError' }, 'IDPCommunicationError']
  ])('retries %s, then succeeds; onRetry is told', async (_what, fault, code) => {
    aws.sts.injectFaults([fault])
    const { req, getToken, onRetry } = request()
    const creds = await assumeRoleWithWebIdentity(req)

    expect(aws.sts.requests.map(r => r.result)).toEqual([`fault:${fault.kind}`, 'issued'])
    expect(creds.accessKeyId).toBe(aws.sts.issued[0]?.accessKeyId)
    expect(onRetry).toHaveBeenCalledTimes(1)
    expect(onRetry.mock.calls[0]?.[0]).toMatch(new RegExp(`^STS call failed \\(attempt 1, ${code}\\); retrying in \\d+ ms$`))
    // a fresh token per attempt, and the last one is what STS verified
    expect(getToken).toHaveBeenCalledTimes(2)
    const last = await (getToken.mock.results[1]!.value as Promise<string>)
    expect(aws.sts.requests[1]?.tokenJti).toBe(decodeJwt(last).jti)
  })

  it('retries a dropped connection', async () => {
    restoreErrors = acceptForeignRealmErrors()
    aws.sts.injectFaults([{ kind: 'reset' }])
    const { req, getToken, onRetry } = request()
    const creds = await assumeRoleWithWebIdentity(req)
    expect(aws.sts.requests.map(r => r.result)).toEqual(['fault:reset', 'issued'])
    expect(creds.sessionToken).toBe(aws.sts.issued[0]?.sessionToken)
    expect(onRetry).toHaveBeenCalledTimes(1)
    expect(getToken).toHaveBeenCalledTimes(2)
  })

  it('gives up after maxAttempts and says the retry budget ran out', async () => {
    aws.sts.injectFaults([{ kind: 'throttle' }, { kind: 'throttle' }, { kind: 'throttle' }, { kind: 'throttle' }])
    const { req, getToken, onRetry } = request({ maxAttempts: 3 })
    const error = await stsError(assumeRoleWithWebIdentity(req))

    expect(aws.sts.requests).toHaveLength(3)
    expect(aws.sts.pendingFaults()).toBe(1)
    expect(getToken).toHaveBeenCalledTimes(3)
    expect(onRetry.mock.calls.map(c => c[0].replace(/\d+ ms/, 'N ms'))).toEqual([
      'STS call failed (attempt 1, Throttling); retrying in N ms',
      'STS call failed (attempt 2, Throttling); retrying in N ms'
    ])
    expect(error.message).toMatch(/^STS Throttling: Rate exceeded/)
    expect(error.message).toContain('retry-max-attempts')
    expect(aws.sts.issued).toHaveLength(0)
  })

  it('makes exactly one attempt when maxAttempts is 1', async () => {
    aws.sts.injectFaults([{ kind: 'status', status: 500 }])
    const { req, onRetry } = request({ maxAttempts: 1 })
    const error = await stsError(assumeRoleWithWebIdentity(req))
    expect(aws.sts.requests).toHaveLength(1)
    expect(aws.sts.pendingFaults()).toBe(0)
    expect(onRetry).not.toHaveBeenCalled()
    expect(error.message).toMatch(/^STS InternalFailure: /)
  })

  it('a network failure on every attempt ends in an sts error after maxAttempts', async () => {
    restoreErrors = acceptForeignRealmErrors()
    aws.sts.injectFaults([{ kind: 'reset' }, { kind: 'reset' }, { kind: 'reset' }])
    const { req, onRetry } = request({ maxAttempts: 2 })
    const error = await stsError(assumeRoleWithWebIdentity(req))
    expect(aws.sts.requests.map(r => r.result)).toEqual(['fault:reset', 'fault:reset'])
    expect(onRetry.mock.calls[0]?.[0]).toMatch(/^STS call failed \(attempt 1, TimeoutError\)/)
    expect(error.message).toMatch(/^STS TimeoutError: socket hang up/)
    expect(error.message).toContain('retry-max-attempts')
  })
})

/** A server answering every STS request with a canned 200 body, for answers the fixture never gives. */
async function withCannedSts(body: string, run: () => Promise<void>): Promise<void> {
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  process.env.AWS_ENDPOINT_URL_STS = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  try {
    await run()
  } finally {
    await new Promise<void>(resolve => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
}

const cannedResponse = (arn: string, credentials: string): string =>
  '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>' +
  `<AssumedRoleUser><Arn>${arn}</Arn><AssumedRoleId>AROAEXAMPLEEXAMPLE12:s</AssumedRoleId></AssumedRoleUser>` +
  `<Credentials>${credentials}</Credentials>` +
  '</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>'

const FULL_CREDENTIALS =
  '<AccessKeyId>ASIAEXAMPLEEXAMPLE12</AccessKeyId><SecretAccessKey>secretsecretsecretsecretsecretsecret1234</SecretAccessKey>' +
  '<SessionToken>IQoJb3JpZ2luX2VjEexample</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>'

describe('assumeRoleWithWebIdentity: answers that are refused', () => {
  it("refuses a session in an account other than the role's", async () => {
    await withCannedSts(cannedResponse('arn:aws:sts::999988887777:assumed-role/deploy/s', FULL_CREDENTIALS), async () => {
      const error = await stsError(assumeRoleWithWebIdentity(request().req))
      expect(error.message).toContain('account 999988887777')
      expect(error.message).toContain("not the role's account 111122223333")
      expect(error.message).not.toContain('secretsecret')
    })
  })

  it('refuses an assumed-role ARN it cannot read an account from', async () => {
    await withCannedSts(cannedResponse('arn:aws:iam::111122223333:user/deploy', FULL_CREDENTIALS), async () => {
      const error = await stsError(assumeRoleWithWebIdentity(request().req))
      expect(error.message).toContain('account unknown')
    })
  })

  it('refuses an answer without a session token', async () => {
    const partial = FULL_CREDENTIALS.replace(/<SessionToken>.*<\/SessionToken>/, '')
    await withCannedSts(cannedResponse('arn:aws:sts::111122223333:assumed-role/deploy/s', partial), async () => {
      const error = await stsError(assumeRoleWithWebIdentity(request().req))
      expect(error.message).toContain('without a complete credential')
    })
  })

  it('accepts the same canned answer when the account matches (control)', async () => {
    await withCannedSts(cannedResponse('arn:aws:sts::111122223333:assumed-role/deploy/s', FULL_CREDENTIALS), async () => {
      const creds = await assumeRoleWithWebIdentity(request().req)
      expect(creds).toMatchObject({ accountId: '111122223333', accessKeyId: 'ASIAEXAMPLEEXAMPLE12', expiration: new Date('2030-01-01T00:00:00Z') })
    })
  })
})

describe('isRetryableAwsError / explainStsError', () => {
  it.each<[string, unknown, boolean]>([
    ['Throttling', { name: 'Throttling' }, true],
    ['ECONNRESET', { name: 'Error', code: 'ECONNRESET' }, true],
    ['HTTP 502', { name: 'Whatever', $metadata: { httpStatusCode: 502 } }, true],
    ['HTTP 429', { name: 'Whatever', $metadata: { httpStatusCode: 429 } }, true],
    ['SDK-marked retryable', { name: 'Whatever', $retryable: {} }, true],
    ['IDPCommunicationError as the SDK shapes it', { name: 'IDPCommunicationErrorException', Code: 'IDPCommunicationError', $metadata: { httpStatusCode: 400 } }, true],
    ['AccessDenied 403', { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }, false],
    ['InvalidIdentityToken as the SDK shapes it', { name: 'InvalidIdentityTokenException', Code: 'InvalidIdentityToken', $metadata: { httpStatusCode: 400 } }, false],
    ['InvalidIdentityToken 400', { name: 'InvalidIdentityToken', $metadata: { httpStatusCode: 400 } }, false],
    ['a string', 'Throttling', false],
    ['null', null, false]
  ])('%s -> %s', (_what, error, retryable) => {
    expect(isRetryableAwsError(error)).toBe(retryable)
  })

  it('explains by the wire code, not the SDK class name', () => {
    const error = Object.assign(new Error('Packed policy consumes 120% of allotted space'), { name: 'PackedPolicyTooLargeException', Code: 'PackedPolicyTooLarge' })
    const text = explainStsError(error, { roleArn: ROLE_ARN, durationSeconds: 900 })
    expect(text).toMatch(/^STS PackedPolicyTooLarge: Packed policy consumes 120% of allotted space\n/)
    expect(text).toContain('fewer scope lines')
  })

  it('puts what AWS said on one line', () => {
    const error = Object.assign(new Error('line one\n  line two'), { name: 'SomethingElse' })
    expect(explainStsError(error, { roleArn: ROLE_ARN, durationSeconds: 900 })).toBe('STS SomethingElse: line one line two')
  })
})
