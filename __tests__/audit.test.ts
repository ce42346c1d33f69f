import { afterEach, beforeEach, describe, it, expect } from '@jest/globals'
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { AUDIT_SCHEMA, AuditLog, type JobInfo, jobFromClaims, jobFromEnvironment, readTrace } from '../src/audit.js'
import type { GitHubClaims } from '../src/claims.js'
import { sampleClaims, sampleJob } from './helpers/samples.js'

const TRACE = '00000000-0000-4000-8000-00000000aaaa'
const OTHER_TRACE = '00000000-0000-4000-8000-00000000bbbb'

const claims = (overrides: Partial<GitHubClaims> = {}): GitHubClaims => sampleClaims({ run_attempt: '2', ...overrides })

const JOB: JobInfo = sampleJob()

describe('jobFromClaims', () => {
  it('takes identity from the verified claims and the job id from GITHUB_JOB', () => {
    const job = jobFromClaims(
      claims({
        sha: 'f00dfeed',
        actor: 'octocat',
        environment: 'production',
        workflow_ref: 'octo-org/octo-app/.github/workflows/ci.yml@refs/heads/main',
        job_workflow_ref: 'octo-org/infra/.github/workflows/deploy.yml@refs/heads/main',
        runner_environment: 'github-hosted'
      }),
      { GITHUB_JOB: 'deploy' }
    )
    expect(job).toEqual({
      repository: 'octo-org/octo-app',
      repository_id: '123456',
      run_id: '99',
      run_attempt: '2',
      job: 'deploy',
      workflow_ref: 'octo-org/octo-app/.github/workflows/ci.yml@refs/heads/main',
      job_workflow_ref: 'octo-org/infra/.github/workflows/deploy.yml@refs/heads/main',
      ref: 'refs/heads/main',
      sha: 'f00dfeed',
      actor: 'octocat',
      event_name: 'push',
      environment: 'production',
      runner_environment: 'github-hosted',
      source: 'claims'
    })
  })

  it('uses null for optional claims that are absent', () => {
    const job = jobFromClaims(claims(), {})
    expect(job.job).toBeNull()
    expect(job.sha).toBeNull()
    expect(job.actor).toBeNull()
    expect(job.environment).toBeNull()
    expect(job.workflow_ref).toBeNull()
    expect(job.job_workflow_ref).toBeNull()
    expect(job.runner_environment).toBeNull()
  })

  it('ignores GITHUB_* variables that disagree with the claims', () => {
    const job = jobFromClaims(claims(), { GITHUB_REPOSITORY: 'evil/app', GITHUB_REF: 'refs/heads/evil', GITHUB_JOB: 'deploy' })
    expect(job.repository).toBe('octo-org/octo-app')
    expect(job.ref).toBe('refs/heads/main')
  })
})

describe('jobFromEnvironment', () => {
  it('reads the GITHUB_* variables and marks the identity unverified', () => {
    const job = jobFromEnvironment({
      GITHUB_REPOSITORY: 'octo-org/octo-app',
      GITHUB_REPOSITORY_ID: '123456',
      GITHUB_RUN_ID: '99',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_JOB: 'deploy',
      GITHUB_WORKFLOW_REF: 'octo-org/octo-app/.github/workflows/ci.yml@refs/heads/main',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: 'f00dfeed',
      GITHUB_ACTOR: 'octocat',
      GITHUB_EVENT_NAME: 'push',
      RUNNER_ENVIRONMENT: 'self-hosted'
    })
    expect(job).toEqual({
      repository: 'octo-org/octo-app',
      repository_id: '123456',
      run_id: '99',
      run_attempt: '1',
      job: 'deploy',
      workflow_ref: 'octo-org/octo-app/.github/workflows/ci.yml@refs/heads/main',
      job_workflow_ref: null,
      ref: 'refs/heads/main',
      sha: 'f00dfeed',
      actor: 'octocat',
      event_name: 'push',
      environment: null,
      runner_environment: 'self-hosted',
      source: 'environment'
    })
  })

  it('uses null for missing and empty variables', () => {
    const job = jobFromEnvironment({ GITHUB_REPOSITORY: '', GITHUB_REF: 'refs/heads/x' })
    expect(job.repository).toBeNull()
    expect(job.run_id).toBeNull()
    expect(job.ref).toBe('refs/heads/x')
    expect(job.source).toBe('environment')
  })
})

