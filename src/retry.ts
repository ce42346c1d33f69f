// Bounded retries with exponential backoff and full jitter, for throttling and transient failures.
export interface RetryOptions {
  maxAttempts: number
  isRetryable: (error: unknown) => boolean
  /** Called before each wait; `attempt` is the attempt that just failed (1-based). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void
  baseDelayMs?: number
  maxDelayMs?: number
  sleep?: (ms: number) => Promise<void>
}

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Delay before the retry that follows `attempt`: uniform in [0, min(max, base * 2^(attempt-1))]. */
export function backoffDelay(attempt: number, baseDelayMs = 200, maxDelayMs = 5000, random = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))
  return Math.round(random() * ceiling)
}

export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const wait = options.sleep ?? sleep
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt)
    } catch (error) {
      if (attempt >= options.maxAttempts || !options.isRetryable(error)) throw error
      const delay = backoffDelay(attempt, options.baseDelayMs, options.maxDelayMs)
      options.onRetry?.(error, attempt, delay)
      await wait(delay)
    }
  }
}
