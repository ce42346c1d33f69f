// The local IAM endpoint (__tests__/fixtures/aws-iam.ts, served by the STS fixture) is faithful enough
// to stand in for IAM: the unmodified @aws-sdk/client-iam parses every answer and error, requests are
// authenticated with credentials the fixture's STS issued (through the real @aws-sdk/client-sts and
// an OIDC token), IAM's limits and policy grammar are enforced, and faults/latency behave as documented.
// The races IAM has are there too: stale reads from a lagging replica while writes are judged on the
// primary, random throttling and server errors, a write rate limit, writes landing mid-call, and a
// service clock of its own that the Date header carries.
// Also the pure boundary evaluator tests use to judge what the action wrote.
import { describe, expect, it } from '@jest/globals'
import http from 'node:http'
import {
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
  SetDefaultPolicyVersionCommand
} from '@aws-sdk/client-iam'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { Sha256 } from '@smithy/core/checksum'
import { SignatureV4 } from '@smithy/signature-v4'
import type { IssuedCredentials } from './fixtures/aws-sts.js'
import { IAM_XMLNS, policySize, rfc3986, type IamRequestLog } from './fixtures/aws-iam.js'
import { mulberry32 } from './fixtures/random-faults.js'
import { wireClock } from './fixtures/wire-log.js'
import { allowsAnything, deniesSession } from './helpers/boundary.js'
import { useLocalAws } from './helpers/local-aws.js'

