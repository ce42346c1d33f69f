// Writes one session into one revocation list and confirms it stays there, with any number of other
// post steps writing the same list at the same time. IAM has no conditional write, so the protocol is:
//
// 1. List the versions and read every one not read before (versions never change once created).
// 2. Build the new default from the default version plus every entry of the other versions (a writer
//    that raced with us may have put ours or theirs only there), add the session, prune expired ones.
// 3. If the default does not deny the session yet: make room (delete an older non-default version) and
//    create the new default, but only from a listing younger than LISTING_MAX_AGE_MS. Contention
//    (LimitExceeded, a version deleted under us, throttling) is not failure: back off with jitter, go to 1.
// 4. If the default denies the session, that is confirmed once no version was created for
//    QUIET_MS: a writer that listed before our entry was in force writes within LISTING_MAX_AGE_MS plus
//    the request timeout of its listing, and reads may lag by PROPAGATION_MS; after that, every writer
//    builds on a default that holds our entry, so no later write can drop it.
import { RevocationListError, type ListKind, type PolicyDocument, type RevokedSession, buildRevocationList, listsSession } from './revocation-list.js'
import { IAM_REQUEST_TIMEOUT_MS } from './iam-client.js'

/** A write is sent only from a listing this young. */
export const LISTING_MAX_AGE_MS = 2000
/** How stale an IAM read may be (IAM is eventually consistent; changes propagate within seconds). */
export const PROPAGATION_MS = 2000
/** No version created for this long: every writer that could have missed our entry has landed. */
export const QUIET_MS = LISTING_MAX_AGE_MS + IAM_REQUEST_TIMEOUT_MS + 2 * PROPAGATION_MS
/** While waiting for the quiet period, the list is read again this often. */
const RECHECK_MS = 3000

export interface PolicyVersionInfo {
  id: string
  isDefault: boolean
  /** AWS's CreateDate (whole seconds). */
  created: Date
}

/** The IAM calls on one policy. Errors carry IAM's code (see Contention). */
export interface ListOperations {
  list(): Promise<PolicyVersionInfo[]>
  /** undefined when the version no longer exists (another writer deleted it). */
  read(versionId: string): Promise<PolicyDocument | undefined>
  create(document: string): Promise<string>
  /** Deletes the version; one that another writer deleted already is fine. */
  remove(versionId: string): Promise<void>
}

export interface WriterClock {
  /** AWS's time. */
  awsNow(): Date
  /** A local monotonic clock, ms. */
  elapsed(): number
  sleep(ms: number): Promise<void>
  /** elapsed() value after which the writer gives up. */
  deadline: number
}

export type WriteResult =
  | { status: 'confirmed', version: string, confirmedAt: Date, writes: number }
  | { status: 'full' }

export class RevocationBusyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RevocationBusyError'
  }
}

/** Why a call failed, when it is contention to retry; undefined for an error to report. */
export type Contention = (error: unknown, call: 'list' | 'read' | 'create' | 'remove') => string | undefined

export async function writeSession(
  ops: ListOperations,
  session: RevokedSession,
  kind: ListKind,
  clock: WriterClock,
  contention: Contention,
  log: (message: string) => void
): Promise<WriteResult> {
  const documents = new Map<string, PolicyDocument>()
  let writes = 0
  let setbacks = 0
  for (let round = 1; ; round++) {
    if (clock.elapsed() > clock.deadline) {
      throw new RevocationBusyError(`IAM stayed busy for the whole revocation budget (${round - 1} rounds, ${writes} writes, ${setbacks} setbacks)`)
    }
    const step = await attempt(ops, session, kind, clock, documents)
    if (step.kind === 'confirmed') return { status: 'confirmed', version: step.version, confirmedAt: clock.awsNow(), writes }
    if (step.kind === 'full') return { status: 'full' }
    if (step.kind === 'wrote') {
      writes++
      continue
    }
    if (step.kind === 'wait') {
      await clock.sleep(step.ms)
      continue
    }
    const why = contention(step.error, step.call)
    if (why === undefined) throw step.error instanceof RevocationListError ? step.error : new ListCallError(step.call, step.error)
    setbacks++
    const delay = Math.round(Math.random() * Math.min(1000, 50 * 2 ** Math.min(setbacks, 5)))
    log(`Revocation list busy (${why}); trying again in ${delay} ms.`)
    await clock.sleep(delay)
  }
}

type Step =
  | { kind: 'confirmed', version: string }
  | { kind: 'full' }
  | { kind: 'wrote' }
  | { kind: 'wait', ms: number }
  | { kind: 'setback', call: 'list' | 'read' | 'create' | 'remove', error: unknown }

