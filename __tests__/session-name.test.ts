import { afterEach, beforeEach, describe, it, expect } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { GitHubClaims } from '../src/claims.js'
import { generateSessionName, reserveSessionName, uniqueSessionName } from '../src/session-name.js'
import { sampleClaims } from './helpers/samples.js'

const RANDOM = Buffer.alloc(16, 0xab)
const STS_SESSION_NAME = /^[\w+=,.@-]{2,64}$/

const claims = (overrides: Partial<GitHubClaims> = {}): GitHubClaims => sampleClaims({ run_id: '8765432109', run_attempt: '3', ...overrides })

describe('generateSessionName', () => {
  it('is gh-<run_id>-<run_attempt>-<8 hex of the documented sha256 input>', () => {
    const expectedDigest = createHash('sha256').update(`123456/deploy/8765432109/3/${'ab'.repeat(16)}`).digest('hex').slice(0, 8)
    expect(generateSessionName(claims(), 'deploy', RANDOM)).toBe(`gh-8765432109-3-${expectedDigest}`)
  })

  it('is deterministic for the same inputs and randomness', () => {
    expect(generateSessionName(claims(), 'deploy', RANDOM)).toBe(generateSessionName(claims(), 'deploy', RANDOM))
  })

  it.each([
    ['the job', claims(), 'build'],
    ['the repository id', claims({ repository_id: '654321' }), 'deploy']
  ])('changes the digest with %s', (_what, changed, job) => {
    const base = generateSessionName(claims(), 'deploy', RANDOM)
    const other = generateSessionName(changed, job, RANDOM)
    expect(other.slice(0, -8)).toBe(base.slice(0, -8))
    expect(other.slice(-8)).not.toBe(base.slice(-8))
  })

  it('differs between two jobs of the same run by default (fresh randomness)', () => {
    const names = new Set(Array.from({ length: 20 }, () => generateSessionName(claims(), 'deploy')))
    expect(names.size).toBe(20)
  })

  it('names the run attempt, so a re-run gets another name', () => {
    expect(generateSessionName(claims({ run_attempt: '4' }), 'deploy', RANDOM)).toMatch(/^gh-8765432109-4-[0-9a-f]{8}$/)
  })

  it('drops characters STS would reject from the claims', () => {
    const name = generateSessionName(claims({ run_id: '12 34/56', run_attempt: '1:2' }), 'deploy', RANDOM)
    expect(name).toMatch(/^gh-123456-12-[0-9a-f]{8}$/)
  })

  it('never exceeds 64 characters and keeps the digest', () => {
    const name = generateSessionName(claims({ run_id: '9'.repeat(100) }), 'deploy', RANDOM)
    expect(name).toHaveLength(64)
    expect(name).toMatch(STS_SESSION_NAME)
    expect(name).toMatch(/^gh-9+-[0-9a-f]{8}$/)
  })

  it('always fits the STS session name rules', () => {
    for (const run_id of ['1', '', '\u00e9\u00e9', '<x>', '1'.repeat(70)]) {
      expect(generateSessionName(claims({ run_id }), '', RANDOM)).toMatch(STS_SESSION_NAME)
    }
  })
})

describe('uniqueSessionName', () => {
  it('appends 8 random hex digits, so two steps that give the same name get different ones', () => {
    expect(uniqueSessionName('deploy', Buffer.from('0c7f3780', 'hex'))).toBe('deploy-0c7f3780')
    expect(uniqueSessionName('deploy')).not.toBe(uniqueSessionName('deploy'))
  })

  it('cuts a long name so the result stays within STS\'s 64 characters', () => {
    const name = uniqueSessionName('x'.repeat(64), Buffer.from('00000001', 'hex'))
    expect(name).toBe(`${'x'.repeat(55)}-00000001`)
    expect(name).toHaveLength(64)
  })
})

describe('reserveSessionName', () => {
  let dir: string
  beforeEach(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'jit-names-')) })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('reserves a name once per job folder and refuses it the second time', () => {
    const folder = path.join(dir, 'session-names')
    reserveSessionName('release-42', folder)
    expect(() => reserveSessionName('release-42', folder)).toThrow('role-session-name "release-42" was already used by another step of this job')
    expect(() => reserveSessionName('release-43', folder)).not.toThrow()
  })

  it('keeps names that are not file names apart (a valid session name can be "..")', () => {
    const folder = path.join(dir, 'session-names')
    reserveSessionName('..', folder)
    reserveSessionName('.', folder)
    expect(() => reserveSessionName('..', folder)).toThrow('already used')
    expect(readdirSync(folder)).toHaveLength(2)
  })

  it('lets another job (another temp folder) use the same name', () => {
    reserveSessionName('release-42', path.join(dir, 'job-1'))
    expect(() => reserveSessionName('release-42', path.join(dir, 'job-2'))).not.toThrow()
  })
})
