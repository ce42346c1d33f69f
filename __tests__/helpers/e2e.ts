// Shared set-up for the end-to-end suites: both fixtures on 127.0.0.1, a job that runs the bundled
// dist/ entry points with action.yml's real defaults, and the runtimes to run them on.
import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals'
import { existsSync } from 'node:fs'
import { createJob, readActionDefaults, type InputValues, type Job } from './run-action.js'
import { expectNoLeaks, type ExpectNoLeaksOptions } from './leak-scan.js'
import { startFixtures, stopFixtures, type Fixtures } from './local-aws.js'

export { startFixtures, stopFixtures, type Fixtures } from './local-aws.js'

export const ROLE_ARN = 'arn:aws:iam::111122223333:role/deploy'
export const ACCOUNT_ID = '111122223333'

// Node 20 (this machine) and Node 24 (the action's runtime, from the npm registry via `npm test`).
export function runtimes(): [string, string][] {
  const list: [string, string][] = [[`node ${process.versions.node}`, process.execPath]]
  const node24 = process.env.JIT_TEST_NODE24
  if (node24 && existsSync(node24)) list.push(['node 24', node24])
  else if (process.env.CI) throw new Error('JIT_TEST_NODE24 is not set: run the suite with `npm test`')
  return list
}

// Inputs of a typical deploy step; tests override what they exercise.
export const baseInputs = (fixtures: Fixtures): InputValues => ({
  'role-to-assume': ROLE_ARN,
  'aws-region': 'eu-west-1',
  'allowed-repositories': 'octo-org/octo-app',
  scopes: 's3:GetObject,s3:PutObject arn:aws:s3:::octo-artifacts/*',
  'token-issuer': fixtures.issuer.issuer
})

/**
 * Registers, in the calling describe block, the fixtures' start (before its first test), stop (after
 * its last) and reset (before each test). The returned object holds `issuer` and `sts` once started.
 */
export function useFixtures(): Fixtures {
  const fixtures = {} as Fixtures
  beforeAll(async () => { Object.assign(fixtures, await startFixtures()) })
  afterAll(async () => { await stopFixtures(fixtures) })
  beforeEach(() => { fixtures.issuer.reset(); fixtures.sts.reset() })
  return fixtures
}

// Jobs of the running test. After each test, every one of them is scanned for leaks (whatever the test
// itself checked) and only then removed: no e2e test can skip the scan.
const openJobs: Array<{ job: Job, remove: () => void }> = []

afterEach(() => {
  const jobs = openJobs.splice(0)
  try {
    for (const { job } of jobs) expectJobClean(job, { allow: legitimateChannels(job), allowEmpty: true })
  } finally {
    for (const { remove } of jobs) remove()
  }
})

/** A job whose `cleanup()` is deferred to after the test's leak scan. */
export function newJob(fixtures: Fixtures, node: string): Job {
  const job = createJob({ issuer: fixtures.issuer, sts: fixtures.sts, node, defaults: readActionDefaults().defaults })
  openJobs.push({ job, remove: job.cleanup })
  job.cleanup = () => undefined
  return job
}

/** Where the credential is meant to be: each main step's GITHUB_ENV (export-env) and GITHUB_OUTPUT (output-credentials). */
export function legitimateChannels(job: Job): string[] {
  return job.steps
    .filter(step => step.step === 'main')
    .flatMap((step, index) => {
      const prefix = index === 0 ? 'main' : `main#${index + 1}`
      return [
        ...(step.inputs['export-env'] !== 'false' ? [`${prefix}.GITHUB_ENV`] : []),
        ...(step.inputs['output-credentials'] === 'true' ? [`${prefix}.GITHUB_OUTPUT`] : [])
      ]
    })
}

// Every channel of every step, and every file the job left, is free of every secret handed out.
export function expectJobClean(job: Job, options: ExpectNoLeaksOptions = {}): void {
  expectNoLeaks(job, job.knownSecrets(), options)
}

export { readable } from './runner-protocol.js'
