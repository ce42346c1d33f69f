export const id = 826;
export const ids = [826];
export const modules = {

/***/ 8826:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  denySession: () => (/* binding */ denySession)
});

// UNUSED EXPORTS: REVOCATION_BUDGET_MS, RevocationError, contention, revocationSessionPolicy

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-iam/dist-cjs/index.js
var dist_cjs = __webpack_require__(6764);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/retry.ts
var retry = __webpack_require__(9809);
;// CONCATENATED MODULE: ./src/aws/iam-client.ts
// The revocation role's IAM client: one SDK attempt per call (the callers retry, inside their time
// budget), a short request timeout (it bounds how late a write can land, which the confirmation wait
// relies on), and AWS's clock read from each answer's Date header.

/** An IAM call that has not answered by then is abandoned; a write still in flight lands within it. */
const IAM_REQUEST_TIMEOUT_MS = 4000;
function revokerClient(region, credentials) {
    const client = new dist_cjs/* IAMClient */.h8v({
        region,
        maxAttempts: 1,
        credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
        requestHandler: { requestTimeout: IAM_REQUEST_TIMEOUT_MS, connectionTimeout: IAM_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true }
    });
    let seen;
    client.middlewareStack.add(next => async (args) => {
        const result = await next(args);
        const header = result.response?.headers?.date;
        const date = header === undefined ? Number.NaN : Date.parse(header);
        if (!Number.isNaN(date))
            seen = { date, at: performance.now() };
        return result;
    }, { step: 'deserialize', name: 'jitAwsClock' });
    // The Date header has whole seconds and is truncated: the estimate is never ahead of AWS.
    const awsNow = () => (seen ? new Date(seen.date + (performance.now() - seen.at)) : new Date());
    return { client, awsNow };
}

;// CONCATENATED MODULE: ./src/aws/revocation-list.ts
// The revocation list: a pure edit of one IAM policy document (data in, data out; IAM I/O is in
// revocation-writer.ts). A revoked session is denied by a statement
//
//   {"Sid":"JitRevokedBefore<B>Until<U>","Effect":"Deny","Action":"*","Resource":"*","Condition":{
//     "StringLike":{"aws:userid":["*:<session name>", ...]},"DateLessThan":{"aws:TokenIssueTime":"<B>"}}}
//
// `*:<name>` matches the session's `aws:userid` (`<role id>:<name>`) in 30 characters instead of 50;
// it is exact because a list belongs to one role and session names hold no wildcard characters.
// B bounds the sessions denied by their issue time: every listed session was issued before B, and B is
// no later than each listed session's revocation, so a session that reuses a listed name after it was
// revoked is never denied. U is the minute the last listed session expires; the statement is dropped
// PRUNE_MARGIN_MS after it. Statements share B on a minute grid, so most sessions join one statement.

/** IAM's limit for a managed policy, whitespace not counted. */
const MAX_POLICY_CHARACTERS = 6144;
/** A statement is dropped this long after its last session expired (clock skew, IAM propagation). */
const PRUNE_MARGIN_MS = 5 * 60_000;
/**
 * B may lie this long after a listed session's issue even when the session was revoked sooner: short
 * jobs then share statements (each costs ~210 characters, an entry 30). A session that reuses a listed
 * name is never denied when issued after both its revocation and this grace.
 */
