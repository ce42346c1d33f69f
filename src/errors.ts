// A failure the user can act on: `stage` says where the lifecycle stopped, the message says what to fix.
export type Stage = 'inputs' | 'oidc' | 'policy' | 'sts' | 'export' | 'state' | 'audit' | 'revoke'

export class ActionError extends Error {
  constructor(
    readonly stage: Stage,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.name = 'ActionError'
  }
}

/** Where a README section explains the fix; error texts point there. */
export const DOCS = 'https://github.com/jit-credentials/jit-credentials#'

/** The message of anything thrown, without its stack (stacks are for bugs, not for users). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The message on one line (the toolkit's and the SDK's messages can span several). */
export function oneLine(error: unknown): string {
  return messageOf(error).replace(/\s+/g, ' ').trim()
}
