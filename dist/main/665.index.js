export const id = 665;
export const ids = [665];
export const modules = {

/***/ 8665:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   STS_REQUEST_TIMEOUT_MS: () => (/* binding */ STS_REQUEST_TIMEOUT_MS),
/* harmony export */   assumeRoleWithWebIdentity: () => (/* binding */ assumeRoleWithWebIdentity),
/* harmony export */   awsErrorCode: () => (/* binding */ awsErrorCode),
/* harmony export */   explainStsError: () => (/* binding */ explainStsError),
/* harmony export */   isRetryableAwsError: () => (/* binding */ isRetryableAwsError)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_sts__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1695);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3916);
/* harmony import */ var _retry_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9809);
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
    const client = new _aws_sdk_client_sts__WEBPACK_IMPORTED_MODULE_1__/* .STSClient */ .iM({
        region: request.region,
        maxAttempts: 1,
        requestHandler: { requestTimeout: STS_REQUEST_TIMEOUT_MS, connectionTimeout: STS_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true }
    });
    try {
        const response = await (0,_retry_js__WEBPACK_IMPORTED_MODULE_2__/* .withRetry */ .bD)(async () => client.send(new _aws_sdk_client_sts__WEBPACK_IMPORTED_MODULE_1__/* .AssumeRoleWithWebIdentityCommand */ .WH({
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
        if (error instanceof _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionError */ .lZ)
            throw error;
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionError */ .lZ('sts', explainStsError(error, request), { cause: error });
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
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionError */ .lZ('sts', 'STS answered without a complete credential (keys, expiration, assumed role); nothing was exported.');
    }
    const accountId = ASSUMED_ROLE_ARN.exec(user.Arn)?.[1];
    const roleAccountId = roleArn.split(':')[4];
    if (accountId === undefined || accountId !== roleAccountId) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ActionError */ .lZ('sts', `STS returned a session in account ${accountId ?? 'unknown'}, not the role's account ${roleAccountId}; nothing was exported.`);
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
    if ((0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .messageOf */ .bD)(error).includes('XML parse error'))
        return 'XmlParseError';
    return e.Code ?? e.name ?? e.code ?? 'error';
}
/** What AWS said, and what the user should check to fix it. */
function explainStsError(error, request) {
    const code = awsErrorCode(error);
    const said = `STS ${code}: ${(0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .oneLine */ .TN)(error)}`;
    const account = request.roleArn.split(':')[4];
    switch (code) {
        case 'AccessDenied':
        case 'IDPRejectedClaim':
            return (`${said}\nThe role ${request.roleArn} does not trust this job. Check its trust policy: Principal.Federated must be the ` +
                `GitHub OIDC provider of account ${account}, and the conditions on token.actions.githubusercontent.com:aud and :sub ` +
                `must match this job's audience and sub (repo:OWNER/REPO:ref:..., or repo:OWNER/REPO:environment:NAME). See ${_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .DOCS */ .iT}iam-role-trust-policy`);
        case 'InvalidIdentityToken':
            return `${said}\nSTS could not validate the OIDC token: create the IAM OIDC identity provider for the issuer in account ${account}, with the audience as a client id. See ${_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .DOCS */ .iT}iam-role-trust-policy`;
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


/***/ })

};

//# sourceMappingURL=665.index.js.map