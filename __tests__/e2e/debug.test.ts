// Debug logging (RUNNER_DEBUG=1, "Enable debug logging" on a re-run) prints extra lines from the
// action's libraries. With it on, every channel must still be free of the OIDC token, the request
// bearer and the issued keys; and the token is masked before any line could carry it.
import { describe, expect, it } from '@jest/globals'
import type { StsServer } from '../fixtures/aws-sts.js'
import { baseInputs, expectJobClean, type Fixtures, newJob, runtimes, useFixtures } from '../helpers/e2e.js'
import type { InputValues, Job, StepResult } from '../helpers/run-action.js'
import { parseCommandLine } from '../helpers/runner-protocol.js'

// The debug lines of a step, and the ordering of the token's mask against the token request.
function expectTokenMaskedBeforeUse(step: StepResult, job: Job, fixtures: Fixtures): void {
  const lines = step.stdout.split('\n')
  const commands = lines.map(line => parseCommandLine(line))
  const isTokenRequestDebug = (i: number): boolean => commands[i]?.command === 'debug' && (commands[i]?.data ?? '').includes('/token-request')
  const requestLines = lines.map((_l, i) => i).filter(isTokenRequestDebug)
  expect(requestLines.length).toBeGreaterThan(0)

  // No debug line carries any secret handed to the job, in any form the scanner knows.
  const secrets = Object.values(job.knownSecrets())
  for (const data of step.debug) {
    for (const secret of secrets) expect(data.includes(secret)).toBe(false)
  }
  // @actions/core logs the request URL (audience only; the bearer goes in a header) before it has a
  // token, so the URL line necessarily precedes the token's mask. What must hold: the mask is the first
  // line that carries the token, and it follows the request that produced it with no debug line in
  // between that could have printed the token unmasked.
  for (const token of fixtures.issuer.issuedTokens) {
    const mask = lines.indexOf(`::add-mask::${token}`)
    expect(mask).toBeGreaterThan(-1)
    expect(lines.findIndex(line => line.includes(token))).toBe(mask)
    const request = Math.max(...requestLines.filter(i => i < mask))
    expect(request).toBeGreaterThanOrEqual(0)
    const between = commands.slice(request + 1, mask).filter(c => c?.command === 'debug')
    expect(between).toEqual([])
  }
}

describe.each(runtimes())('debug logging on %s', (_name, node) => {
  const fixtures = useFixtures()

  it('allow path with RUNNER_DEBUG=1: debug lines carry no secret, the token is masked first, every channel clean', async () => {
    // a failed token request first, so the debug log holds a retried request as well
    fixtures.issuer.failTokenRequests(1, 500)
    const job = newJob(fixtures, node)
    const main = await job.main(baseInputs(fixtures), { debug: true })
    expect(main.errors).toEqual([])
    expect(main.code).toBe(0)
    expect(main.processEnv.RUNNER_DEBUG).toBe('1')
    expect(main.debug.filter(d => d.includes('/token-request'))).toHaveLength(2)
    expect(main.log).toContain('##[debug]')
    expect(fixtures.sts.issued).toHaveLength(1)
    expectTokenMaskedBeforeUse(main, job, fixtures)

    const post = await job.post({ debug: true })
    expect(post.code).toBe(0)
    expect(post.env.AWS_SESSION_TOKEN).toBe('')
    // the secrets live only in the GITHUB_ENV file main wrote for the job
    expectJobClean(job, { allow: ['main.GITHUB_ENV'] })
  })

  type FailureCase = { name: string, inputs: (f: Fixtures) => InputValues, arrange: (sts: StsServer) => void, stage: string }
  const failures: FailureCase[] = [
    {
      name: 'STS AccessDenied',
      inputs: baseInputs,
      arrange: sts => sts.setTrust(() => 'Not authorized to perform sts:AssumeRoleWithWebIdentity'),
      stage: 'sts'
    },
    {
      name: 'STS dropping the connection past the retry budget',
      inputs: f => ({ ...baseInputs(f), 'retry-max-attempts': 2 }),
      arrange: sts => sts.injectFaults([{ kind: 'reset' }, { kind: 'reset' }]),
      stage: 'sts'
    }
  ]

  it.each(failures)('failure path ($name) with RUNNER_DEBUG=1: no secret in any channel', async ({ inputs, arrange, stage }) => {
    arrange(fixtures.sts)
    const job = newJob(fixtures, node)
    const main = await job.main(inputs(fixtures), { debug: true })
    expect(main.code).toBe(1)
    expect(main.env).toEqual({})
    expect(fixtures.sts.issued).toEqual([])
    expect(fixtures.issuer.issuedTokens).toHaveLength(1)
    expectTokenMaskedBeforeUse(main, job, fixtures)

    const post = await job.post({ debug: true })
    expect(post.code).toBe(0)
    expect(post.auditEvents().map(e => e.event)).toEqual(['request', 'decision', 'error', 'revoke'])
    expect(post.auditEvents()[2]).toMatchObject({ stage })
    expectJobClean(job)
  })
})
