import { afterEach, beforeEach, describe, it, expect, jest } from '@jest/globals'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { IssuedCredentials } from '../src/aws/sts.js'
import { ActionError } from '../src/errors.js'
import { EXPORTED_VARIABLES, checkExportTargets, checkStepFiles, exportCredentials, maskCredentials, outputCredentials, scrubVariables } from '../src/export.js'
import { parseFileCommands, parseRunnerCommands } from './helpers/runner-protocol.js'

// Obviously fake values, distinct enough that each can be found on its own.
const CREDENTIALS: IssuedCredentials = {
  accessKeyId: 'FAKE-ACCESS-KEY-ID-0001',
  secretAccessKey: 'fake/secret+access%key-0002',
  sessionToken: 'fake-session-token-0003==',
  expiration: new Date('2026-01-01T10:15:00.000Z'),
  issuedAt: new Date('2026-01-01T10:00:00.000Z'),
  assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/deploy/gh-1-1-00000000',
  assumedRoleId: 'AROAFAKEFAKEFAKE:gh-1-1-00000000',
  accountId: '123456789012'
}
const SECRETS = [CREDENTIALS.accessKeyId, CREDENTIALS.secretAccessKey, CREDENTIALS.sessionToken]

const savedEnv = { ...process.env }
let dir: string
let envFile: string
let outputFile: string
/** Everything written to stdout, each write with the sizes of the two files at that moment. */
let writes: Array<{ text: string; envBytes: number; outputBytes: number }>

const stdout = () => writes.map(w => w.text).join('')
const fileText = (file: string) => readFileSync(file, 'utf8')

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'jit-export-'))
  envFile = path.join(dir, 'env')
  outputFile = path.join(dir, 'output')
  writeFileSync(envFile, '')
  writeFileSync(outputFile, '')
  process.env.GITHUB_ENV = envFile
  process.env.GITHUB_OUTPUT = outputFile
  writes = []
  jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
    const size = (file: string | undefined) => (file ? fileText(file).length : 0)
    writes.push({ text: String(chunk), envBytes: size(process.env.GITHUB_ENV), outputBytes: size(process.env.GITHUB_OUTPUT) })
    return true
  })
})

afterEach(() => {
  jest.restoreAllMocks()
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name]
  Object.assign(process.env, savedEnv)
  rmSync(dir, { recursive: true, force: true })
})

describe('maskCredentials', () => {
  it('registers a mask for each of the three secrets, and nothing else', () => {
    maskCredentials(CREDENTIALS)
    expect(parseRunnerCommands(stdout()).masks).toEqual(SECRETS)
    expect(stdout()).not.toContain(CREDENTIALS.accountId)
    expect(stdout()).not.toContain(CREDENTIALS.assumedRoleArn)
  })

  it('writes nothing to the file commands', () => {
    maskCredentials(CREDENTIALS)
    expect(fileText(envFile)).toBe('')
    expect(fileText(outputFile)).toBe('')
  })
})

describe('exportCredentials', () => {
  it('exports the three secrets and the region under the documented names', () => {
    exportCredentials(CREDENTIALS, 'eu-central-1')
    expect(parseFileCommands(fileText(envFile))).toEqual({
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
      AWS_REGION: 'eu-central-1',
      AWS_DEFAULT_REGION: 'eu-central-1'
    })
    expect(Object.keys(parseFileCommands(fileText(envFile)))).toEqual(EXPORTED_VARIABLES)
    expect(process.env.AWS_SESSION_TOKEN).toBe(CREDENTIALS.sessionToken)
    expect(process.env.AWS_REGION).toBe('eu-central-1')
  })

  it('prints no secret to the log when it writes the env file', () => {
    exportCredentials(CREDENTIALS, 'eu-central-1')
    for (const secret of SECRETS) expect(stdout()).not.toContain(secret)
  })
})

describe('outputCredentials', () => {
  it('sets the three secret outputs, and only those', () => {
    outputCredentials(CREDENTIALS)
    expect(parseFileCommands(fileText(outputFile))).toEqual({
      'aws-access-key-id': CREDENTIALS.accessKeyId,
      'aws-secret-access-key': CREDENTIALS.secretAccessKey,
      'aws-session-token': CREDENTIALS.sessionToken
    })
    expect(fileText(envFile)).toBe('')
    for (const secret of SECRETS) expect(stdout()).not.toContain(secret)
  })
})