describe('AuditLog', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jit-audit-'))
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  const fixedClock = () => new Date('2026-03-04T05:06:07.089Z')

  function lines(file: string): unknown[] {
    return readFileSync(file, 'utf8').trimEnd().split('\n').map(line => JSON.parse(line) as unknown)
  }

  it('checkWritable creates the file empty, or fails naming the file and the fix', () => {
    const file = path.join(dir, 'nested', 'audit.jsonl')
    new AuditLog(file, TRACE, JOB, fixedClock).checkWritable()
    expect(readFileSync(file, 'utf8')).toBe('')
    expect(() => new AuditLog('/dev/null/audit.jsonl', TRACE, JOB).checkWritable()).toThrow(
      /^Could not append to the audit log \/dev\/null\/audit\.jsonl \(.+\); set audit-log to a writable file\.$/
    )
  })

  it('never lets an event field replace a common field', () => {
    const file = path.join(dir, 'audit.jsonl')
    const log = new AuditLog(file, TRACE, JOB, fixedClock)
    log.record('revoke', { schema: 'forged/v0', trace_id: OTHER_TRACE, event: 'issue', time: 'never', job: null, status: 'skipped' })
    expect(lines(file)).toEqual([
      { schema: AUDIT_SCHEMA, trace_id: TRACE, event: 'revoke', time: '2026-03-04T05:06:07.089Z', job: JOB, status: 'skipped' }
    ])
  })

  it('writes one event with the schema and the common fields', () => {
    const file = path.join(dir, 'audit.jsonl')
    const log = new AuditLog(file, TRACE, JOB, fixedClock)
    const event = log.record('decision', { allowed: true, reasons: ['repository matched'], matched: { repository: 'octo-org/octo-app' } })
    const expected = {
      schema: 'jit-credentials.audit/v1',
      trace_id: TRACE,
      event: 'decision',
      time: '2026-03-04T05:06:07.089Z',
      job: JOB,
      allowed: true,
      reasons: ['repository matched'],
      matched: { repository: 'octo-org/octo-app' }
    }
    expect(AUDIT_SCHEMA).toBe('jit-credentials.audit/v1')
    expect(event).toEqual(expected)
    expect(lines(file)).toEqual([expected])
    expect(log.events).toEqual([expected])
  })

  it('stamps the time in ISO 8601 with milliseconds by default', () => {
    const log = new AuditLog(path.join(dir, 'audit.jsonl'), TRACE, JOB)
    expect(log.record('error', { stage: 'inputs', message: 'x' }).time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  })

  it('appends one line per event, keeping what the file already held', () => {
    const file = path.join(dir, 'audit.jsonl')
    appendFileSync(file, '{"earlier":"line"}\n')
    const log = new AuditLog(file, TRACE, JOB, fixedClock)
    log.record('request', { request: { role_arn: 'arn:aws:iam::123456789012:role/deploy' } })
    log.record('error', { stage: 'oidc', message: 'token request failed' })
    const text = readFileSync(file, 'utf8')
    expect(text.endsWith('\n')).toBe(true)
    const all = lines(file) as Array<Record<string, unknown>>
    expect(all).toHaveLength(3)
    expect(all[0]).toEqual({ earlier: 'line' })
    expect(all.slice(1).map(e => e.event)).toEqual(['request', 'error'])
  })

  it('keeps multi-line values on one line', () => {
    const file = path.join(dir, 'audit.jsonl')
    new AuditLog(file, TRACE, JOB, fixedClock).record('error', { stage: 'inputs', message: 'line one\nline two' })
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(2)
    expect(readTrace(file, TRACE)[0]?.message).toBe('line one\nline two')
  })

  it('creates missing folders and the file with mode 600', () => {
    const file = path.join(dir, 'nested', 'deeper', 'audit.jsonl')
    new AuditLog(file, TRACE, JOB, fixedClock).record('revoke', { method: 'skipped', status: 'skipped' })
    expect(existsSync(file)).toBe(true)
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })

  it('uses the job identity current at each event', () => {
    const file = path.join(dir, 'audit.jsonl')
    const before = jobFromEnvironment({ GITHUB_REPOSITORY: 'octo-org/octo-app' })
    const log = new AuditLog(file, TRACE, before, fixedClock)
    log.record('error', { stage: 'inputs', message: 'first' })
    log.job = JOB
    log.record('request', {})
    const [first, second] = readTrace(file, TRACE)
    expect(first?.job.source).toBe('environment')
    expect(second?.job.source).toBe('claims')
  })
})

describe('readTrace', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jit-trace-'))
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('returns nothing for a file that does not exist', () => {
    expect(readTrace(path.join(dir, 'missing.jsonl'), TRACE)).toEqual([])
  })

  it('returns only the events of the trace, in file order', () => {
    const file = path.join(dir, 'audit.jsonl')
    const mine = new AuditLog(file, TRACE, JOB)
    const other = new AuditLog(file, OTHER_TRACE, JOB)
    mine.record('request', { n: 1 })
    other.record('request', { n: 2 })
    mine.record('decision', { n: 3 })
    other.record('error', { n: 4 })
    mine.record('issue', { n: 5 })
    expect(readTrace(file, TRACE).map(e => [e.event, e.n])).toEqual([
      ['request', 1],
      ['decision', 3],
      ['issue', 5]
    ])
    expect(readTrace(file, OTHER_TRACE).map(e => e.n)).toEqual([2, 4])
  })

  it('skips torn, foreign and blank lines without losing the rest', () => {
    const file = path.join(dir, 'audit.jsonl')
    const log = new AuditLog(file, TRACE, JOB)
    log.record('request', { n: 1 })
    appendFileSync(file, '{"schema":"jit-credentials.audit/v1","trace_id":"' + TRACE + '","ev') // torn write
    appendFileSync(file, '\n\n   \nnot json at all\nnull\n42\n[]\n')
    appendFileSync(file, JSON.stringify({ schema: 'someone-else/v1', trace_id: TRACE, event: 'request', n: 99 }) + '\n')
    appendFileSync(file, JSON.stringify({ trace_id: TRACE, event: 'request', n: 98 }) + '\n')
    log.record('decision', { n: 2 })
    expect(readTrace(file, TRACE).map(e => e.n)).toEqual([1, 2])
  })

  it('matches the trace id exactly', () => {
    const file = path.join(dir, 'audit.jsonl')
    new AuditLog(file, TRACE, JOB).record('request', {})
    expect(readTrace(file, TRACE.slice(0, -1))).toEqual([])
    expect(readTrace(file, TRACE.toUpperCase())).toEqual([])
  })
})
