// Which set-ups of revocation lists bind the role's sessions, and only them: a pure check of what IAM said.
import { describe, expect, it } from '@jest/globals'
import { allowsEverything, checkRevocationSetup, isBoundaryList, type ListFacts, type RoleFacts } from '../src/aws/revocation-setup.js'

const ROLE = 'arn:aws:iam::123456789012:role/deploy'
const BOUNDARY = 'arn:aws:iam::123456789012:policy/deploy-boundary'
const LIST = (n: number): string => `arn:aws:iam::123456789012:policy/jit-revocations-${n}`
const SEE = 'See https://github.com/jit-credentials/jit-credentials#revocation'
const list = (arn: string, attachmentCount = 1, boundaryUsageCount = 0): ListFacts => ({ arn, attachmentCount, boundaryUsageCount })
const role = (boundaryArn: string | undefined, attachedArns?: string[]): RoleFacts => ({ arn: ROLE, boundaryArn, attachedArns })

describe('isBoundaryList', () => {
  it('is true only for exactly the role\'s boundary', () => {
    expect(isBoundaryList([BOUNDARY], BOUNDARY)).toBe(true)
    expect(isBoundaryList([BOUNDARY, LIST(1)], BOUNDARY)).toBe(false)
    expect(isBoundaryList([LIST(1)], BOUNDARY)).toBe(false)
    expect(isBoundaryList([LIST(1)], undefined)).toBe(false)
  })
})

describe('allowsEverything', () => {
  const doc = (...statements: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement: statements })
  it.each([
    ['Allow * on *', doc({ Effect: 'Allow', Action: '*', Resource: '*' }), true],
    ['* among other actions and resources', doc({ Effect: 'Allow', Action: ['s3:*', '*'], Resource: ['arn:aws:s3:::a', '*'] }), true],
    ['NotAction on *', doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }), true],
    ['* on NotResource', doc({ Effect: 'Allow', Action: '*', NotResource: 'arn:aws:s3:::secret' }), true],
    ['a single statement object', { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }, true],
    ['service wildcards only', doc({ Effect: 'Allow', Action: ['s3:*', 'cloudfront:CreateInvalidation'], Resource: '*' }), false],
    ['* on some resources', doc({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::artifacts/*' }), false],
    ['* under a condition', doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }), false],
    ['a Deny of everything', doc({ Effect: 'Deny', Action: '*', Resource: '*' }), false],
    ['no document', undefined, false]
  ])('%s: %s', (_what, document, expected) => {
    expect(allowsEverything(document)).toBe(expected)
  })
})

describe('checkRevocationSetup', () => {
  it('accepts the role\'s own boundary as the one list', () => {
    expect(checkRevocationSetup(role(BOUNDARY), [list(BOUNDARY, 0, 1)])).toEqual({ kind: 'boundary' })
  })

  it('refuses a boundary list that is also attached somewhere (its Allow * would grant)', () => {
    expect(checkRevocationSetup(role(BOUNDARY), [list(BOUNDARY, 2, 1)])).toEqual({
      problem: `${BOUNDARY} is attached as a permissions policy to 2 user(s), group(s) or role(s); it holds "Allow *", so it must only ever be used as a permissions boundary. Detach it. ${SEE}`
    })
  })

  it('refuses a boundary list shared by several roles (its entries would reach them)', () => {
    expect(checkRevocationSetup(role(BOUNDARY), [list(BOUNDARY, 0, 3)])).toEqual({
      problem: `${BOUNDARY} is the permissions boundary of 3 roles or users; a revocation list must belong to one role. Give each role a revocation list of its own. ${SEE}`
    })
  })

  it('accepts deny-only lists attached to the role under a boundary of its own', () => {
    expect(checkRevocationSetup(role(BOUNDARY, [LIST(1), 'arn:aws:iam::aws:policy/ReadOnlyAccess', LIST(2)]), [list(LIST(1)), list(LIST(2))])).toEqual({ kind: 'attached' })
  })

  it('refuses attached lists under a boundary that allows everything (it caps nothing)', () => {
    const uncapped = { Version: '2012-10-17', Statement: [{ Sid: 'AllowAll', Effect: 'Allow', Action: '*', Resource: '*' }] }
    expect(checkRevocationSetup({ ...role(BOUNDARY, [LIST(1)]), boundaryDocument: uncapped }, [list(LIST(1))])).toEqual({
      problem: `the permissions boundary of ${ROLE} (${BOUNDARY}) allows every action on every resource, so it caps nothing: an Allow written into a revocation list would grant it. Make the boundary list what the role may do. ${SEE}`
    })
    const capped = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }
    expect(checkRevocationSetup({ ...role(BOUNDARY, [LIST(1)]), boundaryDocument: capped }, [list(LIST(1))])).toEqual({ kind: 'attached' })
  })

  it('refuses attached lists on a role without a boundary (an Allow written there would be uncapped)', () => {
    expect(checkRevocationSetup(role(undefined, [LIST(1), LIST(2)]), [list(LIST(1)), list(LIST(2))])).toEqual({
      problem: `${ROLE} has no permissions boundary. Either make the one revocation list the role's permissions boundary, or attach deny-only lists to a role whose permissions boundary caps what it may do (an Allow written into a list would otherwise grant it). ${SEE}`
    })
  })

  it('says so when a single list is neither the boundary nor usable as an attached list', () => {
    expect(checkRevocationSetup(role(undefined, []), [list(LIST(1), 0)])).toMatchObject({
      problem: expect.stringMatching(new RegExp(`^${LIST(1)} is not the permissions boundary of ${ROLE}, which has none\\.`)) as unknown
    })
  })

  it('refuses the boundary listed together with other lists', () => {
    expect(checkRevocationSetup(role(BOUNDARY, [LIST(1)]), [list(BOUNDARY, 0, 1), list(LIST(1))])).toEqual({
      problem: `revocation-policy-arn lists ${BOUNDARY} (the role's permissions boundary) with other policies; the boundary can be the revocation list only on its own. Remove it from the list, or list only it. ${SEE}`
    })
  })

  it('names the lists that are not attached to the role', () => {
    expect(checkRevocationSetup(role(BOUNDARY, [LIST(1)]), [list(LIST(1)), list(LIST(2), 0), list(LIST(3), 0)])).toEqual({
      problem: `${LIST(2)}, ${LIST(3)} are neither the permissions boundary of ${ROLE} (${BOUNDARY}) nor attached to it: a deny list there would bind nothing. Attach them to the role. ${SEE}`
    })
  })

  it.each([
    ['attached to another principal too', list(LIST(2), 2, 0)],
    ['the boundary of another role', list(LIST(2), 1, 1)]
  ])('refuses a list %s', (_what, shared) => {
    expect(checkRevocationSetup(role(BOUNDARY, [LIST(1), LIST(2)]), [list(LIST(1)), shared])).toEqual({
      problem: `${LIST(2)} is attached to other users, groups or roles too (or used as a boundary); a revocation list must belong to one role. Give each role lists of its own. ${SEE}`
    })
  })
})
