// The write protocol of one revocation list, with many writers at once, in simulated time: an in-memory
// IAM (5 versions, LimitExceeded, versions deleted under a reader, reads from a lagging replica,
// throttling, writes that land late while their caller times out) and a scheduler that runs every
// writer's sleeps and calls on one virtual clock, so a minute of contention takes milliseconds and
// every interleaving is reproducible from its seed. The claims: every writer confirms within the
// budget, and from the moment a writer confirms, every later default version still denies its session.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import fc from 'fast-check'
import { contention } from '../src/aws/deny-session.js'
import { IAM_REQUEST_TIMEOUT_MS } from '../src/aws/iam-client.js'
import { type PolicyDocument, type RevokedSession, listsSession, parsePolicyDocument } from '../src/aws/revocation-list.js'
import { type ListOperations, PROPAGATION_MS, QUIET_MS, type WriteResult, writeSession } from '../src/aws/revocation-writer.js'
import { roleDeniesSession } from './helpers/boundary.js'
import { mulberry32 } from './fixtures/random-faults.js'
import { PLACEHOLDER } from './helpers/revocation-lists.js'

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0)
const BUDGET_MS = 90_000

/** A virtual clock: sleeps resolve in time order, each after every microtask before it has run. */
class Scheduler {
  now = 0
  private seq = 0
  private readonly timers: Array<{ at: number, seq: number, wake: () => void }> = []

  sleep = (ms: number): Promise<void> => new Promise(wake => this.timers.push({ at: this.now + Math.max(0, ms), seq: this.seq++, wake }))

  /** Runs until `done` holds (checked whenever nothing but timers is left) or `limit` ms have passed. */
  async run(done: () => boolean, limit: number): Promise<void> {
    for (;;) {
      await new Promise(resolve => setImmediate(resolve))
      if (done() || this.timers.length === 0) return
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
      const next = this.timers.shift() as { at: number, wake: () => void }
      if (next.at > limit) return
      this.now = next.at
      next.wake()
    }
  }
}

const awsError = (code: string, status = 400): Error => Object.assign(new Error(code), { name: code, Code: code, $metadata: { httpStatusCode: status } })

interface Version {
  id: string
  json: string
  isDefault: boolean
  created: number
}

interface Weather {
  latencyMs: number
  /** Reads come from the state as it was up to this long ago. */
  staleMs: number
  throttle: number
  /** Probability that a create lands at a random moment before the request timeout, its caller timing out. */
  lateWrite: number
}

/** One managed policy, as IAM keeps it: the primary state, and what it was at each moment before. */
class FakeList {
  /** CreateDate is kept as ms after T0. */
  versions: Version[]
  private highest: number
  private readonly history: Array<{ at: number, versions: Version[] }> = []
  /** Sessions whose writers confirmed, with the time they did; checked against every new default. */
  readonly confirmed: Array<{ session: RevokedSession, at: number }> = []
  readonly dropped: string[] = []

  constructor(private readonly sim: Scheduler, private readonly weather: Weather, private readonly random: () => number, initialVersions: number) {
    const json = JSON.stringify({ Version: '2012-10-17', Statement: [PLACEHOLDER] })
    this.versions = Array.from({ length: initialVersions }, (_, i) => ({ id: `v${i + 1}`, json, isDefault: i === initialVersions - 1, created: -60_000 }))
    this.highest = initialVersions
    this.record()
  }

  private record(): void {
    this.history.push({ at: this.sim.now, versions: this.versions.map(v => ({ ...v })) })
  }

  /** The state a read answered now sees: a random moment within the staleness window. */
  private replica(): Version[] {
    const at = this.sim.now - this.random() * this.weather.staleMs
    return [...this.history].reverse().find(h => h.at <= at)?.versions ?? this.history[0]?.versions ?? []
  }

  private async call<T>(work: () => T): Promise<T> {
    await this.sim.sleep(this.weather.latencyMs / 2)
    if (this.random() < this.weather.throttle) {
      await this.sim.sleep(this.weather.latencyMs / 2)
      throw awsError('Throttling')
    }
    const result = work()
    await this.sim.sleep(this.weather.latencyMs / 2)
    return result
  }

  private create(json: string): string {
    if (this.versions.length >= 5) throw awsError('LimitExceeded', 409)
    const id = `v${++this.highest}`
    for (const v of this.versions) v.isDefault = false
    this.versions.push({ id, json, isDefault: true, created: Math.floor((T0 + this.sim.now) / 1000) * 1000 - T0 })
    this.record()
    const document = parsePolicyDocument(json)
    for (const c of this.confirmed) if (!listsSession(document, c.session)) this.dropped.push(`${c.session.sessionName} (confirmed at ${c.at} ms) dropped by ${id} at ${this.sim.now} ms`)
    return id
  }

  operations(): ListOperations {
    return {
      list: () => this.call(() => this.replica().map(v => ({ id: v.id, isDefault: v.isDefault, created: new Date(T0 + v.created) }))),
      read: id => this.call(() => {
        const version = this.replica().find(v => v.id === id)
        return version && parsePolicyDocument(version.json)
      }),
      remove: id => this.call(() => {
        const index = this.versions.findIndex(v => v.id === id)
        if (index < 0) return
        if (this.versions[index]?.isDefault) throw awsError('DeleteConflict', 409)
        this.versions.splice(index, 1)
        this.record()
      }),
      create: async json => {
        if (this.random() >= this.weather.lateWrite) return this.call(() => this.create(json))
        // Sent, and landing at some moment before the request timeout; the caller hears nothing.
        const landsAfter = this.random() * IAM_REQUEST_TIMEOUT_MS
        void this.sim.sleep(landsAfter).then(() => { try { this.create(json) } catch { /* the slot was taken */ } })
        await this.sim.sleep(IAM_REQUEST_TIMEOUT_MS)
        throw awsError('TimeoutError')
      }
    }
  }

