// Shared leak scanner: finds secrets (and their usual encodings) in everything an action run leaves
// behind. Reports say which secret (by name), in which channel and at which offset — never the value.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { parseCommandLine } from './runner-protocol.js'
import type { Job, StepResult } from './run-action.js'

export type Secrets = ReadonlyArray<string | undefined> | Readonly<Record<string, string | undefined>>

export interface FindLeaksOptions {
  // Treat appearances on stdout after a matching ::add-mask:: as masked (what the runner's log
  // shows). Default false: an action should not print a secret at all, masked or not.
  honorMasks?: boolean
}

export interface ExpectNoLeaksOptions extends FindLeaksOptions {
  // channels that may legitimately hold the secrets, e.g. ['GITHUB_ENV'] when export-env is on.
  // A bare name ('GITHUB_ENV') matches it in every step; 'main.GITHUB_ENV' only in that step.
  allow?: string[]
  // by default an empty secret list throws, so a test cannot pass vacuously
  allowEmpty?: boolean
}

export const MIN_SECRET_LENGTH = 8

interface Form { kind: string, value: string, caseInsensitive: boolean }

// The part of base64(prefix + secret) that depends only on the secret, for the three byte
// alignments, so a secret inside a larger encoded blob is still found.
const base64Cores = (secret: string): string[] => {
  const bytes = Buffer.from(secret, 'utf8')
  const cores: string[] = []
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64')
    const first = Math.ceil((shift * 8) / 6)
    const last = Math.floor(((shift + bytes.length) * 8) / 6)
    const core = encoded.slice(first, last)
    if (core.length >= MIN_SECRET_LENGTH) cores.push(core)
  }
  return cores
}

