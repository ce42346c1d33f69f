export const id = 974;
export const ids = [974];
export const modules = {

/***/ 974:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  requestIdToken: () => (/* binding */ requestIdToken)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 20 modules
var core = __webpack_require__(3218);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
;// CONCATENATED MODULE: ./src/http-get.ts
// One HTTP(S) GET with a deadline and a size cap, on node:http/node:https. Not fetch: its undici is
// loaded on first use, ~10 ms of CPU right before the first request of the main step.


/** Each request (token, discovery, JWKS) must be answered within this. */
const REQUEST_TIMEOUT_MS = 10_000;
class HttpGetError extends Error {
    kind;
    constructor(message, kind, options) {
        super(message, options);
        this.kind = kind;
        this.name = 'HttpGetError';
    }
}
/** GETs `url` (http or https only; redirects are not followed: a 3xx is returned as it is). */
function httpGet(url, options) {
    return new Promise((resolve, reject) => {
        let settled = false;
        const settle = (outcome) => {
            if (settled)
                return;
            settled = true;
            clearTimeout(timer);
            outcome();
        };
        const target = new URL(url);
        const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
        if (!client) {
            reject(new HttpGetError(`${url} is not an http(s) URL`, 'network'));
            return;
        }
        const request = client.get(target, { headers: options.headers ?? {} }, (response) => {
            const status = response.statusCode ?? 0;
            const ok = status >= 200 && status <= 299;
            const limit = ok ? options.maxBytes : Math.min(options.maxBytes, 1024);
            const chunks = [];
            let size = 0;
            response.on('data', (chunk) => {
                if (size + chunk.length > limit) {
                    if (ok) {
                        settle(() => reject(new HttpGetError(`${url} returned more than ${options.maxBytes} bytes`, 'too-large')));
                        request.destroy();
                        return;
                    }
                    chunk = chunk.subarray(0, Math.max(0, limit - size));
                }
                size += chunk.length;
                chunks.push(chunk);
            });
            response.on('end', () => settle(() => resolve({ status, body: Buffer.concat(chunks).toString('utf8') })));
            response.on('error', (error) => settle(() => reject(new HttpGetError(error.message, 'network', { cause: error }))));
        });
        request.on('error', (error) => settle(() => reject(new HttpGetError(error.message, 'network', { cause: error }))));
        const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
        const timer = setTimeout(() => {
            settle(() => reject(new HttpGetError(`no answer within ${timeoutMs / 1000} s`, 'timeout')));
            request.destroy();
        }, timeoutMs);
    });
}

// EXTERNAL MODULE: ./src/retry.ts
var retry = __webpack_require__(9809);
;// CONCATENATED MODULE: ./src/id-token.ts
// The job's OIDC token, through the Actions toolkit (`core.getIDToken` masks it before returning).
// Apart from oidc.ts so the post step, which needs a fresh token but verifies none, does not bundle jose.




const PERMISSION_FIX = 'The job has no OIDC token to request. Add this to the workflow (job or top level):\n' +
    '  permissions:\n' +
    '    id-token: write\n' +
    '    contents: read\n' +
    `Tokens are never given to pull requests from forks. See ${errors/* DOCS */.iT}permissions`;
/** Requests the job's OIDC token for `audience`, retrying what can heal. */
async function requestIdToken(audience, maxAttempts) {
    if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
        throw new errors/* ActionError */.lZ('oidc', PERMISSION_FIX);
    }
    try {
        return await (0,retry/* withRetry */.bD)(() => withTimeout(core/* getIDToken */.V9(audience), 'the OIDC token request'), {
            maxAttempts,
            isRetryable: isRetryableTokenError,
            onRetry: (error, attempt, delay) => core/* info */.pq(`OIDC token request failed (attempt ${attempt}): ${(0,errors/* oneLine */.TN)(error)}; retrying in ${delay} ms`)
        });
    }
    catch (error) {
        throw new errors/* ActionError */.lZ('oidc', `Could not get the job's OIDC token: ${(0,errors/* oneLine */.TN)(error)}`, { cause: error });
    }
}
/** `core.getIDToken` reports the HTTP status only inside its message; 4xx other than 429 will not heal. */
function isRetryableTokenError(error) {
    const status = /Error Code : (\d+)/.exec((0,errors/* messageOf */.bD)(error))?.[1];
    if (status === undefined || status === 'undefined')
        return true;
    return status === '429' || Number(status) >= 500;
}
async function withTimeout(promise, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${REQUEST_TIMEOUT_MS / 1000} s`)), REQUEST_TIMEOUT_MS);
    });
    try {
        return await Promise.race([promise, timeout]);
    }
    finally {
        clearTimeout(timer);
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

//# sourceMappingURL=974.index.js.map