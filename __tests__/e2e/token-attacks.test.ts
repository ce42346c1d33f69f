// Token attacks against the bundled action (issue 4, item 1): forged signatures, algorithm tricks,
// look-alike issuers, foreign audiences, bad times, missing or mistyped claims, and broken key
// endpoints. Every one must be refused before any STS call, with one error annotation that names the
// cause and holds no token text, an `error` audit event at stage `oidc`, nothing exported and nothing
// leaked. Two controls prove the harness would notice an accepted token.
import { mkdirSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { SignJWT, base64url, decodeJwt, exportJWK, exportSPKI, generateKeyPair, importJWK, jwtVerify, type CryptoKey, type JWK } from 'jose'
import type { ClaimOverrides } from '../fixtures/oidc-issuer.js'
import { baseInputs, expectJobClean, newJob, runtimes, startFixtures, stopFixtures, type Fixtures } from '../helpers/e2e.js'
import { expectNoLeaks } from '../helpers/leak-scan.js'
import { repoRoot, type StepResult } from '../helpers/run-action.js'

interface Attack {
  name: string
  // Sets the fixture up; a returned token is served by the local token server instead of the fixture's.
  arrange: (f: Fixtures, attacker: TokenServer) => Promise<string | undefined> | string | undefined
  // The error annotation (and the audit event's message) must match; anchored at the start.
  cause: RegExp
  // Optional proof that the forged token is a meaningful attack (e.g. verifies under a naive verifier).
  check?: (token: string, f: Fixtures) => Promise<void>
}

const REFUSED = 'The OIDC token was refused: '
const refused = (rest: string): RegExp => new RegExp(`^${escapeRegExp(REFUSED)}${rest}`)
const keysRefused = (rest: string): RegExp => new RegExp(`^Could not load the signing keys of token-issuer http://127\\.0\\.0\\.1:\\d+: ${rest}`)
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

const SIGNATURE = refused("its signature does not verify with the issuer's keys")
const NOT_RS256 = refused('it is not signed with RS256')
const UNKNOWN_KID = refused('it was signed with a key the issuer does not publish')
const WRONG_ISSUER = refused('its issuer is not token-issuer \\(unexpected "iss" claim value\\)')
const WRONG_AUDIENCE = refused('its audience is not the configured audience \\(unexpected "aud" claim value\\)')
const SEVERAL_AUDIENCES = refused('aud must be exactly "sts\\.amazonaws\\.com", not several audiences')

// Claim overrides that do not fit GitHub's claim types (that is the point).
const raw = (overrides: Record<string, unknown>): ClaimOverrides => overrides as ClaimOverrides
const setTokenOptions = (options: Parameters<Fixtures['issuer']['setTokenOptions']>[0]) =>
  (f: Fixtures): undefined => { f.issuer.setTokenOptions(options); return undefined }
const setClaims = (overrides: Record<string, unknown>) =>
  (f: Fixtures): undefined => { f.issuer.setClaims(raw(overrides)); return undefined }
// Tokens the fixture's token endpoint cannot hand out (claims it always sets, dropped or mistyped).
const served = (overrides: Record<string, unknown>) =>
  (f: Fixtures): Promise<string> => f.issuer.mintToken(raw(overrides))
const issuerWith = (f: Fixtures, change: (url: URL) => string): string => change(new URL(f.issuer.issuer))

const hmacKey = (secret: Uint8Array): Promise<CryptoKey> =>
  crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']) as Promise<CryptoKey>
// The issuer's public key in the two forms a confused verifier might use as an HMAC secret.
const publicJwkBytes = (f: Fixtures): Uint8Array => new TextEncoder().encode(JSON.stringify(f.issuer.publicJwk))
const publicPemBytes = async (f: Fixtures): Promise<Uint8Array> =>
  new TextEncoder().encode(await exportSPKI(await importJWK(f.issuer.publicJwk, 'RS256') as CryptoKey))
const naivelyVerifies = (secret: (f: Fixtures) => Uint8Array | Promise<Uint8Array>) => async (token: string, f: Fixtures): Promise<void> => {
  // A verifier that trusts the header's alg and uses the published key as bytes accepts the forgery.
  const { payload } = await jwtVerify(token, await secret(f), { algorithms: ['HS256'], issuer: f.issuer.issuer, audience: 'sts.amazonaws.com' })
  expect(payload.repository).toBe('octo-org/octo-app')
}

// A token signed by the attacker's own key, with header parameters that name that key (jwk: the key
// itself; jku: a JWKS the attacker serves). A verifier that honours them accepts the forgery.
const selfKeyed = (header: (jwk: JWK, attacker: TokenServer) => Record<string, unknown>) =>
  async (f: Fixtures, attacker: TokenServer): Promise<string> => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: f.issuer.kid, alg: 'RS256', use: 'sig' }
    attacker.jwks = { keys: [jwk] }
    const payload = decodeJwt(await f.issuer.mintToken())
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: f.issuer.kid, ...header(jwk, attacker) }).sign(privateKey)
  }

