// dry-run: verify and decide for real, print the plan, issue nothing.
import { describe, expect, it } from '@jest/globals'
import { baseInputs, expectJobClean, newJob, readable, ROLE_ARN, runtimes, useFixtures } from '../helpers/e2e.js'

describe.each(runtimes())('dry-run on %s', (_name, node) => {
  const fixtures = useFixtures()

  it('prints session name, session policy, lifetime and decision; calls no STS', async () => {
    const job = newJob(fixtures, node)
    const main = await job.main({ ...baseInputs(fixtures), 'dry-run': true, 'role-duration-seconds': 1200, scopes: 's3:GetObject arn:aws:s3:::a/*\n* *' })
    expect(main.errors).toEqual([])
    expect(main.code).toBe(0)
    expect(fixtures.sts.requests).toEqual([])
    expect(main.env).toEqual({})
    expect(main.outputs.decision).toBe('allow')
    const sessionName = main.outputs['role-session-name'] ?? ''
    expect(sessionName).toMatch(/^gh-7654321098-1-[0-9a-f]{8}$/)
    expect(main.log).toContain('Dry run: the policy allows this job; nothing was issued.')
    expect(main.log).toContain(`role:          ${ROLE_ARN}`)
    expect(main.log).toContain(`session name:  ${sessionName}`)
    expect(main.log).toContain('lifetime:      1200 s (ceiling 3600 s)')
    expect(main.log).toContain('allow: repository "octo-org/octo-app" matched "octo-org/octo-app"')
    // `* *` collapses the session policy to the role's full permissions, and says so.
    expect(main.warnings.map(w => w.message)).toEqual(['A `* *` scope gives the credential all of the role\'s permissions.'])
    expect(main.log).toMatch(/"Action": "\*",\n\s+"Resource": "\*"/)

    const post = await job.post()
    const events = post.auditEvents()
    expect(events.map(e => e.event)).toEqual(['request', 'decision', 'revoke'])
    expect(events[2]).toMatchObject({ method: 'skipped', status: 'skipped' })
    expect(readable(post.summary)).toContain('## jit-credentials: allowed, nothing issued')
    expect(readable(post.summary)).toContain('Full access')
    expectJobClean(job)
  })
})
