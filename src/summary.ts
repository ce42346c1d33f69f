// Renders one trace of audit events as the job summary (Markdown with a little HTML). Pure.
// Claim values are attacker-chosen (branch names, actors), so every value is escaped before it enters.
import type { AuditEvent } from './audit.js'

/** Every character outside a small safe set becomes a numeric entity: no HTML, no Markdown, no links. */
export function escapeText(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value)
  // `u`: one entity per code point (an entity for a lone surrogate half renders as U+FFFD).
  return text.replace(/[^A-Za-z0-9 /=,@+-]/gu, char => `&#${char.codePointAt(0)};`)
}

const code = (value: unknown): string => `<code>${escapeText(value)}</code>`

function clock(iso: unknown): string {
  // Times come from the audit file like everything else: show only a well-formed HH:MM:SS.mmm.
  const time = typeof iso === 'string' ? iso.slice(11, 23) : ''
  return /^\d{2}:\d{2}:\d{2}\.\d{3}$/.test(time) ? time : ''
}

function seconds(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${Math.round(value)} s` : 'unknown'
}

interface Stages {
  request?: AuditEvent
  decision?: AuditEvent
  issue?: AuditEvent
  revoke?: AuditEvent
  errors: AuditEvent[]
}

function byStage(events: AuditEvent[]): Stages {
  const stages: Stages = { errors: [] }
  for (const event of events) {
    if (event.event === 'error') stages.errors.push(event)
    // Only known names: a line from the file must not overwrite `errors` (or anything else).
    else if (event.event === 'request' || event.event === 'decision' || event.event === 'issue' || event.event === 'revoke') stages[event.event] = event
  }
  return stages
}

function outcome(stages: Stages): string {
  if (stages.errors.length > 0) return 'failed'
  if (stages.decision && stages.decision.allowed !== true) return 'denied'
  if (!stages.issue) return stages.decision ? 'allowed, nothing issued' : 'nothing issued'
  if (stages.revoke?.status === 'revoked') return 'issued and revoked'
  return stages.revoke?.status === 'failed' ? 'issued, revocation failed' : 'issued'
}

type Request = { role_arn?: string; duration_s?: number; scopes?: unknown }
type Scope = { actions: string[]; resources: string[] }

/** Scope rules as the request event holds them; anything else in the file is left out. */
function scopeRules(value: unknown): Scope[] {
  const strings = (list: unknown): list is string[] => Array.isArray(list) && list.every(item => typeof item === 'string')
  if (!Array.isArray(value)) return []
  return value.filter((rule): rule is Scope => typeof rule === 'object' && rule !== null && strings(rule.actions) && strings(rule.resources))
}

export function renderSummary(events: AuditEvent[], traceId: string): string {
  const stages = byStage(events)
  const request = (stages.request?.request ?? {}) as Request
  const job = events[0]?.job
  const lines: string[] = []

  lines.push(`## jit-credentials: ${outcome(stages)}`, '')
  lines.push(`Trace ${code(traceId)}` + (job ? ` · repository ${code(job.repository)} · ref ${code(job.ref)} · event ${code(job.event_name)}` : ''), '')

  lines.push('| Stage | Time (UTC) | Result |', '|---|---|---|')
  lines.push(`| Request | ${clock(stages.request?.time)} | ${stages.request ? `role ${code(request.role_arn)}, ${seconds(request.duration_s)} requested` : 'not reached'} |`)
  lines.push(`| Decision | ${clock(stages.decision?.time)} | ${stages.decision ? (stages.decision.allowed === true ? 'allowed' : '**denied**') : 'not reached'} |`)
  const issue = stages.issue
  lines.push(
    `| Issue | ${clock(issue?.time)} | ${issue ? `session ${code(issue.session_name)} in account ${code(issue.account_id)}, expires ${code(issue.expires_at)}` : 'nothing issued'} |`
  )
  const revoke = stages.revoke
  lines.push(`| Revoke | ${clock(revoke?.time)} | ${revoke ? `${escapeText(revoke.status)} (${escapeText(revoke.method)}): ${escapeText(revoke.detail)}` : 'not run yet'} |`)
  lines.push('')

  for (const error of stages.errors) {
    lines.push(`**Error** at stage ${code(error.stage)}: ${escapeText(error.message)}`, '')
  }

  const reasons = Array.isArray(stages.decision?.reasons) ? (stages.decision.reasons as unknown[]) : []
  if (reasons.length > 0) {
    lines.push('### Decision', '')
    for (const reason of reasons) lines.push(`- ${escapeText(reason)}`)
    lines.push('')
  }

  const scopes = scopeRules(request.scopes)
  if (scopes.length > 0) {
    lines.push('### Scopes', '', '| Actions | Resources |', '|---|---|')
    for (const rule of scopes) {
      lines.push(`| ${rule.actions.map(code).join(' ')} | ${rule.resources.map(code).join(' ')} |`)
    }
    lines.push('')
    if (scopes.some(rule => rule.actions.includes('*') && rule.resources.includes('*'))) {
      lines.push("> [!WARNING]\n> Full access: a `* *` scope gives this job all of the role's permissions.", '')
    }
  }

  if (issue) {
    lines.push('### Exposure window', '')
    const revokedAt = typeof revoke?.revoked_at === 'string' ? revoke.revoked_at : null
    const until = revokedAt
      ? `revoked at ${code(revokedAt)} (it would otherwise have stayed valid until ${code(issue.expires_at)})`
      : `valid until it expires at ${code(issue.expires_at)}`
    lines.push(`Issued at ${code(issue.issued_at)}, ${until}: usable for ${seconds(revoke?.exposure_s ?? lifetime(issue))}.`, '')
  }
  return lines.join('\n')
}

function lifetime(issue: AuditEvent): number {
  return (Date.parse(String(issue.expires_at)) - Date.parse(String(issue.issued_at))) / 1000
}
