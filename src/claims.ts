// The verified claims of a GitHub Actions OIDC token that this action reads.
// Only claims from a token whose signature, issuer, audience and times were verified ever reach here.

/** How far the runner's clock may be from the issuer's and AWS's: the token check allows as much. */
export const CLOCK_TOLERANCE_S = 60

export interface GitHubClaims {
  iss: string
  aud: string | string[]
  sub: string
  jti: string
  iat: number
  exp: number
  nbf?: number
  repository: string
  repository_id: string
  repository_owner: string
  repository_owner_id: string
  ref: string
  ref_type?: string
  sha?: string
  run_id: string
  run_attempt: string
  run_number?: string
  event_name: string
  environment?: string
  workflow?: string
  workflow_ref?: string
  job_workflow_ref?: string
  actor?: string
  actor_id?: string
  runner_environment?: string
}