  defaultDocument(): PolicyDocument {
    return parsePolicyDocument(this.versions.find(v => v.isDefault)?.json ?? '')
  }
}

interface Outcome {
  results: Array<WriteResult | Error | undefined>
  list: FakeList
  sessions: RevokedSession[]
  sim: Scheduler
}

async function race(writers: number, weather: Weather, seed: number, initialVersions: number, startSpreadMs = 500): Promise<Outcome> {
  // The scheduler's interleavings and the writers' jitter repeat per seed.
  const random = mulberry32(seed)
  jest.spyOn(Math, 'random').mockImplementation(random)
  const sim = new Scheduler()
  const list = new FakeList(sim, weather, random, initialVersions)
  const sessions = Array.from({ length: writers }, (_, i): RevokedSession => ({
    sessionName: `gh-${12345678901 + i}-1-${(0x0c7f3780 + i).toString(16)}`,
    issuedAt: new Date(T0 - 120_000 - i * 1000),
    expiresAt: new Date(T0 + 780_000)
  }))
  const results: Outcome['results'] = new Array(writers).fill(undefined)
  sessions.forEach((session, i) => {
    const start = Math.floor(random() * startSpreadMs)
    const clock = { awsNow: () => new Date(Math.floor((T0 + sim.now) / 1000) * 1000), elapsed: () => sim.now - start, sleep: sim.sleep, deadline: BUDGET_MS }
    void sim.sleep(start)
      .then(() => writeSession(list.operations(), session, 'attached', clock, contention, () => undefined))
      .then(result => {
        results[i] = result
        if (result.status === 'confirmed') list.confirmed.push({ session, at: sim.now })
      }, (error: unknown) => { results[i] = error as Error })
  })
  await sim.run(() => results.every(r => r !== undefined), 10 * 60_000)
  // Let writes still in flight land, then judge.
  await sim.run(() => false, sim.now + IAM_REQUEST_TIMEOUT_MS + 1000)
  return { results, list, sessions, sim }
}

function expectAllConfirmedAndKept({ results, list, sessions, sim }: Outcome): void {
  const failures = results.map((r, i) => (r instanceof Error ? `${sessions[i]?.sessionName}: ${r.message}` : r?.status === 'confirmed' ? undefined : `${sessions[i]?.sessionName}: ${JSON.stringify(r)}`)).filter(Boolean)
  expect(failures).toEqual([])
  expect(list.dropped).toEqual([])
  const policies = [list.defaultDocument()]
  const lost = sessions.filter(s => !roleDeniesSession({ policies }, { userId: `AROAEXAMPLEEXAMPLE12:${s.sessionName}`, tokenIssueTime: s.issuedAt }))
  expect(lost.map(s => s.sessionName)).toEqual([])
  // Every writer finished within the budget, and only after the quiet period.
  expect(sim.now).toBeLessThan(BUDGET_MS + 10 * 60_000)
}

describe('writeSession, many writers on one list', () => {
  beforeEach(() => { jest.restoreAllMocks() })
  afterEach(() => { jest.restoreAllMocks() })

  it('a lone writer writes once and confirms only after QUIET_MS without a new version', async () => {
    const outcome = await race(1, { latencyMs: 100, staleMs: 0, throttle: 0, lateWrite: 0 }, 1, 1, 0)
    expectAllConfirmedAndKept(outcome)
    const result = outcome.results[0] as Extract<WriteResult, { status: 'confirmed' }>
    expect(result).toMatchObject({ status: 'confirmed', version: 'v2', writes: 1 })
    // Listed, read, created (3 calls of 100 ms), then waited out the quiet period.
    expect(outcome.list.confirmed[0]?.at).toBeGreaterThanOrEqual(300 + QUIET_MS)
    expect(outcome.list.confirmed[0]?.at).toBeLessThan(300 + QUIET_MS + 2500)
  })

  it('32 writers at once on a list holding 5 versions, 100 ms per call, reads lagging 2 s: all confirmed, none dropped', async () => {
    expectAllConfirmedAndKept(await race(32, { latencyMs: 100, staleMs: PROPAGATION_MS, throttle: 0, lateWrite: 0 }, 7, 5))
  })

  it('holds under any weather within its assumptions (reads lag ≤ 2 s, writes land within the request timeout)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          writers: fc.integer({ min: 2, max: 32 }),
          versions: fc.integer({ min: 1, max: 5 }),
          latencyMs: fc.integer({ min: 0, max: 300 }),
          staleMs: fc.integer({ min: 0, max: PROPAGATION_MS }),
          throttle: fc.double({ min: 0, max: 0.25, noNaN: true }),
          lateWrite: fc.double({ min: 0, max: 0.1, noNaN: true }),
          seed: fc.integer({ min: 1, max: 2 ** 31 - 1 })
        }),
        async ({ writers, versions, seed, ...weather }) => {
          jest.restoreAllMocks()
          expectAllConfirmedAndKept(await race(writers, weather, seed, versions))
        }
      ),
      { numRuns: 40 }
    )
  }, 120_000)
})
