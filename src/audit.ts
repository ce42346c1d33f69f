// The audit record: one JSON object per lifecycle event, appended to a JSON Lines file, all events of one
// job step tied together by `trace_id`. Events carry claims and decisions, never a secret.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { GitHubClaims } from './claims.js'
import { ActionError, messageOf } from './errors.js'

export const AUDIT_SCHEMA = 'jit-credentials.audit/v1'

export type AuditEventName = 'request' | 'decision' | 'issue' | 'revoke' | 'error'

export interface JobInfo {
  repository: string | null
  repository_id: string | null
  run_id: string | null
  run_attempt: string | null
  job: string | null
  workflow_ref: string | null
  job_workflow_ref: string | null
  ref: string | null
  sha: string | null
  actor: string | null
  event_name: string | null
  environment: string | null
  runner_environment: string | null
  /** `claims` once the OIDC token is verified; `environment` (unverified GITHUB_* variables) before that. */
  source: 'claims' | 'environment'
}

export interface AuditEvent {
  schema: typeof AUDIT_SCHEMA
  trace_id: string
  event: AuditEventName
  time: string
  job: JobInfo
  [field: string]: unknown
}

/** Job identity from verified claims; `job` (the job's id) is not a claim, so it comes from GITHUB_JOB. */
export function jobFromClaims(claims: GitHubClaims, env: NodeJS.ProcessEnv): JobInfo {
  return {
    repository: claims.repository,
    repository_id: claims.repository_id,
    run_id: claims.run_id,
    run_attempt: claims.run_attempt,
    job: env.GITHUB_JOB ?? null,
    workflow_ref: claims.workflow_ref ?? null,
    job_workflow_ref: claims.job_workflow_ref ?? null,
    ref: claims.ref,
    sha: claims.sha ?? null,
    actor: claims.actor ?? null,
    event_name: claims.event_name,
    environment: claims.environment ?? null,
    runner_environment: claims.runner_environment ?? null,
    source: 'claims'
  }
}

/** Best-effort identity before (or without) a verified token, marked as unverified. */
export function jobFromEnvironment(env: NodeJS.ProcessEnv): JobInfo {
  const get = (name: string): string | null => env[name] || null
  return {
    repository: get('GITHUB_REPOSITORY'),
    repository_id: get('GITHUB_REPOSITORY_ID'),
    run_id: get('GITHUB_RUN_ID'),
    run_attempt: get('GITHUB_RUN_ATTEMPT'),
    job: get('GITHUB_JOB'),
    workflow_ref: get('GITHUB_WORKFLOW_REF'),
    job_workflow_ref: null,
    ref: get('GITHUB_REF'),
    sha: get('GITHUB_SHA'),
    actor: get('GITHUB_ACTOR'),
    event_name: get('GITHUB_EVENT_NAME'),
    environment: null,
    runner_environment: get('RUNNER_ENVIRONMENT'),
    source: 'environment'
  }
}

export class AuditLog {
  readonly events: AuditEvent[] = []

  constructor(
    readonly file: string,
    readonly traceId: string,
    public job: JobInfo,
    private readonly now: () => Date = () => new Date()
  ) {}

  /** Creates the file (and its folder) if needed and checks it can be appended to; writes nothing. */
  checkWritable(): void {
    this.append('')
  }

  /** Appends one event to the file (created with its folder if needed) and returns it. */
  record(event: AuditEventName, fields: Record<string, unknown>): AuditEvent {
    const common: Pick<AuditEvent, 'schema' | 'trace_id' | 'event' | 'time' | 'job'> = { schema: AUDIT_SCHEMA, trace_id: this.traceId, event, time: this.now().toISOString(), job: this.job }
    // Common fields first for readers, and last so that no event field can replace them.
    const entry: AuditEvent = { ...common, ...fields, ...common }
    this.append(`${JSON.stringify(entry)}\n`)
    this.events.push(entry)
    return entry
  }

  private append(text: string): void {
    try {
      mkdirSync(path.dirname(this.file), { recursive: true })
      appendFileSync(this.file, text, { encoding: 'utf8', mode: 0o600 })
    } catch (error) {
      throw new ActionError('audit', `Could not append to the audit log ${this.file} (${messageOf(error)}); set audit-log to a writable file.`, { cause: error })
    }
  }
}

/** Every event of `traceId` in the file, in order; lines that are not our JSON are skipped. */
export function readTrace(file: string, traceId: string): AuditEvent[] {
  if (!existsSync(file)) return []
  const events: AuditEvent[] = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    try {
      const event = JSON.parse(line) as AuditEvent
      if (event?.schema === AUDIT_SCHEMA && event.trace_id === traceId) events.push(event)
    } catch {
      // A foreign or torn line must not hide the rest of the trace.
    }
  }
  return events
}
