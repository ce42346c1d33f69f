// Runs the bundled entry points (dist/main/index.js, dist/post/index.js) the way a GitHub-hosted runner
// does: a clean environment built from scratch, INPUT_* variables, fresh file-command files per step,
// GITHUB_STATE -> STATE_* and GITHUB_ENV carried from main to post, stdout workflow commands parsed.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseFileCommands, parseRunnerCommands, type RunnerCommands } from './runner-protocol.js'
import type { GitHubClaims } from '../fixtures/oidc-issuer.js'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export type Step = 'main' | 'post'
export type InputValues = Record<string, string | number | boolean>

// The parts of the fixtures the harness needs (an OidcIssuer / StsServer fits).
export interface IssuerLike {
  tokenRequestUrl: string
  requestToken: string
  claims?: GitHubClaims
  issuedTokens?: string[]
}
export interface StsLike {
  url: string
  issuedSecrets?: () => Record<string, string>
}

export interface RunStepOptions {
  issuer?: IssuerLike
  sts?: StsLike
  // AWS_ENDPOINT_URL_IAM; defaults to the STS server's url
  iamUrl?: string
  // the step's `with:`
  inputs?: InputValues
  // action.yml defaults the runner fills in for missing inputs (see readActionDefaults);
  // `${{ runner.temp }}`-style expressions in them are evaluated
  defaults?: Record<string, string>
  // step/job `env:`; undefined removes a variable from the built environment
  env?: Record<string, string | undefined>
  // STATE_* values (the post step gets main's GITHUB_STATE)
  state?: Record<string, string>
  // GITHUB_ENV exports of earlier steps
  jobEnv?: Record<string, string>
  // per-job temp root (HOME, RUNNER_TEMP, workspace live below); created when missing
  jobDir?: string
  // node binary; the e2e suite passes process.env.JIT_TEST_NODE24
  node?: string
  // directory holding <step>/index.js; default <repo>/dist
  distDir?: string
  // kill the step after this long (default 20 s)
  timeoutMs?: number
  // RUNNER_DEBUG=1 (debug lines then appear in the rendered log)
  debug?: boolean
}

export interface StepFiles {
  GITHUB_ENV: string
  GITHUB_OUTPUT: string
  GITHUB_STATE: string
  GITHUB_PATH: string
  summary: string
  audit: string
}

// What the runner makes of stdout (masks, annotations, debug lines, the rendered log), plus the rest.
export interface StepResult extends Omit<RunnerCommands, 'commands'> {
  step: Step
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  durationMs: number
  stdout: string
  stderr: string
  // parsed GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE written by this step
  env: Record<string, string>
  outputs: Record<string, string>
  state: Record<string, string>
  summary: string
  // raw texts; audit is the audit log after this step ('' if absent)
  files: StepFiles
  paths: Record<keyof StepFiles, string>
  // the environment the process got
  processEnv: Record<string, string>
  inputs: Record<string, string>
  // parsed audit log lines; throws on a line that is not JSON
  auditEvents(): Record<string, unknown>[]
}

const DEFAULT_TIMEOUT_MS = 20_000

