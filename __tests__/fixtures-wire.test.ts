// The fixtures' wire log (arrival and answer of every request, __tests__/fixtures/wire-log.ts), the
// round-trip count `npm run bench` reads from it, the STS fixture's steady latency, and its
// GetCallerIdentity (which other actions call after assuming a role). No assertion here is on a duration.
import { describe, expect, it } from '@jest/globals'
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam'
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import type { IssuedCredentials } from './fixtures/aws-sts.js'
import { waves, type WireTimes } from './fixtures/wire-log.js'
import { useLocalAws } from './helpers/local-aws.js'

const ROLE = 'arn:aws:iam::111122223333:role/deploy'
const REGION = 'eu-west-1'

const aws = useLocalAws(({ sts }) => { sts.iam.addRole(ROLE) })

const stsClient = (credentials?: IssuedCredentials): STSClient => aws.track(new STSClient({
  region: REGION,
  maxAttempts: 1,
  ...(credentials ? { credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken } } : {})
}))

async function assumeRole(): Promise<IssuedCredentials> {
  await stsClient().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 'wire-test', WebIdentityToken: await aws.issuer.mintToken() }))
  const creds = aws.sts.issued.at(-1)
  if (!creds) throw new Error('nothing issued')
  return creds
}

const getJson = async (url: string, init?: RequestInit): Promise<unknown> => (await fetch(url, init)).json()

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Resolves once `condition` holds, checking between turns of the event loop (so fixture handlers run). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100_000 && !condition(); i++) await turn()
  if (!condition()) throw new Error(`gave up waiting until ${what}`)
}

describe('waves: sequential round trips in a request log', () => {
  const r = (at: number, answeredAt?: number): WireTimes => (answeredAt === undefined ? { at } : { at, answeredAt })

  it('counts requests that each waited for the one before as one wave each', () => {
    expect(waves([r(0, 10), r(11, 20), r(21, 30)])).toHaveLength(3)
  })

  it('puts overlapping requests in one wave, in any order of the log', () => {
    expect(waves([r(2, 12), r(0, 10), r(1, 30)])).toEqual([[r(0, 10), r(1, 30), r(2, 12)]])
  })

  it('token ∥ discovery, then JWKS, then STS: three waves, even when the token is answered after the JWKS request left', () => {
    const token = r(0, 26)
    const discovery = r(0.2, 25)
    const jwks = r(25.4, 50)
    const sts = r(51, 90)
    // the STS fixture's own key fetch, made while the STS request waits, stays in the STS wave
    const nested = r(52, 60)
    expect(waves([sts, nested, jwks, discovery, token])).toEqual([[token, discovery], [jwks], [sts, nested]])
  })

  it('a request is one wave after the highest wave answered before it arrived', () => {
    // b overlaps a; c arrives after a was answered, while b still waits
    expect(waves([r(0, 10), r(5, 15), r(12, 20)]).map((w) => w.length)).toEqual([2, 1])
    // d waited for c, which waited for a: a chain of three beside the long b
    expect(waves([r(0, 10), r(1, 100), r(12, 20), r(21, 30)]).map((w) => w.length)).toEqual([2, 1, 1])
    // e arrives after b (wave 1) and c (wave 2) were answered: wave 3
    expect(waves([r(0, 10), r(1, 5), r(12, 20), r(25, 30)])).toHaveLength(3)
    // arriving exactly at the answer is not after it
    expect(waves([r(0, 10), r(10, 20)])).toHaveLength(1)
  })

  it('a request never answered keeps its wave open', () => {
    expect(waves([r(0), r(1000, 1001)])).toHaveLength(1)
    expect(waves([])).toEqual([])
  })
})

