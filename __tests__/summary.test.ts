import { describe, it, expect } from '@jest/globals'
import { AUDIT_SCHEMA, type AuditEvent, type AuditEventName, type JobInfo } from '../src/audit.js'
import { escapeText, renderSummary } from '../src/summary.js'
import { sampleJob } from './helpers/samples.js'

const TRACE = '00000000-0000-4000-8000-00000000cafe'

const job = sampleJob

function event(name: AuditEventName, time: string, fields: Record<string, unknown>, jobInfo: JobInfo = job()): AuditEvent {
  return { schema: AUDIT_SCHEMA, trace_id: TRACE, event: name, time, job: jobInfo, ...fields }
}

const request = (scopes: Array<{ actions: string[]; resources: string[] }> = [{ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::artifacts/*'] }]) =>
  event('request', '2026-01-01T10:00:01.100Z', {
    token: { iss: 'https://token.actions.githubusercontent.com', aud: 'sts.amazonaws.com', jti: 'j', iat: 1, exp: 2 },
    request: { role_arn: 'arn:aws:iam::123456789012:role/deploy', duration_s: 900, scopes, managed_policy_arns: [] }
  })

const allow = event('decision', '2026-01-01T10:00:02.200Z', {
  allowed: true,
  reasons: ['repository "octo-org/octo-app" matched "octo-org/octo-app"', 'ref: any (allowed-refs not set)'],
  matched: {}
})

const deny = event('decision', '2026-01-01T10:00:02.200Z', {
  allowed: false,
  reasons: ['ref "refs/heads/feature" does not match allowed-refs [refs/heads/main]'],
  matched: {}
})

const issue = event('issue', '2026-01-01T10:00:03.300Z', {
  role_arn: 'arn:aws:iam::123456789012:role/deploy',
  session_name: 'gh-99-1-0123abcd',
  assumed_role_arn: 'arn:aws:sts::123456789012:assumed-role/deploy/gh-99-1-0123abcd',
  assumed_role_id: 'AROAFAKEFAKEFAKE:gh-99-1-0123abcd',
  account_id: '123456789012',
  issued_at: '2026-01-01T10:00:03.000Z',
  expires_at: '2026-01-01T10:15:03.000Z',
  session_policy_sha256: 'ab'.repeat(32)
})

const scrubbed = event('revoke', '2026-01-01T10:05:04.400Z', {
  method: 'scrub',
  status: 'scrubbed',
  revoked_at: null,
  exposure_s: 900,
  expires_at: '2026-01-01T10:15:03.000Z',
  detail: 'cleared AWS_ACCESS_KEY_ID'
})

const revoked = event('revoke', '2026-01-01T10:05:04.400Z', {
  method: 'deny-session',
  status: 'revoked',
  revoked_at: '2026-01-01T10:05:04.000Z',
  exposure_s: 301,
  expires_at: '2026-01-01T10:15:03.000Z',
  detail: 'denied'
})

/** The table row of one stage. */
function row(summary: string, stage: string): string {
  const line = summary.split('\n').find(l => l.startsWith(`| ${stage} |`))
  if (line === undefined) throw new Error(`no ${stage} row in:\n${summary}`)
  return line
}

const code = (text: string) => `<code>${escapeText(text)}</code>`

describe('escapeText', () => {
  it('keeps plain letters, digits, spaces and a few safe characters', () => {
    expect(escapeText('octo-org/octo-app v2 a=b,c@d+e')).toBe('octo-org/octo-app v2 a=b,c@d+e')
  })

  it.each([
    ['<', '&#60;'],
    ['>', '&#62;'],
    ['&', '&#38;'],
    ['"', '&#34;'],
    ["'", '&#39;'],
    ['|', '&#124;'],
    ['`', '&#96;'],
    ['*', '&#42;'],
    ['_', '&#95;'],
    ['[', '&#91;'],
    [']', '&#93;'],
    ['(', '&#40;'],
    ['!', '&#33;'],
    ['#', '&#35;'],
    ['\\', '&#92;'],
    ['~', '&#126;'],
    [':', '&#58;'],
    ['.', '&#46;'],
    ['\n', '&#10;'],
    ['\r', '&#13;']
  ])('turns %j into a numeric entity', (char, entity) => {
    expect(escapeText(`a${char}b`)).toBe(`a${entity}b`)
  })

  it('escapes characters outside ASCII by code point, including astral ones', () => {
    expect(escapeText('é')).toBe('&#233;')
    expect(escapeText('\u202e')).toBe('&#8238;')
    expect(escapeText('😀')).toBe('&#128512;')
  })

  it('renders null and undefined as nothing and other values as text', () => {
    expect(escapeText(null)).toBe('')
    expect(escapeText(undefined)).toBe('')
    expect(escapeText(42)).toBe('42')
    expect(escapeText(false)).toBe('false')
  })
})

describe('renderSummary: outcome and stages', () => {
  it('shows all four stages with their times for an issued credential', () => {
    const summary = renderSummary([request(), allow, issue, scrubbed], TRACE)
    expect(summary.split('\n')[0]).toBe('## jit-credentials: issued')
    expect(row(summary, 'Request')).toBe(`| Request | 10:00:01.100 | role ${code('arn:aws:iam::123456789012:role/deploy')}, 900 s requested |`)
    expect(row(summary, 'Decision')).toBe('| Decision | 10:00:02.200 | allowed |')
    expect(row(summary, 'Issue')).toBe(
      `| Issue | 10:00:03.300 | session ${code('gh-99-1-0123abcd')} in account ${code('123456789012')}, expires ${code('2026-01-01T10:15:03.000Z')} |`
    )
    expect(row(summary, 'Revoke')).toBe('| Revoke | 10:05:04.400 | scrubbed (scrub): cleared AWS&#95;ACCESS&#95;KEY&#95;ID |')
  })

  it('names the trace and the job', () => {
    const summary = renderSummary([request(), allow], TRACE)
    expect(summary).toContain(
      `Trace ${code(TRACE)} · repository ${code('octo-org/octo-app')} · ref ${code('refs/heads/main')} · event ${code('push')}`
    )
  })

  it('names only the trace when there are no events', () => {
    const summary = renderSummary([], TRACE)
    expect(summary).toContain(`Trace ${code(TRACE)}\n`)
    expect(summary).not.toContain('repository')
    expect(summary.split('\n')[0]).toBe('## jit-credentials: nothing issued')
    expect(row(summary, 'Request')).toBe('| Request |  | not reached |')
    expect(row(summary, 'Decision')).toBe('| Decision |  | not reached |')
    expect(row(summary, 'Issue')).toBe('| Issue |  | nothing issued |')
    expect(row(summary, 'Revoke')).toBe('| Revoke |  | not run yet |')
  })

  it.each([
    ['issued and revoked', [request(), allow, issue, revoked]],
    ['issued', [request(), allow, issue]],
    ['denied', [request(), deny]],
    ['allowed, nothing issued', [request(), allow]],
    ['failed', [request(), allow, event('error', '2026-01-01T10:00:03.000Z', { stage: 'sts', message: 'AccessDenied' })]]
  ])('headline: %s', (headline, events) => {
    expect(renderSummary(events, TRACE).split('\n')[0]).toBe(`## jit-credentials: ${headline}`)
  })

  it('marks a denial in bold and lists the reasons', () => {
    const summary = renderSummary([request(), deny], TRACE)
    expect(row(summary, 'Decision')).toBe('| Decision | 10:00:02.200 | **denied** |')
    expect(summary).toContain(
      '### Decision\n\n- ref &#34;refs/heads/feature&#34; does not match allowed-refs &#91;refs/heads/main&#93;\n'
    )
  })

  it('lists every reason of an allowed decision too', () => {
    const summary = renderSummary([request(), allow], TRACE)
    expect(summary).toContain('- repository &#34;octo-org/octo-app&#34; matched &#34;octo-org/octo-app&#34;\n')
    expect(summary).toContain('- ref&#58; any &#40;allowed-refs not set&#41;\n')
  })

  it('shows each error with its stage', () => {
    const summary = renderSummary([event('error', '2026-01-01T10:00:00.500Z', { stage: 'inputs', message: 'aws-region: bad' })], TRACE)
    expect(summary).toContain(`**Error** at stage ${code('inputs')}: aws-region&#58; bad`)
  })

  it('shows the scopes as a table without a full-access warning for narrow scopes', () => {
    const summary = renderSummary(
      [request([{ actions: ['s3:GetObject', 's3:PutObject'], resources: ['arn:aws:s3:::a/*', 'arn:aws:s3:::b/*'] }]), allow],
      TRACE
    )
    expect(summary).toContain('### Scopes\n\n| Actions | Resources |\n|---|---|\n')
    expect(summary).toContain(
      `| ${code('s3:GetObject')} ${code('s3:PutObject')} | ${code('arn:aws:s3:::a/*')} ${code('arn:aws:s3:::b/*')} |`
    )
    expect(summary).not.toContain('[!WARNING]')
  })

  it('flags a * * scope as full access', () => {
    const summary = renderSummary([request([{ actions: ['*'], resources: ['*'] }]), allow], TRACE)
    expect(summary).toContain("> [!WARNING]\n> Full access: a `* *` scope gives this job all of the role's permissions.")
  })

  it('does not flag * actions on a narrow resource as full access', () => {
    const summary = renderSummary([request([{ actions: ['*'], resources: ['arn:aws:s3:::a/*'] }]), allow], TRACE)
    expect(summary).not.toContain('[!WARNING]')
  })
})

describe('renderSummary: exposure window', () => {
  it('is absent when nothing was issued', () => {
    expect(renderSummary([request(), deny], TRACE)).not.toContain('Exposure window')
  })

  it('shows the revocation time and the measured exposure for a revoked session', () => {
    const summary = renderSummary([request(), allow, issue, revoked], TRACE)
    expect(summary).toContain(
      `### Exposure window\n\nIssued at ${code('2026-01-01T10:00:03.000Z')}, revoked at ${code('2026-01-01T10:05:04.000Z')} ` +
        `(it would otherwise have stayed valid until ${code('2026-01-01T10:15:03.000Z')}): usable for 301 s.`
    )
  })

  it('says a scrubbed session stays valid until it expires', () => {
    const summary = renderSummary([request(), allow, issue, scrubbed], TRACE)
    expect(summary).toContain(
      `Issued at ${code('2026-01-01T10:00:03.000Z')}, valid until it expires at ${code('2026-01-01T10:15:03.000Z')}: usable for 900 s.`
    )
  })

  it('computes the lifetime from the issue event before the post step ran', () => {
    const summary = renderSummary([request(), allow, issue], TRACE)
    expect(summary).toContain('usable for 900 s.')
    expect(row(summary, 'Revoke')).toBe('| Revoke |  | not run yet |')
  })

  it('says unknown when the times cannot be read', () => {
    const broken = { ...issue, issued_at: 'garbage' }
    expect(renderSummary([broken], TRACE)).toContain('usable for unknown.')
  })
})

describe('renderSummary: attacker-chosen values are escaped', () => {
  const hostile = [
    'refs/heads/<script>alert(1)</script>',
    'refs/heads/<img src=x onerror=alert(1)>',
    'refs/heads/x|y|z',
    'refs/heads/`code`',
    'refs/heads/[click](https://evil.example)',
    'refs/heads/**bold**_em_',
    'refs/heads/a\n## Injected heading\n| forged | row |',
    'refs/heads/&lt;already&gt;',
    'refs/heads/<!-- comment',
    'refs/heads/![img](https://evil.example/x.png)'
  ]

  function rendered(ref: string, actor = 'octocat'): string {
    const jobInfo = job({ ref, actor })
    const events = [
      event('request', '2026-01-01T10:00:01.100Z', { request: { role_arn: ref, duration_s: 900, scopes: [{ actions: [ref], resources: [ref] }] } }, jobInfo),
      event('decision', '2026-01-01T10:00:02.200Z', { allowed: false, reasons: [`ref ${ref} does not match`] }, jobInfo),
      event('issue', '2026-01-01T10:00:03.300Z', { session_name: ref, account_id: ref, expires_at: ref, issued_at: ref }, jobInfo),
      event('revoke', '2026-01-01T10:00:04.400Z', { method: ref, status: ref, revoked_at: ref, detail: ref }, jobInfo),
      event('error', '2026-01-01T10:00:05.500Z', { stage: ref, message: ref }, jobInfo)
    ]
    return renderSummary(events, TRACE)
  }

  /** The summary with every escaped occurrence of `value` replaced by a marker. */
  function skeleton(value: string): string {
    return rendered(value).split(escapeText(value)).join('VALUE')
  }

  it.each(hostile)('%j only ever appears escaped', ref => {
    const summary = rendered(ref)
    // Same structure as for a harmless value: no raw piece of the hostile value is left anywhere.
    expect(skeleton(ref)).toBe(skeleton('refs/heads/main'))
    expect(summary).not.toContain('<script')
    expect(summary).not.toContain('<img')
    expect(summary).not.toContain('](')
    expect(summary).not.toContain('\n## Injected')
  })

  it('escapes values in every place they appear', () => {
    const ref = 'refs/heads/<b>x</b>'
    const summary = rendered(ref)
    const escaped = escapeText(ref)
    // job ref, request role + scopes (2), issue session/account/expiry, revoke status/method/detail,
    // error stage and message, decision reason, exposure issued/revoked/expiry times: 16, none raw.
    expect(summary.split(escaped).length - 1).toBe(16)
    expect(summary).not.toContain('<b>')
  })

  it('keeps the table shape when a value holds pipes and newlines', () => {
    const summary = rendered('refs/heads/a|b\n|c|')
    const table = summary.split('\n').filter(line => line.startsWith('| ') && /^\| (Request|Decision|Issue|Revoke) \|/.test(line))
    expect(table).toHaveLength(4)
    for (const line of table) expect(line.split('|')).toHaveLength(5)
  })

  it('escapes a hostile actor-controlled repository and event name in the header', () => {
    const jobInfo = job({ repository: 'evil/<svg onload=alert(1)>', event_name: 'push`x`' })
    const summary = renderSummary([event('error', '2026-01-01T10:00:00.000Z', { stage: 'oidc', message: 'm' }, jobInfo)], TRACE)
    expect(summary).toContain(code('evil/<svg onload=alert(1)>'))
    expect(summary).not.toContain('<svg')
    expect(summary).not.toContain('`x`')
  })

  it('does not let a forged event time carry markup into the table', () => {
    const forged = event('request', '2026-01-01T<img src=x>Z', { request: {} })
    const summary = renderSummary([forged], TRACE)
    expect(summary).not.toContain('<img')
  })

  it('ignores events with names it does not know', () => {
    const odd = { ...allow, event: 'errors' } as unknown as AuditEvent
    const summary = renderSummary([request(), allow, odd], TRACE)
    expect(summary.split('\n')[0]).toBe('## jit-credentials: allowed, nothing issued')
  })
})

describe('renderSummary: malformed events from the file', () => {
  it('leaves out scope rules that are not lists of strings, and still renders the rest', () => {
    const bad = event('request', '2026-01-01T10:00:01.100Z', {
      request: { role_arn: 'arn:aws:iam::123456789012:role/deploy', duration_s: 900, scopes: [{ actions: 's3:*', resources: ['*'] }, null, { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::a/*'] }] }
    })
    const summary = renderSummary([bad, allow], TRACE)
    expect(summary).toContain(`| ${code('s3:GetObject')} | ${code('arn:aws:s3:::a/*')} |`)
    expect(summary).not.toContain(code('s3:*'))
  })

  it('renders no scopes section when scopes is not a list', () => {
    const bad = event('request', '2026-01-01T10:00:01.100Z', { request: { scopes: 'everything' } })
    expect(renderSummary([bad], TRACE)).not.toContain('### Scopes')
  })
})