const attacks: Attack[] = [
  // Signatures and algorithms.
  { name: 'signature by an unknown key (published kid)', arrange: setTokenOptions({ key: 'unknown' }), cause: SIGNATURE },
  { name: 'signature by an unknown key, no kid', arrange: setTokenOptions({ key: 'unknown', kid: null }), cause: SIGNATURE },
  { name: 'kid not in the JWKS (signed by the real key)', arrange: setTokenOptions({ kid: 'not-published' }), cause: UNKNOWN_KID },
  { name: 'kid with path traversal', arrange: setTokenOptions({ kid: '../../../../dev/null' }), cause: UNKNOWN_KID },
  { name: 'attacker key embedded in the header (jwk)', arrange: selfKeyed(jwk => ({ jwk })), cause: SIGNATURE },
  { name: 'attacker JWKS named in the header (jku)', arrange: selfKeyed((_jwk, attacker) => ({ jku: attacker.jwksUrl })), cause: SIGNATURE },
  { name: 'alg none, empty signature', arrange: setTokenOptions({ unsigned: true }), cause: NOT_RS256 },
  { name: 'alg none, no kid', arrange: setTokenOptions({ unsigned: true, kid: null }), cause: NOT_RS256 },
  {
    name: 'HS256 with the public JWK as HMAC secret (key confusion)',
    arrange: async f => { f.issuer.setTokenOptions({ key: await hmacKey(publicJwkBytes(f)), alg: 'HS256' }); return undefined },
    cause: NOT_RS256,
    check: naivelyVerifies(publicJwkBytes)
  },
  {
    name: 'HS256 with the public key PEM as HMAC secret (key confusion)',
    arrange: async f => { f.issuer.setTokenOptions({ key: await hmacKey(await publicPemBytes(f)), alg: 'HS256' }); return undefined },
    cause: NOT_RS256,
    check: naivelyVerifies(publicPemBytes)
  },
  {
    name: 'ES256 by an attacker key',
    arrange: async f => { f.issuer.setTokenOptions({ key: (await generateKeyPair('ES256')).privateKey, alg: 'ES256' }); return undefined },
    cause: NOT_RS256
  },
  {
    name: 'payload changed (repository), genuine signature kept',
    arrange: async f => {
      const genuine = await f.issuer.mintToken()
      const [header, , signature] = genuine.split('.')
      return `${header}.${base64url.encode(JSON.stringify({ ...decodeJwt(genuine), repository: 'evil-org/octo-app' }))}.${signature}`
    },
    cause: SIGNATURE
  },
  {
    name: 'genuine header and payload, signature stripped',
    arrange: async f => (await f.issuer.mintToken()).replace(/[^.]+$/, ''),
    cause: SIGNATURE
  },
  { name: 'not a JWT at all', arrange: () => 'not-a-jwt-but-some-opaque-value', cause: refused('it is malformed \\(') },

  // Issuer: wrong, look-alike, missing, mistyped.
  { name: 'wrong iss', arrange: setTokenOptions({ issuer: 'https://evil.example' }), cause: WRONG_ISSUER },
  { name: 'iss of github.com while token-issuer is another issuer', arrange: setTokenOptions({ issuer: 'https://token.actions.githubusercontent.com' }), cause: WRONG_ISSUER },
  { name: 'look-alike iss: trailing slash', arrange: f => setTokenOptions({ issuer: `${f.issuer.issuer}/` })(f), cause: WRONG_ISSUER },
  { name: 'look-alike iss: trailing path', arrange: f => setTokenOptions({ issuer: `${f.issuer.issuer}/evil` })(f), cause: WRONG_ISSUER },
  {
    name: 'look-alike iss: different port',
    arrange: f => setTokenOptions({ issuer: issuerWith(f, u => `http://127.0.0.1:${Number(u.port) === 65535 ? 1 : Number(u.port) + 1}`) })(f),
    cause: WRONG_ISSUER
  },
  { name: 'look-alike iss: localhost for 127.0.0.1', arrange: f => setTokenOptions({ issuer: issuerWith(f, u => `http://localhost:${u.port}`) })(f), cause: WRONG_ISSUER },
  { name: 'look-alike iss: https for http', arrange: f => setTokenOptions({ issuer: issuerWith(f, u => `https://${u.host}`) })(f), cause: WRONG_ISSUER },
  { name: 'look-alike iss: upper-case scheme', arrange: f => setTokenOptions({ issuer: f.issuer.issuer.replace('http:', 'HTTP:') })(f), cause: WRONG_ISSUER },
  { name: 'look-alike iss: issuer as a prefix of a host name', arrange: f => setTokenOptions({ issuer: `${f.issuer.issuer}.evil.example` })(f), cause: WRONG_ISSUER },
  { name: 'look-alike https iss: token.actions.githubusercontent.com.evil.example', arrange: setTokenOptions({ issuer: 'https://token.actions.githubusercontent.com.evil.example' }), cause: WRONG_ISSUER },
  { name: 'iss as an array holding the issuer', arrange: f => served({ iss: [f.issuer.issuer] })(f), cause: WRONG_ISSUER },
  { name: 'iss missing', arrange: served({ iss: undefined }), cause: refused('its issuer is not token-issuer \\(missing required "iss" claim\\)') },

  // Audience.
  { name: 'wrong aud (GitHub default audience)', arrange: setTokenOptions({ audience: 'https://github.com/octo-org' }), cause: WRONG_AUDIENCE },
  { name: 'wrong aud: case variant', arrange: setTokenOptions({ audience: 'STS.amazonaws.com' }), cause: WRONG_AUDIENCE },
  { name: 'multi-valued aud, configured audience first', arrange: setTokenOptions({ audience: ['sts.amazonaws.com', 'https://evil.example'] }), cause: SEVERAL_AUDIENCES },
  { name: 'multi-valued aud, configured audience last', arrange: setTokenOptions({ audience: ['https://evil.example', 'sts.amazonaws.com'] }), cause: SEVERAL_AUDIENCES },
  { name: 'aud an empty array', arrange: setTokenOptions({ audience: [] }), cause: WRONG_AUDIENCE },
  { name: 'aud missing', arrange: served({ aud: undefined }), cause: refused('its audience is not the configured audience \\(missing required "aud" claim\\)') },

  // Times (the action allows 60 s of clock skew and tokens up to 900 s old).
  { name: 'expired 5 minutes ago', arrange: setTokenOptions({ expiresIn: -300 }), cause: refused('it has expired \\("exp" claim timestamp check failed\\)') },
  { name: 'expired 61 s ago (just past the skew allowance)', arrange: setTokenOptions({ expiresIn: -61 }), cause: refused('it has expired \\("exp" claim timestamp check failed\\)') },
  { name: 'nbf an hour in the future', arrange: setTokenOptions({ notBefore: 3600, expiresIn: 7200 }), cause: refused('"nbf" claim timestamp check failed') },
  { name: 'iat an hour in the future', arrange: setTokenOptions({ issuedAt: 3600, notBefore: 0, expiresIn: 7200 }), cause: refused('"iat" claim timestamp check failed \\(it should be in the past\\)') },
  { name: 'iat a day ago with a far exp (replayed old token)', arrange: setTokenOptions({ issuedAt: -86400, notBefore: -86400, expiresIn: 3600 }), cause: refused('it has expired \\("iat" claim timestamp check failed \\(too far in the past\\)\\)') },
  { name: 'exp missing', arrange: served({ exp: undefined }), cause: refused('missing required "exp" claim') },
  { name: 'iat missing', arrange: served({ iat: undefined }), cause: refused('missing required "iat" claim') },
  { name: 'exp a string', arrange: served({ exp: String(Math.floor(Date.now() / 1000) + 3600) }), cause: refused('"exp" claim must be a number') },
  { name: 'nbf a string', arrange: served({ nbf: '0' }), cause: refused('"nbf" claim must be a number') },

  // Required claims missing (DESIGN §3).
  ...['sub', 'repository', 'repository_id', 'repository_owner_id', 'ref', 'run_id', 'run_attempt', 'event_name'].map((claim): Attack => ({
    name: `${claim} missing`, arrange: setClaims({ [claim]: undefined }), cause: refused(`missing required "${claim}" claim`)
  })),
  // jti is not part of the fixture's claim set (it mints a fresh one per token), so drop it while minting.
  { name: 'jti missing', arrange: served({ jti: undefined }), cause: refused('missing required "jti" claim') },
  { name: 'repository_id empty', arrange: setClaims({ repository_id: '' }), cause: refused('repository_id must be a non-empty string') },

  // Claims of the wrong type.
  { name: 'repository_id a number', arrange: setClaims({ repository_id: 123456789 }), cause: refused('repository_id must be a non-empty string') },
  { name: 'repository_owner_id a number', arrange: setClaims({ repository_owner_id: 987654321 }), cause: refused('repository_owner_id must be a non-empty string') },
  { name: 'run_id a number', arrange: setClaims({ run_id: 7654321098 }), cause: refused('run_id must be a non-empty string') },
  { name: 'repository an array', arrange: setClaims({ repository: ['octo-org/octo-app'] }), cause: refused('repository must be a non-empty string') },
  { name: 'ref an object', arrange: served({ ref: { name: 'refs/heads/main' } }), cause: refused('ref must be a non-empty string') },
  { name: 'sub null', arrange: setClaims({ sub: null }), cause: refused('sub must be a non-empty string') },
  { name: 'event_name a boolean', arrange: setClaims({ event_name: true }), cause: refused('event_name must be a non-empty string') },
  { name: 'environment a number', arrange: setClaims({ environment: 1 }), cause: refused('environment must be a string') },
  { name: 'job_workflow_ref an array', arrange: setClaims({ job_workflow_ref: ['octo-org/infra/.github/workflows/deploy.yml@refs/heads/main'] }), cause: refused('job_workflow_ref must be a string') },

  // Discovery and JWKS endpoints.
  { name: 'JWKS endpoint down (HTTP 503)', arrange: f => { f.issuer.setJwksResponse('down'); return undefined }, cause: keysRefused('http://127\\.0\\.0\\.1:\\d+/\\.well-known/jwks answered HTTP 503') },
  { name: 'JWKS endpoint returns garbage', arrange: f => { f.issuer.setJwksResponse('garbage'); return undefined }, cause: keysRefused('\\S+/\\.well-known/jwks did not return JSON') },
  { name: 'JWKS over the 100 KiB cap', arrange: f => { f.issuer.setJwksResponse('huge'); return undefined }, cause: keysRefused('\\S+/\\.well-known/jwks returned more than 100 KiB') },
  { name: 'JWKS with no keys', arrange: f => { f.issuer.setJwksResponse('empty'); return undefined }, cause: UNKNOWN_KID },
  { name: 'discovery endpoint down (HTTP 503)', arrange: f => { f.issuer.setDiscoveryResponse('down'); return undefined }, cause: keysRefused('\\S+/\\.well-known/openid-configuration answered HTTP 503') },
  { name: 'discovery returns garbage', arrange: f => { f.issuer.setDiscoveryResponse('garbage'); return undefined }, cause: keysRefused('\\S+/\\.well-known/openid-configuration did not return JSON') },
  { name: 'discovery over the 100 KiB cap', arrange: f => { f.issuer.setDiscoveryResponse('huge'); return undefined }, cause: keysRefused('\\S+/\\.well-known/openid-configuration returned more than 100 KiB') },
  { name: 'discovery without an issuer', arrange: f => { f.issuer.setDiscoveryResponse('empty'); return undefined }, cause: keysRefused('its discovery document names issuer undefined') },
  { name: 'discovery naming another issuer', arrange: f => { f.issuer.setDiscoveryResponse('wrong-issuer'); return undefined }, cause: keysRefused('its discovery document names issuer "https://evil\\.example", not "http://127\\.0\\.0\\.1:\\d+"') }
]