describe('every fixture request records its arrival and its answer', () => {
  it('issuer, STS and IAM requests, and a real client flow shows its round trips', async () => {
    // Each request is held 150 ms, so the two sent together surely overlap.
    aws.issuer.setLatency(150)
    const [discovery] = await Promise.all([
      getJson(aws.issuer.discoveryUrl) as Promise<{ jwks_uri: string }>,
      getJson(`${aws.issuer.tokenRequestUrl}&audience=sts.amazonaws.com`, { headers: { authorization: `Bearer ${aws.issuer.requestToken}` } })
    ])
    await getJson(discovery.jwks_uri)
    aws.issuer.setLatency(0)
    const creds = await assumeRole()
    const iam = aws.track(new IAMClient({ region: REGION, maxAttempts: 1, credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken } }))
    await iam.send(new GetRoleCommand({ RoleName: 'deploy' }))

    const all: WireTimes[] = [...aws.issuer.requests, ...aws.sts.requests, ...aws.sts.iam.requests]
    // discovery, token, JWKS, STS, the STS fixture's own discovery and JWKS, GetRole
    expect(all).toHaveLength(7)
    for (const request of all) {
      expect(request.answeredAt).toEqual(expect.any(Number))
      expect(request.answeredAt).toBeGreaterThanOrEqual(request.at)
    }
    // The STS call waited for the STS fixture's own discovery → JWKS (its key cache was empty): that chain
    // is in the count too, one wave deeper than the call. Then GetRole.
    const name = (request: WireTimes): string => ('kind' in request ? String(request.kind) : 'action' in request ? String(request.action) : '?')
    expect(waves(all).map((wave) => wave.map(name).sort())).toEqual([
      ['discovery', 'token'],
      ['jwks'],
      ['AssumeRoleWithWebIdentity', 'discovery'],
      ['jwks'],
      ['GetRole']
    ])
  })

  it('a dropped connection counts as answered when it closes', async () => {
    aws.sts.injectFaults([{ kind: 'reset' }])
    await expect(assumeRole()).rejects.toThrow()
    expect(aws.sts.requests).toHaveLength(1)
    await until(() => aws.sts.requests[0]?.answeredAt !== undefined, 'the dropped request is marked answered')
    expect(aws.sts.requests[0]?.answeredAt).toBeGreaterThanOrEqual(aws.sts.requests[0]?.at ?? Infinity)
  })
})

describe('STS fixture: steady latency', () => {
  it('setLatency holds every STS and IAM answer: a request sent while the first waits overlaps it', async () => {
    const creds = await assumeRole()
    aws.sts.setLatency(2000)
    const caller = stsClient(creds)
    const first = caller.send(new GetCallerIdentityCommand({}))
    await until(() => aws.sts.requests.length === 2, 'the call arrived')
    // Without latency the answer would be written in the handler's turn and marked before the next.
    await turn()
    expect(aws.sts.requests[1]?.answeredAt).toBeUndefined()
    const second = caller.send(new GetCallerIdentityCommand({}))
    await Promise.all([first, second])
    expect(waves(aws.sts.requests.slice(1))).toHaveLength(1)

    const iam = aws.track(new IAMClient({ region: REGION, maxAttempts: 1, credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken } }))
    const role = iam.send(new GetRoleCommand({ RoleName: 'deploy' }))
    // IAM handles the request on arrival (status set), then holds the answer
    await until(() => (aws.sts.iam.requests[0]?.status ?? 0) !== 0, 'IAM handled GetRole')
    await turn()
    expect(aws.sts.iam.requests[0]?.answeredAt).toBeUndefined()
    await role
    expect(aws.sts.iam.requests[0]?.answeredAt).toEqual(expect.any(Number))
  })

  it('reset() and setLatency(0) turn it off: an answer is written before the client can poll the log', async () => {
    aws.sts.setLatency(2000)
    aws.sts.reset()
    const creds = await assumeRole()
    aws.sts.setLatency(2000)
    aws.sts.setLatency(0)
    const call = stsClient(creds).send(new GetCallerIdentityCommand({}))
    await until(() => aws.sts.requests.length === 2, 'the call arrived')
    await turn()
    expect(aws.sts.requests[1]?.answeredAt).toEqual(expect.any(Number))
    await call
  })
})

describe('STS fixture: GetCallerIdentity', () => {
  it('names the session of the credential that signed the call, as the SDK parses it', async () => {
    const creds = await assumeRole()
    const identity = await stsClient(creds).send(new GetCallerIdentityCommand({}))
    expect(identity).toMatchObject({ Arn: creds.arn, UserId: creds.assumedRoleId, Account: '111122223333' })
    expect(aws.sts.requests.map((r) => [r.action, r.status, r.result])).toEqual([['AssumeRoleWithWebIdentity', 200, 'issued'], ['GetCallerIdentity', 200, 'ok']])
  })

  it('refuses an unsigned call, an unknown key and a wrong session token', async () => {
    const creds = await assumeRole()
    const unsigned = await fetch(aws.sts.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' })
    expect(unsigned.status).toBe(403)
    expect(await unsigned.text()).toContain('<Code>MissingAuthenticationToken</Code>')
    await expect(stsClient({ ...creds, accessKeyId: 'ASIAUNKNOWNUNKNOWN12' }).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId' })
    await expect(stsClient({ ...creds, sessionToken: `${creds.sessionToken}x` }).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId' })
    expect(aws.sts.requests.slice(1).map((r) => r.result)).toEqual(['MissingAuthenticationToken', 'InvalidClientTokenId', 'InvalidClientTokenId'])
  })
})