const ACCOUNT = '111122223333'
const REGION = 'eu-west-1'
const JOB_ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`
const REVOKER = `arn:aws:iam::${ACCOUNT}:role/jit-revoker`
const POLICY = `arn:aws:iam::${ACCOUNT}:policy/jit/jit-revocations`
const ALLOW_ALL = { Sid: 'AllowAll', Effect: 'Allow', Action: '*', Resource: '*' }
const BASE = { Version: '2012-10-17', Statement: [ALLOW_ALL] }
const FIVE_VERSIONS = 'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.'

const aws = useLocalAws(({ sts }) => {
  sts.iam.addRole(JOB_ROLE, { permissionsBoundaryArn: POLICY })
  sts.iam.addRole(REVOKER)
  sts.iam.addPolicy(POLICY, BASE)
})

/** A session from the fixture's STS, through the real STS client and a fresh OIDC token. */
async function assume(roleArn = REVOKER, sessionName = 'jit-revoke-test'): Promise<IssuedCredentials> {
  const client = aws.track(new STSClient({ region: REGION, maxAttempts: 1 }))
  const out = await client.send(new AssumeRoleWithWebIdentityCommand({
    RoleArn: roleArn,
    RoleSessionName: sessionName,
    WebIdentityToken: await aws.issuer.mintToken(),
    DurationSeconds: 900
  }))
  const issued = aws.sts.issued.find(c => c.accessKeyId === out.Credentials?.AccessKeyId)
  if (!issued) throw new Error('STS did not record the credential it returned')
  return issued
}

function iam(creds: { accessKeyId: string, secretAccessKey: string, sessionToken?: string | undefined }, maxAttempts = 1): IAMClient {
  return aws.track(new IAMClient({
    region: REGION,
    maxAttempts,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken === undefined ? {} : { sessionToken: creds.sessionToken }) }
  }))
}

async function revokerClient(): Promise<{ creds: IssuedCredentials, client: IAMClient }> {
  const creds = await assume()
  return { creds, client: iam(creds) }
}

interface SdkError { name: string, message: string, $metadata?: { httpStatusCode?: number, clockSkewCorrected?: boolean }, $fault?: string }

/** The SDK's error for a call that must fail; fails the test if the call succeeds. */
async function failure(promise: Promise<unknown>): Promise<SdkError> {
  const error = await promise.then(
    () => { throw new Error('expected the IAM call to fail') },
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(Error)
  return error as SdkError
}

/** The call fails with this error name, HTTP status and message (a string is matched exactly). */
async function expectIamError(promise: Promise<unknown>, name: string, status: number, message: string | RegExp): Promise<SdkError> {
  const error = await failure(promise)
  expect({ name: error.name, status: error.$metadata?.httpStatusCode }).toEqual({ name, status })
  if (typeof message === 'string') expect(error.message).toBe(message)
  else expect(error.message).toMatch(message)
  return error
}

const decodeDocument = (document: string | undefined): unknown => JSON.parse(decodeURIComponent(document ?? ''))

/** A POST to the endpoint with node:http (no SDK): optionally SigV4-signed by the SDK's signer. */
async function rawPost(
  params: Record<string, string>,
  sign?: { creds: { accessKeyId: string, secretAccessKey: string, sessionToken?: string }, service?: string, signingDate?: Date }
): Promise<{ status: number, body: string, headers: http.IncomingHttpHeaders, rawHeaders: string[] }> {
  const url = new URL(aws.sts.url)
  const body = new URLSearchParams({ Version: '2010-05-08', ...params }).toString()
  let headers: Record<string, string> = { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }
  if (sign) {
    const signer = new SignatureV4({ service: sign.service ?? 'iam', region: REGION, sha256: Sha256, credentials: sign.creds })
    const signed = await signer.sign(
      { method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: {}, headers, body },
      sign.signingDate ? { signingDate: sign.signingDate } : {}
    )
    headers = signed.headers
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: Number(url.port), method: 'POST', path: '/', headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers, rawHeaders: res.rawHeaders }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await sleep(2)
  }
}

/** A minimal valid managed policy with one extra statement. */
const withStatement = (statement: Record<string, unknown>): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [ALLOW_ALL, statement] })

const revocationStatement = (sid: string, users: string | string[], before: string): Record<string, unknown> => ({
  Sid: sid,
  Effect: 'Deny',
  Action: '*',
  Resource: '*',
  Condition: { StringEquals: { 'aws:userid': users }, DateLessThan: { 'aws:TokenIssueTime': before } }
})

describe('the IAM endpoint shares the STS server', () => {
  it('answers IAM actions on the STS url and keeps them out of the STS log, with its own log per request', async () => {
    const { creds, client } = await revokerClient()
    const role = await client.send(new GetRoleCommand({ RoleName: 'deploy' }))
    expect(role.Role?.Arn).toBe(JOB_ROLE)

    expect(aws.sts.requests.map(r => r.action)).toEqual(['AssumeRoleWithWebIdentity'])
    expect(aws.sts.iam.requests).toEqual([{
      action: 'GetRole',
      version: '2010-05-08',
      accessKeyId: creds.accessKeyId,
      signatureValid: true,
      assumedRoleId: creds.assumedRoleId,
      roleArn: REVOKER,
      sessionArn: creds.arn,
      roleName: 'deploy',
      status: 200,
      result: 'ok',
      at: expect.any(Number),
      answeredAt: expect.any(Number)
    }])
    // the log names the key, never the secret or the session token
    const logged = JSON.stringify(aws.sts.iam.requests)
    expect(logged).not.toContain(creds.secretAccessKey)
    expect(logged).not.toContain(creds.sessionToken)
  })

  it('records the policy parameters, the document written and the version created', async () => {
    const { client } = await revokerClient()
    const document = withStatement(revocationStatement('JitRevokedUntil203001010000', 'AROAEXAMPLE:gh-1', '2030-01-01T00:00:00Z'))
    await client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: document, SetAsDefault: true }))
    await client.send(new GetPolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v2' }))
    expect(aws.sts.iam.requests.map(({ action, policyArn, versionId, setAsDefault, policyDocument, createdVersionId }) =>
      ({ action, policyArn, versionId, setAsDefault, policyDocument, createdVersionId }))).toEqual([
      { action: 'CreatePolicyVersion', policyArn: POLICY, versionId: undefined, setAsDefault: true, policyDocument: document, createdVersionId: 'v2' },
      { action: 'GetPolicyVersion', policyArn: POLICY, versionId: 'v2', setAsDefault: undefined, policyDocument: undefined, createdVersionId: undefined }
    ])
  })

  it('STS reset() forgets roles, policies, the IAM log and pending IAM faults', async () => {
    const { client } = await revokerClient()
    await client.send(new GetPolicyCommand({ PolicyArn: POLICY }))
    aws.sts.iam.injectFaults([{ kind: 'throttle' }])
    aws.sts.iam.setLatency(10_000)
    aws.sts.reset()
    expect(aws.sts.iam.requests).toEqual([])
    expect(aws.sts.iam.pendingFaults()).toBe(0)
    expect(aws.sts.iam.policy(POLICY)).toBeUndefined()
    expect(aws.sts.iam.role(JOB_ROLE)).toBeUndefined()
    // credentials were forgotten too, and no latency or fault is left over
    await expectIamError(client.send(new GetPolicyCommand({ PolicyArn: POLICY })), 'InvalidClientTokenId', 403, 'The security token included in the request is invalid.')
    expect(aws.sts.iam.requests.map(r => r.fault)).toEqual([undefined])
  })

  it('an unknown Version is refused like IAM refuses it', async () => {
    const creds = await assume()
    const res = await rawPost({ Action: 'GetRole', RoleName: 'deploy', Version: '2011-06-15' }, { creds })
    expect(res.status).toBe(400)
    expect(res.body).toContain('<Code>InvalidAction</Code>')
  })
})

describe('GetRole', () => {
  it('returns the role with its permissions boundary, id, path and URL-encoded trust policy', async () => {
    const { client } = await revokerClient()
    const { Role: role } = await client.send(new GetRoleCommand({ RoleName: 'deploy' }))
    expect(role).toMatchObject({
      Arn: JOB_ROLE,
      RoleName: 'deploy',
      Path: '/',
      MaxSessionDuration: 3600,
      PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: POLICY }
    })
    expect(role?.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/)
    expect(role?.CreateDate).toBeInstanceOf(Date)
    expect(role?.AssumeRolePolicyDocument).toMatch(/^%7B%22Version%22/)
    expect(decodeDocument(role?.AssumeRolePolicyDocument)).toMatchObject({ Statement: [{ Action: 'sts:AssumeRoleWithWebIdentity' }] })
  })

  it('a role without a boundary has no PermissionsBoundary; addRole replaces a role of the same name', async () => {
    const { client } = await revokerClient()
    expect((await client.send(new GetRoleCommand({ RoleName: 'jit-revoker' }))).Role?.PermissionsBoundary).toBeUndefined()
    aws.sts.iam.addRole(`arn:aws:iam::${ACCOUNT}:role/ci/deploy`, {})
    const { Role: role } = await client.send(new GetRoleCommand({ RoleName: 'deploy' }))
    expect(role).toMatchObject({ Arn: `arn:aws:iam::${ACCOUNT}:role/ci/deploy`, Path: '/ci/' })
    expect(role?.PermissionsBoundary).toBeUndefined()
  })

  it('finds roles in the caller\'s account only; unknown names are NoSuchEntity (404)', async () => {
    aws.sts.iam.addRole('arn:aws:iam::444455556666:role/elsewhere')
    const { client } = await revokerClient()
    await expectIamError(client.send(new GetRoleCommand({ RoleName: 'elsewhere' })), 'NoSuchEntityException', 404, 'The role with name elsewhere cannot be found.')
    await expectIamError(client.send(new GetRoleCommand({ RoleName: 'nope' })), 'NoSuchEntityException', 404, 'The role with name nope cannot be found.')
    expect(aws.sts.iam.requests.map(r => [r.roleName, r.status, r.result])).toEqual([['elsewhere', 404, 'NoSuchEntity'], ['nope', 404, 'NoSuchEntity']])
  })

  it('an invalid role name is a ValidationError', async () => {
    const { client } = await revokerClient()
    await expectIamError(client.send(new GetRoleCommand({ RoleName: 'bad/name' })), 'ValidationError', 400, /at 'roleName' failed to satisfy constraint/)
  })
})

describe('GetPolicy', () => {
  it('returns name, path, default version, attachment and boundary usage counts', async () => {
    aws.sts.iam.setAttachmentCount(POLICY, 2)
    const { client } = await revokerClient()
    const { Policy: policy } = await client.send(new GetPolicyCommand({ PolicyArn: POLICY }))
    expect(policy).toMatchObject({
      Arn: POLICY,
      PolicyName: 'jit-revocations',
      Path: '/jit/',
      DefaultVersionId: 'v1',
      AttachmentCount: 2,
      PermissionsBoundaryUsageCount: 1,
      IsAttachable: true
    })
    expect(policy?.PolicyId).toMatch(/^ANPA[A-Z2-7]{17}$/)
    expect(policy?.CreateDate).toBeInstanceOf(Date)
    expect(policy?.UpdateDate).toBeInstanceOf(Date)
  })

  it('addPolicy sets AttachmentCount', async () => {
    aws.sts.iam.addPolicy(POLICY, BASE, { attachmentCount: 1 })
    const { client } = await revokerClient()
    expect((await client.send(new GetPolicyCommand({ PolicyArn: POLICY }))).Policy?.AttachmentCount).toBe(1)
  })

  it('unknown policies are NoSuchEntity, malformed ARNs InvalidInput, another account\'s policy AccessDenied', async () => {
    const { client } = await revokerClient()
    const missing = `arn:aws:iam::${ACCOUNT}:policy/missing`
    await expectIamError(client.send(new GetPolicyCommand({ PolicyArn: missing })), 'NoSuchEntityException', 404, `Policy ${missing} does not exist or is not attachable.`)
    await expectIamError(client.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:s3:::not-a-policy' })), 'InvalidInputException', 400, 'ARN arn:aws:s3:::not-a-policy is not valid.')
    const foreign = 'arn:aws:iam::444455556666:policy/jit-revocations'
    aws.sts.iam.addPolicy(foreign, BASE)
    await expectIamError(client.send(new GetPolicyCommand({ PolicyArn: foreign })), 'AccessDenied', 403, /is not authorized to perform: iam:GetPolicy/)
  })
})

describe('GetPolicyVersion', () => {
  it('returns the document URL-encoded (RFC 3986), exactly as written, whitespace included', async () => {
    const document = JSON.stringify({
      Version: '2012-10-17',
      Statement: [ALLOW_ALL, {
        Sid: 'Odd',
        Effect: 'Deny',
        Action: 's3:*',
        Resource: "arn:aws:s3:::bucket/it's (a) *test*!&<>é",
        Condition: { StringLike: { 'aws:userid': 'AROA*:a b+c/d?e=f#g' } }
      }]
    }, null, 2)
    aws.sts.iam.addPolicy(POLICY, document)
    const { client } = await revokerClient()
    const { PolicyVersion: version } = await client.send(new GetPolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v1' }))
    expect(version?.Document).toBe(rfc3986(document))
    // only unreserved characters and percent escapes on the wire: !'()* are escaped too (unlike encodeURIComponent)
    expect(version?.Document).toMatch(/^[A-Za-z0-9\-._~%]+$/)
    expect(version?.Document).toContain('%27s%20%28a%29%20%2Atest%2A%21%26%3C%3E%C3%A9')
    expect(decodeURIComponent(version?.Document ?? '')).toBe(document)
    expect(version).toMatchObject({ VersionId: 'v1', IsDefaultVersion: true })
    expect(version?.CreateDate).toBeInstanceOf(Date)
    expect(version?.CreateDate?.getMilliseconds()).toBe(0)
  })

  it('unknown versions are NoSuchEntity; malformed version ids a ValidationError', async () => {
    const { client } = await revokerClient()
    await expectIamError(client.send(new GetPolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v9' })), 'NoSuchEntityException', 404, `Policy ${POLICY} version v9 does not exist or is not attachable.`)
    await expectIamError(client.send(new GetPolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'V1' })), 'ValidationError', 400, /at 'versionId' failed to satisfy constraint/)
    await expectIamError(client.send(new GetPolicyVersionCommand({ PolicyArn: `${POLICY}-gone`, VersionId: 'v1' })), 'NoSuchEntityException', 404, `Policy ${POLICY}-gone does not exist or is not attachable.`)
  })
})

describe('ListPolicyVersions', () => {
  it('lists newest first with default flags and whole-second dates, and pages with MaxItems/Marker', async () => {
    aws.sts.iam.setPolicyVersions(POLICY, [{ document: BASE }, { document: BASE, isDefault: true }, { document: BASE }])
    const { client } = await revokerClient()
    const all = await client.send(new ListPolicyVersionsCommand({ PolicyArn: POLICY }))
    expect(all.Versions?.map(v => [v.VersionId, v.IsDefaultVersion])).toEqual([['v3', false], ['v2', true], ['v1', false]])
    expect(all.IsTruncated).toBe(false)
    expect(all.Versions?.every(v => v.CreateDate instanceof Date && v.CreateDate.getMilliseconds() === 0)).toBe(true)
    expect(all.Versions?.every(v => v.Document === undefined)).toBe(true)

    const first = await client.send(new ListPolicyVersionsCommand({ PolicyArn: POLICY, MaxItems: 2 }))
    expect(first.Versions?.map(v => v.VersionId)).toEqual(['v3', 'v2'])
    expect(first.IsTruncated).toBe(true)
    const rest = await client.send(new ListPolicyVersionsCommand({ PolicyArn: POLICY, MaxItems: 2, Marker: first.Marker }))
    expect(rest.Versions?.map(v => v.VersionId)).toEqual(['v1'])
    expect(rest.IsTruncated).toBe(false)
  })
})

describe('CreatePolicyVersion', () => {
  it('SetAsDefault makes the new version the default; without it the default stays', async () => {
    const { client } = await revokerClient()
    const v2doc = withStatement(revocationStatement('JitRevokedUntil203001010000', ['AROAEXAMPLE:gh-1'], '2030-01-01T00:00:00Z'))
    const created = await client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: v2doc, SetAsDefault: true }))
    expect(created.PolicyVersion).toMatchObject({ VersionId: 'v2', IsDefaultVersion: true })
    expect(created.PolicyVersion?.Document).toBeUndefined()
    expect((await client.send(new GetPolicyCommand({ PolicyArn: POLICY }))).Policy?.DefaultVersionId).toBe('v2')
    expect(aws.sts.iam.defaultDocument(POLICY)).toEqual(JSON.parse(v2doc))

    const v3 = await client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(BASE) }))
    expect(v3.PolicyVersion).toMatchObject({ VersionId: 'v3', IsDefaultVersion: false })
    expect(aws.sts.iam.policyVersions(POLICY).map(v => [v.versionId, v.isDefault])).toEqual([['v1', false], ['v2', true], ['v3', false]])
    expect(aws.sts.iam.policyVersions(POLICY)[1]?.document).toBe(v2doc)
  })

  it('allows at most 5 versions (LimitExceeded, 409) and never reuses a version id', async () => {
    const { client } = await revokerClient()
    const create = (setAsDefault = false) => client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(BASE), SetAsDefault: setAsDefault }))
    for (const id of ['v2', 'v3', 'v4', 'v5']) expect((await create()).PolicyVersion?.VersionId).toBe(id)
    await expectIamError(create(true), 'LimitExceededException', 409, FIVE_VERSIONS)
    expect(aws.sts.iam.policyVersions(POLICY)).toHaveLength(5)
    expect(aws.sts.iam.requests.at(-1)).toMatchObject({ action: 'CreatePolicyVersion', status: 409, result: 'LimitExceeded' })
    expect(aws.sts.iam.requests.at(-1)?.createdVersionId).toBeUndefined()

    await client.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v5' }))
    expect((await create(true)).PolicyVersion?.VersionId).toBe('v6')
    await client.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v2' }))
    expect((await create()).PolicyVersion?.VersionId).toBe('v7')
    expect(aws.sts.iam.policyVersions(POLICY).map(v => v.versionId)).toEqual(['v1', 'v3', 'v4', 'v6', 'v7'])
  })

  it('seeded versions: new ids continue after the highest seeded id', async () => {
    aws.sts.iam.setPolicyVersions(POLICY, [{ document: BASE, versionId: 'v8' }, { document: BASE, versionId: 'v12', isDefault: true }])
    const { client } = await revokerClient()
    const created = await client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(BASE) }))
    expect(created.PolicyVersion?.VersionId).toBe('v13')
  })

  it('counts 6,144 characters without whitespace: exactly at the limit passes, one over is LimitExceeded', async () => {
    const sized = (size: number, pretty: boolean): string => {
      const doc = (pad: number) => ({ Version: '2012-10-17', Statement: [ALLOW_ALL, { Effect: 'Deny', Action: 's3:*', Resource: `arn:aws:s3:::${'a'.repeat(pad)}` }] })
      const overhead = JSON.stringify(doc(0)).length
      const text = JSON.stringify(doc(size - overhead), null, pretty ? 4 : undefined)
      expect(policySize(text)).toBe(size)
      return text
    }
    const { client } = await revokerClient()
    const atLimit = sized(6144, true)
    expect(atLimit.length).toBeGreaterThan(6144)
    expect((await client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: atLimit }))).PolicyVersion?.VersionId).toBe('v2')
    await expectIamError(
      client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: sized(6145, false) })),
      'LimitExceededException', 409, 'Cannot exceed quota for PolicySize: 6144'
    )
    expect(aws.sts.iam.policyVersions(POLICY)).toHaveLength(2)
  })

  const malformedCases: [string, string, string | RegExp][] = [
    ['invalid JSON', '{"Version": "2012-10-17", "Statement": [', 'This policy contains invalid Json'],
    ['not an object', '["Version"]', 'Syntax errors in policy.'],
    ['missing Version', JSON.stringify({ Statement: [ALLOW_ALL] }), /^Syntax errors in policy/],
    ['invalid Version', JSON.stringify({ Version: '2012-10-18', Statement: [ALLOW_ALL] }), 'The policy failed legacy parsing'],
    ['missing Statement', JSON.stringify({ Version: '2012-10-17' }), /^Syntax errors in policy/],
    ['unknown top-level field', JSON.stringify({ ...BASE, Extra: 1 }), /^Syntax errors in policy/],
    ['Effect neither Allow nor Deny', withStatement({ Effect: 'deny', Action: '*', Resource: '*' }), 'Invalid effect: deny'],
    ['missing Effect', withStatement({ Action: '*', Resource: '*' }), /^Syntax errors in policy/],
    ['missing Action', withStatement({ Effect: 'Deny', Resource: '*' }), 'Policy statement must contain actions.'],
    ['missing Resource', withStatement({ Effect: 'Deny', Action: '*' }), 'Policy statement must contain resources.'],
    ['Action without a vendor', withStatement({ Effect: 'Deny', Action: 'GetObject', Resource: '*' }), /^Vendor GetObject is not valid/],
    ['Resource neither ARN nor *', withStatement({ Effect: 'Deny', Action: '*', Resource: 'bucket' }), 'Resource bucket must be in ARN format or "*".'],
    ['non-alphanumeric Sid', withStatement({ Sid: 'Jit-Revoked', Effect: 'Deny', Action: '*', Resource: '*' }), /^Statement IDs \(SID\) must be alpha-numeric/],
    ['duplicate Sid', withStatement({ Sid: 'AllowAll', Effect: 'Deny', Action: '*', Resource: '*' }), 'Statement IDs (SID) in a single policy must be unique.'],
    ['a Principal', withStatement({ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }), 'Policy document should not specify a principal.'],
    ['unknown condition operator', withStatement({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEqualsAny: { 'aws:userid': 'x' } } }), 'Invalid Condition type : StringEqualsAny'],
    ['a Date value that is not a date', withStatement(revocationStatement('JitRevokedUntil203001010000', 'x', 'tomorrow')), /failed legacy parsing.*tomorrow/],
    ['a Date value with an impossible day', withStatement(revocationStatement('JitRevokedUntil203001010000', 'x', '2026-02-30T00:00:00Z')), /2026-02-30/],
    ['a Date value with a space instead of T', withStatement(revocationStatement('JitRevokedUntil203001010000', 'x', '2026-01-01 00:00:00Z')), /2026-01-01 00:00:00Z/],
    ['an empty condition block', withStatement({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEquals: {} } }), /^Syntax errors in policy/]
  ]
  it.each(malformedCases)('refuses %s (MalformedPolicyDocument, 400) and keeps the versions', async (_what, document, message) => {
    const { client } = await revokerClient()
    await expectIamError(
      client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: document, SetAsDefault: true })),
      'MalformedPolicyDocumentException', 400, message
    )
    expect(aws.sts.iam.policyVersions(POLICY).map(v => v.versionId)).toEqual(['v1'])
    expect(aws.sts.iam.requests.at(-1)).toMatchObject({ result: 'MalformedPolicyDocument', status: 400, policyDocument: document })
  })

  it.each<[string, Record<string, unknown>]>([
    ['the revocation statement the action writes', revocationStatement('JitRevokedUntil203001011200', ['AROAEXAMPLE:gh-1', 'AROAEXAMPLE:gh-2'], '2030-01-01T11:55:00.000Z')],
    ['a date-only and an epoch Date value', { Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': ['2030-01-01', 1893456000] } } }],
    ['set and IfExists operators, NotAction, NotResource, empty Sid', { Sid: '', Effect: 'Deny', NotAction: ['iam:Get*'], NotResource: 'arn:aws:iam::*:role/x', Condition: { 'ForAnyValue:StringLike': { 'aws:TagKeys': 'a*' }, StringEqualsIfExists: { 'aws:RequestedRegion': 'eu-west-1' }, Bool: { 'aws:MultiFactorAuthPresent': false } } }]
  ])('accepts %s', async (_what, statement) => {
    const { client } = await revokerClient()
    const created = await client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: withStatement(statement) }))
    expect(created.PolicyVersion?.VersionId).toBe('v2')
  })

  it('accepts a single statement object and the 2008-10-17 version', async () => {
    const { client } = await revokerClient()
    const document = JSON.stringify({ Version: '2008-10-17', Statement: ALLOW_ALL })
    expect((await client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: document }))).PolicyVersion?.VersionId).toBe('v2')
  })

  it('a missing document is a ValidationError; characters beyond Latin-1 are refused as IAM\'s pattern says', async () => {
    const { client } = await revokerClient()
    await expectIamError(
      client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY } as unknown as ConstructorParameters<typeof CreatePolicyVersionCommand>[0])),
      'ValidationError', 400, "1 validation error detected: Value null at 'policyDocument' failed to satisfy constraint: Member must not be null"
    )
    await expectIamError(
      client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: withStatement({ Sid: 'X', Effect: 'Deny', Action: '*', Resource: 'arn:aws:s3:::☃' }) })),
      'ValidationError', 400, /policyDocument/
    )
  })
})

describe('DeletePolicyVersion', () => {
  it('deletes a non-default version; the default is DeleteConflict (409); unknown versions NoSuchEntity', async () => {
    const { client } = await revokerClient()
    await client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(BASE), SetAsDefault: true }))
    await expectIamError(client.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v2' })), 'DeleteConflictException', 409, 'Cannot delete the default version of a policy.')
    const deleted = await client.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v1' }))
    expect(deleted.$metadata.httpStatusCode).toBe(200)
    expect(aws.sts.iam.policyVersions(POLICY).map(v => [v.versionId, v.isDefault])).toEqual([['v2', true]])
    await expectIamError(client.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v1' })), 'NoSuchEntityException', 404, `Policy ${POLICY} version v1 does not exist or is not attachable.`)
    expect(aws.sts.iam.requests.map(r => r.result)).toEqual(['ok', 'DeleteConflict', 'ok', 'NoSuchEntity'])
  })
})

describe('SetDefaultPolicyVersion', () => {
  it('makes another version the default; unknown versions NoSuchEntity (404), malformed ids a ValidationError', async () => {
    const v2doc = withStatement(revocationStatement('JitRevokedUntil203001010000', 'AROAEXAMPLE:gh-1', '2030-01-01T00:00:00Z'))
    aws.sts.iam.setPolicyVersions(POLICY, [{ document: BASE, isDefault: true }, { document: v2doc }])
    const { client } = await revokerClient()
    const out = await client.send(new SetDefaultPolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v2' }))
    expect(out.$metadata.httpStatusCode).toBe(200)
    expect((await client.send(new GetPolicyCommand({ PolicyArn: POLICY }))).Policy?.DefaultVersionId).toBe('v2')
    const listed = await client.send(new ListPolicyVersionsCommand({ PolicyArn: POLICY }))
    expect(listed.Versions?.map(v => [v.VersionId, v.IsDefaultVersion])).toEqual([['v2', true], ['v1', false]])
    expect(aws.sts.iam.defaultDocument(POLICY)).toEqual(JSON.parse(v2doc))
    // the default again: nothing to change, no error
    await client.send(new SetDefaultPolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v2' }))

    // the new default cannot be deleted, the old one can
    await expectIamError(client.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v2' })), 'DeleteConflictException', 409, 'Cannot delete the default version of a policy.')
    await client.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v1' }))
    await expectIamError(client.send(new SetDefaultPolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v1' })), 'NoSuchEntityException', 404, `Policy ${POLICY} version v1 does not exist or is not attachable.`)
    await expectIamError(client.send(new SetDefaultPolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'V2' })), 'ValidationError', 400, /at 'versionId' failed to satisfy constraint/)
    await expectIamError(client.send(new SetDefaultPolicyVersionCommand({ PolicyArn: `${POLICY}-gone`, VersionId: 'v2' })), 'NoSuchEntityException', 404, `Policy ${POLICY}-gone does not exist or is not attachable.`)
    expect(aws.sts.iam.policyVersions(POLICY).map(v => [v.versionId, v.isDefault])).toEqual([['v2', true]])
    expect(aws.sts.iam.requests.filter(r => r.action === 'SetDefaultPolicyVersion').map(r => [r.versionId, r.result])).toEqual([
      ['v2', 'ok'], ['v2', 'ok'], ['v1', 'NoSuchEntity'], ['V2', 'ValidationError'], ['v2', 'NoSuchEntity']
    ])
  })
})

describe('authentication', () => {
  it('accepts any session this STS issued and records which one signed each request', async () => {
    const revoker = await assume(REVOKER, 'revoker')
    const job = await assume(JOB_ROLE, 'gh-1-1-abcdef')
    await iam(revoker).send(new GetPolicyCommand({ PolicyArn: POLICY }))
    await iam(job).send(new GetPolicyCommand({ PolicyArn: POLICY }))
    expect(aws.sts.iam.requests.map(r => [r.accessKeyId, r.assumedRoleId, r.roleArn, r.signatureValid, r.result])).toEqual([
      [revoker.accessKeyId, revoker.assumedRoleId, REVOKER, true, 'ok'],
      [job.accessKeyId, job.assumedRoleId, JOB_ROLE, true, 'ok']
    ])
  })

  it('a wrong secret is SignatureDoesNotMatch (403), logged as an invalid signature by that session\'s key', async () => {
    const creds = await assume()
    const client = iam({ ...creds, secretAccessKey: `${creds.secretAccessKey.slice(0, -1)}${creds.secretAccessKey.endsWith('A') ? 'B' : 'A'}` })
    await expectIamError(client.send(new GetPolicyCommand({ PolicyArn: POLICY })), 'SignatureDoesNotMatch', 403, /^The request signature we calculated does not match/)
    expect(aws.sts.iam.requests).toEqual([expect.objectContaining({ accessKeyId: creds.accessKeyId, assumedRoleId: creds.assumedRoleId, signatureValid: false, status: 403, result: 'SignatureDoesNotMatch' })])
  })

  it('a body changed after signing is SignatureDoesNotMatch and nothing is written', async () => {
    const { client } = await revokerClient()
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: unknown }
        // same length, so Content-Length still holds
        if (typeof request.body === 'string') request.body = request.body.replace('AllowAll', 'AllowAny')
        return next(args)
      },
      { step: 'deserialize', name: 'tamperAfterSigning' }
    )
    await expectIamError(
      client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(BASE), SetAsDefault: true })),
      'SignatureDoesNotMatch', 403, /^The request signature we calculated does not match the signature you provided\./
    )
    expect(aws.sts.iam.requests.map(r => [r.policyDocument, r.signatureValid])).toEqual([[JSON.stringify(BASE).replace('AllowAll', 'AllowAny'), false]])
    expect(aws.sts.iam.policyVersions(POLICY)).toHaveLength(1)
  })

  it('an access key this STS never issued is InvalidClientTokenId (403), with no session in the log', async () => {
    const client = iam({ accessKeyId: 'ASIAUNKNOWNUNKNOWN12', secretAccessKey: 'x'.repeat(40), sessionToken: 'token' })
    await expectIamError(client.send(new GetRoleCommand({ RoleName: 'deploy' })), 'InvalidClientTokenId', 403, 'The security token included in the request is invalid.')
    expect(aws.sts.iam.requests).toEqual([expect.objectContaining({ accessKeyId: 'ASIAUNKNOWNUNKNOWN12', signatureValid: false, status: 403, result: 'InvalidClientTokenId' })])
    expect(aws.sts.iam.requests[0]?.assumedRoleId).toBeUndefined()
  })

  it('another session\'s token, or no token, is InvalidClientTokenId', async () => {
    const creds = await assume(REVOKER, 'one')
    const other = await assume(REVOKER, 'two')
    await expectIamError(iam({ ...creds, sessionToken: other.sessionToken }).send(new GetRoleCommand({ RoleName: 'deploy' })), 'InvalidClientTokenId', 403, 'The security token included in the request is invalid.')
    await expectIamError(iam({ ...creds, sessionToken: undefined }).send(new GetRoleCommand({ RoleName: 'deploy' })), 'InvalidClientTokenId', 403, 'The security token included in the request is invalid.')
    expect(aws.sts.iam.requests.map(r => [r.accessKeyId, r.signatureValid, r.result])).toEqual([
      [creds.accessKeyId, false, 'InvalidClientTokenId'],
      [creds.accessKeyId, false, 'InvalidClientTokenId']
    ])
  })

  it('a session past its expiration is ExpiredToken (403) even with a valid signature', async () => {
    const creds = await assume()
    const client = iam(creds)
    await client.send(new GetRoleCommand({ RoleName: 'deploy' }))
    creds.expiration = new Date(Date.now() - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    await expectIamError(client.send(new GetRoleCommand({ RoleName: 'deploy' })), 'ExpiredToken', 403, 'The security token included in the request is expired')
    expect(aws.sts.iam.requests.map(r => [r.signatureValid, r.result])).toEqual([[true, 'ok'], [true, 'ExpiredToken']])
  })

  it('unsigned requests are MissingAuthenticationToken, in IAM\'s error shape', async () => {
    const res = await rawPost({ Action: 'GetRole', RoleName: 'deploy' })
    expect(res.status).toBe(403)
    expect(res.body).toMatch(new RegExp(
      `^<ErrorResponse xmlns="${IAM_XMLNS.replace(/[.]/g, '\\.')}">\\s*<Error>\\s*<Type>Sender</Type>\\s*<Code>MissingAuthenticationToken</Code>\\s*` +
      '<Message>Request is missing Authentication Token</Message>\\s*</Error>\\s*<RequestId>[0-9a-f-]{36}</RequestId>\\s*</ErrorResponse>\\s*$'
    ))
    expect(aws.sts.iam.requests).toEqual([expect.objectContaining({ action: 'GetRole', signatureValid: false, status: 403, result: 'MissingAuthenticationToken' })])
    expect(aws.sts.iam.requests[0]?.accessKeyId).toBeUndefined()
  })

  it('signing checks: a correct raw signature passes; wrong service scope and a 20-minute-old signature do not', async () => {
    const creds = await assume()
    const params = { Action: 'GetRole', RoleName: 'deploy' }
    const ok = await rawPost(params, { creds })
    expect(ok.status).toBe(200)
    expect(ok.body).toMatch(new RegExp(`^<GetRoleResponse xmlns="${IAM_XMLNS.replace(/[.]/g, '\\.')}">\\s*<GetRoleResult>\\s*<Role>`))

    const wrongService = await rawPost(params, { creds, service: 'sts' })
    expect(wrongService.status).toBe(403)
    expect(wrongService.body).toContain('<Code>SignatureDoesNotMatch</Code>')
    expect(wrongService.body).toContain('Credential should be scoped to correct service: &apos;iam&apos;.')

    const stale = await rawPost(params, { creds, signingDate: new Date(Date.now() - 20 * 60_000) })
    expect(stale.status).toBe(403)
    expect(stale.body).toMatch(/<Code>SignatureDoesNotMatch<\/Code>\s*<Message>Signature expired: \d{8}T\d{6}Z is now earlier than/)
    // the signature itself was right both times: the scope and the clock are what failed
    expect(aws.sts.iam.requests.map(r => [r.signatureValid, r.result])).toEqual([[true, 'ok'], [true, 'SignatureDoesNotMatch'], [true, 'SignatureDoesNotMatch']])
  })
})

describe('faults and latency', () => {
  it('throttle answers Throttling (400) once per fault, then IAM answers normally; STS is unaffected', async () => {
    const { client } = await revokerClient()
    aws.sts.iam.injectFaults([{ kind: 'throttle' }])
    await assume(JOB_ROLE, 'not-throttled')
    expect(aws.sts.iam.pendingFaults()).toBe(1)
    await expectIamError(client.send(new GetPolicyCommand({ PolicyArn: POLICY })), 'Throttling', 400, 'Rate exceeded')
    expect(aws.sts.iam.pendingFaults()).toBe(0)
    await client.send(new GetPolicyCommand({ PolicyArn: POLICY }))
    expect(aws.sts.iam.requests.map(r => [r.fault, r.status, r.result])).toEqual([['throttle', 400, 'Throttling'], [undefined, 200, 'ok']])
  })

  it('the SDK recognises throttling and 5xx as retryable: with retries it gets through', async () => {
    const creds = await assume()
    aws.sts.iam.injectFaults([{ kind: 'throttle' }, { kind: 'status', status: 503 }])
    const out = await iam(creds, 3).send(new GetPolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v1' }))
    expect(decodeDocument(out.PolicyVersion?.Document)).toEqual(BASE)
    expect(aws.sts.iam.requests.map(r => r.result)).toEqual(['Throttling', 'ServiceUnavailable', 'ok'])
  })

  it('status faults answer the given status and code; STS faults do not reach IAM', async () => {
    const { client } = await revokerClient()
    aws.sts.injectFaults([{ kind: 'throttle' }])
    aws.sts.iam.injectFaults([{ kind: 'status', status: 500 }, { kind: 'status', status: 409, code: 'ConcurrentModification', message: 'busy' }])
    await expectIamError(client.send(new GetPolicyCommand({ PolicyArn: POLICY })), 'ServiceFailureException', 500, 'An internal error occurred. Try again.')
    await expectIamError(client.send(new GetPolicyCommand({ PolicyArn: POLICY })), 'ConcurrentModificationException', 409, 'busy')
    expect(aws.sts.pendingFaults()).toBe(1)
    expect(aws.sts.iam.requests.map(r => [r.fault, r.status, r.result])).toEqual([['status', 500, 'ServiceFailure'], ['status', 409, 'ConcurrentModification']])
  })

  it('delay waits, then handles the request normally', async () => {
    const { client } = await revokerClient()
    aws.sts.iam.injectFaults([{ kind: 'delay', ms: 50 }])
    const out = await client.send(new GetRoleCommand({ RoleName: 'deploy' }))
    expect(out.Role?.Arn).toBe(JOB_ROLE)
    expect(aws.sts.iam.requests).toEqual([expect.objectContaining({ fault: 'delay', status: 200, result: 'ok', signatureValid: true })])
  })

  it('malformed answers truncated XML the SDK cannot parse; reset drops the connection', async () => {
    const creds = await assume()
    aws.sts.iam.injectFaults([{ kind: 'malformed' }, { kind: 'reset' }])
    expect((await failure(iam(creds).send(new GetRoleCommand({ RoleName: 'deploy' })))).message).toMatch(/^@aws-sdk XML parse error: /)
    await expect(rawPost({ Action: 'GetRole', RoleName: 'deploy' }, { creds })).rejects.toMatchObject({ code: 'ECONNRESET' })
    expect(aws.sts.iam.requests.map(r => [r.fault, r.status, r.result])).toEqual([['malformed', 200, 'malformed'], ['reset', -1, 'reset']])
  })

  it('latency holds the answer, not the handling: a read that arrived before a write still shows the old version', async () => {
    const reader = await revokerClient()
    const writer = iam(await assume(REVOKER, 'writer'))
    aws.sts.iam.setLatency(300, ['GetPolicyVersion'])
    const read = reader.client.send(new GetPolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v1' }))
    // wait until the read has been handled (its answer is now held back)
    for (let i = 0; i < 500 && !aws.sts.iam.requests.some(r => r.action === 'GetPolicyVersion' && r.status === 200); i++) {
      await new Promise(resolve => setTimeout(resolve, 5))
    }
    await writer.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: withStatement(revocationStatement('JitRevokedUntil203001010000', 'AROAX:w', '2030-01-01T00:00:00Z')), SetAsDefault: true }))
    await writer.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v1' }))
    // v1 is gone by now, yet the held answer is what the reader was going to see when it arrived
    expect(decodeDocument((await read).PolicyVersion?.Document)).toEqual(BASE)
    expect(aws.sts.iam.requests.map(r => r.action)).toEqual(['GetPolicyVersion', 'CreatePolicyVersion', 'DeletePolicyVersion'])

    aws.sts.iam.setLatency(0)
    await expectIamError(reader.client.send(new GetPolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v1' })), 'NoSuchEntityException', 404, `Policy ${POLICY} version v1 does not exist or is not attachable.`)
  })
})

describe('concurrent writers', () => {
  it('two writers that read the same default both create a version: ids v2/v3, the later is the default, the first writer\'s entry is lost', async () => {
    const a = iam(await assume(REVOKER, 'writer-a'))
    const b = iam(await assume(REVOKER, 'writer-b'))
    aws.sts.iam.setLatency(200, ['GetPolicyVersion'])
    const [readA, readB] = await Promise.all([a, b].map(c => c.send(new GetPolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v1' }))))
    expect(readA?.PolicyVersion?.Document).toBe(readB?.PolicyVersion?.Document)

    const write = (client: IAMClient, user: string) => {
      const doc = decodeDocument(readA?.PolicyVersion?.Document) as { Version: string, Statement: unknown[] }
      doc.Statement.push(revocationStatement(`JitRevoked${user}`, `AROAEXAMPLE:${user}`, '2030-01-01T00:00:00Z'))
      return client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(doc), SetAsDefault: true }))
    }
    const created = await Promise.all([write(a, 'A'), write(b, 'B')])
    expect(created.map(c => c.PolicyVersion?.VersionId).sort()).toEqual(['v2', 'v3'])
    const versions = aws.sts.iam.policyVersions(POLICY)
    expect(versions.map(v => [v.versionId, v.isDefault])).toEqual([['v1', false], ['v2', false], ['v3', true]])
    const lastWriter = aws.sts.iam.requests.filter(r => r.createdVersionId === 'v3')[0]?.sessionArn?.endsWith('writer-a') ? 'A' : 'B'
    const firstWriter = lastWriter === 'A' ? 'B' : 'A'
    const current = JSON.stringify(aws.sts.iam.defaultDocument(POLICY))
    expect(current).toContain(`AROAEXAMPLE:${lastWriter}`)
    expect(current).not.toContain(`AROAEXAMPLE:${firstWriter}`)
  })

  it('with 4 versions, two concurrent creates: exactly one succeeds and the other is LimitExceeded', async () => {
    aws.sts.iam.setPolicyVersions(POLICY, [{ document: BASE }, { document: BASE }, { document: BASE }, { document: BASE, isDefault: true }])
    const a = iam(await assume(REVOKER, 'writer-a'))
    const b = iam(await assume(REVOKER, 'writer-b'))
    const results = await Promise.allSettled([a, b].map(c =>
      c.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(BASE), SetAsDefault: true }))))
    expect(results.map(r => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    const rejected = results.find(r => r.status === 'rejected') as PromiseRejectedResult
    expect((rejected.reason as SdkError).name).toBe('LimitExceededException')
    expect(aws.sts.iam.policyVersions(POLICY).map(v => v.versionId)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5'])
  })
})

describe('attached managed policies', () => {
  const shard = (i: number): string => `arn:aws:iam::${ACCOUNT}:policy/jit/jit-revocations-${i}`
  const addShards = (n: number): string[] => Array.from({ length: n }, (_, i) => {
    aws.sts.iam.addPolicy(shard(i), BASE)
    return shard(i)
  })

  it('ListAttachedRolePolicies lists names and ARNs in the order attached, pages with MaxItems/Marker, filters by PathPrefix', async () => {
    const other = `arn:aws:iam::${ACCOUNT}:policy/other/ReadStuff`
    aws.sts.iam.addPolicy(other, BASE)
    const arns = [...addShards(4), other]
    for (const arn of arns) aws.sts.iam.attachRolePolicy(JOB_ROLE, arn)
    const { client } = await revokerClient()
    const list = (input: Partial<ConstructorParameters<typeof ListAttachedRolePoliciesCommand>[0]> = {}) =>
      client.send(new ListAttachedRolePoliciesCommand({ RoleName: 'deploy', ...input }))

    const all = await list()
    expect(all.AttachedPolicies).toEqual(arns.map(arn => ({ PolicyName: arn.split('/').at(-1), PolicyArn: arn })))
    expect(all.IsTruncated).toBe(false)
    expect(all.Marker).toBeUndefined()

    const pages: string[][] = []
    let marker: string | undefined
    do {
      const page = await list({ MaxItems: 2, ...(marker === undefined ? {} : { Marker: marker }) })
      pages.push(page.AttachedPolicies?.map(p => p.PolicyArn ?? '') ?? [])
      expect(page.IsTruncated).toBe(page.Marker !== undefined)
      marker = page.Marker
    } while (marker !== undefined)
    expect(pages).toEqual([arns.slice(0, 2), arns.slice(2, 4), arns.slice(4)])

    expect((await list({ PathPrefix: '/jit/' })).AttachedPolicies?.map(p => p.PolicyArn)).toEqual(arns.slice(0, 4))
    expect((await list({ PathPrefix: '/nope/' })).AttachedPolicies).toEqual([])
    expect((await list({ RoleName: 'jit-revoker' })).AttachedPolicies).toEqual([])
    await expectIamError(list({ RoleName: 'nope' }), 'NoSuchEntityException', 404, 'The role with name nope cannot be found.')
    await expectIamError(list({ MaxItems: 0 }), 'ValidationError', 400, /at 'maxItems' failed to satisfy constraint/)
    await expectIamError(list({ PathPrefix: 'jit' }), 'ValidationError', 400, /at 'pathPrefix' failed to satisfy constraint/)
  })

  it('a role holds at most 10 managed policies (IAM\'s default quota), up to 20 when the quota is raised; attaching again changes nothing', async () => {
    const shards = addShards(21)
    for (const arn of shards.slice(0, 10)) aws.sts.iam.attachRolePolicy(JOB_ROLE, arn)
    aws.sts.iam.attachRolePolicy(JOB_ROLE, shards[0]!)
    expect(() => aws.sts.iam.attachRolePolicy(JOB_ROLE, shards[10]!)).toThrow(new Error('Cannot exceed quota for PoliciesPerRole: 10'))
    expect(aws.sts.iam.attachedRolePolicies(JOB_ROLE)).toEqual(shards.slice(0, 10))
    // detaching frees a place
    aws.sts.iam.detachRolePolicy(JOB_ROLE, shards[3]!)
    aws.sts.iam.attachRolePolicy(JOB_ROLE, shards[10]!)
    expect(() => aws.sts.iam.detachRolePolicy(JOB_ROLE, shards[3]!)).toThrow(new Error(`Policy ${shards[3]} was not found.`))

    aws.sts.iam.setAttachedPolicyQuota(20)
    for (const arn of [shards[3]!, ...shards.slice(11, 20)]) aws.sts.iam.attachRolePolicy(JOB_ROLE, arn)
    expect(() => aws.sts.iam.attachRolePolicy(JOB_ROLE, shards[20]!)).toThrow(new Error('Cannot exceed quota for PoliciesPerRole: 20'))
    expect(() => aws.sts.iam.setAttachedPolicyQuota(21)).toThrow(/1 to 20 managed policies per role/)
    const { client } = await revokerClient()
    expect((await client.send(new ListAttachedRolePoliciesCommand({ RoleName: 'deploy' }))).AttachedPolicies).toHaveLength(20)

    expect(() => aws.sts.iam.attachRolePolicy(JOB_ROLE, `arn:aws:iam::${ACCOUNT}:policy/missing`)).toThrow(/no policy/)
    aws.sts.iam.addPolicy('arn:aws:iam::444455556666:policy/theirs', BASE)
    expect(() => aws.sts.iam.attachRolePolicy(REVOKER, 'arn:aws:iam::444455556666:policy/theirs')).toThrow(/not in the account/)
    expect(() => aws.sts.iam.attachRolePolicy(`arn:aws:iam::${ACCOUNT}:role/nobody`, shards[0]!)).toThrow(/no role/)
  })

  it('GetPolicy\'s AttachmentCount is the roles it is attached to plus the users and groups set up', async () => {
    const [arn] = addShards(1) as [string]
    aws.sts.iam.attachRolePolicy(JOB_ROLE, arn)
    aws.sts.iam.attachRolePolicy(REVOKER, arn)
    aws.sts.iam.setAttachmentCount(arn, 3)
    const { client } = await revokerClient()
    const count = async () => (await client.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.AttachmentCount
    expect(await count()).toBe(5)
    aws.sts.iam.detachRolePolicy(REVOKER, arn)
    expect(await count()).toBe(4)
    expect(aws.sts.iam.policy(arn)?.attachmentCount).toBe(4)
    // a replaced role is a new role, with nothing attached
    aws.sts.iam.addRole(JOB_ROLE, { permissionsBoundaryArn: POLICY })
    expect(await count()).toBe(3)
    expect(aws.sts.iam.attachedRolePolicies(JOB_ROLE)).toEqual([])
  })
})

describe('eventually consistent reads (setReadStaleness)', () => {
  const STALE_MS = 200
  // A seed whose first two lags are over 90% of the window: the first reads after (re)seeding surely lag
  // behind a write made just before, even on a slow machine.
  const SEED = Array.from({ length: 10_000 }, (_, i) => i).find(seed => {
    const random = mulberry32(seed)
    return random() > 0.9 && random() > 0.9
  }) ?? 0
  const WRITES = new Set(['CreatePolicyVersion', 'DeletePolicyVersion', 'SetDefaultPolicyVersion'])
  const writesLogged = (): IamRequestLog[] => aws.sts.iam.requests.filter(r => WRITES.has(r.action) && r.result === 'ok')

  /**
   * How many of the (sequential) writes a logged read can have seen. It saw the policy as it was
   * staleByMs before it was handled, and it was handled between its arrival and its answer; each write
   * took effect between its own. `min` had surely taken effect by then; at most `max` could have.
   */
  function writesSeenBy(read: IamRequestLog, writes: IamRequestLog[]): { min: number, max: number } {
    const lag = read.staleByMs ?? 0
    return {
      min: writes.filter(w => (w.answeredAt ?? Infinity) < read.at - lag).length,
      max: writes.filter(w => w.at <= (read.answeredAt ?? Infinity) - lag).length
    }
  }

  /** Calls `read` until an answer satisfies `done`; every answer in order. Fails after 2 s (10 windows of STALE_MS). */
  async function readUntil<T>(read: () => Promise<T>, done: (answer: T) => boolean): Promise<T[]> {
    const answers: T[] = []
    const deadline = Date.now() + 2000
    while (Date.now() < deadline) {
      const answer = await read()
      answers.push(answer)
      if (done(answer)) return answers
    }
    throw new Error(`no answer satisfied the condition in 2 s: ${JSON.stringify(answers.slice(-3))}`)
  }

  const versionsOf = (versions: Array<{ VersionId?: string | undefined, IsDefaultVersion?: boolean | undefined }>): string =>
    versions.map(v => `${v.VersionId ?? ''}${v.IsDefaultVersion === true ? '*' : ''}`).sort().join(',')
  const primaryVersions = (): string =>
    versionsOf(aws.sts.iam.policyVersions(POLICY).map(v => ({ VersionId: v.versionId, IsDefaultVersion: v.isDefault })))

  it('a list right after a write can miss it, and no list shows a state the policy was not in at the moment it was read from', async () => {
    const { client } = await revokerClient()
    const list = async (): Promise<string> => versionsOf((await client.send(new ListPolicyVersionsCommand({ PolicyArn: POLICY }))).Versions ?? [])
    const states = [primaryVersions()]
    const shown: string[] = []
    const writes = [
      () => client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(BASE), SetAsDefault: true })),
      () => client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(BASE) })),
      () => client.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v1' }))
    ]
    for (const write of writes) {
      aws.sts.iam.setReadStaleness(STALE_MS, { seed: SEED })
      await write()
      states.push(primaryVersions())
      const answers = await readUntil(list, answer => answer === states.at(-1))
      // the first list after the write lagged behind it (maybe behind the write before, too); a later one had it
      expect(answers[0]).not.toBe(states.at(-1))
      expect(answers.at(-1)).toBe(states.at(-1))
      shown.push(...answers)
    }
    expect(states).toEqual(['v1*', 'v1,v2*', 'v1,v2*,v3', 'v2*,v3'])

    const reads = aws.sts.iam.requests.filter(r => r.action === 'ListPolicyVersions')
    const done = writesLogged()
    expect(reads).toHaveLength(shown.length)
    expect(done).toHaveLength(3)
    reads.forEach((read, i) => {
      expect(read.staleByMs).toBeGreaterThanOrEqual(0)
      expect(read.staleByMs).toBeLessThanOrEqual(STALE_MS)
      // a state the policy really was in (index = writes applied), and one it was in at that moment
      const { min, max } = writesSeenBy(read, done)
      const state = states.indexOf(shown[i] ?? '')
      expect({ read: i, shown: shown[i], state, min, max, consistent: state >= min && state <= max }).toMatchObject({ consistent: true })
    })
    for (const write of done) expect(write.staleByMs).toBeUndefined()
  })

  it('writes are judged on the primary: LimitExceeded while a stale list shows 4 versions, DeleteConflict on a default a stale read does not show yet', async () => {
    aws.sts.iam.setPolicyVersions(POLICY, [{ document: BASE }, { document: BASE }, { document: BASE }, { document: BASE, isDefault: true }])
    const { client } = await revokerClient()
    // only stale reads are wanted here, and a wide window never waits for fresh ones
    const WIDE_MS = 2000
    aws.sts.iam.setReadStaleness(WIDE_MS, { seed: SEED })
    const create = () => client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(BASE), SetAsDefault: true }))
    expect((await create()).PolicyVersion?.VersionId).toBe('v5')

    const lists = await readUntil(() => client.send(new ListPolicyVersionsCommand({ PolicyArn: POLICY })), out => out.Versions?.length === 4)
    expect(lists.at(-1)?.Versions?.map(v => v.VersionId)).toEqual(['v4', 'v3', 'v2', 'v1'])
    await expectIamError(create(), 'LimitExceededException', 409, FIVE_VERSIONS)

    aws.sts.iam.setReadStaleness(WIDE_MS, { seed: SEED })
    const policies = await readUntil(() => client.send(new GetPolicyCommand({ PolicyArn: POLICY })), out => out.Policy?.DefaultVersionId === 'v4')
    expect(policies.at(-1)?.Policy?.DefaultVersionId).toBe('v4')
    await expectIamError(client.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v5' })), 'DeleteConflictException', 409, 'Cannot delete the default version of a policy.')
    // what the stale read called the default is not the default: it can go
    await client.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v4' }))
    expect(aws.sts.iam.policyVersions(POLICY).map(v => [v.versionId, v.isDefault])).toEqual([['v1', false], ['v2', false], ['v3', false], ['v5', true]])
    expect(aws.sts.iam.requests.filter(r => WRITES.has(r.action)).map(r => r.result)).toEqual(['ok', 'LimitExceeded', 'DeleteConflict', 'ok'])
  })

  it('a stale GetPolicyVersion misses only a version not created yet, still finds one already deleted, and finds each with its own document', async () => {
    const v2doc = withStatement(revocationStatement('JitRevokedUntil203001010000', 'AROAEXAMPLE:gh-2', '2030-01-01T00:00:00Z'))
    const v3doc = withStatement(revocationStatement('JitRevokedUntil203001010000', 'AROAEXAMPLE:gh-3', '2030-01-01T00:00:00Z'))
    aws.sts.iam.setPolicyVersions(POLICY, [{ document: BASE, isDefault: true }, { document: v2doc }])
    const { client } = await revokerClient()
    aws.sts.iam.setReadStaleness(STALE_MS, { seed: SEED })
    await client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: v3doc }))
    await client.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v2' }))
    aws.sts.iam.setReadStaleness(STALE_MS, { seed: SEED })

    const seen = new Set<string>()
    const outcomes: string[] = []
    await readUntil(async () => {
      const id = outcomes.length % 2 === 0 ? 'v3' : 'v2'
      const outcome = await client.send(new GetPolicyVersionCommand({ PolicyArn: POLICY, VersionId: id })).then(
        out => {
          expect(decodeURIComponent(out.PolicyVersion?.Document ?? '')).toBe(id === 'v2' ? v2doc : v3doc)
          return `${id} found`
        },
        (e: unknown) => `${id} ${(e as SdkError).name}`
      )
      outcomes.push(outcome)
      seen.add(outcome)
      return seen.size
    }, size => size === 4)
    expect([...seen].sort()).toEqual(['v2 NoSuchEntityException', 'v2 found', 'v3 NoSuchEntityException', 'v3 found'])

    // each outcome agrees with the moment the read saw: v3 exists after write 1, v2 until write 2
    const reads = aws.sts.iam.requests.filter(r => r.action === 'GetPolicyVersion')
    const done = writesLogged()
    expect(reads).toHaveLength(outcomes.length)
    reads.forEach((read, i) => {
      const { min, max } = writesSeenBy(read, done)
      const possible = [0, 1, 2].filter(state => state >= min && state <= max)
      const expected = possible.map(state => read.versionId === 'v3' ? (state >= 1 ? 'v3 found' : 'v3 NoSuchEntityException') : (state <= 1 ? 'v2 found' : 'v2 NoSuchEntityException'))
      expect(expected).toContain(outcomes[i])
    })
  })

  it('writes are never stale; setReadStaleness(0) reads the primary; states written while it was off do not come back when it is raised', async () => {
    const { client } = await revokerClient()
    const create = () => client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(BASE), SetAsDefault: true }))
    const listIds = async () => (await client.send(new ListPolicyVersionsCommand({ PolicyArn: POLICY }))).Versions?.map(v => v.VersionId)
    aws.sts.iam.setReadStaleness(STALE_MS, { seed: SEED })
    await create()
    aws.sts.iam.setReadStaleness(0)
    expect(await listIds()).toEqual(['v2', 'v1'])
    expect(aws.sts.iam.requests.at(-1)?.staleByMs).toBeUndefined()

    await create()
    aws.sts.iam.setReadStaleness(STALE_MS, { seed: SEED })
    for (let i = 0; i < 10; i++) expect(await listIds()).toEqual(['v3', 'v2', 'v1'])
    const v3 = writesLogged().at(-1)!
    for (const read of aws.sts.iam.requests.filter(r => r.action === 'ListPolicyVersions').slice(1)) {
      // the lag it really had: back to the write of v3 at most
      expect(read.staleByMs).toBeLessThanOrEqual((read.answeredAt ?? Infinity) - v3.at)
    }
    expect(aws.sts.iam.requests.filter(r => r.action === 'CreatePolicyVersion').map(r => r.staleByMs)).toEqual([undefined, undefined])
    expect(() => aws.sts.iam.setReadStaleness(-1)).toThrow(/staleness/)
  })
})

describe('random faults and the write rate limit', () => {
  it('random faults answer before any effect: a throttled or failed CreatePolicyVersion creates nothing; other actions pass; a seed replays them', async () => {
    const { creds, client } = await revokerClient()
    const run = async (): Promise<string[]> => {
      aws.sts.iam.setRandomFaults({ throttle: 0.3, serverError: 0.3, actions: ['CreatePolicyVersion'], seed: 7 })
      const outcomes: string[] = []
      for (let i = 0; i < 20; i++) {
        const outcome = await client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(BASE) })).then(
          async out => {
            // DeletePolicyVersion is not in `actions`: never faulted
            await client.send(new DeletePolicyVersionCommand({ PolicyArn: POLICY, VersionId: out.PolicyVersion?.VersionId }))
            return 'ok'
          },
          (e: unknown) => `${(e as SdkError).name} ${(e as SdkError).$metadata?.httpStatusCode}`
        )
        outcomes.push(outcome)
      }
      return outcomes
    }
    const first = await run()
    expect(new Set(first)).toEqual(new Set(['ok', 'Throttling 400', 'ServiceFailureException 500', 'ServiceUnavailable 503']))
    // a seed replays the same faults on the same requests
    expect(await run()).toEqual(first)

    const creates = aws.sts.iam.requests.filter(r => r.action === 'CreatePolicyVersion')
    const expectedLog = [...first, ...first].map(o => ({
      ok: [undefined, 200, 'ok'],
      'Throttling 400': ['throttle', 400, 'Throttling'],
      'ServiceFailureException 500': ['status', 500, 'ServiceFailure'],
      'ServiceUnavailable 503': ['status', 503, 'ServiceUnavailable']
    })[o])
    expect(creates.map(r => [r.fault, r.status, r.result])).toEqual(expectedLog)
    // faulted creates used no version id: the ids created are consecutive, and all were deleted again
    const ids = creates.flatMap(r => r.createdVersionId ?? [])
    expect(ids).toEqual(ids.map((_, i) => `v${i + 2}`))
    expect(aws.sts.iam.policyVersions(POLICY).map(v => v.versionId)).toEqual(['v1'])
    expect(aws.sts.iam.requests.filter(r => r.action === 'DeletePolicyVersion').every(r => r.fault === undefined && r.result === 'ok')).toBe(true)

    aws.sts.iam.setRandomFaults(undefined)
    for (let i = 0; i < 3; i++) await client.send(new GetPolicyCommand({ PolicyArn: POLICY }))
    expect(aws.sts.iam.requests.slice(-3).map(r => r.result)).toEqual(['ok', 'ok', 'ok'])
    expect(() => aws.sts.iam.setRandomFaults({ throttle: 1.5 })).toThrow(/probability/)
    const logged = JSON.stringify(aws.sts.iam.requests)
    expect(logged).not.toContain(creds.secretAccessKey)
    expect(logged).not.toContain(creds.sessionToken)
  })

  it('the write rate limit throttles writes beyond the bucket with no effect, per account; reads are not limited; it refills', async () => {
    const { client } = await revokerClient()
    const theirRole = 'arn:aws:iam::444455556666:role/jit-revoker'
    const theirPolicy = 'arn:aws:iam::444455556666:policy/jit-revocations'
    aws.sts.iam.addRole(theirRole)
    aws.sts.iam.addPolicy(theirPolicy, BASE)
    const theirs = iam(await assume(theirRole, 'other-account'))
    const create = () => client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(BASE) }))
    // a write that changes nothing (v1 stays the default), yet takes a token like any other
    const keepDefault = () => client.send(new SetDefaultPolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v1' }))
    const throttled = (call: Promise<unknown>): Promise<boolean> => call.then(() => false, (e: unknown) => (e as SdkError).name === 'Throttling')

    // 2 saved up, then a token every 2 s: none comes back during these steps, however slow the machine
    aws.sts.iam.setWriteRateLimit(0.5, 2)
    const burst = await Promise.allSettled([create(), create(), create(), create()])
    expect(burst.map(r => r.status).sort()).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected'])
    for (const r of burst) {
      if (r.status === 'rejected') expect({ name: (r.reason as SdkError).name, message: (r.reason as SdkError).message }).toEqual({ name: 'Throttling', message: 'Rate exceeded' })
    }
    // the throttled creates created nothing, not even a version id
    expect(aws.sts.iam.policyVersions(POLICY).map(v => v.versionId)).toEqual(['v1', 'v2', 'v3'])
    // reads do not take from the bucket; another account has a bucket of its own
    for (let i = 0; i < 3; i++) await client.send(new GetPolicyCommand({ PolicyArn: POLICY }))
    expect((await theirs.send(new CreatePolicyVersionCommand({ PolicyArn: theirPolicy, PolicyDocument: JSON.stringify(BASE) }))).PolicyVersion?.VersionId).toBe('v2')
    expect(await throttled(keepDefault())).toBe(true)

    // a token every 500 ms: once spent, the next write waits for it
    aws.sts.iam.setWriteRateLimit(2, 1)
    let spent = false
    for (let i = 0; i < 10 && !spent; i++) spent = await throttled(keepDefault())
    expect(spent).toBe(true)
    await sleep(550)
    expect((await create()).PolicyVersion?.VersionId).toBe('v4')

    const throttledLog = aws.sts.iam.requests.filter(r => r.result === 'Throttling')
    expect(throttledLog.length).toBeGreaterThanOrEqual(4)
    expect(throttledLog.every(r => r.fault === 'throttle' && r.status === 400 && r.createdVersionId === undefined)).toBe(true)
    expect(aws.sts.iam.requests.filter(r => r.action === 'GetPolicy').map(r => r.result)).toEqual(['ok', 'ok', 'ok'])

    aws.sts.iam.setWriteRateLimit(0)
    for (let i = 0; i < 5; i++) await keepDefault()
    expect((await create()).PolicyVersion?.VersionId).toBe('v5')
    expect(() => aws.sts.iam.setWriteRateLimit(5)).toThrow(/burst/)
  })

  it('setLatency with before: 0.5 lands a write mid-call: not yet handled at arrival, done half way, answered at the end', async () => {
    const { client } = await revokerClient()
    aws.sts.iam.setLatency(800, ['CreatePolicyVersion'], { before: 0.5 })
    const call = client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(BASE), SetAsDefault: true }))
    await until(() => aws.sts.iam.requests.length === 1, 'the write arrived')
    const entry = aws.sts.iam.requests[0]!
    expect(aws.sts.iam.policyVersions(POLICY)).toHaveLength(1)
    expect(entry.status).toBe(0)
    await until(() => aws.sts.iam.policyVersions(POLICY).length === 2, 'the write took effect')
    const landed = wireClock()
    // in effect, but the caller does not know yet
    expect(entry.answeredAt).toBeUndefined()
    expect(landed - entry.at).toBeGreaterThanOrEqual(390)
    expect((await call).PolicyVersion?.VersionId).toBe('v2')
    expect((entry.answeredAt ?? 0) - entry.at).toBeGreaterThanOrEqual(790)
    expect((entry.answeredAt ?? 0) - landed).toBeGreaterThanOrEqual(300)
    expect(() => aws.sts.iam.setLatency(100, undefined, { before: 1.5 })).toThrow(/fraction/)
  })
})

describe('the AWS clock (sts.setClockOffset) and the Date header', () => {
  const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/

  it('every IAM answer, success, error or injected fault, carries one Date header from the AWS clock', async () => {
    const creds = await assume()
    // within 15 minutes, so a signature from the machine's clock still passes
    aws.sts.setClockOffset(-7 * 60_000)
    const ok = await rawPost({ Action: 'GetRole', RoleName: 'deploy' }, { creds })
    const missing = await rawPost({ Action: 'GetRole', RoleName: 'nope' }, { creds })
    aws.sts.iam.injectFaults([{ kind: 'throttle' }])
    const throttled = await rawPost({ Action: 'GetRole', RoleName: 'deploy' }, { creds })
    const unsigned = await rawPost({ Action: 'GetRole', RoleName: 'deploy' })
    expect([ok, missing, throttled, unsigned].map(r => r.status)).toEqual([200, 404, 400, 403])
    for (const res of [ok, missing, throttled, unsigned]) {
      expect(res.rawHeaders.filter(h => h.toLowerCase() === 'date')).toHaveLength(1)
      expect(res.headers.date).toMatch(IMF_FIXDATE)
      expect(Math.abs(Date.parse(res.headers.date ?? '') - aws.sts.now().getTime())).toBeLessThan(2000)
    }
    expect(Math.abs(aws.sts.now().getTime() - (Date.now() - 7 * 60_000))).toBeLessThan(50)
  })

  it('SigV4 skew and CreateDate follow the AWS clock, and the SDK corrects its own clock from the Date header', async () => {
    aws.sts.setClockOffset(20 * 60_000)
    const creds = await assume()
    const client = iam(creds)
    const error = await expectIamError(client.send(new GetRoleCommand({ RoleName: 'deploy' })), 'SignatureDoesNotMatch', 403, /^Signature expired: \d{8}T\d{6}Z is now earlier than/)
    expect(error.$metadata?.clockSkewCorrected).toBe(true)
    expect(Math.abs(await client.config.systemClockOffset - 20 * 60_000)).toBeLessThan(2000)
    // signed on the corrected clock, the next call passes
    expect((await client.send(new GetRoleCommand({ RoleName: 'deploy' }))).Role?.Arn).toBe(JOB_ROLE)
    const created = await client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(BASE) }))
    expect(Math.abs((created.PolicyVersion?.CreateDate?.getTime() ?? 0) - aws.sts.now().getTime())).toBeLessThan(2000)
    const updated = (await client.send(new GetPolicyCommand({ PolicyArn: POLICY }))).Policy?.UpdateDate
    expect(updated?.getTime()).toBe(created.PolicyVersion?.CreateDate?.getTime())
  })

  it('sessions expire on the AWS clock', async () => {
    const creds = await assume()
    await iam(creds).send(new GetRoleCommand({ RoleName: 'deploy' }))
    // the 900-second session is over once the AWS clock is 16 minutes on
    aws.sts.setClockOffset(16 * 60_000)
    await expectIamError(iam(creds).send(new GetRoleCommand({ RoleName: 'deploy' })), 'ExpiredToken', 403, 'The security token included in the request is expired')
    aws.sts.setClockOffset(0)
    await iam(creds).send(new GetRoleCommand({ RoleName: 'deploy' }))
    expect(aws.sts.iam.requests.map(r => r.result)).toEqual(['ok', 'ExpiredToken', 'ok'])
  })

  it('reset() turns off stale reads, random faults, the rate limit, split latency and the clock offset, and forgets attachments and the quota', async () => {
    aws.sts.iam.setReadStaleness(10_000, { seed: 1 })
    aws.sts.iam.setRandomFaults({ throttle: 1 })
    aws.sts.iam.setWriteRateLimit(1, 1)
    aws.sts.iam.setAttachedPolicyQuota(20)
    aws.sts.iam.attachRolePolicy(JOB_ROLE, POLICY)
    aws.sts.iam.setLatency(10_000, undefined, { before: 1 })
    aws.sts.setRandomFaults({ throttle: 1 })
    aws.sts.setClockOffset(3_600_000)
    aws.sts.reset()
    aws.sts.iam.addRole(JOB_ROLE)
    aws.sts.iam.addRole(REVOKER)
    aws.sts.iam.addPolicy(POLICY, BASE)

    expect(aws.sts.iam.attachedRolePolicies(JOB_ROLE)).toEqual([])
    const shards = Array.from({ length: 11 }, (_, i) => aws.sts.iam.addPolicy(`${POLICY}-${i}`, BASE).arn)
    for (const arn of shards.slice(0, 10)) aws.sts.iam.attachRolePolicy(JOB_ROLE, arn)
    expect(() => aws.sts.iam.attachRolePolicy(JOB_ROLE, shards[10]!)).toThrow(new Error('Cannot exceed quota for PoliciesPerRole: 10'))
    expect(Math.abs(aws.sts.now().getTime() - Date.now())).toBeLessThan(50)

    const { client } = await revokerClient()
    for (let i = 2; i <= 4; i++) {
      await client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: JSON.stringify(BASE), SetAsDefault: true }))
      expect((await client.send(new ListPolicyVersionsCommand({ PolicyArn: POLICY }))).Versions?.[0]).toMatchObject({ VersionId: `v${i}`, IsDefaultVersion: true })
    }
    expect(aws.sts.iam.requests.map(r => [r.result, r.fault, r.staleByMs])).toEqual(Array.from({ length: 6 }, () => ['ok', undefined, undefined]))
  })
})

describe('test API', () => {
  it('addPolicy refuses documents IAM would refuse, so seeds are always reachable states', () => {
    expect(() => aws.sts.iam.addPolicy(POLICY, '{"Version":"2012-10-17"')).toThrow(/IAM would refuse .*MalformedPolicyDocument/)
    const users = Array.from({ length: 140 }, (_, i) => `AROAOTHEROTHEROTHER1:gh-7654321098-1-${String(i).padStart(8, '0')}`)
    const big = { Version: '2012-10-17', Statement: [ALLOW_ALL, revocationStatement('JitRevokedUntil203001010000', users, '2030-01-01T00:00:00Z')] }
    expect(() => aws.sts.iam.addPolicy(POLICY, big)).toThrow(/LimitExceeded: Cannot exceed quota for PolicySize: 6144/)
    expect(() => aws.sts.iam.addPolicy('arn:aws:iam::aws:policy/ReadOnlyAccess', BASE)).toThrow(/not a customer-managed policy ARN/)
    expect(() => aws.sts.iam.addRole('arn:aws:iam::111122223333:user/bob')).toThrow(/not a role ARN/)
  })

  it('policyVersions and defaultDocument are copies of the state, and throw for unknown policies', () => {
    const versions = aws.sts.iam.policyVersions(POLICY)
    versions[0]!.isDefault = false
    expect(aws.sts.iam.policyVersions(POLICY)[0]?.isDefault).toBe(true)
    expect(aws.sts.iam.defaultDocument(POLICY)).toEqual(BASE)
    expect(() => aws.sts.iam.policyVersions(`${POLICY}-gone`)).toThrow(/no policy/)
    expect(() => aws.sts.iam.setPolicyVersions(POLICY, Array.from({ length: 6 }, () => ({ document: BASE })))).toThrow(/1 to 5 versions/)
  })
})

describe('boundary.ts', () => {
  const session = { userId: 'AROAEXAMPLEEXAMPLE1:gh-1-1-aaaa', tokenIssueTime: '2026-01-01T10:00:00Z' }
  const boundary = (...statements: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement: [ALLOW_ALL, ...statements] })

  it('denies a session listed in aws:userid whose token was issued before the DateLessThan', () => {
    const doc = boundary(revocationStatement('JitRevokedUntil202601011015', [session.userId, 'AROAOTHER:x'], '2026-01-01T10:05:00Z'))
    expect(deniesSession(doc, session)).toBe(true)
    expect(deniesSession(JSON.stringify(doc), { ...session, tokenIssueTime: new Date('2026-01-01T10:04:59Z') })).toBe(true)
  })

  it('does not deny another user id, or the same name issued at or after the DateLessThan', () => {
    const doc = boundary(revocationStatement('JitRevokedUntil202601011015', session.userId, '2026-01-01T10:05:00Z'))
    expect(deniesSession(doc, { ...session, userId: 'AROAEXAMPLEEXAMPLE1:gh-1-1-bbbb' })).toBe(false)
    expect(deniesSession(doc, { ...session, userId: session.userId.toLowerCase() })).toBe(false)
    expect(deniesSession(doc, { ...session, tokenIssueTime: '2026-01-01T10:05:00Z' })).toBe(false)
    expect(deniesSession(doc, { ...session, tokenIssueTime: new Date('2026-01-01T11:00:00Z') })).toBe(false)
  })

  it('condition keys are case-insensitive, values lists are ORed, epoch dates work', () => {
    const doc = boundary({
      Sid: 'X', Effect: 'Deny', Action: ['*'], Resource: ['*'],
      Condition: { StringEquals: { 'AWS:UserId': ['a', session.userId] }, DateLessThan: { 'aws:tokenissuetime': ['2020-01-01T00:00:00Z', String(Date.parse('2026-01-01T10:01:00Z') / 1000)] } }
    })
    expect(deniesSession(doc, session)).toBe(true)
  })

  it('only Deny statements on every action and resource count; an unconditional one denies everyone', () => {
    expect(deniesSession(boundary(), session)).toBe(false)
    expect(deniesSession(boundary({ Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 'aws:userid': session.userId } } }), session)).toBe(false)
    expect(deniesSession(boundary({ Effect: 'Deny', Action: '*', Resource: 'arn:aws:s3:::b', Condition: { StringEquals: { 'aws:userid': session.userId } } }), session)).toBe(false)
    expect(deniesSession(boundary({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:userid': session.userId } } }), session)).toBe(false)
    expect(deniesSession(boundary({ Effect: 'Deny', Action: '*', Resource: '*' }), session)).toBe(true)
  })

  it.each<[string, Record<string, unknown>]>([
    ['another operator', { StringNotLike: { 'aws:userid': 'AROA*' } }],
    ['another key', { StringEquals: { 'aws:username': 'x' } }],
    ['a set operator', { 'ForAnyValue:StringEquals': { 'aws:userid': 'x' } }],
    ['IfExists', { DateLessThanIfExists: { 'aws:TokenIssueTime': '2030-01-01T00:00:00Z' } }],
    ['an unsupported pair after a non-matching one', { StringEquals: { 'aws:userid': 'someone-else' }, NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 } }]
  ])('throws on a Deny statement with %s', (_what, condition) => {
    expect(() => deniesSession(boundary({ Sid: 'Odd', Effect: 'Deny', Action: '*', Resource: '*', Condition: condition }), session)).toThrow(/boundary: statement Odd uses condition/)
  })

  it('throws on NotAction, bad dates and non-documents', () => {
    expect(() => deniesSession(boundary({ Effect: 'Deny', NotAction: 'iam:*', Resource: '*' }), session)).toThrow(/NotAction/)
    expect(() => deniesSession(boundary(revocationStatement('S', session.userId, 'soon')), session)).toThrow(/not a date/)
    expect(() => deniesSession(boundary(), { ...session, tokenIssueTime: 'never' })).toThrow(/tokenIssueTime is not a date/)
    expect(() => deniesSession({ Version: '2012-10-17' }, session)).toThrow(/no Statement/)
  })

  it('allowsAnything needs an unconditional Allow of Action * on Resource *', () => {
    expect(allowsAnything(BASE)).toBe(true)
    expect(allowsAnything({ Statement: { Effect: 'Allow', Action: ['s3:*', '*'], Resource: ['*'] } })).toBe(true)
    expect(allowsAnything({ Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] })).toBe(false)
    expect(allowsAnything({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] })).toBe(false)
    expect(allowsAnything({ Statement: [{ Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::b' }] })).toBe(false)
    expect(allowsAnything({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': true } } }] })).toBe(false)
  })

  it('judges a boundary written through the wire against real issued sessions', async () => {
    const { client } = await revokerClient()
    const job = await assume(JOB_ROLE, 'gh-1-1-cafe')
    const later = new Date(Date.parse(job.issuedAt) + 60_000).toISOString()
    const document = withStatement(revocationStatement('JitRevokedUntil203001010000', [job.assumedRoleId], later))
    await client.send(new CreatePolicyVersionCommand({ PolicyArn: POLICY, PolicyDocument: document, SetAsDefault: true }))
    const read = await client.send(new GetPolicyVersionCommand({ PolicyArn: POLICY, VersionId: 'v2' }))
    const written = decodeDocument(read.PolicyVersion?.Document)
    expect(allowsAnything(written)).toBe(true)
    expect(deniesSession(written, { userId: job.assumedRoleId, tokenIssueTime: job.issuedAt })).toBe(true)
    const revoker = aws.sts.issued.find(c => c.roleArn === REVOKER)!
    expect(deniesSession(written, { userId: revoker.assumedRoleId, tokenIssueTime: revoker.issuedAt })).toBe(false)
  })
})