const REUSE_GRACE_MS = 5 * 60_000;
const STATEMENT_SID = /^JitRevokedBefore(\d{14})Until(\d{12})$/;
/** Written by the first version of the action (one statement per expiry minute, full user ids). */
const LEGACY_SID = /^JitRevokedUntil(\d{12})$/;
const USER_ID = 'aws:userid';
const TOKEN_ISSUE_TIME = 'aws:TokenIssueTime';
/** What a session name may hold (STS's own rule); none of it is a StringLike wildcard. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
class RevocationListError extends Error {
    constructor(message) {
        super(message);
        this.name = 'RevocationListError';
    }
}
/** Parses a policy document (as IAM returns it, already URL-decoded) and checks its outer shape. */
function parsePolicyDocument(text) {
    let value;
    try {
        value = JSON.parse(text);
    }
    catch {
        throw new RevocationListError('the revocation policy is not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new RevocationListError('the revocation policy is not a JSON object');
    const document = value;
    const statements = Array.isArray(document.Statement) ? document.Statement : document.Statement === undefined ? undefined : [document.Statement];
    if (!statements || statements.some(s => typeof s !== 'object' || s === null || Array.isArray(s))) {
        throw new RevocationListError('the revocation policy has no list of statements');
    }
    return { ...document, Statement: statements };
}
/** The StringLike value that matches the session's aws:userid. */
function userIdPattern(sessionName) {
    if (!SESSION_NAME.test(sessionName))
        throw new RevocationListError(`"${sessionName}" is not a session name STS issues`);
    return `*:${sessionName}`;
}
/** Which list a session goes to first, then the next ones in turn when it is full: a hash spreads writers over the lists. */
function listOrder(sessionName, count) {
    const start = (0,external_node_crypto_.createHash)('sha256').update(sessionName).digest().readUInt32BE(0) % count;
    return Array.from({ length: count }, (_, i) => (start + i) % count);
}
const sidOf = (statement) => (typeof statement.Sid === 'string' ? statement.Sid : '');
const digits = (time, length) => new Date(time).toISOString().replace(/\D/g, '').slice(0, length);
const fromDigits = (text) => Date.UTC(Number(text.slice(0, 4)), Number(text.slice(4, 6)) - 1, Number(text.slice(6, 8)), Number(text.slice(8, 10)), Number(text.slice(10, 12)), Number(text.slice(12, 14) || 0));
const isoSeconds = (time) => new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
const floorTo = (time, unit) => Math.floor(time / unit) * unit;
const ceilTo = (time, unit) => Math.ceil(time / unit) * unit;
function toStatement(sid, statement) {
    const m = STATEMENT_SID.exec(sid);
    const condition = statement.Condition;
    const values = condition?.StringLike?.[USER_ID];
    const patterns = typeof values === 'string' ? [values] : values;
    const shaped = m && statement.Effect === 'Deny' && statement.Action === '*' && statement.Resource === '*' &&
        Array.isArray(patterns) && patterns.every(p => typeof p === 'string') &&
        condition?.DateLessThan?.[TOKEN_ISSUE_TIME] === isoSeconds(fromDigits(m[1] ?? '')) && Object.keys(condition ?? {}).length === 2;
    if (!m || !shaped)
        throw new RevocationListError(`statement ${sid} is not a revocation statement as the action writes it; remove it by hand (its sessions expire by the minute its Sid names)`);
    return { before: fromDigits(m[1] ?? ''), until: fromDigits(m[2] ?? ''), patterns: new Set(patterns) };
}
function toPolicyStatement(s) {
    return {
        Sid: `JitRevokedBefore${digits(s.before, 14)}Until${digits(s.until, 12)}`,
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { StringLike: { [USER_ID]: [...s.patterns].sort() }, DateLessThan: { [TOKEN_ISSUE_TIME]: isoSeconds(s.before) } }
    };
}
/** The document's revocation statements by their B, and everything else as it was. */
function split(document) {
    const statements = new Map();
    const kept = [];
    const legacy = [];
    for (const statement of document.Statement) {
        const sid = sidOf(statement);
        if (LEGACY_SID.test(sid))
            legacy.push(statement);
        else if (sid.startsWith('JitRevoked'))
            mergeStatement(statements, toStatement(sid, statement));
        else
            kept.push(statement);
    }
    return { statements, kept, legacy };
}
function mergeStatement(into, s) {
    const existing = into.get(s.before);
    if (!existing)
        into.set(s.before, { before: s.before, until: s.until, patterns: new Set(s.patterns) });
    else {
        existing.until = Math.max(existing.until, s.until);
        for (const p of s.patterns)
            existing.patterns.add(p);
    }
}
/** True when a revocation statement of the document denies the session. */
function listsSession(document, session) {
    return denies(split(document).statements, session);
}
/** A statement lists the session and bounds it after its issue. */
function denies(statements, session) {
    const pattern = userIdPattern(session.sessionName);
    return [...statements.values()].some(s => s.patterns.has(pattern) && s.before > session.issuedAt.getTime());
}
/**
 * Adds `session` to the statement whose B lies between its issue and `now` (joining the one that
 * already lasts longest), or to a new statement with B on the minute grid.
 */
function addSession(statements, session, now) {
    const pattern = userIdPattern(session.sessionName);
    const earliest = floorTo(session.issuedAt.getTime(), 1000) + 1000;
    const latest = Math.max(earliest, floorTo(Math.max(now, session.issuedAt.getTime() + REUSE_GRACE_MS), 1000));
    const until = ceilTo(session.expiresAt.getTime(), 60_000);
    if (denies(statements, session))
        return;
    const candidates = [...statements.values()].filter(s => s.before >= earliest && s.before <= latest);
    const join = candidates.sort((a, b) => b.until - a.until || b.before - a.before)[0];
    if (join) {
        join.patterns.add(pattern);
        join.until = Math.max(join.until, until);
        return;
    }
    const before = Math.max(earliest, floorTo(latest, 60_000));
    mergeStatement(statements, { before, until, patterns: new Set([pattern]) });
}
function render(base, kept, legacy, statements) {
    const revocations = [...statements.values()].filter(s => s.patterns.size > 0).sort((a, b) => a.before - b.before).map(toPolicyStatement);
    const document = { ...base, Statement: [...kept, ...legacy, ...revocations] };
    const json = JSON.stringify(document);
    return { document, json, size: json.replace(/\s/g, '').length };
}
function checkKind(document, kind) {
    const allows = document.Statement.some(s => s.Effect === 'Allow');
    if (kind === 'boundary' && !allows) {
        throw new RevocationListError('the revocation policy has no Allow statement; as a permissions boundary it would deny everything. Add {"Effect":"Allow","Action":"*","Resource":"*"}');
    }
    if (kind === 'attached' && allows) {
        throw new RevocationListError('the revocation policy holds an Allow statement, but it is attached to the role, where an Allow grants access; remove the Allow statement (a revocation list attached to a role holds Deny statements only)');
    }
}
/**
 * The new default version: the base with expired statements dropped, every entry of the other versions
 * merged, and the session added. Returns undefined when the session does not fit in IAM's size limit
 * (the caller tries the next list); entries of other versions that do not fit are left to their owners.
 */
function buildRevocationList(input) {
    const { base, others, session, kind } = input;
    checkKind(base, kind);
    const now = input.now.getTime();
    const { statements, kept, legacy } = split(base);
    const pruned = [];
    const live = (s) => s.until + PRUNE_MARGIN_MS >= now;
    for (const [before, s] of statements) {
        if (!live(s)) {
            pruned.push(toPolicyStatement(s).Sid);
            statements.delete(before);
        }
    }
    const liveLegacy = legacy.filter(s => {
        const expired = fromDigits(LEGACY_SID.exec(sidOf(s))?.[1] ?? '') + PRUNE_MARGIN_MS < now;
        if (expired)
            pruned.push(sidOf(s));
        return !expired;
    });
    const own = cloneStatements(statements);
    if (session)
        addSession(own, session, now);
    const mine = render(base, kept, liveLegacy, own);
    if (mine.size > MAX_POLICY_CHARACTERS)
        return undefined;
    const merged = cloneStatements(own);
    let extra = 0;
    for (const other of others) {
        for (const s of split(other).statements.values()) {
            if (!live(s))
                continue;
            for (const p of s.patterns)
                if (!merged.get(s.before)?.patterns.has(p))
                    extra++;
            mergeStatement(merged, s);
        }
    }
    const all = render(base, kept, liveLegacy, merged);
    const chosen = all.size <= MAX_POLICY_CHARACTERS ? all : mine;
    return { ...chosen, pruned, leftOut: chosen === all ? 0 : extra };
}
function cloneStatements(statements) {
    return new Map([...statements].map(([k, s]) => [k, { ...s, patterns: new Set(s.patterns) }]));
}

;// CONCATENATED MODULE: ./src/aws/revocation-setup.ts
// Whether the revocation lists can bind the role's sessions, and only them (pure: what IAM said in,
// the kind of list or the fix out). Two set-ups are accepted:
// - one list that is the role's permissions boundary (it holds `Allow *`, which a boundary cannot grant);
// - deny-only lists attached to the role as managed policies, under a permissions boundary of the
//   role's own: whoever can write a list could put an Allow there, and the boundary caps what it grants.
// Either way each list belongs to this role alone: `*:<session name>` entries must not reach other roles.

/** An unconditional Allow of every action (or of all but some) on every resource (or all but some). */
function allowsEverything(document) {
    const statements = document?.Statement;
    const list = (Array.isArray(statements) ? statements : [statements]);
    const any = (value) => value === '*' || (Array.isArray(value) && value.includes('*'));
    return list.some(s => s?.Effect === 'Allow' && s.Condition === undefined &&
        ('NotAction' in s || any(s.Action)) && ('NotResource' in s || any(s.Resource)));
}
/** True when the lists are exactly the role's boundary: no need to ask which policies are attached. */
function isBoundaryList(lists, boundaryArn) {
    return lists.length === 1 && lists[0] === boundaryArn;
}
/** The kind of the lists, or the first problem found, as a sentence that says what to change. */
function checkRevocationSetup(role, lists) {
    const see = `See ${errors/* DOCS */.iT}revocation`;
    if (isBoundaryList(lists.map(l => l.arn), role.boundaryArn)) {
        const [list] = lists;
        if (list.attachmentCount > 0) {
            return { problem: `${list.arn} is attached as a permissions policy to ${list.attachmentCount} user(s), group(s) or role(s); it holds "Allow *", so it must only ever be used as a permissions boundary. Detach it. ${see}` };
        }
        if (list.boundaryUsageCount > 1) {
            return { problem: `${list.arn} is the permissions boundary of ${list.boundaryUsageCount} roles or users; a revocation list must belong to one role. Give each role a revocation list of its own. ${see}` };
        }
        return { kind: 'boundary' };
    }
    if (lists.some(l => l.arn === role.boundaryArn)) {
        return { problem: `revocation-policy-arn lists ${role.boundaryArn} (the role's permissions boundary) with other policies; the boundary can be the revocation list only on its own. Remove it from the list, or list only it. ${see}` };
    }
    if (role.boundaryArn === undefined) {
        const only = lists.length === 1 ? `${lists[0]?.arn} is not the permissions boundary of ${role.arn}, which has none` : `${role.arn} has no permissions boundary`;
        return { problem: `${only}. Either make the one revocation list the role's permissions boundary, or attach deny-only lists to a role whose permissions boundary caps what it may do (an Allow written into a list would otherwise grant it). ${see}` };
    }
    const attached = new Set(role.attachedArns ?? []);
    const missing = lists.filter(l => !attached.has(l.arn)).map(l => l.arn);
    if (missing.length > 0) {
        return { problem: `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} neither the permissions boundary of ${role.arn} (${role.boundaryArn}) nor attached to it: a deny list there would bind nothing. Attach ${missing.length === 1 ? 'it' : 'them'} to the role. ${see}` };
    }
    if (allowsEverything(role.boundaryDocument)) {
        return { problem: `the permissions boundary of ${role.arn} (${role.boundaryArn}) allows every action on every resource, so it caps nothing: an Allow written into a revocation list would grant it. Make the boundary list what the role may do. ${see}` };
    }
    const shared = lists.filter(l => l.attachmentCount !== 1 || l.boundaryUsageCount > 0);
    if (shared.length > 0) {
        return { problem: `${shared.map(l => l.arn).join(', ')} ${shared.length === 1 ? 'is' : 'are'} attached to other users, groups or roles too (or used as a boundary); a revocation list must belong to one role. Give each role lists of its own. ${see}` };
    }
    return { kind: 'attached' };
}

;// CONCATENATED MODULE: ./src/aws/revocation-writer.ts
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


/** A write is sent only from a listing this young. */
const LISTING_MAX_AGE_MS = 2000;
/** How stale an IAM read may be (IAM is eventually consistent; changes propagate within seconds). */
const PROPAGATION_MS = 2000;
/** No version created for this long: every writer that could have missed our entry has landed. */
const QUIET_MS = LISTING_MAX_AGE_MS + IAM_REQUEST_TIMEOUT_MS + 2 * PROPAGATION_MS;
/** While waiting for the quiet period, the list is read again this often. */
const RECHECK_MS = 3000;
class RevocationBusyError extends Error {
    constructor(message) {
        super(message);
        this.name = 'RevocationBusyError';
    }
}
async function writeSession(ops, session, kind, clock, contention, log) {
    const documents = new Map();
    let writes = 0;
    let setbacks = 0;
    for (let round = 1;; round++) {
        if (clock.elapsed() > clock.deadline) {
            throw new RevocationBusyError(`IAM stayed busy for the whole revocation budget (${round - 1} rounds, ${writes} writes, ${setbacks} setbacks)`);
        }
        const step = await attempt(ops, session, kind, clock, documents);
        if (step.kind === 'confirmed')
            return { status: 'confirmed', version: step.version, confirmedAt: clock.awsNow(), writes };
        if (step.kind === 'full')
            return { status: 'full' };
        if (step.kind === 'wrote') {
            writes++;
            continue;
        }
        if (step.kind === 'wait') {
            await clock.sleep(step.ms);
            continue;
        }
        const why = contention(step.error, step.call);
        if (why === undefined)
            throw step.error instanceof RevocationListError ? step.error : new ListCallError(step.call, step.error);
        setbacks++;
        const delay = Math.round(Math.random() * Math.min(1000, 50 * 2 ** Math.min(setbacks, 5)));
        log(`Revocation list busy (${why}); trying again in ${delay} ms.`);
        await clock.sleep(delay);
    }
}
async function attempt(ops, session, kind, clock, documents) {
    const listedAt = clock.elapsed();
    const listing = await readList(ops, documents);
    if ('setback' in listing)
        return listing.setback;
    const { versions, current, base, others } = listing;
    // Only a session not yet in force is written: the owners of the entries the default lacks write
    // their own, so writers do not queue for version slots to merge what others write anyway.
    if (listsSession(base, session)) {
        const newest = Math.max(...versions.map(v => v.created.getTime()));
        // CreateDate and Date are truncated to the second: one more second covers both.
        const quietFor = clock.awsNow().getTime() - newest - 1000;
        if (quietFor >= QUIET_MS)
            return { kind: 'confirmed', version: current.id };
        // Look again every few seconds while waiting: a racing writer may drop the entry, and writing it
        // again at once is quicker than finding out at the end of the wait.
        return { kind: 'wait', ms: Math.min(RECHECK_MS, QUIET_MS - quietFor) + Math.round(Math.random() * 250) };
    }
    const edit = buildRevocationList({ base, others, session, now: clock.awsNow(), kind });
    if (!edit)
        return { kind: 'full' };
    if (versions.length >= 5) {
        try {
            await ops.remove(versionToDelete(versions, current));
        }
        catch (error) {
            return { kind: 'setback', call: 'remove', error };
        }
    }
    if (clock.elapsed() - listedAt > LISTING_MAX_AGE_MS)
        return { kind: 'setback', call: 'list', error: new StaleListing() };
    try {
        documents.set(await ops.create(edit.json), edit.document);
    }
    catch (error) {
        return error instanceof ListFullError ? { kind: 'full' } : { kind: 'setback', call: 'create', error };
    }
    return { kind: 'wrote' };
}
async function readList(ops, documents) {
    let versions;
    try {
        versions = await ops.list();
    }
    catch (error) {
        return { setback: { kind: 'setback', call: 'list', error } };
    }
    const current = versions.find(v => v.isDefault);
    if (!current)
        return { setback: { kind: 'setback', call: 'list', error: new RevocationListError('the revocation policy has no default version') } };
    try {
        await Promise.all(versions.filter(v => !documents.has(v.id)).map(async (v) => {
            const document = await ops.read(v.id);
            if (document)
                documents.set(v.id, document);
        }));
    }
    catch (error) {
        return { setback: { kind: 'setback', call: 'read', error } };
    }
    const base = documents.get(current.id);
    if (!base)
        return { setback: { kind: 'setback', call: 'read', error: new VersionGone(current.id) } };
    // A version deleted since the listing: whoever deleted it merged it into the version it writes.
    const others = versions.filter(v => v !== current).flatMap(v => documents.get(v.id) ?? []);
    return { versions, current, base, others };
}
/**
 * One of the older non-default versions, at random: writers that make room at the same moment then
 * mostly free different slots instead of all deleting the same one. The newest non-default version
 * is kept: it is the one most likely to hold entries the default lacks.
 */
function versionToDelete(versions, current) {
    // CreateDate has whole seconds: ties go by the version number (v1, v2, ...).
    const number = (v) => Number(v.id.slice(1));
    const older = versions.filter(v => v !== current).sort((a, b) => a.created.getTime() - b.created.getTime() || number(a) - number(b));
    const choices = older.length > 1 ? older.slice(0, -1) : older;
    return choices[Math.floor(Math.random() * choices.length)].id;
}
/** The default version of a listing was gone when read: the listing is out of date. */
class VersionGone extends Error {
    constructor(versionId) {
        super(`version ${versionId} was deleted after the listing`);
        this.name = 'VersionGone';
    }
}
/** A call failed in a way that is not contention: the caller explains it. */
class ListCallError extends Error {
    call;
    error;
    constructor(call, error) {
        super(`${call} failed`, { cause: error });
        this.call = call;
        this.error = error;
        this.name = 'ListCallError';
    }
}
/** IAM refused the document for its size (its count differs from ours): the session goes to the next list. */
class ListFullError extends Error {
    constructor(message) {
        super(message);
        this.name = 'ListFullError';
    }
}
/** The listing is too old to write from: another writer may have written since. */
class StaleListing extends Error {
    constructor() {
        super('the listing was older than the write window');
        this.name = 'StaleListing';
    }
}

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-sts/dist-cjs/index.js
var client_sts_dist_cjs = __webpack_require__(1695);
;// CONCATENATED MODULE: ./src/aws/sts.ts
// Exchanges the verified OIDC token for a per-job credential with STS AssumeRoleWithWebIdentity.
// Retries only what can heal (throttling, 5xx, network, timeout) and turns AWS errors into fixes.



const STS_REQUEST_TIMEOUT_MS = 10_000;
const RETRYABLE_CODES = new Set([
    'Throttling',
    'ThrottlingException',
    'RequestLimitExceeded',
    'TooManyRequestsException',
    'IDPCommunicationError',
    'InternalFailure',
    'InternalError',
    'ServiceUnavailable',
    'TimeoutError',
    'RequestTimeout',
    'RequestTimeoutException'
]);
const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED']);
const ASSUMED_ROLE_ARN = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/.+$/;
function isRetryableAwsError(error) {
    if (error === null || typeof error !== 'object')
        return false;
    const e = error;
    if (e.Code && RETRYABLE_CODES.has(e.Code))
        return true;
    if (e.name && RETRYABLE_CODES.has(e.name))
        return true;
    if (e.code && RETRYABLE_NETWORK.has(e.code))
        return true;
    if (e.$retryable)
        return true;
    const status = e.$metadata?.httpStatusCode;
    return status !== undefined && (status >= 500 || status === 429);
}
async function assumeRoleWithWebIdentity(request) {
    // One SDK attempt per call: our loop retries, so a retry can carry a fresh OIDC token.
    const client = new client_sts_dist_cjs/* STSClient */.iM({
        region: request.region,
        maxAttempts: 1,
        requestHandler: { requestTimeout: STS_REQUEST_TIMEOUT_MS, connectionTimeout: STS_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true }
    });
    try {
        const response = await (0,retry/* withRetry */.bD)(async () => client.send(new client_sts_dist_cjs/* AssumeRoleWithWebIdentityCommand */.WH({
            RoleArn: request.roleArn,
            RoleSessionName: request.sessionName,
            WebIdentityToken: await request.getToken(),
            DurationSeconds: request.durationSeconds,
            Policy: request.sessionPolicy,
            PolicyArns: request.managedPolicyArns.length > 0 ? request.managedPolicyArns.map(arn => ({ arn })) : undefined
        })), {
            maxAttempts: request.maxAttempts,
            isRetryable: isRetryableAwsError,
            onRetry: (error, attempt, delay) => request.onRetry?.(`STS call failed (attempt ${attempt}, ${awsErrorCode(error)}); retrying in ${delay} ms`)
        });
        return toIssuedCredentials(response, request);
    }
    catch (error) {
        if (error instanceof errors/* ActionError */.lZ)
            throw error;
        throw new errors/* ActionError */.lZ('sts', explainStsError(error, request), { cause: error });
    }
    finally {
        client.destroy();
    }
}
function toIssuedCredentials(response, request) {
    const { roleArn } = request;
    const credentials = response.Credentials;
    const user = response.AssumedRoleUser;
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken || !credentials.Expiration || !user?.Arn || !user.AssumedRoleId) {
        throw new errors/* ActionError */.lZ('sts', 'STS answered without a complete credential (keys, expiration, assumed role); nothing was exported.');
    }
    const accountId = ASSUMED_ROLE_ARN.exec(user.Arn)?.[1];
    const roleAccountId = roleArn.split(':')[4];
    if (accountId === undefined || accountId !== roleAccountId) {
        throw new errors/* ActionError */.lZ('sts', `STS returned a session in account ${accountId ?? 'unknown'}, not the role's account ${roleAccountId}; nothing was exported.`);
    }
    return {
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretAccessKey,
        sessionToken: credentials.SessionToken,
        expiration: credentials.Expiration,
        issuedAt: new Date(credentials.Expiration.getTime() - request.durationSeconds * 1000),
        assumedRoleArn: user.Arn,
        assumedRoleId: user.AssumedRoleId,
        accountId
    };
}
/** The error code AWS sent (`InvalidIdentityToken`), not the SDK's class name (`…Exception`). */
function awsErrorCode(error) {
    const e = (error ?? {});
    // The SDK reports an unparseable answer as a plain Error; name it so it can be explained.
    if ((0,errors/* messageOf */.bD)(error).includes('XML parse error'))
        return 'XmlParseError';
    return e.Code ?? e.name ?? e.code ?? 'error';
}
/** What AWS said, and what the user should check to fix it. */
function explainStsError(error, request) {
    const code = awsErrorCode(error);
    const said = `STS ${code}: ${(0,errors/* oneLine */.TN)(error)}`;
    const account = request.roleArn.split(':')[4];
    switch (code) {
        case 'AccessDenied':
        case 'IDPRejectedClaim':
            return (`${said}\nThe role ${request.roleArn} does not trust this job. Check its trust policy: Principal.Federated must be the ` +
                `GitHub OIDC provider of account ${account}, and the conditions on token.actions.githubusercontent.com:aud and :sub ` +
                `must match this job's audience and sub (repo:OWNER/REPO:ref:..., or repo:OWNER/REPO:environment:NAME). See ${errors/* DOCS */.iT}iam-role-trust-policy`);
        case 'InvalidIdentityToken':
            return `${said}\nSTS could not validate the OIDC token: create the IAM OIDC identity provider for the issuer in account ${account}, with the audience as a client id. See ${errors/* DOCS */.iT}iam-role-trust-policy`;
        case 'ExpiredTokenException':
            return `${said}\nThe OIDC token expired before STS checked it; check the runner's clock and re-run the job.`;
        case 'PackedPolicyTooLarge':
            return `${said}\nThe session policy is too large once packed: use fewer scope lines (wildcards, merged rules) or fewer managed-session-policies.`;
        case 'MalformedPolicyDocument':
            return `${said}\nSTS rejected the session policy built from scopes: check the actions and resource ARNs in the scopes input.`;
        case 'ValidationError':
            return `${said}\nIf it concerns DurationSeconds: role-duration-seconds (${request.durationSeconds}) must not exceed the role's maximum session duration.`;
        case 'XmlParseError':
            return 'STS answered with something that is not an STS response; check AWS_ENDPOINT_URL_STS and any proxy between the runner and AWS. Nothing was exported.';
        case 'RegionDisabledException':
            return `${said}\nActivate STS in this region for the account, or choose another aws-region.`;
        default:
            return isRetryableAwsError(error) ? `${said}\nSTS did not answer successfully after the retry budget (retry-max-attempts); try again later.` : said;
    }
}

;// CONCATENATED MODULE: ./src/aws/deny-session.ts
// deny-session revocation, the IAM side: assume the revocation role with a fresh OIDC token, check
// that the lists bind the role's sessions and only them, then write the session into its list (the
// next one when full) and confirm it stays in force. Loaded only by the post step.









/** The post step's time for the whole revocation, from the revocation role's token to the confirmation. */
const REVOCATION_BUDGET_MS = 90_000;
/** STS attempts for the revocation role: a burst of post steps meets throttling, which is not failure. */
const STS_ATTEMPTS = 8;
/** Attempts of one read before the writer backs off and starts its round again. */
const READ_ATTEMPTS = 3;
/** Attempts of a set-up check: IAM throttling a burst of post steps is not a reason to give up. */
const CHECK_ATTEMPTS = 8;
/** The revocation role's session may only do this job: read the target role, edit the lists. */
function revocationSessionPolicy(policyArns, roleArn) {
    return JSON.stringify({
        Version: '2012-10-17',
        Statement: [
            {
                Effect: 'Allow',
                Action: ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:ListPolicyVersions', 'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion'],
                Resource: policyArns.length === 1 ? policyArns[0] : policyArns
            },
            { Effect: 'Allow', Action: ['iam:GetRole', 'iam:ListAttachedRolePolicies'], Resource: roleArn },
            // The role's boundary is known only once GetRole answers: reading it is allowed by the revocation
            // role's own policy, for that one ARN.
            { Effect: 'Allow', Action: ['iam:GetPolicy', 'iam:GetPolicyVersion'], Resource: `${roleArn.slice(0, roleArn.indexOf(':role/'))}:policy/*` }
        ]
    });
}
/** Fails with a message that says what to fix; the caller records it as a failed revocation. */
class RevocationError extends Error {
    constructor(message, options) {
        super(message, options);
        this.name = 'RevocationError';
    }
}
async function denySession(request) {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    const { session } = request;
    const credentials = await assumeRoleWithWebIdentity({
        region: request.region,
        roleArn: request.revocationRoleArn,
        sessionName: `jit-revoke-${(0,external_node_crypto_.randomBytes)(4).toString('hex')}-${session.session_name}`.slice(0, 64),
        durationSeconds: 900,
        sessionPolicy: revocationSessionPolicy(request.policyArns, session.role_arn),
        managedPolicyArns: [],
        maxAttempts: Math.max(request.maxAttempts, STS_ATTEMPTS),
        getToken: request.getToken,
        onRetry: request.log
    });
    request.onCredentials(credentials);
    const iam = revokerClient(request.region, credentials);
    try {
        const kind = await checkSetup(iam, request);
        return await writeToLists(iam, request, kind, elapsed);
    }
    finally {
        iam.client.destroy();
    }
}
/** A read, retried when IAM is throttling or failing; any error explained for the user. */
function reader(request) {
    return (what, operation, attempts = Math.max(request.maxAttempts, CHECK_ATTEMPTS)) => (0,retry/* withRetry */.bD)(operation, {
        maxAttempts: attempts,
        isRetryable: isRetryableAwsError,
        onRetry: (error, attempt, delay) => request.log(`IAM ${what} failed (attempt ${attempt}, ${awsErrorCode(error)}); retrying in ${delay} ms`),
        ...(request.sleep ? { sleep: request.sleep } : {})
    }).catch((error) => {
        throw new RevocationError(explainIamError(what, error, request), { cause: error });
    });
}
async function checkSetup(iam, request) {
    const read = reader(request);
    const roleArn = request.session.role_arn;
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    const [role, ...policies] = await Promise.all([
        read('GetRole', () => iam.client.send(new dist_cjs/* GetRoleCommand */.kbp({ RoleName: roleName }))),
        ...request.policyArns.map(arn => read('GetPolicy', () => iam.client.send(new dist_cjs/* GetPolicyCommand */.s4W({ PolicyArn: arn }))))
    ]);
    const boundaryArn = role.Role?.PermissionsBoundary?.PermissionsBoundaryArn;
    const attachedLists = !isBoundaryList(request.policyArns, boundaryArn);
    const [attachedArns, boundaryDocument] = await Promise.all([
        attachedLists ? listAttached(iam, roleName, read) : undefined,
        attachedLists && boundaryArn !== undefined && !request.policyArns.includes(boundaryArn) ? readDefaultVersion(iam, boundaryArn, read) : undefined
    ]);
    const lists = request.policyArns.map((arn, i) => ({
        arn,
        attachmentCount: policies[i]?.Policy?.AttachmentCount ?? 0,
        boundaryUsageCount: policies[i]?.Policy?.PermissionsBoundaryUsageCount ?? 0
    }));
    const verdict = checkRevocationSetup({ arn: roleArn, boundaryArn, attachedArns, boundaryDocument }, lists);
    if ('problem' in verdict)
        throw new RevocationError(verdict.problem);
    return verdict.kind;
}
/** What the boundary allows: with attached lists it must cap the role. */
async function readDefaultVersion(iam, policyArn, read) {
    const policy = await read('GetPolicy', () => iam.client.send(new dist_cjs/* GetPolicyCommand */.s4W({ PolicyArn: policyArn })));
    const version = await read('GetPolicyVersion', () => iam.client.send(new dist_cjs/* GetPolicyVersionCommand */.G45({ PolicyArn: policyArn, VersionId: policy.Policy?.DefaultVersionId })));
    return documentOf(version);
}
/** IAM returns policy documents URL-encoded (RFC 3986). */
const documentOf = (answer) => parsePolicyDocument(decodeURIComponent(answer.PolicyVersion?.Document ?? ''));
async function listAttached(iam, roleName, read) {
    const arns = [];
    let marker;
    do {
        const page = await read('ListAttachedRolePolicies', () => iam.client.send(new dist_cjs/* ListAttachedRolePoliciesCommand */.wfM({ RoleName: roleName, Marker: marker })));
        arns.push(...(page.AttachedPolicies ?? []).map(p => p.PolicyArn ?? ''));
        marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return arns;
}
async function writeToLists(iam, request, kind, elapsed) {
    const { session } = request;
    const revoked = { sessionName: session.session_name, issuedAt: new Date(session.issued_at), expiresAt: new Date(session.expires_at) };
    const clock = { awsNow: iam.awsNow, elapsed, sleep: request.sleep ?? retry/* sleep */.yy, deadline: REVOCATION_BUDGET_MS };
    const full = [];
    for (const index of listOrder(session.session_name, request.policyArns.length)) {
        const policyArn = request.policyArns[index];
        const result = await writeSession(listOperations(iam, policyArn, reader(request)), revoked, kind, clock, contention, request.log).catch((error) => {
            if (error instanceof RevocationBusyError)
                throw new RevocationError(`${error.message} on ${policyArn}. Other post steps kept writing it; add lists to revocation-policy-arn to spread them. See ${errors/* DOCS */.iT}revocation`);
            if (error instanceof RevocationListError)
                throw new RevocationError(`${policyArn}: ${error.message}`);
            if (error instanceof ListCallError) {
                if (error.error instanceof RevocationError)
                    throw error.error;
                throw new RevocationError(explainIamError(CALL_NAMES[error.call], error.error, request), { cause: error.error });
            }
            throw error;
        });
        if (result.status === 'confirmed')
            return { policyArn, version: result.version, revokedAt: result.confirmedAt, fullLists: full };
        request.log(`${policyArn} is full; trying the next revocation list.`);
        full.push(policyArn);
    }
    throw new RevocationError(`every revocation list is full (${full.join(', ')}): too many revoked sessions have not expired yet. ` +
        `Add lists to revocation-policy-arn (a role can have up to 10 attached, 20 with a quota increase), or shorten role-duration-seconds. See ${errors/* DOCS */.iT}revocation`);
}
function listOperations(iam, policyArn, read) {
    const send = iam.client.send.bind(iam.client);
    return {
        list: async () => {
            const answer = await read('ListPolicyVersions', () => send(new dist_cjs/* ListPolicyVersionsCommand */.D6R({ PolicyArn: policyArn })), READ_ATTEMPTS);
            return (answer.Versions ?? []).map(v => ({ id: v.VersionId ?? '', isDefault: v.IsDefaultVersion === true, created: v.CreateDate ?? new Date(0) }));
        },
        read: async (versionId) => {
            try {
                return documentOf(await send(new dist_cjs/* GetPolicyVersionCommand */.G45({ PolicyArn: policyArn, VersionId: versionId })));
            }
            catch (error) {
                if (awsErrorCode(error) === 'NoSuchEntity')
                    return undefined;
                throw error;
            }
        },
        create: async (document) => {
            try {
                const answer = await send(new dist_cjs/* CreatePolicyVersionCommand */.WZZ({ PolicyArn: policyArn, PolicyDocument: document, SetAsDefault: true }));
                if (!answer.PolicyVersion?.VersionId)
                    throw new RevocationError(`IAM did not say which version of ${policyArn} it created`);
                return answer.PolicyVersion.VersionId;
            }
            catch (error) {
                if (awsErrorCode(error) === 'LimitExceeded' && /PolicySize/i.test((0,errors/* oneLine */.TN)(error)))
                    throw new ListFullError((0,errors/* oneLine */.TN)(error));
                throw error;
            }
        },
        remove: async (versionId) => {
            try {
                await send(new dist_cjs/* DeletePolicyVersionCommand */.$Pb({ PolicyArn: policyArn, VersionId: versionId }));
            }
            catch (error) {
                if (awsErrorCode(error) !== 'NoSuchEntity')
                    throw error;
            }
        }
    };
}
const CALL_NAMES = { list: 'ListPolicyVersions', read: 'GetPolicyVersion', create: 'CreatePolicyVersion', remove: 'DeletePolicyVersion' };
/** Which failures are other writers at work (or IAM pacing them), to retry inside the budget. */
const contention = (error, call) => {
    if (error instanceof StaleListing)
        return 'the listing aged while writing';
    if (error instanceof VersionGone)
        return 'the default version changed while reading';
    if (error instanceof RevocationError && error.cause !== undefined)
        return contention(error.cause, call);
    const code = awsErrorCode(error);
    if (isRetryableAwsError(error))
        return `${call}: ${code}`;
    if (code === 'LimitExceeded' && call === 'create')
        return 'create: another writer took the free version slot';
    if (code === 'DeleteConflict')
        return 'remove: that version became the default';
    if (code === 'ConcurrentModification')
        return `${call}: concurrent modification`;
    return undefined;
};
function explainIamError(what, error, request) {
    const code = awsErrorCode(error);
    const said = `IAM ${what} ${code}: ${(0,errors/* oneLine */.TN)(error)}`;
    switch (code) {
        case 'AccessDenied':
            return `${said}. The revocation role ${request.revocationRoleArn} needs iam:GetRole and iam:ListAttachedRolePolicies on role-to-assume, iam:GetPolicy, GetPolicyVersion, ListPolicyVersions, CreatePolicyVersion and DeletePolicyVersion on each policy of revocation-policy-arn, and (with attached lists) iam:GetPolicy and GetPolicyVersion on role-to-assume's permissions boundary. See ${errors/* DOCS */.iT}revocation`;
        case 'NoSuchEntity':
            return `${said}. Check that revocation-policy-arn names existing policies in the role's account, and role-to-assume an existing role.`;
        default:
            return isRetryableAwsError(error) ? `${said}. IAM did not answer successfully within the retries.` : said;
    }
}


/***/ }),

/***/ 9809:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   bD: () => (/* binding */ withRetry),
/* harmony export */   yy: () => (/* binding */ sleep)
/* harmony export */ });
/* unused harmony export backoffDelay */
const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms));
/** Delay before the retry that follows `attempt`: uniform in [0, min(max, base * 2^(attempt-1))]. */
function backoffDelay(attempt, baseDelayMs = 200, maxDelayMs = 5000, random = Math.random) {
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return Math.round(random() * ceiling);
}
async function withRetry(operation, options) {
    const wait = options.sleep ?? sleep;
    for (let attempt = 1;; attempt++) {
        try {
            return await operation(attempt);
        }
        catch (error) {
            if (attempt >= options.maxAttempts || !options.isRetryable(error))
                throw error;
            const delay = backoffDelay(attempt, options.baseDelayMs, options.maxDelayMs);
            options.onRetry?.(error, attempt, delay);
            await wait(delay);
        }
    }
}


/***/ })

};

//# sourceMappingURL=826.index.js.map