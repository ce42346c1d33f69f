// Masks the issued secrets before anything can print them, then hands them to the job.
import * as core from '@actions/core'
import type { IssuedCredentials } from './aws/sts.js'

export const EXPORTED_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION']

/** Must run before any export, output or log line that could carry a secret. */
export function maskCredentials(credentials: IssuedCredentials): void {
  core.setSecret(credentials.accessKeyId)
  core.setSecret(credentials.secretAccessKey)
  core.setSecret(credentials.sessionToken)
}

export function exportCredentials(credentials: IssuedCredentials, region: string): void {
  const values: Record<string, string> = {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region
  }
  for (const name of EXPORTED_VARIABLES) core.exportVariable(name, values[name])
}

export function outputCredentials(credentials: IssuedCredentials): void {
  core.setOutput('aws-access-key-id', credentials.accessKeyId)
  core.setOutput('aws-secret-access-key', credentials.secretAccessKey)
  core.setOutput('aws-session-token', credentials.sessionToken)
}

/** Exports empty values: later steps then see no credential (the runner has no "unset"). */
export function scrubVariables(names: string[]): void {
  for (const name of names) core.exportVariable(name, '')
}
