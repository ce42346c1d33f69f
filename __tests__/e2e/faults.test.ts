// Faults the action must survive (issue 4, item 3): STS failing past the retry budget, STS hanging, a
// flaky OIDC token endpoint, a malformed STS answer, a GITHUB_ENV that cannot take the credential, a
// post step with a hand-over that is corrupt, truncated or not ours, a post step run twice, and a main
// step killed while STS holds its answer. Whatever happens: no secret anywhere, nothing half-exported,
// an audit trail of what was done, and a post step that never fails the job by throwing.
import { describe, expect, it } from '@jest/globals'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { StsServer } from '../fixtures/aws-sts.js'
import { baseInputs, expectJobClean, type Fixtures, newJob, runtimes, useFixtures } from '../helpers/e2e.js'
import type { InputValues, Job } from '../helpers/run-action.js'

type Fault = Parameters<StsServer['injectFaults']>[0][number]

// The action's per-request timeout for STS (src/aws/sts.ts STS_REQUEST_TIMEOUT_MS).
const STS_REQUEST_TIMEOUT_MS = 10_000

// A main step the policy denies: the job then holds a real OIDC token (a secret to scan for) and a
// saved hand-over with nothing issued, and nothing was exported.
const denyingInputs = (fixtures: Fixtures): InputValues => ({ ...baseInputs(fixtures), 'allowed-repositories': 'octo-org/other-app' })

const eventNames = (events: Record<string, unknown>[]): unknown[] => events.map(e => e.event)

const NOTHING_ISSUED = 'no credential was issued (denied, dry run, or failed before issue)'

