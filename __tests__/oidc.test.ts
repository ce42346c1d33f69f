// src/oidc.ts against the local OIDC issuer fixture: the runner's token-request protocol (through the
// real @actions/core), discovery + JWKS with their limits, and every way verification must refuse.
import { describe, it, expect, jest, beforeAll, afterAll, beforeEach, afterEach } from '@jest/globals'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeJwt, generateKeyPair, generateSecret, type JWTVerifyGetKey } from 'jose'
import { startOidcIssuer, type ClaimOverrides, type MintOptions, type OidcIssuer } from './fixtures/oidc-issuer.js'
import { ActionError } from '../src/errors.js'
import { requestIdToken } from '../src/id-token.js'
import { MAX_DOCUMENT_BYTES, fetchIssuerKeys, verifyIdToken } from '../src/oidc.js'

const AUDIENCE = 'sts.amazonaws.com'

let issuer: OidcIssuer
let keys: JWTVerifyGetKey
let savedEnv: NodeJS.ProcessEnv

beforeAll(async () => {
  issuer = await startOidcIssuer()
  keys = await fetchIssuerKeys(issuer.issuer, 1)
})

afterAll(async () => {
  await issuer?.stop()
})

beforeEach(() => {
  savedEnv = { ...process.env }
  delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL
  delete process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  issuer.reset()
})

afterEach(() => {
  jest.restoreAllMocks()
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key]
  Object.assign(process.env, savedEnv)
})

/** Everything written to stdout (where @actions/core puts workflow commands) until restoreAllMocks. */
function captureStdout(): () => string {
  const chunks: string[] = []
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'))
    return true
  })
  return () => chunks.join('')
}

function useTokenService(requestToken = issuer.requestToken, url = issuer.tokenRequestUrl): void {
  process.env.ACTIONS_ID_TOKEN_REQUEST_URL = url
  process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = requestToken
}

/** The rejection of `promise`, which must be an ActionError of `stage`. */
async function actionError(promise: Promise<unknown>, stage = 'oidc'): Promise<ActionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(ActionError)
  expect((error as ActionError).stage).toBe(stage)
  return error as ActionError
}

const verify = (token: string, expected = { issuer: issuer.issuer, audience: AUDIENCE }) => verifyIdToken(token, keys, expected)

async function refusal(overrides: ClaimOverrides = {}, opts: MintOptions = {}): Promise<string> {
  const token = await issuer.mintToken(overrides, opts)
  const error = await actionError(verify(token))
  expect(error.message).toMatch(/^The OIDC token was refused: /)
  return error.message
}

