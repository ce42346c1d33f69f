// The post step runs after every job (post-if: always()). It must never throw: with no state, corrupt
// state or a failed main step it records `skipped` with the reason; after a credential was issued it
// scrubs whatever was exported, even when the job itself failed.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expectNoLeaks } from '../helpers/leak-scan.js'
import { runStep } from '../helpers/run-action.js'
import { baseInputs, expectJobClean, newJob, readable, runtimes, useFixtures } from '../helpers/e2e.js'

const NOTHING_ISSUED = 'no credential was issued (denied, dry run, or failed before issue)'
const NO_STATE = 'no state was saved: the main step did not run, or stopped before it reached the token request'
const CORRUPT_STATE = 'the saved state is not valid JSON (corrupt or truncated)'

describe.each(runtimes())('post step on %s', (_name, node) => {
  const fixtures = useFixtures()
  // a job directory for the tests that run the post step alone
  let jobDir: string
  beforeEach(() => { jobDir = mkdtempSync(path.join(os.tmpdir(), 'jit-post-')) })
  afterEach(() => { rmSync(jobDir, { recursive: true, force: true }) })

  it('after a failed main step: records skipped under the same trace and summarises the failure', async () => {
    fixtures.sts.injectFaults([{ kind: 'status', status: 400, code: 'RegionDisabledException' }])
    const job = newJob(fixtures, node)
    const main = await job.main(baseInputs(fixtures))
    expect(main.code).toBe(1)
    expect(main.errors.map(e => e.message)).toEqual(['STS RegionDisabledException: Injected fault\nActivate STS in this region for the account, or choose another aws-region.'])
    const post = await job.post()
    expect(post.code).toBe(0)
    expect(post.errors).toEqual([])
    const events = post.auditEvents()
    expect(new Set(events.map(e => e.trace_id))).toEqual(new Set([main.outputs['trace-id']]))
    expect(events.at(-1)).toMatchObject({ event: 'revoke', method: 'skipped', status: 'skipped', detail: NOTHING_ISSUED })
    const summary = readable(post.summary)
    expect(summary).toContain('## jit-credentials: failed')
    expect(summary).toContain('**Error** at stage <code>sts</code>: STS RegionDisabledException')
    expectJobClean(job)
  })

  it('with no saved state (main never ran): records skipped, says why, succeeds', async () => {
    const post = await runStep('post', { issuer: fixtures.issuer, sts: fixtures.sts, node, inputs: {}, jobDir })
    expect(post.code).toBe(0)
    expect(post.errors).toEqual([])
    expect(post.log).toBe(`Nothing to revoke: ${NO_STATE}.`)
    expect(post.env).toEqual({})
    const events = post.auditEvents()
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ event: 'revoke', method: 'skipped', status: 'skipped', detail: NO_STATE })
    expect(events[0]?.trace_id).toMatch(/^[0-9a-f-]{36}$/)
    expectNoLeaks(post, { 'oidc.requestToken': fixtures.issuer.requestToken })
  })

  it('with corrupt state: records skipped, never throws', async () => {
    const post = await runStep('post', { issuer: fixtures.issuer, sts: fixtures.sts, node, inputs: {}, jobDir, state: { jit: '{"version":1,"trace_id":' } })
    expect(post.code).toBe(0)
    expect(post.stderr).toBe('')
    expect(post.auditEvents()).toEqual([expect.objectContaining({ event: 'revoke', status: 'skipped', detail: CORRUPT_STATE })])
    expectNoLeaks(post, { 'oidc.requestToken': fixtures.issuer.requestToken })
  })

  it('fails the revocation record (a warning) when scrub cannot clear the environment', async () => {
    const job = newJob(fixtures, node)
    expect((await job.main(baseInputs(fixtures))).code).toBe(0)
    const post = await job.post({ env: { GITHUB_ENV: job.runnerTemp } })
    expect(post.code).toBe(0)
    const problem = `could not clear the exported variables: EISDIR: illegal operation on a directory, open '${job.runnerTemp}'`
    expect(post.warnings.map(w => w.message)).toEqual([`Revocation failed: ${problem}`])
    expect(post.auditEvents().at(-1)).toMatchObject({ method: 'scrub', status: 'failed', detail: problem })
  })

  it('scrubs the exported credential and writes no summary when job-summary is false', async () => {
    const job = newJob(fixtures, node)
    const main = await job.main({ ...baseInputs(fixtures), 'job-summary': false })
    expect(main.code).toBe(0)
    const post = await job.post()
    expect(post.code).toBe(0)
    expect(post.env.AWS_SESSION_TOKEN).toBe('')
    expect(post.env.AWS_SECRET_ACCESS_KEY).toBe('')
    expect(post.summary).toBe('')
    expect(post.log).toContain('Job summary skipped: job-summary is false.')
    expect(post.auditEvents().at(-1)).toMatchObject({ method: 'scrub', status: 'scrubbed' })
    expectJobClean(job, { allow: ['main.GITHUB_ENV'] })
  })
})
