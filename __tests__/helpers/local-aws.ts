// The two fixtures on 127.0.0.1 (OIDC issuer, STS with its IAM endpoint), and the per-file set-up of the
// tests that call them through the real AWS SDK clients in this process.
import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals'
import { startOidcIssuer, type OidcIssuer } from '../fixtures/oidc-issuer.js'
import { startStsServer, type StsServer } from '../fixtures/aws-sts.js'
import { isolateAwsEnvironment } from './samples.js'

export interface Fixtures {
  issuer: OidcIssuer
  sts: StsServer
}

export async function startFixtures(): Promise<Fixtures> {
  const issuer = await startOidcIssuer()
  const sts = await startStsServer({ issuerUrl: issuer.issuer })
  return { issuer, sts }
}

export async function stopFixtures(f: Partial<Fixtures> | undefined): Promise<void> {
  await Promise.all([f?.issuer?.stop(), f?.sts?.stop()])
}

export interface LocalAws extends Fixtures {
  /** Registers an SDK client to be destroyed after the test. */
  track<T extends { destroy(): void }>(client: T): T
}

/**
 * Registers the hooks of a test file: the fixtures start before its first test and stop after its last;
 * each test gets an AWS environment that reaches only them (AWS_ENDPOINT_URL_STS and _IAM, no profile,
 * no instance metadata), reset fixtures, then `arrange`; its tracked clients are destroyed afterwards.
 * The returned object holds `issuer` and `sts` once the fixtures have started.
 */
export function useLocalAws(arrange: (aws: LocalAws) => void = () => undefined): LocalAws {
  const clients: Array<{ destroy(): void }> = []
  const aws = {
    track: <T extends { destroy(): void }>(client: T): T => {
      clients.push(client)
      return client
    }
  } as LocalAws
  let restoreEnvironment = (): void => undefined

  beforeAll(async () => { Object.assign(aws, await startFixtures()) })
  afterAll(async () => { await stopFixtures(aws) })
  beforeEach(() => {
    // The SDK reaches both services through the same variables the action's runner sets.
    restoreEnvironment = isolateAwsEnvironment({ AWS_ENDPOINT_URL_STS: aws.sts.url, AWS_ENDPOINT_URL_IAM: aws.sts.url })
    aws.issuer.reset()
    aws.sts.reset()
    arrange(aws)
  })
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy()
    restoreEnvironment()
  })
  return aws
}