// `INPUT_<NAME>` exactly as @actions/core getInput reads it: spaces -> '_', upper case, '-' kept.
export const inputEnvName = (name: string): string => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`

export interface JobLayout {
  dir: string
  home: string
  runnerTemp: string
  workspace: string
  toolCache: string
  fileCommands: string
  eventPath: string
}

// Hosted-runner layout below one temp dir.
export function jobLayout(dir: string): JobLayout {
  const layout: JobLayout = {
    dir,
    home: path.join(dir, 'home'),
    runnerTemp: path.join(dir, 'work/_temp'),
    workspace: path.join(dir, 'work/octo-app/octo-app'),
    toolCache: path.join(dir, 'hostedtoolcache'),
    fileCommands: path.join(dir, 'work/_temp/_runner_file_commands'),
    eventPath: path.join(dir, 'work/_temp/_github_workflow/event.json')
  }
  for (const d of [layout.home, layout.runnerTemp, layout.workspace, layout.toolCache, layout.fileCommands, path.dirname(layout.eventPath)]) {
    mkdirSync(d, { recursive: true })
  }
  return layout
}

// Evaluates the few `${{ }}` expressions an action.yml default may use; anything else throws.
export function evaluateDefault(value: string, env: Record<string, string>): string {
  const ctx: Record<string, string | undefined> = {
    'runner.temp': env.RUNNER_TEMP,
    'runner.os': env.RUNNER_OS,
    'runner.arch': env.RUNNER_ARCH,
    'runner.name': env.RUNNER_NAME,
    'runner.tool_cache': env.RUNNER_TOOL_CACHE,
    'runner.environment': env.RUNNER_ENVIRONMENT,
    'github.workspace': env.GITHUB_WORKSPACE,
    'github.job': env.GITHUB_JOB,
    'github.run_id': env.GITHUB_RUN_ID,
    'github.run_number': env.GITHUB_RUN_NUMBER,
    'github.run_attempt': env.GITHUB_RUN_ATTEMPT,
    'github.repository': env.GITHUB_REPOSITORY,
    'github.repository_owner': env.GITHUB_REPOSITORY_OWNER,
    'github.sha': env.GITHUB_SHA,
    'github.ref': env.GITHUB_REF,
    'github.actor': env.GITHUB_ACTOR,
    'github.event_name': env.GITHUB_EVENT_NAME,
    'github.server_url': env.GITHUB_SERVER_URL,
    'github.action_path': env.GITHUB_ACTION_PATH
  }
  return value.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_m, expr: string) => {
    const v = ctx[expr]
    if (v === undefined) throw new Error(`run-action: unsupported expression in input default: ${expr}`)
    return v
  })
}

// The runner's input handling: given inputs as strings, then action.yml defaults for missing ones.
export function inputsWithDefaults(inputs: InputValues = {}, defaults: Record<string, string> = {}, env: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(defaults)) out[k] = evaluateDefault(v, env)
  for (const [k, v] of Object.entries(inputs)) out[k] = String(v)
  return out
}

export interface ActionMetadata {
  inputs: string[]
  required: string[]
  defaults: Record<string, string>
}

// Minimal reader for the `inputs:` block of action.yml (plain, quoted and |/> block scalars), so
// e2e tests can take defaults from the real file: `defaults: readActionDefaults().defaults`.
export function readActionDefaults(file = path.join(repoRoot, 'action.yml')): ActionMetadata {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/)
  const meta: ActionMetadata = { inputs: [], required: [], defaults: {} }
  const indentOf = (l: string): number => l.length - l.trimStart().length
  const start = lines.findIndex((l) => /^inputs:\s*(#.*)?$/.test(l))
  if (start < 0) return meta
  let inputIndent = -1
  let current: string | undefined
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line.trim() === '' || line.trim().startsWith('#')) continue
    const indent = indentOf(line)
    if (indent === 0) break
    if (inputIndent < 0) inputIndent = indent
    const m = /^\s*([\w-]+):\s*(.*)$/.exec(line)
    if (!m) continue
    const [, key = '', rest = ''] = m
    if (indent === inputIndent) {
      current = key
      meta.inputs.push(key)
      continue
    }
    if (!current || indent <= inputIndent) continue
    if (key === 'required' && /^true\b/.test(rest)) meta.required.push(current)
    if (key !== 'default') continue
    const block = /^([|>])([+-]?)\s*(#.*)?$/.exec(rest)
    if (block) {
      const body: string[] = []
      let j = i + 1
      for (; j < lines.length; j++) {
        const l = lines[j] ?? ''
        if (l.trim() !== '' && indentOf(l) <= indent) break
        body.push(l)
      }
      i = j - 1
      while (body.length > 0 && (body.at(-1) ?? '').trim() === '') body.pop()
      const cut = Math.min(...body.filter((l) => l.trim() !== '').map(indentOf))
      const text = body.map((l) => l.slice(cut))
      let value = block[1] === '|' ? text.join('\n') : text.join(' ').replace(/ {2,}/g, ' ')
      if (block[2] !== '-') value += '\n'
      meta.defaults[current] = value
    } else {
      meta.defaults[current] = parseScalar(rest)
    }
  }
  return meta
}

const parseScalar = (raw: string): string => {
  const s = raw.trim()
  if (s.startsWith("'")) return s.slice(1, s.lastIndexOf("'")).replace(/''/g, "'")
  if (s.startsWith('"')) return JSON.parse(s.slice(0, s.lastIndexOf('"') + 1)) as string
  return s.replace(/\s+#.*$/, '')
}

// The environment a hosted runner gives a node action step, built from scratch (only PATH inherited).
export function runnerEnv(layout: JobLayout, options: RunStepOptions, files: Record<keyof StepFiles, string>): Record<string, string> {
  const c = options.issuer?.claims
  const ref = c?.ref ?? 'refs/heads/main'
  const repository = c?.repository ?? 'octo-org/octo-app'
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: layout.home,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'GitHub Actions 1',
    RUNNER_ENVIRONMENT: c?.runner_environment ?? 'github-hosted',
    RUNNER_TEMP: layout.runnerTemp,
    RUNNER_TOOL_CACHE: layout.toolCache,
    RUNNER_WORKSPACE: path.dirname(layout.workspace),
    GITHUB_WORKSPACE: layout.workspace,
    GITHUB_JOB: 'deploy',
    GITHUB_RUN_ID: c?.run_id ?? '7654321098',
    GITHUB_RUN_NUMBER: c?.run_number ?? '42',
    GITHUB_RUN_ATTEMPT: c?.run_attempt ?? '1',
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_ID: c?.repository_id ?? '123456789',
    GITHUB_REPOSITORY_OWNER: c?.repository_owner ?? 'octo-org',
    GITHUB_REPOSITORY_OWNER_ID: c?.repository_owner_id ?? '987654321',
    GITHUB_SHA: c?.sha ?? 'a3c5e8f0b1d2c4e6f8a0b2c4d6e8f0a1b3c5d7e9',
    GITHUB_REF: ref,
    GITHUB_REF_NAME: ref.replace(/^refs\/(heads|tags)\//, ''),
    GITHUB_REF_TYPE: c?.ref_type ?? 'branch',
    GITHUB_REF_PROTECTED: c?.ref_protected ?? 'true',
    GITHUB_HEAD_REF: c?.head_ref ?? '',
    GITHUB_BASE_REF: c?.base_ref ?? '',
    GITHUB_EVENT_NAME: c?.event_name ?? 'push',
    GITHUB_EVENT_PATH: layout.eventPath,
    GITHUB_ACTOR: c?.actor ?? 'octocat',
    GITHUB_ACTOR_ID: c?.actor_id ?? '583231',
    GITHUB_TRIGGERING_ACTOR: c?.actor ?? 'octocat',
    GITHUB_WORKFLOW: c?.workflow ?? 'deploy',
    GITHUB_WORKFLOW_REF: c?.workflow_ref ?? `${repository}/.github/workflows/deploy.yml@${ref}`,
    GITHUB_WORKFLOW_SHA: c?.workflow_sha ?? 'a3c5e8f0b1d2c4e6f8a0b2c4d6e8f0a1b3c5d7e9',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
    GITHUB_RETENTION_DAYS: '90',
    GITHUB_ACTION: '__octo-org_jit-credentials',
    GITHUB_ACTION_REPOSITORY: 'octo-org/jit-credentials',
    GITHUB_ACTION_REF: 'v1',
    GITHUB_ACTION_PATH: repoRoot,
    GITHUB_ENV: files.GITHUB_ENV,
    GITHUB_OUTPUT: files.GITHUB_OUTPUT,
    GITHUB_STATE: files.GITHUB_STATE,
    GITHUB_PATH: files.GITHUB_PATH,
    GITHUB_STEP_SUMMARY: files.summary,
    // no ambient AWS identity: no profile files, no instance metadata
    AWS_CONFIG_FILE: path.join(layout.home, '.aws-nonexistent/config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(layout.home, '.aws-nonexistent/credentials'),
    AWS_EC2_METADATA_DISABLED: 'true'
  }
  if (options.issuer) {
    env.ACTIONS_ID_TOKEN_REQUEST_URL = options.issuer.tokenRequestUrl
    env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = options.issuer.requestToken
  }
  if (options.sts) env.AWS_ENDPOINT_URL_STS = options.sts.url
  const iam = options.iamUrl ?? options.sts?.url
  if (iam) env.AWS_ENDPOINT_URL_IAM = iam
  if (options.debug) env.RUNNER_DEBUG = '1'
  return env
}

// Runs one step of the action in its own process and collects everything it left behind.
export async function runStep(step: Step, options: RunStepOptions = {}): Promise<StepResult> {
  const layout = jobLayout(options.jobDir ?? mkdtempSync(path.join(os.tmpdir(), 'jit-job-')))
  const id = randomUUID()
  const files: Record<keyof StepFiles, string> = {
    GITHUB_ENV: path.join(layout.fileCommands, `set_env_${id}`),
    GITHUB_OUTPUT: path.join(layout.fileCommands, `set_output_${id}`),
    GITHUB_STATE: path.join(layout.fileCommands, `save_state_${id}`),
    GITHUB_PATH: path.join(layout.fileCommands, `add_path_${id}`),
    summary: path.join(layout.fileCommands, `step_summary_${id}`),
    audit: ''
  }
  for (const [k, f] of Object.entries(files)) if (k !== 'audit') writeFileSync(f, '')
  if (!existsSync(layout.eventPath)) {
    writeFileSync(layout.eventPath, JSON.stringify({ ref: options.issuer?.claims?.ref ?? 'refs/heads/main', repository: { full_name: options.issuer?.claims?.repository ?? 'octo-org/octo-app' } }))
  }

  const env = runnerEnv(layout, options, files)
  // order as in the runner: job env from GITHUB_ENV, then step env, inputs, state
  Object.assign(env, options.jobEnv ?? {})
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  const inputs = inputsWithDefaults(options.inputs, options.defaults, env)
  for (const [k, v] of Object.entries(inputs)) env[inputEnvName(k)] = v
  for (const [k, v] of Object.entries(options.state ?? {})) env[`STATE_${k}`] = v

  const auditInput = inputs['audit-log']
  files.audit = auditInput ? path.resolve(layout.workspace, auditInput) : path.join(layout.runnerTemp, 'jit-credentials/audit.jsonl')

  const entry = path.join(options.distDir ?? path.join(repoRoot, 'dist'), step, 'index.js')
  if (!existsSync(entry)) throw new Error(`run-action: ${entry} not found (run npm run build first)`)

  const started = Date.now()
  const { code, signal, stdout, stderr, timedOut } = await new Promise<{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string, timedOut: boolean }>((resolve, reject) => {
    const child = spawn(options.node ?? process.execPath, [entry], { cwd: layout.workspace, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let timedOut = false
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => err.push(b))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
    child.on('error', (e) => { clearTimeout(timer); reject(e) })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, timedOut, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') })
    })
  })
  const durationMs = Date.now() - started

  const read = (f: string): string => (f && existsSync(f) ? readFileSync(f, 'utf8') : '')
  const texts: StepFiles = {
    GITHUB_ENV: read(files.GITHUB_ENV),
    GITHUB_OUTPUT: read(files.GITHUB_OUTPUT),
    GITHUB_STATE: read(files.GITHUB_STATE),
    GITHUB_PATH: read(files.GITHUB_PATH),
    summary: read(files.summary),
    audit: read(files.audit)
  }
  const commands = parseRunnerCommands(stdout, { debug: options.debug ?? false })
  return {
    step,
    code,
    signal,
    timedOut,
    durationMs,
    stdout,
    stderr,
    env: parseFileCommands(texts.GITHUB_ENV),
    outputs: parseFileCommands(texts.GITHUB_OUTPUT),
    state: parseFileCommands(texts.GITHUB_STATE),
    summary: texts.summary,
    masks: commands.masks,
    errors: commands.errors,
    warnings: commands.warnings,
    notices: commands.notices,
    debug: commands.debug,
    log: commands.log,
    files: texts,
    paths: files,
    processEnv: env,
    inputs,
    auditEvents: () => texts.audit.split('\n').filter((l) => l.trim() !== '').map((l, i) => {
      try {
        return JSON.parse(l) as Record<string, unknown>
      } catch {
        throw new Error(`audit log line ${i + 1} is not JSON`)
      }
    })
  }
}

export interface JobOptions extends Omit<RunStepOptions, 'inputs' | 'state' | 'jobEnv' | 'jobDir'> {
  // keep the temp dir after cleanup() (debugging)
  keepTemp?: boolean
}

export interface Job extends JobLayout {
  // GITHUB_ENV exports accumulated over the job's steps (what later steps see)
  env: Record<string, string>
  // GITHUB_STATE of the main step (becomes STATE_* in post)
  state: Record<string, string>
  // inputs of the main step; the runner gives post the same `with:`
  inputs: InputValues
  steps: StepResult[]
  main(inputs?: InputValues, overrides?: Partial<RunStepOptions>): Promise<StepResult>
  post(overrides?: Partial<RunStepOptions>): Promise<StepResult>
  // every secret the fixtures handed to this job so far, named (OIDC tokens, request token, STS keys)
  knownSecrets(): Record<string, string>
  cleanup(): void
}

// One job: main and post share HOME, RUNNER_TEMP, the workspace and the audit log.
export function createJob(options: JobOptions = {}): Job {
  const layout = jobLayout(mkdtempSync(path.join(os.tmpdir(), 'jit-job-')))
  const { keepTemp, ...stepDefaults } = options
  const job: Job = {
    ...layout,
    env: {},
    state: {},
    inputs: {},
    steps: [],
    main: async (inputs = {}, overrides = {}) => {
      job.inputs = inputs
      const result = await runStep('main', { ...stepDefaults, ...overrides, inputs, jobEnv: { ...job.env }, jobDir: layout.dir })
      job.steps.push(result)
      Object.assign(job.env, result.env)
      job.state = { ...result.state }
      return result
    },
    post: async (overrides = {}) => {
      const result = await runStep('post', { ...stepDefaults, ...overrides, inputs: job.inputs, state: job.state, jobEnv: { ...job.env }, jobDir: layout.dir })
      job.steps.push(result)
      Object.assign(job.env, result.env)
      return result
    },
    knownSecrets: () => {
      const secrets: Record<string, string> = {}
      if (options.issuer) {
        secrets['oidc.requestToken'] = options.issuer.requestToken
        options.issuer.issuedTokens?.forEach((t, i) => { secrets[`oidc.token#${i}`] = t })
      }
      Object.assign(secrets, options.sts?.issuedSecrets?.() ?? {})
      return secrets
    },
    cleanup: () => {
      if (!keepTemp) rmSync(layout.dir, { recursive: true, force: true })
    }
  }
  return job
}
