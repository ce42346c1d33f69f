// `npm run demo`: the whole lifecycle on this machine, no AWS account and no network beyond 127.0.0.1.
// Starts the local OIDC issuer and STS endpoint the e2e tests use, runs the bundled dist/main then
// dist/post exactly as a runner would for two jobs (an allowed deploy whose session the post step
// revokes with deny-session, and a pull_request_target run the default policy denies), and prints what
// the runner log, the audit log, the job summary and the revocation list that got the entry show. The
// account is set up as docs/iam-setup.md recommends: 8 revocation lists attached to the job role, which
// has a permissions boundary of its own.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startOidcIssuer } from '../__tests__/fixtures/oidc-issuer.js'
import { startStsServer } from '../__tests__/fixtures/aws-sts.js'
import { JOB_ROLE, jobSessions, revocationInputs, setUpRevocationAccount } from '../__tests__/helpers/revocation-lists.js'
import { createJob, readActionDefaults, type InputValues, type StepResult } from '../__tests__/helpers/run-action.js'
import { readable } from '../__tests__/helpers/runner-protocol.js'

// Compiled to build/demo/scripts/demo.js; the project root is three levels up.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const bold = (text: string): string => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text)
const indent = (text: string): string => text.trimEnd().split('\n').map(line => `    ${line}`).join('\n')

function printStep(result: StepResult): void {
  console.log(bold(`  ${result.step} step: exit code ${result.code}`))
  // the log as the runner shows it: commands handled, masked values as ***
  if (result.log.trim() !== '') console.log(indent(result.log))
  const shown = (value: string): string => (value === '' ? '(empty)' : result.masks.includes(value) ? '***' : value)
  for (const [name, value] of Object.entries(result.env)) console.log(`    GITHUB_ENV  ${name}=${shown(value)}`)
  for (const [name, value] of Object.entries(result.outputs)) console.log(`    output      ${name}=${value}`)
}

async function main(): Promise<void> {
  const issuer = await startOidcIssuer()
  const sts = await startStsServer({ issuerUrl: issuer.issuer })
  const defaults = readActionDefaults(path.join(root, 'action.yml')).defaults
  const distDir = path.join(root, 'dist')
  const account = setUpRevocationAccount(sts, { attachedLists: 8 })
  const inputs: InputValues = {
    'role-to-assume': JOB_ROLE,
    'aws-region': 'eu-west-1',
    'allowed-repositories': 'octo-org/octo-app',
    'allowed-refs': 'refs/heads/main',
    scopes: 's3:GetObject,s3:PutObject arn:aws:s3:::octo-artifacts/*\ncloudfront:CreateInvalidation *',
    ...revocationInputs(account),
    'token-issuer': issuer.issuer
  }

  console.log(bold('The workflow step (token-issuer points at the local issuer for this demo):'))
  console.log('    - uses: jit-credentials/jit-credentials@v0')
  console.log('      with:')
  for (const [name, value] of Object.entries(inputs)) {
    const text = String(value)
    console.log(text.includes('\n') ? `        ${name}: |\n${text.split('\n').map(l => `          ${l}`).join('\n')}` : `        ${name}: ${text}`)
  }

  const jobs: Array<{ title: string, event: string }> = [
    { title: 'Job 1: a push to main of octo-org/octo-app', event: 'push' },
    { title: 'Job 2: the same workflow on pull_request_target (denied by default)', event: 'pull_request_target' }
  ]
  let listed: string | undefined
  try {
    for (const { title, event } of jobs) {
      issuer.setClaims({ event_name: event })
      const job = createJob({ issuer, sts, defaults, distDir })
      try {
        console.log(`\n${bold(title)}`)
        printStep(await job.main(inputs))
        const post = await job.post({ timeoutMs: 60_000 })
        printStep(post)
        const revoke = post.auditEvents().filter(e => e.event === 'revoke').at(-1)
        if (revoke?.status === 'revoked') {
          listed = String(revoke.policy_arn)
          console.log(`    (the post step took ${(post.durationMs / 1000).toFixed(1)} s: by design it reports revoked only once no version of the list has been created for 10 s)`)
        }
        console.log(bold(`\n  Audit log (${post.paths.audit}):`))
        for (const event of post.auditEvents()) console.log(indent(JSON.stringify(event)))
        console.log(bold('\n  Job summary:'))
        console.log(indent(readable(post.summary)))
      } finally {
        job.cleanup()
      }
    }
    if (listed === undefined) throw new Error('no post step reported revoked')
    const versions = sts.iam.policyVersions(listed)
    const unchanged = account.lists.filter(arn => arn !== listed && sts.iam.policyVersions(arn).length === 1).length
    console.log(bold(`\nThe list that got the entry, chosen by a hash of the session name (${listed}, default version ${versions.find(v => v.isDefault)?.versionId ?? '?'}):`))
    console.log(indent(JSON.stringify(sts.iam.defaultDocument(listed), null, 2)))
    console.log(`${unchanged} of the other ${account.lists.length - 1} lists are unchanged (their placeholder only).`)
    const denied = jobSessions(sts).filter(s => account.denies(s)).map(s => s.sessionName)
    console.log(`Sessions of ${JOB_ROLE} that its policies now deny: ${denied.join(', ') || 'none'} (of ${jobSessions(sts).length} issued).`)
    console.log(`\nSTS requests served on ${sts.url}: ${sts.requests.length}; credentials issued: ${sts.issued.length}; IAM requests: ${sts.iam.requests.length}.`)
  } finally {
    await Promise.all([issuer.stop(), sts.stop()])
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
