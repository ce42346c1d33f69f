// The action verifies the job's OIDC token itself: an expired token, a token for another audience, a
// token signed by a key the issuer never published, and a job without `id-token: write` all fail
// closed before STS, with an error event in the audit log and a message that says what to fix.
import { describe, expect, it } from '@jest/globals'
import type { MintOptions } from '../fixtures/oidc-issuer.js'
import { baseInputs, expectJobClean, newJob, readable, runtimes, useFixtures } from '../helpers/e2e.js'

interface TokenCase {
  name: string
  token: MintOptions
  message: string
}

const cases: TokenCase[] = [
  {
    name: 'expired token',
    token: { expiresIn: -300 },
    message: 'The OIDC token was refused: it has expired ("exp" claim timestamp check failed). Check the runner\'s clock, then re-run the job.'
  },
  {
    name: 'wrong audience',
    token: { audience: 'https://github.com/octo-org' },
    message: 'The OIDC token was refused: its audience is not the configured audience (unexpected "aud" claim value). Check the audience input.'
  },
  {
    name: 'bad signature (key not in the JWKS)',
    token: { key: 'unknown' },
    message: 'The OIDC token was refused: its signature does not verify with the issuer\'s keys'
  }
]

describe.each(runtimes())('token verification on %s', (_name, node) => {
  const fixtures = useFixtures()

  it.each(cases)('$name: refused before STS, audited, nothing exported', async ({ token, message }) => {
    fixtures.issuer.setTokenOptions(token)
    const job = newJob(fixtures, node)
    const main = await job.main(baseInputs(fixtures))
    expect(main.code).toBe(1)
    expect(main.errors.map(e => e.message)).toEqual([message])
    expect(fixtures.issuer.issuedTokens).toHaveLength(1)
    expect(main.masks).toContain(fixtures.issuer.issuedTokens[0])
    expect(fixtures.sts.requests).toEqual([])
    expect(main.env).toEqual({})
    expect(main.outputs.decision).toBeUndefined()

    const post = await job.post()
    expect(post.code).toBe(0)
    const events = post.auditEvents()
    expect(events.map(e => e.event)).toEqual(['error', 'revoke'])
    expect(events[0]).toMatchObject({ stage: 'oidc', message })
    expect(events[1]).toMatchObject({ method: 'skipped', status: 'skipped' })
    expect(readable(post.summary)).toContain('## jit-credentials: failed')
    expectJobClean(job)
  })

  it('without id-token: write, says which permission to add', async () => {
    const job = newJob(fixtures, node)
    const main = await job.main(baseInputs(fixtures), { env: { ACTIONS_ID_TOKEN_REQUEST_URL: undefined, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined } })
    expect(main.code).toBe(1)
    expect(main.errors.map(e => e.message)).toEqual([
      'The job has no OIDC token to request. Add this to the workflow (job or top level):\n' +
        '  permissions:\n    id-token: write\n    contents: read\n' +
        'Tokens are never given to pull requests from forks. See https://github.com/jit-credentials/jit-credentials#permissions'
    ])
    expect(fixtures.issuer.requestCount('token')).toBe(0)
    expect(fixtures.sts.requests).toEqual([])
    const post = await job.post()
    expect(post.auditEvents().map(e => e.event)).toEqual(['error', 'revoke'])
    expectJobClean(job, { allowEmpty: true })
    expect(job.knownSecrets()).toEqual({ 'oidc.requestToken': fixtures.issuer.requestToken })
  })
})