// Serves one chosen token the way the runner's ID-token service does (bearer-checked, {"value": ...}),
// and, at /attacker-jwks, the attacker's keys (which the action must never fetch).
interface TokenServer {
  url: string
  jwksUrl: string
  token: string | undefined
  jwks: { keys: JWK[] }
  requests: number
  jwksRequests: number
  stop(): Promise<void>
}

async function startTokenServer(requestToken: string): Promise<TokenServer> {
  const state: TokenServer = { url: '', jwksUrl: '', token: undefined, jwks: { keys: [] }, requests: 0, jwksRequests: 0, stop: async () => undefined }
  const server = http.createServer((req, res) => {
    if (req.url === '/attacker-jwks') {
      state.jwksRequests++
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(state.jwks))
      return
    }
    state.requests++
    const ok = req.headers.authorization === `Bearer ${requestToken}` && state.token !== undefined
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' })
    res.end(ok ? JSON.stringify({ count: 1, value: state.token }) : '{"message":"Unauthorized"}')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.url = `${base}/token-request?api-version=2.0`
  state.jwksUrl = `${base}/attacker-jwks`
  state.stop = () => new Promise<void>(resolve => { server.close(() => resolve()); server.closeAllConnections() })
  return state
}

// The parts of a JWT (or the whole opaque value) that must never be printed on their own.
const tokenFragments = (token: string): string[] => [token, ...token.split('.')].filter(part => part.length >= 16)
const channelsOf = (step: StepResult): string =>
  [step.stdout.split('\n').filter(line => !line.startsWith('::add-mask::')).join('\n'), step.stderr, ...Object.values(step.files)].join('\n')

const refusedCount: Record<string, number> = {}

afterAll(() => {
  // The Security section of the README quotes these numbers: attacks in the table, and per runtime
  // how many were refused in this run (each test asserts its own refusal).
  const dir = path.join(repoRoot, '.test-results')
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'token-attacks.json'), `${JSON.stringify({ attacks: attacks.length, refused: refusedCount }, null, 2)}\n`)
})

