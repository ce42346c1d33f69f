// The STS session name: it appears in CloudTrail and in the session's `aws:userid`, so it must be
// unique per job and traceable to the run: `gh-<run_id>-<run_attempt>-<8 hex>`.
import { createHash, randomBytes } from 'node:crypto'
import type { GitHubClaims } from './claims.js'

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
