// The STS session name: it appears in CloudTrail and in the session's `aws:userid`, so it must be
// unique per job and traceable to the run: `gh-<run_id>-<run_attempt>-<8 hex>`.
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { GitHubClaims } from './claims.js'
import { ActionError } from './errors.js'

const MAX_LENGTH = 64

export function generateSessionName(claims: GitHubClaims, job: string, random: Buffer = randomBytes(16)): string {
  const digest = createHash('sha256')
    .update(`${claims.repository_id}/${job}/${claims.run_id}/${claims.run_attempt}/${random.toString('hex')}`)
    .digest('hex')
    .slice(0, 8)
  // Claims are verified but still shaped by GitHub: keep only characters STS accepts.
  const prefix = `gh-${claims.run_id}-${claims.run_attempt}`.replace(/[^\w+=,.@-]/g, '')
  return `${prefix.slice(0, MAX_LENGTH - 9)}-${digest}`
}

/**
 * A given name with a random suffix: a deny-session entry names its session, so a name another session
 * also has would deny that one too (or spare it, depending on when each was issued).
 */
export function uniqueSessionName(given: string, random: Buffer = randomBytes(4)): string {
  return `${given.slice(0, MAX_LENGTH - 9)}-${random.toString('hex')}`
}

/**
 * Reserves `name` for this job: a marker file per name in the job's temp folder (RUNNER_TEMP is
 * per job), created exclusively, so a second step of the same job cannot reuse the name and blur
 * whose session did what in CloudTrail and in the revocation list.
 */
export function reserveSessionName(name: string, folder: string): void {
  mkdirSync(folder, { recursive: true, mode: 0o700 })
  // Hashed: a valid session name may still be "..".
  const marker = path.join(folder, createHash('sha256').update(name).digest('hex'))
  try {
    writeFileSync(marker, `${name}\n`, { flag: 'wx', mode: 0o600 })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    throw new ActionError(
      'inputs',
      `role-session-name "${name}" was already used by another step of this job; each credential needs its own session name. ` +
        'Give this step a different role-session-name, or remove the input to get a generated one.'
    )
  }
}
