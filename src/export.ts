// Masks the issued secrets before anything can print them, then hands them to the job.
import * as core from '@actions/core'
import { accessSync, constants, statSync } from 'node:fs'
import type { IssuedCredentials } from './aws/sts.js'
import { ActionError, messageOf } from './errors.js'

export const EXPORTED_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION']

/** Why the runner's file for a file command (GITHUB_ENV, GITHUB_OUTPUT, ...) cannot take a record; undefined when it can. */
function fileCommandProblem(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const file = env[name]
  if (!file) return `${name} is not set`
  try {
    if (!statSync(file).isFile()) throw new Error('not a regular file')
    accessSync(file, constants.W_OK)
    return undefined
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code
    return `${name} (${file}) is not a writable file (${typeof code === 'string' ? code : messageOf(error)})`
  }
}

const KEEP_RUNNER_FILES = 'The runner sets these files for every step: do not override them in env:'

/** The step's outputs and state go to these files when the runner sets them; checked before anything is written. */
export function checkStepFiles(env: NodeJS.ProcessEnv = process.env): void {
  // Unset, @actions/core falls back to workflow commands on stdout, which is fine for non-secret values.
  const problems = ['GITHUB_OUTPUT', 'GITHUB_STATE'].filter(name => env[name]).map(name => fileCommandProblem(name, env)).filter(p => p !== undefined)
  if (problems.length > 0) {
    throw new ActionError('state', `The step's outputs and state cannot be written: ${problems.join('; ')}. ${KEEP_RUNNER_FILES}.`)
  }
}

/**
 * Where the credential goes must be a writable file. Without it @actions/core falls back to a workflow
 * command on stdout (`::set-env name=AWS_SECRET_ACCESS_KEY::<secret>`), and a file that cannot be
 * written fails after STS issued the credential. Checked before anything is requested.
 */
export function checkExportTargets(options: { exportEnv: boolean; outputCredentials: boolean }, env: NodeJS.ProcessEnv = process.env): void {
  const needed: Array<[string, string]> = []
  if (options.exportEnv) needed.push(['GITHUB_ENV', 'export-env'])
  if (options.outputCredentials) needed.push(['GITHUB_OUTPUT', 'output-credentials'])
  const problems = needed.flatMap(([name, input]) => {
    const problem = fileCommandProblem(name, env)
    if (problem === undefined) return []
    return [env[name] ? problem : `${problem}, so ${input} could only print the credential to the log`]
  })
  if (problems.length > 0) {
    throw new ActionError(
      'export',
      `Cannot hand the credential to the job safely, so none was requested: ${problems.join('; ')}. ${KEEP_RUNNER_FILES}, or turn off the input.`
    )
  }
}

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
