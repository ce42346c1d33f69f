import { afterEach, beforeEach, describe, it, expect, jest } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type SavedState, parseState, readSavedState, saveState } from '../src/state.js'
import { parseFileCommands } from './helpers/runner-protocol.js'
import { SAMPLE_SESSION, sampleJob } from './helpers/samples.js'

function validState(overrides: Partial<SavedState> = {}): SavedState {
  return {
    version: 2,
    trace_id: '00000000-0000-4000-8000-000000000001',
    audit_log: '/runner/temp/jit-credentials/audit.jsonl',
    job_summary: true,
    job: sampleJob(),
    revoke: 'scrub',
    on_revocation_failure: 'warn',
    revocation_role_arn: null,
    revocation_policy_arns: [],
    audience: 'sts.amazonaws.com',
    region: 'eu-west-1',
    retry_max_attempts: 3,
    issued: { ...SAMPLE_SESSION },
    exported: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION'],
    ...overrides
  }
}

/** JSON of a valid state with some fields replaced or (undefined) removed. */
function stateJson(changes: Record<string, unknown>): string {
  return JSON.stringify({ ...validState(), ...changes })
}

const NO_STATE = 'no state was saved: the main step did not run, or stopped before it reached the token request'

function problemOf(raw: string): string {
  const result = parseState(raw)
  if (!('problem' in result)) throw new Error('parseState accepted a state it should have rejected')
  return result.problem
}

describe('parseState', () => {
  it('accepts a valid state and returns it unchanged', () => {
    const state = validState()
    expect(parseState(JSON.stringify(state))).toEqual({ state })
  })

  it('accepts a state with nothing issued and nothing exported', () => {
    const state = validState({ issued: null, exported: [] })
    expect(parseState(JSON.stringify(state))).toEqual({ state })
  })

  it.each(['', '   ', '\n'])('reports a missing state for %j', raw => {
    expect(problemOf(raw)).toBe(NO_STATE)
  })

  it.each(['{', '{"version":1,', 'not json', '{"version":1}}'])('reports corrupt JSON %j', raw => {
    expect(problemOf(raw)).toBe('the saved state is not valid JSON (corrupt or truncated)')
  })

  it.each([
    ['version 1', stateJson({ version: 1 })],
    ['version 3', stateJson({ version: 3 })],
    ['version "1"', stateJson({ version: '1' })],
    ['no version', stateJson({ version: undefined })],
    ['null', 'null'],
    ['a number', '1'],
    ['a string', '"jit"'],
    ['an array', '[1]']
  ])('reports a state not from this version: %s', (_what, raw) => {
    expect(problemOf(raw)).toBe('the saved state is not from this version of the action')
  })

  it.each([
    ['no trace id', { trace_id: undefined }],
    ['an empty trace id', { trace_id: '' }],
    ['a numeric trace id', { trace_id: 7 }],
    ['no audit log', { audit_log: undefined }],
    ['an empty audit log', { audit_log: '' }],
    ['no job', { job: undefined }],
    ['a null job', { job: null }],
    ['a string job', { job: 'deploy' }],
    ['no exported list', { exported: undefined }],
    ['an exported string', { exported: 'AWS_ACCESS_KEY_ID' }]
  ])('reports an incomplete state: %s', (_what, changes) => {
    expect(problemOf(stateJson(changes))).toBe('the saved state is incomplete')
  })

  it.each([
    ['job_summary as a string', { job_summary: 'false' }],
    ['an unknown revoke method', { revoke: 'auto' }],
    ['an unknown on_revocation_failure', { on_revocation_failure: 'ignore' }],
    ['no audience', { audience: undefined }],
    ['no region', { region: undefined }],
    ['zero retry attempts', { retry_max_attempts: 0 }],
    ['a fractional retry count', { retry_max_attempts: 1.5 }],
    ['a numeric revocation policy', { revocation_policy_arns: [7] }],
    ['a revocation policy that is not a list', { revocation_policy_arns: 'arn:aws:iam::123456789012:policy/jit' }],
    ['an empty revocation policy', { revocation_policy_arns: [''] }]
  ])('rejects invalid settings: %s', (_what, changes) => {
    expect(problemOf(stateJson(changes))).toBe('the saved state has invalid settings')
  })

  it('rejects deny-session without the revocation role and policy', () => {
    expect(problemOf(stateJson({ revoke: 'deny-session', revocation_policy_arns: ['arn:aws:iam::123456789012:policy/jit'] }))).toBe(
      'the saved state asks for deny-session without a revocation role and policy'
    )
  })

  it('accepts deny-session with both', () => {
    const state = validState({ revoke: 'deny-session', revocation_role_arn: 'arn:aws:iam::123456789012:role/jit-revoker', revocation_policy_arns: ['arn:aws:iam::123456789012:policy/jit'] })
    expect(parseState(JSON.stringify(state))).toEqual({ state })
  })

  it.each([
    ['lower case', 'aws_region'],
    ['an injected line', 'A\nB'],
    ['an equals sign', 'A=B'],
    ['a leading digit', '1AWS'],
    ['empty', ''],
    ['a number', 5],
    ['a variable the action never exports', 'PATH']
  ])('rejects exported variable names with %s', (_what, name) => {
    expect(problemOf(stateJson({ exported: ['AWS_REGION', name] }))).toBe('the saved state lists invalid variable names')
  })

  it.each([
    ['no session name', { session_name: undefined }],
    ['a numeric account', { account_id: 123456789012 }],
    ['an unparseable expiry', { expires_at: 'tomorrow' }],
    ['an unparseable issue time', { issued_at: 'now' }]
  ])('rejects an issued session with %s', (_what, changes) => {
    const issued = { ...validState().issued, ...changes }
    expect(problemOf(stateJson({ issued }))).toBe('the saved state has an incomplete session record')
  })

  it.each([
    ['missing', undefined],
    ['a string', 'yes'],
    ['an array', []]
  ])('rejects an issued record that is %s', (_what, issued) => {
    expect(problemOf(stateJson({ issued }))).toBe('the saved state has an incomplete session record')
  })
})

