// The revocation role's IAM client: one SDK attempt per call (the callers retry, inside their time
// budget), a short request timeout (it bounds how late a write can land, which the confirmation wait
// relies on), and AWS's clock read from each answer's Date header.
import { IAMClient } from '@aws-sdk/client-iam'
import type { IssuedCredentials } from './sts.js'

/** An IAM call that has not answered by then is abandoned; a write still in flight lands within it. */
export const IAM_REQUEST_TIMEOUT_MS = 4000

export interface RevokerClient {
  client: IAMClient
  /** AWS's time: the newest answer's Date plus the time since it arrived; the local clock before any answer. */
  awsNow(): Date
}

export function revokerClient(region: string, credentials: IssuedCredentials): RevokerClient {
  const client = new IAMClient({
    region,
    maxAttempts: 1,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
    requestHandler: { requestTimeout: IAM_REQUEST_TIMEOUT_MS, connectionTimeout: IAM_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true }
  })
  let seen: { date: number, at: number } | undefined
  client.middlewareStack.add(
    next => async args => {
      const result = await next(args)
      const header = (result.response as { headers?: Record<string, string> } | undefined)?.headers?.date
      const date = header === undefined ? Number.NaN : Date.parse(header)
      if (!Number.isNaN(date)) seen = { date, at: performance.now() }
      return result
    },
    { step: 'deserialize', name: 'jitAwsClock' }
  )
  // The Date header has whole seconds and is truncated: the estimate is never ahead of AWS.
  const awsNow = (): Date => (seen ? new Date(seen.date + (performance.now() - seen.at)) : new Date())
  return { client, awsNow }
}
