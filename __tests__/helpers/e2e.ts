// Shared set-up for the end-to-end suites: both fixtures on 127.0.0.1, a job that runs the bundled
// dist/ entry points with action.yml's real defaults, and the runtimes to run them on.
import { existsSync } from 'node:fs'
import { startOidcIssuer, type OidcIssuer } from '../fixtures/oidc-issuer.js'
import { startStsServer, type StsServer } from '../fixtures/aws-sts.js'
import { createJob, readActionDefaults, type InputValues, type Job } from './run-action.js'
import { expectNoLeaks, type ExpectNoLeaksOptions } from './leak-scan.js'

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

export interface Fixtures {
  issuer: OidcIssuer
  sts: StsServer
}

export async function startFixtures(): Promise<Fixtures> {
  const issuer = await startOidcIssuer()
  const sts = await startStsServer({ issuerUrl: issuer.issuer })
  return { issuer, sts }
}

export async function stopFixtures(f: Fixtures | undefined): Promise<void> {
  await Promise.all([f?.issuer.stop(), f?.sts.stop()])
}

export function newJob(fixtures: Fixtures, node: string): Job {
  return createJob({ issuer: fixtures.issuer, sts: fixtures.sts, node, defaults: readActionDefaults().defaults })
}

// Every channel of every step, and every file the job left, is free of every secret handed out.
export function expectJobClean(job: Job, options: ExpectNoLeaksOptions = {}): void {
  expectNoLeaks(job, job.knownSecrets(), options)
}

// The job summary as a reader sees it: the numeric entities the summary escapes values with, decoded.
export const readable = (summary: string): string =>
  summary.replace(/&#(\d+);/g, (_m, code: string) => String.fromCodePoint(Number(code)))