it('names every attack once (the counts are by name)', () => {
  expect(new Set(attacks.map(a => a.name)).size).toBe(attacks.length)
})

describe.each(runtimes())('token attacks on %s', (runtime, node) => {
  let fixtures: Fixtures
  let tokenServer: TokenServer
  const refusedHere = new Set<string>()
  beforeAll(async () => {
    fixtures = await startFixtures()
    tokenServer = await startTokenServer(fixtures.issuer.requestToken)
  })
  afterAll(async () => {
    refusedCount[runtime] = refusedHere.size
    await Promise.all([stopFixtures(fixtures), tokenServer?.stop()])
  })
  beforeEach(() => {
    fixtures.issuer.reset()
    fixtures.sts.reset()
    tokenServer.token = undefined
    tokenServer.jwks = { keys: [] }
    tokenServer.requests = 0
    tokenServer.jwksRequests = 0
  })

  it.each(attacks)('refuses: $name', async ({ name, arrange, cause, check }) => {
    const custom = await arrange(fixtures, tokenServer)
    tokenServer.token = custom
    const job = newJob(fixtures, node)
    const main = await job.main(baseInputs(fixtures), custom === undefined ? {} : { env: { ACTIONS_ID_TOKEN_REQUEST_URL: tokenServer.url } })

    // The attack token reached the action, once, and was masked at once.
    if (custom === undefined) expect(fixtures.issuer.requestCount('token')).toBe(1)
    else expect(tokenServer.requests).toBe(1)
    const token = custom ?? fixtures.issuer.issuedTokens[0] ?? ''
    if (custom === undefined) expect(fixtures.issuer.issuedTokens).toHaveLength(1)
    expect(main.masks).toContain(token)
    await check?.(token, fixtures)

    // Refused with one clear, token-free error, before STS, with nothing exported.
    expect(main.code).toBe(1)
    expect(main.errors).toHaveLength(1)
    const message = main.errors[0]?.message ?? ''
    expect(message).toMatch(cause)
    expect(message).not.toMatch(/\n\s+at /)
    for (const fragment of [...new Set([...fixtures.issuer.issuedTokens, token].flatMap(tokenFragments))]) {
      expect(message).not.toContain(fragment)
      expect(channelsOf(main)).not.toContain(fragment)
    }
    expect(fixtures.sts.requests).toEqual([])
    expect(tokenServer.jwksRequests).toBe(0)
    expect(main.env).toEqual({})
    expect(Object.keys(main.outputs).sort()).toEqual(['audit-log', 'trace-id'])
    const events = main.auditEvents()
    expect(events.map(e => e.event)).toEqual(['error'])
    expect(events[0]).toMatchObject({ stage: 'oidc', message })

    // The post step has nothing to revoke and does not reach STS either.
    const post = await job.post()
    expect(post.code).toBe(0)
    expect(post.errors).toEqual([])
    expect(post.auditEvents().map(e => e.event)).toEqual(['error', 'revoke'])
    expect(post.auditEvents()[1]).toMatchObject({ method: 'skipped', status: 'skipped' })
    expect(fixtures.sts.requests).toEqual([])
    for (const fragment of tokenFragments(token)) expect(channelsOf(post)).not.toContain(fragment)

    expectJobClean(job)
    // A token the fixture did not mint (tampered, stripped, opaque) is scanned for as well.
    expectNoLeaks(job, { 'attack.token': token })
    refusedHere.add(name)
  })

  // Controls: the same harness sees an unmodified token accepted, via the fixture and via the local
  // token server, so a refusal above is the action's doing, not the harness's.
  it.each([
    { via: 'the fixture', serve: async (): Promise<string | undefined> => undefined },
    { via: 'the local token server', serve: (): Promise<string | undefined> => fixtures.issuer.mintToken() }
  ])('control: a genuine token from $via is accepted', async ({ serve }) => {
    const custom = await serve()
    tokenServer.token = custom
    const job = newJob(fixtures, node)
    const main = await job.main(baseInputs(fixtures), custom === undefined ? {} : { env: { ACTIONS_ID_TOKEN_REQUEST_URL: tokenServer.url } })
    expect(main.errors).toEqual([])
    expect(main.code).toBe(0)
    expect(fixtures.sts.requests).toHaveLength(1)
    expect(fixtures.sts.requests[0]?.result).toBe('issued')
    expect(main.outputs.decision).toBe('allow')
    const post = await job.post()
    expect(post.code).toBe(0)
    expectJobClean(job, { allow: ['main.GITHUB_ENV'] })
  })
})