describe("in the main step's order (mask, export, output) masks come first", () => {
  it('adds every mask while the env and output files are still empty', () => {
    maskCredentials(CREDENTIALS)
    exportCredentials(CREDENTIALS, 'us-east-1')
    outputCredentials(CREDENTIALS)

    const masks = writes.filter(w => w.text.startsWith('::add-mask::'))
    expect(masks).toHaveLength(3)
    for (const write of masks) expect([write.envBytes, write.outputBytes]).toEqual([0, 0])
    // The exports and outputs did happen afterwards.
    expect(parseFileCommands(fileText(envFile)).AWS_SECRET_ACCESS_KEY).toBe(CREDENTIALS.secretAccessKey)
    expect(parseFileCommands(fileText(outputFile))['aws-session-token']).toBe(CREDENTIALS.sessionToken)
  })

  it('on a runner without file commands, every secret is masked on stdout before it is set', () => {
    delete process.env.GITHUB_ENV
    delete process.env.GITHUB_OUTPUT
    maskCredentials(CREDENTIALS)
    exportCredentials(CREDENTIALS, 'us-east-1')
    outputCredentials(CREDENTIALS)

    const { commands, log } = parseRunnerCommands(stdout())
    const firstUse = (secret: string) => commands.findIndex(c => c.command !== 'add-mask' && c.data === secret)
    const maskAt = (secret: string) => commands.findIndex(c => c.command === 'add-mask' && c.data === secret)
    for (const secret of SECRETS) {
      expect(maskAt(secret)).toBeGreaterThanOrEqual(0)
      expect(firstUse(secret)).toBeGreaterThan(maskAt(secret))
      expect(log).not.toContain(secret)
    }
    expect(commands.filter(c => c.command === 'set-env').map(c => c.properties.name)).toEqual(EXPORTED_VARIABLES)
    expect(commands.filter(c => c.command === 'set-output')).toHaveLength(3)
  })
})

describe('scrubVariables', () => {
  it('exports empty values for the variables it is given', () => {
    exportCredentials(CREDENTIALS, 'us-east-1')
    writeFileSync(envFile, '')

    scrubVariables(EXPORTED_VARIABLES)

    expect(parseFileCommands(fileText(envFile))).toEqual({
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_REGION: '',
      AWS_DEFAULT_REGION: ''
    })
    for (const name of EXPORTED_VARIABLES) expect(process.env[name]).toBe('')
  })

  it('touches only the listed variables', () => {
    process.env.AWS_REGION = 'us-east-1'
    scrubVariables(['AWS_SESSION_TOKEN'])
    expect(parseFileCommands(fileText(envFile))).toEqual({ AWS_SESSION_TOKEN: '' })
    expect(process.env.AWS_REGION).toBe('us-east-1')
  })

  it('writes nothing when nothing was exported', () => {
    scrubVariables([])
    expect(fileText(envFile)).toBe('')
    expect(stdout()).toBe('')
  })
})

describe('checkStepFiles', () => {
  it('accepts writable files, and unset ones (core then uses workflow commands)', () => {
    const state = path.join(dir, 'state')
    writeFileSync(state, '')
    expect(() => checkStepFiles({ GITHUB_OUTPUT: outputFile, GITHUB_STATE: state })).not.toThrow()
    expect(() => checkStepFiles({ GITHUB_STATE: state })).not.toThrow()
    expect(() => checkStepFiles({})).not.toThrow()
  })

  it('refuses a GITHUB_OUTPUT or GITHUB_STATE that is set but cannot be written, naming each', () => {
    const sub = path.join(dir, 'sub')
    mkdirSync(sub)
    expect(() => checkStepFiles({ GITHUB_OUTPUT: sub, GITHUB_STATE: path.join(dir, 'missing') })).toThrow(
      `The step's outputs and state cannot be written: GITHUB_OUTPUT (${sub}) is not a writable file (not a regular file); ` +
        `GITHUB_STATE (${path.join(dir, 'missing')}) is not a writable file (ENOENT). The runner sets these files for every step: do not override them in env:.`
    )
  })
})

describe('checkExportTargets', () => {
  const both = { exportEnv: true, outputCredentials: true }

  it('accepts the writable files the runner sets', () => {
    expect(() => checkExportTargets(both)).not.toThrow()
  })

  it('refuses a missing GITHUB_ENV: @actions/core would print the credential as ::set-env', () => {
    delete process.env.GITHUB_ENV
    expect(() => checkExportTargets(both)).toThrow(/^Cannot hand the credential to the job safely, so none was requested: GITHUB_ENV is not set/)
  })

  it('refuses a GITHUB_ENV that is a directory or a missing file, naming each problem', () => {
    const sub = path.join(dir, 'sub')
    mkdirSync(sub)
    process.env.GITHUB_ENV = sub
    process.env.GITHUB_OUTPUT = path.join(dir, 'missing')
    expect(() => checkExportTargets(both)).toThrow(new ActionError(
      'export',
      'Cannot hand the credential to the job safely, so none was requested: ' +
        `GITHUB_ENV (${sub}) is not a writable file (not a regular file); ` +
        `GITHUB_OUTPUT (${path.join(dir, 'missing')}) is not a writable file (ENOENT). ` +
        'The runner sets these files for every step: do not override them in env:, or turn off the input.'
    ))
  })

  it('checks only what the inputs will use', () => {
    delete process.env.GITHUB_ENV
    delete process.env.GITHUB_OUTPUT
    expect(() => checkExportTargets({ exportEnv: false, outputCredentials: false })).not.toThrow()
    expect(() => checkExportTargets({ exportEnv: false, outputCredentials: true })).toThrow(/GITHUB_OUTPUT is not set/)
    expect(() => checkExportTargets({ exportEnv: true, outputCredentials: false })).toThrow(/GITHUB_ENV is not set/)
  })

  it('prints nothing', () => {
    delete process.env.GITHUB_ENV
    expect(() => checkExportTargets(both)).toThrow(/GITHUB_ENV is not set/)
    expect(stdout()).toBe('')
  })
})
