import { afterEach, describe, it, expect, jest } from '@jest/globals'
import { backoffDelay, sleep, withRetry } from '../src/retry.js'

class Transient extends Error {}
class Fatal extends Error {}

const isRetryable = (error: unknown): boolean => error instanceof Transient

/** An operation that fails with the given errors in turn, then returns `result`. */
function failing<T>(errors: Error[], result: T) {
  const calls: number[] = []
  const operation = async (attempt: number): Promise<T> => {
    calls.push(attempt)
    const error = errors[calls.length - 1]
    if (error) throw error
    return result
  }
  return { operation, calls }
}

function recordingSleep() {
  const waits: number[] = []
  const sleep = async (ms: number): Promise<void> => {
    waits.push(ms)
  }
  return { sleep, waits }
}

describe('backoffDelay', () => {
  it('grows exponentially from the base delay', () => {
    const top = () => 1
    expect([1, 2, 3, 4, 5].map(attempt => backoffDelay(attempt, 200, 100000, top))).toEqual([200, 400, 800, 1600, 3200])
  })

  it('is capped at the maximum delay', () => {
    expect(backoffDelay(5, 200, 1000, () => 1)).toBe(1000)
    expect(backoffDelay(60, 200, 5000, () => 1)).toBe(5000)
  })

  it('uses full jitter: anywhere from 0 up to the ceiling', () => {
    expect(backoffDelay(3, 200, 5000, () => 0)).toBe(0)
    expect(backoffDelay(3, 200, 5000, () => 0.5)).toBe(400)
    expect(backoffDelay(3, 200, 5000, () => 0.25)).toBe(200)
  })

  it('defaults to a 200 ms base and a 5 s cap', () => {
    expect(backoffDelay(1, undefined, undefined, () => 1)).toBe(200)
    expect(backoffDelay(10, undefined, undefined, () => 1)).toBe(5000)
  })

  it('stays within bounds for Math.random', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelay(attempt)
        expect(Number.isInteger(delay)).toBe(true)
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThanOrEqual(Math.min(5000, 200 * 2 ** (attempt - 1)))
      }
    }
  })
})

describe('withRetry', () => {
  it('returns the first success without waiting', async () => {
    const { operation, calls } = failing([], 'ok')
    const { sleep, waits } = recordingSleep()
    await expect(withRetry(operation, { maxAttempts: 3, isRetryable, sleep })).resolves.toBe('ok')
    expect(calls).toEqual([1])
    expect(waits).toEqual([])
  })

  it('retries retryable errors and passes the attempt number', async () => {
    const { operation, calls } = failing([new Transient('throttled'), new Transient('503')], 'ok')
    const { sleep, waits } = recordingSleep()
    await expect(withRetry(operation, { maxAttempts: 3, isRetryable, sleep })).resolves.toBe('ok')
    expect(calls).toEqual([1, 2, 3])
    expect(waits).toHaveLength(2)
  })

  it('gives up after maxAttempts and throws the last error', async () => {
    const last = new Transient('still throttled')
    const { operation, calls } = failing([new Transient('a'), new Transient('b'), last, new Transient('never')], 'ok')
    const { sleep, waits } = recordingSleep()
    await expect(withRetry(operation, { maxAttempts: 3, isRetryable, sleep })).rejects.toBe(last)
    expect(calls).toEqual([1, 2, 3])
    expect(waits).toHaveLength(2)
  })

  it('never retries an error that is not retryable', async () => {
    const fatal = new Fatal('AccessDenied')
    const { operation, calls } = failing([fatal], 'ok')
    const { sleep, waits } = recordingSleep()
    await expect(withRetry(operation, { maxAttempts: 5, isRetryable, sleep })).rejects.toBe(fatal)
    expect(calls).toEqual([1])
    expect(waits).toEqual([])
  })

  it('stops at a non-retryable error that follows retryable ones', async () => {
    const fatal = new Fatal('InvalidIdentityToken')
    const { operation, calls } = failing([new Transient('throttled'), fatal], 'ok')
    const { sleep } = recordingSleep()
    await expect(withRetry(operation, { maxAttempts: 5, isRetryable, sleep })).rejects.toBe(fatal)
    expect(calls).toEqual([1, 2])
  })

  it('makes a single attempt when maxAttempts is 1', async () => {
    const error = new Transient('throttled')
    const { operation, calls } = failing([error], 'ok')
    const { sleep, waits } = recordingSleep()
    await expect(withRetry(operation, { maxAttempts: 1, isRetryable, sleep })).rejects.toBe(error)
    expect(calls).toEqual([1])
    expect(waits).toEqual([])
  })

  it('asks isRetryable about each failure except the last allowed attempt', async () => {
    const errors = [new Transient('a'), new Transient('b')]
    const seen: unknown[] = []
    const { operation } = failing(errors, 'ok')
    const { sleep } = recordingSleep()
    const asking = (error: unknown): boolean => {
      seen.push(error)
      return isRetryable(error)
    }
    await expect(withRetry(operation, { maxAttempts: 2, isRetryable: asking, sleep })).rejects.toBe(errors[1])
    expect(seen).toEqual([errors[0]])
  })

  it('reports each retry with the failed attempt and the delay it then waits', async () => {
    const errors = [new Transient('a'), new Transient('b')]
    const { operation } = failing(errors, 'ok')
    const { sleep, waits } = recordingSleep()
    const retries: Array<[unknown, number, number]> = []
    // The jitter at its top: each delay is its ceiling, from the configured base and cap.
    jest.spyOn(Math, 'random').mockReturnValue(1)
    try {
      await withRetry(operation, {
        maxAttempts: 3,
        isRetryable,
        sleep,
        baseDelayMs: 100,
        maxDelayMs: 150,
        onRetry: (error, attempt, delay) => retries.push([error, attempt, delay])
      })
    } finally {
      jest.restoreAllMocks()
    }
    expect(retries.map(([error, attempt]) => [error, attempt])).toEqual([
      [errors[0], 1],
      [errors[1], 2]
    ])
    // attempt 1 waits up to the base, 100 ms; attempt 2 up to 200 ms, capped at 150 ms
    expect(waits).toEqual([100, 150])
    expect(retries.map(([, , delay]) => delay)).toEqual(waits)
  })

  it('uses the real sleep by default, driven here by fake timers', async () => {
    jest.useFakeTimers()
    try {
      const { operation, calls } = failing([new Transient('a')], 'ok')
      const result = withRetry(operation, { maxAttempts: 2, isRetryable, baseDelayMs: 1000, maxDelayMs: 1000 })
      await jest.advanceTimersByTimeAsync(1000)
      await expect(result).resolves.toBe('ok')
      expect(calls).toEqual([1, 2])
    } finally {
      jest.useRealTimers()
    }
  })
})

describe('sleep', () => {
  afterEach(() => {
    jest.useRealTimers()
  })

  it('resolves only once its time has passed', async () => {
    jest.useFakeTimers()
    let done = false
    const waiting = sleep(500).then(() => {
      done = true
    })
    await jest.advanceTimersByTimeAsync(499)
    expect(done).toBe(false)
    await jest.advanceTimersByTimeAsync(1)
    await waiting
    expect(done).toBe(true)
  })
})