describe('requestIdToken', () => {
  it('fetches a token for the audience from the runner service, with its bearer, and masks it', async () => {
    useTokenService()
    const stdout = captureStdout()
    const token = await requestIdToken(AUDIENCE, 3)

    expect(issuer.issuedTokens).toEqual([token])
    expect(decodeJwt(token).aud).toBe(AUDIENCE)
    const calls = issuer.requests.filter(r => r.kind === 'token')
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({ audience: AUDIENCE, authorized: true, status: 200 })
    // core.getIDToken registers the token as a secret before anyone can print it
    expect(stdout().split(/\r?\n/)).toContain(`::add-mask::${token}`)
  })

  it('passes a non-default audience through', async () => {
    useTokenService()
    captureStdout()
    const token = await requestIdToken('https://example.com/my aud', 1)
    expect(decodeJwt(token).aud).toBe('https://example.com/my aud')
    expect(issuer.requests.find(r => r.kind === 'token')?.audience).toBe('https://example.com/my aud')
  })

  it.each([
    ['ACTIONS_ID_TOKEN_REQUEST_URL', () => ({ ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.requestToken })],
    ['ACTIONS_ID_TOKEN_REQUEST_TOKEN', () => ({ ACTIONS_ID_TOKEN_REQUEST_URL: issuer.tokenRequestUrl })],
    ['both variables', () => ({})]
  ])('without %s it names the permissions line to add, and calls nothing', async (_missing, env) => {
    Object.assign(process.env, env())
    const error = await actionError(requestIdToken(AUDIENCE, 3))
    expect(error.message).toContain('permissions:')
    expect(error.message).toMatch(/^\s*id-token: write$/m)
    expect(issuer.requestCount('token')).toBe(0)
  })

  it('treats an empty variable as missing', async () => {
    useTokenService('')
    const error = await actionError(requestIdToken(AUDIENCE, 3))
    expect(error.message).toContain('id-token: write')
    expect(issuer.requestCount('token')).toBe(0)
  })

  it('retries HTTP 500 answers and succeeds within maxAttempts', async () => {
    useTokenService()
    const stdout = captureStdout()
    issuer.failTokenRequests(2, 500)
    const token = await requestIdToken(AUDIENCE, 3)
    expect(issuer.requests.filter(r => r.kind === 'token').map(r => r.status)).toEqual([500, 500, 200])
    expect(issuer.issuedTokens).toEqual([token])
    expect(stdout()).toMatch(/OIDC token request failed \(attempt 1\).*retrying in \d+ ms/)
    expect(stdout()).toMatch(/OIDC token request failed \(attempt 2\)/)
  })

  it('retries HTTP 429', async () => {
    useTokenService()
    captureStdout()
    issuer.failTokenRequests(1, 429)
    await requestIdToken(AUDIENCE, 2)
    expect(issuer.requests.filter(r => r.kind === 'token').map(r => r.status)).toEqual([429, 200])
  })

  it('gives up after maxAttempts and says why', async () => {
    useTokenService()
    captureStdout()
    issuer.failTokenRequests(10, 500)
    const error = await actionError(requestIdToken(AUDIENCE, 2))
    expect(issuer.requestCount('token')).toBe(2)
    expect(error.message).toMatch(/^Could not get the job's OIDC token: /)
    expect(error.message).toContain('500')
    // one line, whatever core's message looked like
    expect(error.message).not.toContain('\n')
    expect(issuer.issuedTokens).toHaveLength(0)
  })

  it('does not retry a refused bearer (401)', async () => {
    useTokenService('not-the-request-token')
    captureStdout()
    const error = await actionError(requestIdToken(AUDIENCE, 5))
    const calls = issuer.requests.filter(r => r.kind === 'token')
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({ authorized: false, status: 401 })
    expect(error.message).toContain('401')
  })

  it('does not retry other client errors (400)', async () => {
    // the request URL without api-version: the service answers 400
    useTokenService(issuer.requestToken, `${issuer.url}/token-request?x=1`)
    captureStdout()
    const error = await actionError(requestIdToken(AUDIENCE, 5))
    expect(issuer.requestCount('token')).toBe(1)
    expect(error.message).toContain('400')
  })
})

/** A throwaway server answering every GET with `respond`; for documents the fixture cannot produce. */
async function withServer(
  respond: (base: string, req: http.IncomingMessage, res: http.ServerResponse) => void,
  run: (base: string, hits: string[]) => Promise<void>
): Promise<void> {
  const hits: string[] = []
  let base = ''
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '')
    respond(base, req, res)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  try {
    await run(base, hits)
  } finally {
    await new Promise<void>(resolve => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
}

const json = (res: http.ServerResponse, value: unknown, status = 200): void => {
  const body = JSON.stringify(value)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

describe('fetchIssuerKeys', () => {
  it('discovers the JWKS and returns keys that verify the issuer\'s tokens', async () => {
    const fresh = await fetchIssuerKeys(issuer.issuer, 3)
    expect(issuer.requests.map(r => [r.kind, r.status])).toEqual([
      ['discovery', 200],
      ['jwks', 200]
    ])
    const claims = await verifyIdToken(await issuer.mintToken(), fresh, { issuer: issuer.issuer, audience: AUDIENCE })
    expect(claims.repository).toBe('octo-org/octo-app')
  })

  it.each<['discovery' | 'jwks']>([['discovery'], ['jwks']])('refuses a %s document over 100 KiB', async which => {
    if (which === 'discovery') issuer.setDiscoveryResponse('huge')
    else issuer.setJwksResponse('huge')
    const error = await actionError(fetchIssuerKeys(issuer.issuer, 3))
    expect(error.message).toContain(`returned more than ${MAX_DOCUMENT_BYTES / 1024} KiB`)
    expect(error.message).toContain(`token-issuer ${issuer.issuer}`)
    // not a transient failure: asked once
    expect(issuer.requestCount(which)).toBe(1)
  })

  it.each<['discovery' | 'jwks']>([['discovery'], ['jwks']])('refuses a %s document that is not JSON', async which => {
    if (which === 'discovery') issuer.setDiscoveryResponse('garbage')
    else issuer.setJwksResponse('garbage')
    const error = await actionError(fetchIssuerKeys(issuer.issuer, 3))
    expect(error.message).toContain('did not return JSON')
    expect(issuer.requestCount(which)).toBe(1)
  })

  it('retries an unavailable discovery endpoint up to maxAttempts, then fails', async () => {
    issuer.setDiscoveryResponse('down')
    const error = await actionError(fetchIssuerKeys(issuer.issuer, 2))
    expect(issuer.requestCount('discovery')).toBe(2)
    expect(issuer.requestCount('jwks')).toBe(0)
    expect(error.message).toContain('answered HTTP 503')
    expect(error.message).toContain('Check token-issuer')
  })

  it('retries an unavailable JWKS endpoint up to maxAttempts, then fails', async () => {
    issuer.setJwksResponse('down')
    const error = await actionError(fetchIssuerKeys(issuer.issuer, 3))
    expect(issuer.requestCount('discovery')).toBe(1)
    expect(issuer.requestCount('jwks')).toBe(3)
    expect(error.message).toContain('answered HTTP 503')
  })

  it('refuses a discovery document that names another issuer, before fetching its JWKS', async () => {
    issuer.setDiscoveryResponse('wrong-issuer')
    const error = await actionError(fetchIssuerKeys(issuer.issuer, 3))
    expect(error.message).toContain('"https://evil.example"')
    expect(error.message).toContain(JSON.stringify(issuer.issuer))
    expect(issuer.requestCount('jwks')).toBe(0)
  })

  it('requires the issuer to match exactly (no trailing-slash leniency)', async () => {
    const error = await actionError(fetchIssuerKeys(`${issuer.issuer}/`, 1))
    // the discovery document is looked for below the issuer exactly as given
    expect(error.message).toBe(
      `Could not load the signing keys of token-issuer ${issuer.issuer}/: ${issuer.issuer}//.well-known/openid-configuration answered HTTP 404. ` +
        'Check token-issuer (GitHub Enterprise Server: https://HOST/_services/token).'
    )
  })

  it('does not retry a 404 discovery document', async () => {
    const error = await actionError(fetchIssuerKeys(`${issuer.url}/nowhere`, 3))
    expect(error.message).toContain('answered HTTP 404')
    expect(issuer.requests).toHaveLength(1)
  })

  it('fails when the issuer cannot be reached at all', async () => {
    let closedPort = 0
    await withServer(
      () => undefined,
      async base => {
        closedPort = Number(new URL(base).port)
      }
    )
    const error = await actionError(fetchIssuerKeys(`http://127.0.0.1:${closedPort}`, 1))
    expect(error.message).toContain('could not be reached')
  })

  it('yields keys that match nothing when the JWKS is empty', async () => {
    issuer.setJwksResponse('empty')
    const empty = await fetchIssuerKeys(issuer.issuer, 1)
    const error = await actionError(verifyIdToken(await issuer.mintToken(), empty, { issuer: issuer.issuer, audience: AUDIENCE }))
    expect(error.message).toContain('signed with a key the issuer does not publish')
  })

  it('refuses a jwks_uri that is plain http on a non-loopback host, without fetching it', async () => {
    await withServer(
      (base, req, res) => json(res, { issuer: base, jwks_uri: 'http://keys.example.com/jwks' }),
      async (base, hits) => {
        const error = await actionError(fetchIssuerKeys(base, 3))
        expect(error.message).toContain('no https jwks_uri')
        expect(hits).toEqual(['/.well-known/openid-configuration'])
      }
    )
  })

  it.each([
    ['missing', {}],
    ['not a string', { jwks_uri: 42 }],
    ['not a URL', { jwks_uri: 'jwks' }],
    ['a file URL', { jwks_uri: 'file:///etc/passwd' }]
  ])('refuses a jwks_uri that is %s', async (_what, extra) => {
    await withServer(
      (base, req, res) => json(res, { issuer: base, ...extra }),
      async (base, hits) => {
        const error = await actionError(fetchIssuerKeys(base, 1))
        expect(error.message).toContain('no https jwks_uri')
        expect(hits).toHaveLength(1)
      }
    )
  })

  it('refuses a JWKS without a keys array', async () => {
    await withServer(
      (base, req, res) => (req.url === '/jwks' ? json(res, { keys: 'none' }) : json(res, { issuer: base, jwks_uri: `${base}/jwks` })),
      async base => {
        const error = await actionError(fetchIssuerKeys(base, 1))
        expect(error.message).toContain('no "keys" array')
      }
    )
  })

  it('refuses JSON that is not an object', async () => {
    await withServer(
      (base, req, res) => json(res, [{ issuer: base }]),
      async base => {
        const error = await actionError(fetchIssuerKeys(base, 1))
        expect(error.message).toContain('did not return a JSON object')
      }
    )
  })

  it('does not follow redirects of the discovery document', async () => {
    await withServer(
      (base, req, res) => {
        if (req.url === '/.well-known/openid-configuration') {
          res.writeHead(302, { location: `${base}/elsewhere` })
          res.end()
        } else json(res, { issuer: base, jwks_uri: `${base}/jwks` })
      },
      async (base, hits) => {
        const error = await actionError(fetchIssuerKeys(base, 1))
        expect(error.message).toContain(`${base}/.well-known/openid-configuration answered HTTP 302`)
        expect(hits).toEqual(['/.well-known/openid-configuration'])
      }
    )
  })
})

describe('verifyIdToken', () => {
  it('returns the verified claims of a valid token', async () => {
    const token = await issuer.mintToken()
    const claims = await verify(token)
    const decoded = decodeJwt(token)
    expect(claims).toMatchObject({
      iss: issuer.issuer,
      aud: AUDIENCE,
      sub: 'repo:octo-org/octo-app:ref:refs/heads/main',
      repository: 'octo-org/octo-app',
      repository_id: '123456789',
      repository_owner_id: '987654321',
      ref: 'refs/heads/main',
      run_id: '7654321098',
      run_attempt: '1',
      event_name: 'push',
      jti: decoded.jti,
      exp: decoded.exp,
      iat: decoded.iat
    })
  })

  it('verifies a token from the runner service (the whole request path)', async () => {
    useTokenService()
    captureStdout()
    issuer.setClaims({ environment: 'production', ref: 'refs/tags/v1.2.3' })
    const claims = await verify(await requestIdToken(AUDIENCE, 1))
    expect(claims.environment).toBe('production')
    expect(claims.ref).toBe('refs/tags/v1.2.3')
  })

  it('accepts a token without kid when the issuer has one key', async () => {
    await expect(verify(await issuer.mintToken({}, { kid: null }))).resolves.toMatchObject({ repository: 'octo-org/octo-app' })
  })

  it('accepts an audience array holding exactly the audience', async () => {
    await expect(verify(await issuer.mintToken({}, { audience: [AUDIENCE] }))).resolves.toMatchObject({ aud: [AUDIENCE] })
  })

  describe('time checks with 60 s tolerance', () => {
    it('accepts a token expired 30 s ago', async () => {
      await expect(verify(await issuer.mintToken({}, { expiresIn: -30 }))).resolves.toMatchObject({ repository: 'octo-org/octo-app' })
    })

    it('refuses a token expired 2 minutes ago', async () => {
      const message = await refusal({}, { expiresIn: -120 })
      expect(message).toContain('it has expired')
      expect(message).toContain("runner's clock")
    })

    it('accepts a token valid from 30 s in the future', async () => {
      await expect(verify(await issuer.mintToken({}, { notBefore: 30 }))).resolves.toMatchObject({ repository: 'octo-org/octo-app' })
    })

    it('refuses a token not valid before 2 minutes from now', async () => {
      const message = await refusal({}, { notBefore: 120 })
      expect(message).toContain('"nbf"')
    })

    it('refuses a token issued 2 minutes in the future', async () => {
      const message = await refusal({}, { issuedAt: 120, notBefore: 0 })
      expect(message).toContain('"iat"')
    })

    it('refuses a still-unexpired token issued long ago (max token age)', async () => {
      const message = await refusal({}, { issuedAt: -3600, notBefore: -3600, expiresIn: 300 })
      expect(message).toContain('"iat"')
    })
  })

  it('refuses a wrong audience and names the input to check', async () => {
    const message = await refusal({}, { audience: 'https://github.com/octo-org' })
    expect(message).toContain('its audience is not the configured audience')
    expect(message).toContain('audience input')
  })

  it('refuses the right token when another audience is expected', async () => {
    const error = await actionError(verify(await issuer.mintToken(), { issuer: issuer.issuer, audience: 'other-audience' }))
    expect(error.message).toContain('its audience is not the configured audience')
  })

  it('refuses several audiences even when one of them is ours', async () => {
    const message = await refusal({}, { audience: [AUDIENCE, 'https://attacker.example'] })
    expect(message).toContain('not several audiences')
  })

  it('refuses a wrong issuer and names the input to check', async () => {
    const message = await refusal({}, { issuer: 'https://token.actions.githubusercontent.com' })
    expect(message).toContain('its issuer is not token-issuer')
    expect(message).toContain('token-issuer input')
  })

  it('refuses a token signed by a key the issuer does not publish, under the published kid', async () => {
    const message = await refusal({}, { key: 'unknown' })
    expect(message).toContain("its signature does not verify with the issuer's keys")
  })

  it('refuses a token whose kid the issuer does not publish', async () => {
    const message = await refusal({}, { key: 'unknown', kid: 'attacker-key' })
    expect(message).toContain('signed with a key the issuer does not publish')
  })

  it('refuses a valid token whose payload was altered', async () => {
    const [header, payload, signature] = (await issuer.mintToken()).split('.')
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
    claims.repository = 'evil-org/octo-app'
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
    const error = await actionError(verify(forged))
    expect(error.message).toContain('its signature does not verify')
  })

  it('refuses alg none', async () => {
    const message = await refusal({}, { unsigned: true })
    expect(message).toContain('it is not signed with RS256')
  })

  it('refuses HS256 (algorithm confusion)', async () => {
    const secret = await generateSecret('HS256', { extractable: true })
    const message = await refusal({}, { key: secret, alg: 'HS256' })
    expect(message).toContain('it is not signed with RS256')
  })

  it('refuses RS512 and ES256 even from a known kid', async () => {
    const { privateKey: rsa } = await generateKeyPair('RS512')
    expect(await refusal({}, { key: rsa, alg: 'RS512' })).toContain('not signed with RS256')
    const { privateKey: ec } = await generateKeyPair('ES256')
    expect(await refusal({}, { key: ec, alg: 'ES256' })).toContain('not signed with RS256')
  })

  it.each(['', 'not-a-jwt', 'a.b', 'a.b.c', 'a.b.c.d.e'])('refuses the malformed token %j', async token => {
    const error = await actionError(verify(token))
    expect(error.message).toMatch(/^The OIDC token was refused: /)
  })

  it.each(['sub', 'repository', 'repository_id', 'repository_owner_id', 'ref', 'run_id', 'run_attempt', 'event_name', 'jti', 'exp', 'iat'])(
    'refuses a token without %s',
    async claim => {
      expect(await refusal({ [claim]: undefined })).toBe(`The OIDC token was refused: missing required "${claim}" claim`)
    }
  )

  it.each([
    ['repository_id', 123456789],
    ['repository_owner_id', 987654321],
    ['run_id', 7654321098],
    ['run_attempt', 1],
    ['sub', ['repo:octo-org/octo-app:ref:refs/heads/main']],
    ['repository', { name: 'octo-org/octo-app' }],
    ['ref', null],
    ['event_name', true],
    ['jti', 1]
  ])('refuses a required claim %s of the wrong type (%p)', async (claim, value) => {
    const message = await refusal({ [claim]: value })
    expect(message).toContain(`${claim} must be a non-empty string`)
  })

  it('refuses an empty required claim', async () => {
    const message = await refusal({ repository: '' })
    expect(message).toContain('repository must be a non-empty string')
  })

  it.each([
    ['environment', 1],
    ['job_workflow_ref', ['a']],
    ['actor', false],
    ['runner_environment', null]
  ])('refuses an optional claim %s of the wrong type (%p)', async (claim, value) => {
    const message = await refusal({ [claim]: value })
    expect(message).toContain(`${claim} must be a string`)
  })

  it('lists every wrong claim at once', async () => {
    const message = await refusal(Object.fromEntries([['repository_id', 1], ['run_id', 2], ['environment', 3]]))
    expect(message).toBe('The OIDC token was refused: repository_id must be a non-empty string; run_id must be a non-empty string; environment must be a string')
  })

  it('accepts optional claims when absent', async () => {
    const claims = await verify(await issuer.mintToken({ environment: undefined, job_workflow_ref: undefined, actor: undefined }))
    expect(claims.environment).toBeUndefined()
    expect(claims.job_workflow_ref).toBeUndefined()
  })
})
