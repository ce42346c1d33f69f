// src/http-get.ts: the GET behind the token request, discovery and JWKS (node:http/https, not fetch).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { HttpGetError, httpGet } from '../src/http-get.js'

let server: http.Server
let base = ''
const seen: Array<{ url: string, headers: http.IncomingHttpHeaders }> = []

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers })
    const send = (status: number, body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(body)
    }
    switch (req.url) {
      case '/ok': return send(200, '{"value":"é"}')
      case '/big': return send(200, 'x'.repeat(5000))
      case '/error': return send(500, `{"message":"broken"}${' '.repeat(5000)}`)
      case '/redirect': return send(302, '', { location: `${base}/ok` })
      case '/hang': return undefined // never answers
      default: return send(404, '')
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>(resolve => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
})

const failure = (promise: Promise<unknown>): Promise<HttpGetError> =>
  promise.then(
    () => { throw new Error('expected a failure') },
    (error: unknown) => {
      expect(error).toBeInstanceOf(HttpGetError)
      return error as HttpGetError
    }
  )

describe('httpGet', () => {
  it('returns the status and the body of a 2xx answer, with the headers it was given', async () => {
    expect(await httpGet(`${base}/ok`, { headers: { authorization: 'Bearer b' }, maxBytes: 100 })).toEqual({ status: 200, body: '{"value":"é"}' })
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer b')
  })

  it('refuses a 2xx body over maxBytes', async () => {
    const error = await failure(httpGet(`${base}/big`, { maxBytes: 4096 }))
    expect(error.kind).toBe('too-large')
    expect((await httpGet(`${base}/big`, { maxBytes: 5000 })).body).toHaveLength(5000)
  })

  it('returns other statuses with at most the first KiB of their body', async () => {
    const response = await httpGet(`${base}/error`, { maxBytes: 100_000 })
    expect(response.status).toBe(500)
    expect(response.body).toHaveLength(1024)
    expect(response.body.startsWith('{"message":"broken"}')).toBe(true)
  })

  it('does not follow redirects', async () => {
    const before = seen.length
    expect((await httpGet(`${base}/redirect`, { maxBytes: 100 })).status).toBe(302)
    expect(seen.slice(before).map(s => s.url)).toEqual(['/redirect'])
  })

  it('gives up on a server that does not answer within the deadline', async () => {
    expect((await failure(httpGet(`${base}/hang`, { maxBytes: 100, timeoutMs: 50 }))).kind).toBe('timeout')
  })

  it('reports a refused connection and a URL that is not http(s) as network errors', async () => {
    const closed = http.createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>(resolve => closed.close(() => resolve()))
    expect((await failure(httpGet(`http://127.0.0.1:${port}/`, { maxBytes: 100 }))).kind).toBe('network')
    expect((await failure(httpGet('file:///etc/passwd', { maxBytes: 100 }))).kind).toBe('network')
  })
})
