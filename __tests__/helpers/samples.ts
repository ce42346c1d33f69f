// Sample data shared by the unit tests: verified claims, the policy tests' job and policy, the audit's
// job block, an issued session, and an AWS environment that can only reach the local fixtures.
import type { JobInfo } from '../../src/audit.js'
import type { GitHubClaims } from '../../src/claims.js'
import type { PolicyConfig } from '../../src/policy.js'
import type { IssuedSession } from '../../src/state.js'

export function sampleClaims(overrides: Partial<GitHubClaims> = {}): GitHubClaims {
  return {
    iss: 'https://token.actions.githubusercontent.com',
    aud: 'sts.amazonaws.com',
    sub: 'repo:octo-org/octo-app:ref:refs/heads/main',
    jti: 'jti-1',
    iat: 1700000000,
    exp: 1700000300,
    repository: 'octo-org/octo-app',
    repository_id: '123456',
    repository_owner: 'octo-org',
    repository_owner_id: '42',
    ref: 'refs/heads/main',
    run_id: '99',
    run_attempt: '1',
    event_name: 'push',
    ...overrides
  }
}

/** The reusable workflow the policy tests' job runs (its job_workflow_ref). */
export const SAMPLE_WORKFLOW = 'org/infra/.github/workflows/deploy.yml@refs/heads/main'

/** Claims of the policy tests' job: in org/app, in the production environment, running SAMPLE_WORKFLOW. */
export function policyClaims(overrides: Partial<GitHubClaims> = {}): GitHubClaims {
  return sampleClaims({
    sub: 'repo:org/app:ref:refs/heads/main',
    repository: 'org/app',
    repository_owner: 'org',
    environment: 'production',
    job_workflow_ref: SAMPLE_WORKFLOW,
    ...overrides
  })
}

/** A policy allowing org/app and leaving every other rule unset. */
export function samplePolicy(overrides: Partial<PolicyConfig> = {}): PolicyConfig {
  return {
    repositories: ['org/app'],
    repositoryIds: [],
    refs: [],
    environments: [],
    events: [],
    workflows: [],
    accountIds: [],
    ...overrides
  }
}

export function sampleJob(overrides: Partial<JobInfo> = {}): JobInfo {
  return {
    repository: 'octo-org/octo-app',
    repository_id: '123456',
    run_id: '99',
    run_attempt: '1',
    job: 'deploy',
    workflow_ref: null,
    job_workflow_ref: null,
    ref: 'refs/heads/main',
    sha: null,
    actor: 'octocat',
    event_name: 'push',
    environment: null,
    runner_environment: 'github-hosted',
    source: 'claims',
    ...overrides
  }
}

export const SAMPLE_SESSION: IssuedSession = {
  role_arn: 'arn:aws:iam::123456789012:role/deploy',
  session_name: 'gh-99-1-0123abcd',
  assumed_role_arn: 'arn:aws:sts::123456789012:assumed-role/deploy/gh-99-1-0123abcd',
  assumed_role_id: 'AROAFAKEFAKEFAKE:gh-99-1-0123abcd',
  account_id: '123456789012',
  issued_at: '2026-01-01T10:00:00.000Z',
  expires_at: '2026-01-01T10:15:00.000Z'
}

/**
 * Clears every AWS_* variable and points the SDK's profile files at nothing (no ambient identity,
 * no instance metadata), plus `extra`. Returns a function that restores the environment.
 */
export function isolateAwsEnvironment(extra: Record<string, string> = {}): () => void {
  const saved = { ...process.env }
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key]
  Object.assign(process.env, {
    AWS_CONFIG_FILE: '/nonexistent/jit-credentials-test/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/jit-credentials-test/credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra
  })
  return () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
    Object.assign(process.env, saved)
  }
}