export function secretForms(secret: string): Form[] {
  const forms: Form[] = [{ kind: 'raw', value: secret, caseInsensitive: false }]
  for (const core of base64Cores(secret)) {
    forms.push({ kind: 'base64', value: core, caseInsensitive: false })
    forms.push({ kind: 'base64url', value: core.replace(/\+/g, '-').replace(/\//g, '_'), caseInsensitive: false })
  }
  // percent-escapes may be upper or lower case depending on the encoder
  forms.push({ kind: 'url-encoded', value: encodeURIComponent(secret), caseInsensitive: true })
  forms.push({ kind: 'form-encoded', value: new URLSearchParams({ v: secret }).toString().slice(2), caseInsensitive: true })
  forms.push({ kind: 'json-escaped', value: JSON.stringify(secret).slice(1, -1), caseInsensitive: false })
  const seen = new Set<string>()
  return forms.filter((f) => {
    const key = f.caseInsensitive ? f.value.toLowerCase() : f.value
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

const namedSecrets = (secrets: Secrets): [string, string][] => {
  const entries: [string, string | undefined][] = Array.isArray(secrets)
    ? (secrets as ReadonlyArray<string | undefined>).map((s, i) => [`#${i}`, s])
    : Object.entries(secrets as Record<string, string | undefined>)
  return entries.filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].length >= MIN_SECRET_LENGTH)
}

const occurrences = (haystack: string, form: Form): number[] => {
  const text = form.caseInsensitive ? haystack.toLowerCase() : haystack
  const needle = form.caseInsensitive ? form.value.toLowerCase() : form.value
  const found: number[] = []
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) found.push(i)
  return found
}

const isStdout = (channel: string): boolean => channel === 'stdout' || channel.endsWith('.stdout')

// stdout minus the runner's ::add-mask:: command lines (blanked, so offsets stay true). A mask line
// is only dropped when none of the secrets it carries was already visible earlier on stdout.
// Also returns, per secret, the offset from which the runner would mask it.
const prepareStdout = (stdout: string, secrets: [string, string][]): { text: string, maskedFrom: Map<string, number> } => {
  let text = ''
  const maskedFrom = new Map<string, number>()
  let offset = 0
  for (const line of stdout.split(/(?<=\n)/)) {
    const cmd = parseCommandLine(line.replace(/\n$/, ''))
    let keep = true
    if (cmd?.command === 'add-mask') {
      const carried = secrets.filter(([, s]) => secretForms(s).some((f) => occurrences(line, f).length > 0))
      const seenBefore = carried.some(([, s]) => secretForms(s).some((f) => occurrences(text, f).length > 0))
      if (!seenBefore) keep = false
      for (const [name, s] of secrets) {
        if (cmd.data === s && !maskedFrom.has(name)) maskedFrom.set(name, offset + line.length)
      }
    }
    text += keep ? line : line.replace(/[^\n]/g, ' ')
    offset += line.length
  }
  return { text, maskedFrom }
}

// Descriptions of every place a secret appears; empty when clean.
export function findLeaks(channels: Record<string, string>, secrets: Secrets, options: FindLeaksOptions = {}): string[] {
  const named = namedSecrets(secrets)
  const leaks: string[] = []
  for (const [channel, raw] of Object.entries(channels)) {
    let text = raw
    let maskedFrom = new Map<string, number>()
    if (isStdout(channel)) ({ text, maskedFrom } = prepareStdout(raw, named))
    for (const [name, secret] of named) {
      for (const form of secretForms(secret)) {
        let hits = occurrences(text, form)
        const from = maskedFrom.get(name)
        if (options.honorMasks && from !== undefined) hits = hits.filter((o) => o < from)
        if (hits.length > 0) {
          const more = hits.length > 1 ? ` (${hits.length} occurrences)` : ''
          leaks.push(`secret ${name} (${form.kind}) in ${channel} at offset ${hits[0]}${more}`)
        }
      }
    }
  }
  return leaks
}

const STEP_CHANNELS = ['stdout', 'stderr', 'GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_PATH', 'summary', 'audit'] as const

// Every channel of the given steps, named `<step>.<channel>`.
export function stepChannels(results: StepResult | StepResult[]): Record<string, string> {
  const list = Array.isArray(results) ? results : [results]
  const channels: Record<string, string> = {}
  const seen = new Map<string, number>()
  for (const r of list) {
    // a second run of the same step gets a suffix so nothing is overwritten
    const n = seen.get(r.step) ?? 0
    seen.set(r.step, n + 1)
    const prefix = n === 0 ? r.step : `${r.step}#${n + 1}`
    for (const ch of STEP_CHANNELS) {
      channels[`${prefix}.${ch}`] = ch === 'stdout' || ch === 'stderr' ? r[ch] : r.files[ch]
    }
  }
  return channels
}

const listFiles = (dir: string): string[] => {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...listFiles(p))
    else if (entry.isFile()) out.push(p)
  }
  return out
}

// Files a job left on disk (HOME, RUNNER_TEMP, workspace, ...), except the ones a step result
// already reports; a credentials file written by the action shows up here.
export function jobFileChannels(job: Job): Record<string, string> {
  const covered = new Set(job.steps.flatMap((s) => Object.values(s.paths)))
  const channels: Record<string, string> = {}
  for (const file of listFiles(job.dir)) {
    if (covered.has(file) || statSync(file).size > 16 * 1024 * 1024) continue
    channels[`file:${path.relative(job.dir, file)}`] = readFileSync(file, 'utf8')
  }
  return channels
}

const isJob = (v: unknown): v is Job => typeof v === 'object' && v !== null && 'steps' in v && 'dir' in v

const allowed = (channel: string, allow: string[]): boolean => {
  const bare = channel.replace(/^[a-z]+(#\d+)?\./, '')
  return allow.includes(channel) || allow.includes(bare)
}

// Throws listing every leak across all channels of a job or of step results.
export function expectNoLeaks(target: Job | StepResult | StepResult[], secrets: Secrets, options: ExpectNoLeaksOptions = {}): void {
  if (namedSecrets(secrets).length === 0 && !options.allowEmpty) {
    throw new Error('expectNoLeaks: no secret of at least 8 characters to look for')
  }
  const channels = isJob(target) ? { ...stepChannels(target.steps), ...jobFileChannels(target) } : stepChannels(target)
  const allow = options.allow ?? []
  const scanned = Object.fromEntries(Object.entries(channels).filter(([ch]) => !allowed(ch, allow)))
  const leaks = findLeaks(scanned, secrets, options)
  if (leaks.length > 0) throw new Error(`secret leak(s) found:\n  ${leaks.join('\n  ')}`)
}
