// One HTTP(S) GET with a deadline and a size cap, on node:http/node:https. Not fetch: its undici is
// loaded on first use, ~10 ms of CPU right before the first request of the main step.
import http from 'node:http'
import https from 'node:https'

/** Each request (token, discovery, JWKS) must be answered within this. */
export const REQUEST_TIMEOUT_MS = 10_000

export interface GetResponse {
  status: number
  /** The body of a 2xx answer; of any other, at most its first KiB (enough for an error message). */
  body: string
}

export class HttpGetError extends Error {
  constructor(message: string, readonly kind: 'network' | 'timeout' | 'too-large', options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'HttpGetError'
  }
}

/** GETs `url` (http or https only; redirects are not followed: a 3xx is returned as it is). */
export function httpGet(url: string, options: { headers?: Record<string, string>, timeoutMs?: number, maxBytes: number }): Promise<GetResponse> {
  return new Promise((resolve, reject) => {
    let settled = false
    const settle = (outcome: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      outcome()
    }
    const target = new URL(url)
    const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined
    if (!client) {
      reject(new HttpGetError(`${url} is not an http(s) URL`, 'network'))
      return
    }
    const request = client.get(target, { headers: options.headers ?? {} }, (response) => {
      const status = response.statusCode ?? 0
      const ok = status >= 200 && status <= 299
      const limit = ok ? options.maxBytes : Math.min(options.maxBytes, 1024)
      const chunks: Buffer[] = []
      let size = 0
      response.on('data', (chunk: Buffer) => {
        if (size + chunk.length > limit) {
          if (ok) {
            settle(() => reject(new HttpGetError(`${url} returned more than ${options.maxBytes} bytes`, 'too-large')))
            request.destroy()
            return
          }
          chunk = chunk.subarray(0, Math.max(0, limit - size))
        }
        size += chunk.length
        chunks.push(chunk)
      })
      response.on('end', () => settle(() => resolve({ status, body: Buffer.concat(chunks).toString('utf8') })))
      response.on('error', (error) => settle(() => reject(new HttpGetError(error.message, 'network', { cause: error }))))
    })
    request.on('error', (error) => settle(() => reject(new HttpGetError(error.message, 'network', { cause: error }))))
    const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS
    const timer = setTimeout(() => {
      settle(() => reject(new HttpGetError(`no answer within ${timeoutMs / 1000} s`, 'timeout')))
      request.destroy()
    }, timeoutMs)
  })
}
