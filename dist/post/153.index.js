export const id = 153;
export const ids = [153];
export const modules = {

/***/ 9153:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  denySession: () => (/* binding */ denySession)
});

// UNUSED EXPORTS: RevocationError, revocationSessionPolicy

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-iam/dist-cjs/index.js
var dist_cjs = __webpack_require__(6764);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/retry.ts
var retry = __webpack_require__(9809);
// EXTERNAL MODULE: ./src/aws/revocation.ts
var revocation = __webpack_require__(2513);
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
        return toIssuedCredentials(response, request.roleArn);
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
function toIssuedCredentials(response, roleArn) {
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

;// CONCATENATED MODULE: ./src/aws/iam.ts
// deny-session revocation, the IAM side (DESIGN §5): with the revocation role's own credential, check
// that the revocation policy really is role-to-assume's permissions boundary and nothing else, add the
// session to it as a new default version, and read it back. Loaded only by the post step.






/** IAM keeps at most this many versions of a managed policy. */
const MAX_POLICY_VERSIONS = 5;
/** Rounds of read → write → read back when other post steps write the same policy at the same time. */
const MAX_WRITE_ROUNDS = 5;
/** The revocation role's session may only do this job: read the target role, edit the one policy. */
function revocationSessionPolicy(policyArn, roleArn) {
    return JSON.stringify({
        Version: '2012-10-17',
        Statement: [
            {
                Effect: 'Allow',
                Action: ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:ListPolicyVersions', 'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion'],
                Resource: policyArn
            },
            { Effect: 'Allow', Action: 'iam:GetRole', Resource: roleArn }
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
    const now = request.now ?? (() => new Date());
    const { session, policyArn } = request;
    const credentials = await assumeRoleWithWebIdentity({
        region: request.region,
        roleArn: request.revocationRoleArn,
        sessionName: `jit-revoke-${(0,external_node_crypto_.randomBytes)(4).toString('hex')}-${session.session_name}`.slice(0, 64),
        durationSeconds: 900,
        sessionPolicy: revocationSessionPolicy(policyArn, session.role_arn),
        managedPolicyArns: [],
        maxAttempts: request.maxAttempts,
        getToken: request.getToken,
        onRetry: request.log
    });
    request.onCredentials(credentials);
    const client = new dist_cjs/* IAMClient */.h8v({
        region: request.region,
        maxAttempts: 1,
        credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
        requestHandler: { requestTimeout: STS_REQUEST_TIMEOUT_MS, connectionTimeout: STS_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true }
    });
    const call = (what, operation) => (0,retry/* withRetry */.bD)(operation, {
        maxAttempts: request.maxAttempts,
        isRetryable: isRetryableAwsError,
        onRetry: (error, attempt, delay) => request.log(`IAM ${what} failed (attempt ${attempt}, ${(0,errors/* oneLine */.TN)(error)}); retrying in ${delay} ms`),
        ...(request.sleep ? { sleep: request.sleep } : {})
    }).catch((error) => {
        throw error instanceof RevocationError ? error : new RevocationError(explainIamError(what, error, request), { cause: error });
    });
    try {
        // Listing the versions is read-only: start it with the checks, one round trip sooner.
        const versions = listVersions(client, call, policyArn);
        versions.catch(() => undefined);
        await checkBoundary(client, call, session.role_arn, policyArn);
        return await writeRevocation(client, call, request, now, versions);
    }
    finally {
        client.destroy();
    }
}
async function listVersions(client, call, policyArn) {
    return (await call('ListPolicyVersions', () => client.send(new dist_cjs/* ListPolicyVersionsCommand */.D6R({ PolicyArn: policyArn })))).Versions ?? [];
}
/** The list binds only if it is the role's permissions boundary, and is safe only if it is nothing else. */
async function checkBoundary(client, call, roleArn, policyArn) {
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    const [role, policy] = await Promise.all([
        call('GetRole', () => client.send(new dist_cjs/* GetRoleCommand */.kbp({ RoleName: roleName }))),
        call('GetPolicy', () => client.send(new dist_cjs/* GetPolicyCommand */.s4W({ PolicyArn: policyArn })))
    ]);
    const boundary = role.Role?.PermissionsBoundary?.PermissionsBoundaryArn;
    if (boundary !== policyArn) {
        throw new RevocationError(`${policyArn} is not the permissions boundary of ${roleArn} (its boundary is ${boundary ?? 'not set'}): a deny list there would bind nothing. ` +
            `Set the role's permissions boundary to the revocation policy. See ${errors/* DOCS */.iT}revocation`);
    }
    const attachments = policy.Policy?.AttachmentCount ?? 0;
    if (attachments > 0) {
        throw new RevocationError(`${policyArn} is attached as a permissions policy to ${attachments} user(s), group(s) or role(s); it holds "Allow *", so it must only ever be used as a permissions boundary. Detach it. See ${errors/* DOCS */.iT}revocation`);
    }
}
/**
 * Read the default version, add the session, write it as the new default, read back. IAM has no
 * conditional write: when another post step wrote at the same time, merge what its version listed
 * and write again, until a round sees no concurrent writer and the default lists the session.
 */
async function writeRevocation(client, call, request, now, firstListing) {
    const { session, policyArn } = request;
    const userId = session.assumed_role_id;
    const revoked = { userId, expiresAt: new Date(session.expires_at) };
    const readVersion = async (versionId) => {
        const response = await call('GetPolicyVersion', () => client.send(new dist_cjs/* GetPolicyVersionCommand */.G45({ PolicyArn: policyArn, VersionId: versionId })));
        // IAM returns documents URL-encoded (RFC 3986).
        return (0,revocation/* parsePolicyDocument */.X)(decodeURIComponent(response.PolicyVersion?.Document ?? ''));
    };
    const defaultOf = (versions) => {
        const id = versions.find(v => v.IsDefaultVersion)?.VersionId;
        if (!id)
            throw new RevocationError(`${policyArn} has no default version`);
        return id;
    };
    let concurrent = [];
    for (let round = 1; round <= MAX_WRITE_ROUNDS; round++) {
        const before = round === 1 ? await firstListing : await listVersions(client, call, policyArn);
        const edit = (0,revocation/* addRevocation */.WK)(await readVersion(defaultOf(before)), revoked, now(), concurrent);
        if (!edit.changed && (0,revocation/* listsSession */.Uq)(edit.document, userId)) {
            return { version: defaultOf(before), revokedAt: now() };
        }
        if (before.length >= MAX_POLICY_VERSIONS) {
            // CreateDate has whole seconds: break ties by the version number (v1, v2, ...).
            const number = (v) => Number(v.VersionId?.slice(1) ?? 0);
            const oldest = before
                .filter(v => !v.IsDefaultVersion)
                .sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0) || number(a) - number(b))[0];
            if (oldest?.VersionId) {
                await call('DeletePolicyVersion', () => client.send(new dist_cjs/* DeletePolicyVersionCommand */.$Pb({ PolicyArn: policyArn, VersionId: oldest.VersionId })));
            }
        }
        const created = await call('CreatePolicyVersion', () => client.send(new dist_cjs/* CreatePolicyVersionCommand */.WZZ({ PolicyArn: policyArn, PolicyDocument: edit.json, SetAsDefault: true })));
        const version = created.PolicyVersion?.VersionId;
        if (!version)
            throw new RevocationError(`IAM did not say which version of ${policyArn} it created`);
        // What IAM now enforces, read back while checking for writers that raced with this one.
        const [after, written] = await Promise.all([listVersions(client, call, policyArn), readVersion(version)]);
        const known = new Set(before.map(v => v.VersionId));
        const others = after.filter(v => v.VersionId && !known.has(v.VersionId) && v.VersionId !== version).map(v => v.VersionId);
        const current = defaultOf(after);
        if (others.length === 0 && current === version) {
            if ((0,revocation/* listsSession */.Uq)(written, userId))
                return { version, revokedAt: now() };
            throw new RevocationError(`${policyArn} version ${version} does not list ${userId} when read back`);
        }
        request.log(`Another writer changed ${policyArn} at the same time (versions ${[...others, current].join(', ')}); merging and writing again.`);
        concurrent = await Promise.all(others.map(readVersion));
        await (request.sleep ?? retry/* sleep */.yy)(Math.round(Math.random() * 200 * round));
    }
    throw new RevocationError(`${policyArn} kept changing under concurrent writers; gave up after ${MAX_WRITE_ROUNDS} rounds`);
}
function explainIamError(what, error, request) {
    const code = awsErrorCode(error);
    const said = `IAM ${what} ${code}: ${(0,errors/* oneLine */.TN)(error)}`;
    switch (code) {
        case 'AccessDenied':
            return `${said}. The revocation role ${request.revocationRoleArn} needs iam:GetRole on role-to-assume and iam:GetPolicy, GetPolicyVersion, ListPolicyVersions, CreatePolicyVersion and DeletePolicyVersion on ${request.policyArn}. See ${errors/* DOCS */.iT}revocation`;
        case 'NoSuchEntity':
            return `${said}. Check revocation-policy-arn and role-to-assume.`;
        case 'LimitExceeded':
            return `${said}. The revocation list is full or has too many versions; shorten role-duration-seconds so entries expire sooner.`;
        default:
            return isRetryableAwsError(error) ? `${said}. IAM did not answer successfully within retry-max-attempts.` : said;
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

//# sourceMappingURL=153.index.js.map