async function attempt(ops: ListOperations, session: RevokedSession, kind: ListKind, clock: WriterClock, documents: Map<string, PolicyDocument>): Promise<Step> {
  const listedAt = clock.elapsed()
  const listing = await readList(ops, documents)
  if ('setback' in listing) return listing.setback
  const { versions, current, base, others } = listing
  // Only a session not yet in force is written: the owners of the entries the default lacks write
  // their own, so writers do not queue for version slots to merge what others write anyway.
  if (listsSession(base, session)) {
    const newest = Math.max(...versions.map(v => v.created.getTime()))
    // CreateDate and Date are truncated to the second: one more second covers both.
    const quietFor = clock.awsNow().getTime() - newest - 1000
    if (quietFor >= QUIET_MS) return { kind: 'confirmed', version: current.id }
    // Look again every few seconds while waiting: a racing writer may drop the entry, and writing it
    // again at once is quicker than finding out at the end of the wait.
    return { kind: 'wait', ms: Math.min(RECHECK_MS, QUIET_MS - quietFor) + Math.round(Math.random() * 250) }
  }
  const edit = buildRevocationList({ base, others, session, now: clock.awsNow(), kind })
  if (!edit) return { kind: 'full' }
  if (versions.length >= 5) {
    try {
      await ops.remove(versionToDelete(versions, current))
    } catch (error) {
      return { kind: 'setback', call: 'remove', error }
    }
  }
  if (clock.elapsed() - listedAt > LISTING_MAX_AGE_MS) return { kind: 'setback', call: 'list', error: new StaleListing() }
  try {
    documents.set(await ops.create(edit.json), edit.document)
  } catch (error) {
    return error instanceof ListFullError ? { kind: 'full' } : { kind: 'setback', call: 'create', error }
  }
  return { kind: 'wrote' }
}

interface Listing {
  versions: PolicyVersionInfo[]
  current: PolicyVersionInfo
  base: PolicyDocument
  /** The other versions still there (versions never change, so each is read once). */
  others: PolicyDocument[]
}

async function readList(ops: ListOperations, documents: Map<string, PolicyDocument>): Promise<Listing | { setback: Step }> {
  let versions: PolicyVersionInfo[]
  try {
    versions = await ops.list()
  } catch (error) {
    return { setback: { kind: 'setback', call: 'list', error } }
  }
  const current = versions.find(v => v.isDefault)
  if (!current) return { setback: { kind: 'setback', call: 'list', error: new RevocationListError('the revocation policy has no default version') } }
  try {
    await Promise.all(versions.filter(v => !documents.has(v.id)).map(async v => {
      const document = await ops.read(v.id)
      if (document) documents.set(v.id, document)
    }))
  } catch (error) {
    return { setback: { kind: 'setback', call: 'read', error } }
  }
  const base = documents.get(current.id)
  if (!base) return { setback: { kind: 'setback', call: 'read', error: new VersionGone(current.id) } }
  // A version deleted since the listing: whoever deleted it merged it into the version it writes.
  const others = versions.filter(v => v !== current).flatMap(v => documents.get(v.id) ?? [])
  return { versions, current, base, others }
}

/**
 * One of the older non-default versions, at random: writers that make room at the same moment then
 * mostly free different slots instead of all deleting the same one. The newest non-default version
 * is kept: it is the one most likely to hold entries the default lacks.
 */
function versionToDelete(versions: PolicyVersionInfo[], current: PolicyVersionInfo): string {
  // CreateDate has whole seconds: ties go by the version number (v1, v2, ...).
  const number = (v: PolicyVersionInfo): number => Number(v.id.slice(1))
  const older = versions.filter(v => v !== current).sort((a, b) => a.created.getTime() - b.created.getTime() || number(a) - number(b))
  const choices = older.length > 1 ? older.slice(0, -1) : older
  return (choices[Math.floor(Math.random() * choices.length)] as PolicyVersionInfo).id
}

/** The default version of a listing was gone when read: the listing is out of date. */
export class VersionGone extends Error {
  constructor(versionId: string) {
    super(`version ${versionId} was deleted after the listing`)
    this.name = 'VersionGone'
  }
}

/** A call failed in a way that is not contention: the caller explains it. */
export class ListCallError extends Error {
  constructor(
    readonly call: 'list' | 'read' | 'create' | 'remove',
    readonly error: unknown
  ) {
    super(`${call} failed`, { cause: error })
    this.name = 'ListCallError'
  }
}

/** IAM refused the document for its size (its count differs from ours): the session goes to the next list. */
export class ListFullError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ListFullError'
  }
}

/** The listing is too old to write from: another writer may have written since. */
export class StaleListing extends Error {
  constructor() {
    super('the listing was older than the write window')
    this.name = 'StaleListing'
  }
}