describe.each(runtimes())('faults on %s', (_name, node) => {
  const fixtures = useFixtures()

  describe('STS failing beyond the retry budget', () => {
    const cases: { name: string, fault: Fault, attempts: number, inputs: Record<string, number>, said: RegExp }[] = [
      { name: 'HTTP 500 (default budget)', fault: { kind: 'status', status: 500 }, attempts: 3, inputs: {}, said: /^STS InternalFailure: An internal error occurred/ },
      { name: 'throttling', fault: { kind: 'throttle' }, attempts: 4, inputs: { 'retry-max-attempts': 4 }, said: /^STS Throttling: Rate exceeded/ },
      // the SDK names a dropped connection TimeoutError ("socket hang up")
      { name: 'connection reset', fault: { kind: 'reset' }, attempts: 2, inputs: { 'retry-max-attempts': 2 }, said: /^STS \w+: socket hang up/ }
    ]

    it.each(cases)('$name: exactly retry-max-attempts calls, a clear error, nothing exported', async ({ fault, attempts, inputs, said }) => {
      // more faults than attempts, so a call past the budget would hit one too
      fixtures.sts.injectFaults(Array.from({ length: attempts + 2 }, () => fault))
      const job = newJob(fixtures, node)
      const main = await job.main({ ...baseInputs(fixtures), ...inputs })
      expect(main.code).toBe(1)
      expect(fixtures.sts.requests).toHaveLength(attempts)
      expect(fixtures.sts.pendingFaults()).toBe(2)
      expect(fixtures.sts.issued).toEqual([])
      // each retry is logged with the attempt that failed; none after the last one
      const retries = main.log.split('\n').filter(l => l.startsWith('STS call failed'))
      expect(retries).toHaveLength(attempts - 1)
      retries.forEach((line, i) => expect(line).toMatch(new RegExp(`^STS call failed \\(attempt ${i + 1}, [^)]*\\); retrying in \\d+ ms$`)))
      expect(main.errors).toHaveLength(1)
      const message = main.errors[0]?.message ?? ''
      expect(message).toMatch(said)
      expect(message).toContain('retry budget (retry-max-attempts)')
      expect(main.env).toEqual({})
      expect(main.outputs['aws-account-id']).toBeUndefined()
      expect(main.state.jit && JSON.parse(main.state.jit)).toMatchObject({ issued: null })

      const post = await job.post()
      expect(post.code).toBe(0)
      expect(post.env).toEqual({})
      const events = post.auditEvents()
      expect(eventNames(events)).toEqual(['request', 'decision', 'error', 'revoke'])
      expect(events[2]).toMatchObject({ stage: 'sts', message })
      expect(events[3]).toMatchObject({ method: 'skipped', status: 'skipped', detail: NOTHING_ISSUED })
      expectJobClean(job)
    })
  })

  it('OIDC token endpoint answers 500, then a token: main retries, logs it, and issues', async () => {
    fixtures.issuer.failTokenRequests(1, 500)
    const job = newJob(fixtures, node)
    const main = await job.main(baseInputs(fixtures))
    expect(main.errors).toEqual([])
    expect(main.code).toBe(0)
    expect(fixtures.issuer.requests.filter(r => r.kind === 'token').map(r => r.status)).toEqual([500, 200])
    expect(fixtures.issuer.issuedTokens).toHaveLength(1)
    expect(main.log).toMatch(/^OIDC token request failed \(attempt 1\): .*500.*; retrying in \d+ ms$/m)
    expect(fixtures.sts.requests.map(r => r.result)).toEqual(['issued'])
    expect(main.env.AWS_SESSION_TOKEN).toBe(fixtures.sts.issued[0]?.sessionToken)

    const post = await job.post()
    expect(post.code).toBe(0)
    expect(eventNames(post.auditEvents())).toEqual(['request', 'decision', 'issue', 'revoke'])
    expectJobClean(job, { allow: ['main.GITHUB_ENV'] })
  })

  it('OIDC token endpoint failing past the budget: a clear error, STS never called', async () => {
    fixtures.issuer.failTokenRequests(5, 500)
    const job = newJob(fixtures, node)
    const main = await job.main({ ...baseInputs(fixtures), 'retry-max-attempts': 2 })
    expect(main.code).toBe(1)
    expect(fixtures.issuer.requestCount('token')).toBe(2)
    expect(main.errors.map(e => e.message)).toEqual([expect.stringMatching(/^Could not get the job's OIDC token: .*500/)])
    expect(fixtures.sts.requests).toEqual([])
    expect(main.env).toEqual({})
    const post = await job.post()
    expect(post.code).toBe(0)
    const events = post.auditEvents()
    expect(eventNames(events)).toEqual(['error', 'revoke'])
    expect(events[0]).toMatchObject({ stage: 'oidc', message: main.errors[0]?.message })
    // no token was handed out: the request bearer is the secret to look for
    expectJobClean(job)
  })

  it('malformed STS XML: a clear error, nothing issued or exported', async () => {
    fixtures.sts.injectFaults([{ kind: 'malformed' }, { kind: 'malformed' }, { kind: 'malformed' }])
    const job = newJob(fixtures, node)
    const main = await job.main(baseInputs(fixtures))
    expect(main.code).toBe(1)
    // an answer STS could not have given is not retried
    expect(fixtures.sts.requests.map(r => r.result)).toEqual(['fault:malformed'])
    expect(fixtures.sts.pendingFaults()).toBe(2)
    expect(fixtures.sts.issued).toEqual([])
    expect(main.errors).toHaveLength(1)
    expect(main.errors[0]?.message).toBe('STS answered with something that is not an STS response; check AWS_ENDPOINT_URL_STS and any proxy between the runner and AWS. Nothing was exported.')
    expect(main.env).toEqual({})
    expect(main.masks).toEqual(fixtures.issuer.issuedTokens)

    const post = await job.post()
    expect(post.code).toBe(0)
    const events = post.auditEvents()
    expect(eventNames(events)).toEqual(['request', 'decision', 'error', 'revoke'])
    expect(events[2]).toMatchObject({ stage: 'sts', message: main.errors[0]?.message })
    expect(events[3]).toMatchObject({ method: 'skipped', status: 'skipped', detail: NOTHING_ISSUED })
    expectJobClean(job)
  })

  describe('a GITHUB_ENV (or GITHUB_OUTPUT) that cannot take the credential', () => {
    // Checked before anything is requested: with GITHUB_ENV unset @actions/core would print
    // `::set-env name=AWS_SECRET_ACCESS_KEY::<secret>` to the log, and a file it cannot write would fail
    // after STS had issued a credential.
    // the problem each case must name in the action's one error
    const cases: { name: string, env: (job: Job) => Record<string, string | undefined>, inputs: Record<string, string>, problem: (job: Job) => string }[] = [
      {
        name: 'GITHUB_ENV is a directory',
        env: job => {
          const dir = path.join(job.dir, 'env-dir')
          mkdirSync(dir, { recursive: true })
          return { GITHUB_ENV: dir }
        },
        inputs: {},
        problem: job => `GITHUB_ENV (${path.join(job.dir, 'env-dir')}) is not a writable file (not a regular file)`
      },
      {
        name: 'GITHUB_ENV names a missing file',
        env: job => ({ GITHUB_ENV: path.join(job.dir, 'no-such-dir/set_env') }),
        inputs: {},
        problem: job => `GITHUB_ENV (${path.join(job.dir, 'no-such-dir/set_env')}) is not a writable file (ENOENT)`
      },
      {
        name: 'GITHUB_ENV is unset',
        env: () => ({ GITHUB_ENV: undefined }),
        inputs: {},
        problem: () => 'GITHUB_ENV is not set, so export-env could only print the credential to the log'
      },
      {
        name: 'GITHUB_OUTPUT is unset with output-credentials',
        env: () => ({ GITHUB_OUTPUT: undefined }),
        inputs: { 'output-credentials': 'true', 'export-env': 'false' },
        problem: () => 'GITHUB_OUTPUT is not set, so output-credentials could only print the credential to the log'
      }
    ]

    it.each(cases)('$name: main fails closed before any request; post skips', async ({ env, inputs, problem }) => {
      const job = newJob(fixtures, node)
      const main = await job.main({ ...baseInputs(fixtures), ...inputs }, { env: env(job) })
      expect(main.code).toBe(1)
      const message = `Cannot hand the credential to the job safely, so none was requested: ${problem(job)}. ` +
        'The runner sets these files for every step: do not override them in env:, or turn off the input.'
      expect(main.errors.map(e => e.message)).toEqual([message])
      // nothing was requested, so nothing can be half-exported
      expect(fixtures.issuer.requestCount('token')).toBe(0)
      expect(fixtures.sts.requests).toEqual([])
      expect(main.env).toEqual({})
      // no fallback to workflow commands for the credential
      expect(main.stdout).not.toMatch(/::set-env|::set-output name=aws-/)
      expect(main.outputs['aws-secret-access-key']).toBeUndefined()

      const post = await job.post()
      expect(post.code).toBe(0)
      expect(post.errors).toEqual([])
      expect(post.env).toEqual({})
      const events = post.auditEvents()
      expect(eventNames(events)).toEqual(['error', 'revoke'])
      expect(events[0]).toMatchObject({ stage: 'export', message })
      expect(events[1]).toMatchObject({ method: 'skipped', status: 'skipped', detail: NOTHING_ISSUED })
      // no token was requested: the request bearer is what must not appear
      expectJobClean(job)
    })
  })

  describe('a GITHUB_OUTPUT or GITHUB_STATE that cannot be written', () => {
    it.each(['GITHUB_OUTPUT', 'GITHUB_STATE'])('%s is a directory: main fails with an error event, not a crash; nothing requested', async name => {
      const job = newJob(fixtures, node)
      const dir = path.join(job.dir, 'not-a-file')
      mkdirSync(dir)
      const main = await job.main(baseInputs(fixtures), { env: { [name]: dir } })
      expect(main.code).toBe(1)
      expect(main.stderr).not.toMatch(/\n\s+at /)
      const message = `The step's outputs and state cannot be written: ${name} (${dir}) is not a writable file (not a regular file). ` +
        'The runner sets these files for every step: do not override them in env:.'
      expect(main.errors.map(e => e.message)).toEqual([message])
      expect(fixtures.issuer.requestCount('token')).toBe(0)
      expect(fixtures.sts.requests).toEqual([])
      expect(main.env).toEqual({})

      const post = await job.post()
      expect(post.code).toBe(0)
      expect(post.env).toEqual({})
      const events = post.auditEvents()
      expect(eventNames(events)).toEqual(['error', 'revoke'])
      expect(events[0]).toMatchObject({ stage: 'state', message })
      // main could not hand anything over, so post skips under a trace of its own
      expect(events[1]).toMatchObject({
        method: 'skipped',
        status: 'skipped',
        detail: 'no state was saved: the main step did not run, or stopped before it reached the token request'
      })
      expect(events[1]?.trace_id).not.toBe(events[0]?.trace_id)
      expectJobClean(job)
    })
  })

  describe('post step with a hand-over that is not usable', () => {
    const NOT_JSON = 'the saved state is not valid JSON (corrupt or truncated)'
    const NOT_OURS = 'the saved state is not from this version of the action'
    const cases: { name: string, state: (valid: string) => string, detail: string }[] = [
      { name: 'truncated JSON', state: valid => valid.slice(0, Math.floor(valid.length / 2)), detail: NOT_JSON },
      { name: 'binary garbage', state: () => '\u00ff{{{"\u202e\ufffd', detail: NOT_JSON },
      { name: 'another action\'s JSON', state: () => JSON.stringify({ cache_key: 'node-modules-abc', matched_key: '', version: '2' }), detail: NOT_OURS },
      { name: 'a JSON array', state: valid => JSON.stringify([JSON.parse(valid)]), detail: NOT_OURS },
      { name: 'JSON null', state: () => 'null', detail: NOT_OURS },
      { name: 'a huge JSON string', state: () => JSON.stringify('A'.repeat(120_000)), detail: NOT_OURS },
      { name: 'a huge non-JSON string', state: () => 'x'.repeat(120_000), detail: NOT_JSON },
      { name: 'our version with fields missing', state: valid => JSON.stringify({ ...JSON.parse(valid), audit_log: undefined }), detail: 'the saved state is incomplete' },
      {
        name: 'our version with a forged session record',
        state: valid => JSON.stringify({ ...JSON.parse(valid), issued: { role_arn: 'x', session_name: 'y' }, exported: ['AWS_SESSION_TOKEN'] }),
        detail: 'the saved state has an incomplete session record'
      },
      {
        name: 'a variable name that is no variable name',
        state: valid => JSON.stringify({ ...JSON.parse(valid), exported: ['PATH=/tmp/evil\nX'] }),
        detail: 'the saved state lists invalid variable names'
      }
    ]

    it.each(cases)('$name: never throws, exits 0, audits skipped, exports nothing', async ({ state, detail }) => {
      const job = newJob(fixtures, node)
      const main = await job.main(denyingInputs(fixtures))
      expect(main.code).toBe(1)
      const valid = job.state.jit
      if (!valid) throw new Error('main saved no state')
      job.state = { jit: state(valid) }

      const post = await job.post()
      expect(post.code).toBe(0)
      expect(post.signal).toBeNull()
      expect(post.errors).toEqual([])
      expect(post.stderr).toBe('')
      expect(post.env).toEqual({})
      expect(post.log).toBe(`Nothing to revoke: ${detail}.`)
      const events = post.auditEvents()
      // main's request and decision, then one skipped revoke under a trace of its own
      expect(eventNames(events)).toEqual(['request', 'decision', 'revoke'])
      expect(events[2]).toMatchObject({ method: 'skipped', status: 'skipped', detail })
      expect(events[2]?.trace_id).not.toBe(main.outputs['trace-id'])
      expectJobClean(job)
    })

    it('truncated after a credential was issued: skipped and not scrubbed, as nothing trustworthy says what to clear', async () => {
      const job = newJob(fixtures, node)
      const main = await job.main(baseInputs(fixtures))
      expect(main.code).toBe(0)
      const valid = job.state.jit ?? ''
      job.state = { jit: valid.slice(0, valid.length - 10) }
      const post = await job.post()
      expect(post.code).toBe(0)
      expect(post.errors).toEqual([])
      expect(post.env).toEqual({})
      expect(post.auditEvents().at(-1)).toMatchObject({ event: 'revoke', status: 'skipped', detail: NOT_JSON })
      expectJobClean(job, { allow: ['main.GITHUB_ENV'] })
    })
  })

  it('post step run twice: the second scrubs again and writes one more revoke event', async () => {
    const job = newJob(fixtures, node)
    const main = await job.main(baseInputs(fixtures))
    expect(main.code).toBe(0)
    const scrubbed = Object.fromEntries(Object.keys(main.env).map(name => [name, '']))
    const first = await job.post()
    const second = await job.post()
    for (const post of [first, second]) {
      expect(post.code).toBe(0)
      expect(post.errors).toEqual([])
      expect(post.warnings).toEqual([])
      expect(post.env).toEqual(scrubbed)
    }
    expect(job.env).toEqual(scrubbed)
    const events = second.auditEvents()
    expect(eventNames(events)).toEqual(['request', 'decision', 'issue', 'revoke', 'revoke'])
    expect(new Set(events.map(e => e.trace_id))).toEqual(new Set([main.outputs['trace-id']]))
    expect(events[3]).toMatchObject({ method: 'scrub', status: 'scrubbed' })
    expect(events[4]).toMatchObject({ method: 'scrub', status: 'scrubbed' })
    expect(fixtures.sts.issued).toHaveLength(1)
    expectJobClean(job, { allow: ['main.GITHUB_ENV'] })
  })

  it('main killed while STS holds its answer: nothing exported, no secret anywhere, post audits what it can', async () => {
    fixtures.sts.injectFaults([{ kind: 'delay', ms: 120_000 }])
    const job = newJob(fixtures, node)
    const main = await job.main(baseInputs(fixtures), { timeoutMs: 8_000 })
    expect(main.timedOut).toBe(true)
    expect(main.signal).toBe('SIGKILL')
    // it was killed waiting on STS, and STS issued nothing (the fixture drops the answer of a dead client)
    expect(fixtures.sts.requests.map(r => r.result)).toEqual(['fault:delay'])
    expect(fixtures.sts.issued).toEqual([])
    expect(main.env).toEqual({})
    expect(main.errors).toEqual([])
    expect(JSON.parse(job.state.jit ?? 'null')).toMatchObject({ issued: null, trace_id: main.outputs['trace-id'] })

    const post = await job.post()
    expect(post.code).toBe(0)
    expect(post.errors).toEqual([])
    expect(post.env).toEqual({})
    const events = post.auditEvents()
    expect(eventNames(events)).toEqual(['request', 'decision', 'revoke'])
    expect(new Set(events.map(e => e.trace_id))).toEqual(new Set([main.outputs['trace-id']]))
    expect(events[1]).toMatchObject({ allowed: true })
    expect(events[2]).toMatchObject({ method: 'skipped', status: 'skipped', detail: NOTHING_ISSUED })
    expect(events[2]?.job).toMatchObject({ source: 'claims' })
    expectJobClean(job)
  })
})

// One runtime only (the action's, when available): each attempt waits out the 10 s request timeout.
const [hangName, hangNode] = runtimes().at(-1) ?? [`node ${process.versions.node}`, process.execPath]
describe(`STS hanging on ${hangName}`, () => {
  const fixtures = useFixtures()

  it('an STS call that never answers fails on the per-request timeout, within a bound', async () => {
    // longer than the action's timeout and shorter than the harness's, so a missing timeout shows up
    // as a credential issued after the delay (or as the harness killing the step)
    fixtures.sts.injectFaults([{ kind: 'delay', ms: 25_000 }])
    const job = newJob(fixtures, hangNode)
    const main = await job.main({ ...baseInputs(fixtures), 'retry-max-attempts': 1 }, { timeoutMs: 45_000 })
    expect(main.timedOut).toBe(false)
    expect(main.code).toBe(1)
    expect(main.durationMs).toBeLessThan(STS_REQUEST_TIMEOUT_MS + 8_000)
    expect(fixtures.sts.requests).toHaveLength(1)
    expect(fixtures.sts.issued).toEqual([])
    expect(main.errors).toHaveLength(1)
    expect(main.errors[0]?.message).toMatch(/^STS TimeoutError: .*exceeded the configured 10000 ms requestTimeout/)
    expect(main.env).toEqual({})

    const post = await job.post()
    expect(post.code).toBe(0)
    const events = post.auditEvents()
    expect(eventNames(events)).toEqual(['request', 'decision', 'error', 'revoke'])
    expect(events[2]).toMatchObject({ stage: 'sts', message: main.errors[0]?.message })
    expectJobClean(job)
  }, 60_000)
})