describe('saveState / readSavedState through the runner', () => {
  let dir: string
  const savedEnv = { ...process.env }

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jit-state-'))
  })

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name]
    Object.assign(process.env, savedEnv)
    jest.restoreAllMocks()
  })

  it('round-trips through the GITHUB_STATE file and the STATE_jit variable', () => {
    const file = path.join(dir, 'state')
    writeFileSync(file, '')
    process.env.GITHUB_STATE = file
    const state = validState()

    saveState(state)
    // The runner turns the file's records into STATE_<name> variables for the post step.
    const records = parseFileCommands(readFileSync(file, 'utf8'))
    expect(Object.keys(records)).toEqual(['jit'])
    process.env.STATE_jit = records.jit

    expect(parseState(readSavedState())).toEqual({ state })
  })

  it('keeps the last save when the main step saves more than once', () => {
    const file = path.join(dir, 'state')
    writeFileSync(file, '')
    process.env.GITHUB_STATE = file

    saveState(validState({ issued: null, exported: [] }))
    const final = validState()
    saveState(final)

    process.env.STATE_jit = parseFileCommands(readFileSync(file, 'utf8')).jit
    expect(parseState(readSavedState())).toEqual({ state: final })
  })

  it('reads an empty string when nothing was saved, which parseState reports', () => {
    delete process.env.STATE_jit
    expect(readSavedState()).toBe('')
    expect(problemOf(readSavedState())).toBe(NO_STATE)
  })

  it('falls back to the save-state workflow command without GITHUB_STATE', () => {
    delete process.env.GITHUB_STATE
    const writes: string[] = []
    jest.spyOn(process.stdout, 'write').mockImplementation(chunk => {
      writes.push(String(chunk))
      return true
    })
    saveState(validState({ issued: null }))
    expect(writes.join('')).toMatch(/^::save-state name=jit::\{"version":2,/)
  })
})
