// Whether the revocation lists can bind the role's sessions, and only them (pure: what IAM said in,
// the kind of list or the fix out). Two set-ups are accepted:
// - one list that is the role's permissions boundary (it holds `Allow *`, which a boundary cannot grant);
// - deny-only lists attached to the role as managed policies, under a permissions boundary of the
//   role's own: whoever can write a list could put an Allow there, and the boundary caps what it grants.
// Either way each list belongs to this role alone: `*:<session name>` entries must not reach other roles.
import { DOCS } from '../errors.js'
import type { ListKind } from './revocation-list.js'

export interface ListFacts {
  arn: string
  /** Users, groups and roles it is attached to as a permissions policy. */
  attachmentCount: number
  /** Roles and users it is the permissions boundary of. */
  boundaryUsageCount: number
}

export interface RoleFacts {
  arn: string
  boundaryArn: string | undefined
  /** The boundary's default version, read only for attached lists (it must cap the role). */
  boundaryDocument?: unknown
  /** Managed policies attached to the role; undefined when not asked (a single boundary list). */
  attachedArns: string[] | undefined
}

/** An unconditional Allow of every action (or of all but some) on every resource (or all but some). */
export function allowsEverything(document: unknown): boolean {
  const statements = (document as { Statement?: unknown } | undefined)?.Statement
  const list = (Array.isArray(statements) ? statements : [statements]) as Array<Record<string, unknown> | null | undefined>
  const any = (value: unknown): boolean => value === '*' || (Array.isArray(value) && value.includes('*'))
  return list.some(s =>
    s?.Effect === 'Allow' && s.Condition === undefined &&
    ('NotAction' in s || any(s.Action)) && ('NotResource' in s || any(s.Resource)))
}

/** True when the lists are exactly the role's boundary: no need to ask which policies are attached. */
export function isBoundaryList(lists: string[], boundaryArn: string | undefined): boolean {
  return lists.length === 1 && lists[0] === boundaryArn
}

/** The kind of the lists, or the first problem found, as a sentence that says what to change. */
export function checkRevocationSetup(role: RoleFacts, lists: ListFacts[]): { kind: ListKind } | { problem: string } {
  const see = `See ${DOCS}revocation`
  if (isBoundaryList(lists.map(l => l.arn), role.boundaryArn)) {
    const [list] = lists as [ListFacts]
    if (list.attachmentCount > 0) {
      return { problem: `${list.arn} is attached as a permissions policy to ${list.attachmentCount} user(s), group(s) or role(s); it holds "Allow *", so it must only ever be used as a permissions boundary. Detach it. ${see}` }
    }
    if (list.boundaryUsageCount > 1) {
      return { problem: `${list.arn} is the permissions boundary of ${list.boundaryUsageCount} roles or users; a revocation list must belong to one role. Give each role a revocation list of its own. ${see}` }
    }
    return { kind: 'boundary' }
  }
  if (lists.some(l => l.arn === role.boundaryArn)) {
    return { problem: `revocation-policy-arn lists ${role.boundaryArn} (the role's permissions boundary) with other policies; the boundary can be the revocation list only on its own. Remove it from the list, or list only it. ${see}` }
  }
  if (role.boundaryArn === undefined) {
    const only = lists.length === 1 ? `${lists[0]?.arn} is not the permissions boundary of ${role.arn}, which has none` : `${role.arn} has no permissions boundary`
    return { problem: `${only}. Either make the one revocation list the role's permissions boundary, or attach deny-only lists to a role whose permissions boundary caps what it may do (an Allow written into a list would otherwise grant it). ${see}` }
  }
  const attached = new Set(role.attachedArns ?? [])
  const missing = lists.filter(l => !attached.has(l.arn)).map(l => l.arn)
  if (missing.length > 0) {
    return { problem: `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} neither the permissions boundary of ${role.arn} (${role.boundaryArn}) nor attached to it: a deny list there would bind nothing. Attach ${missing.length === 1 ? 'it' : 'them'} to the role. ${see}` }
  }
  if (allowsEverything(role.boundaryDocument)) {
    return { problem: `the permissions boundary of ${role.arn} (${role.boundaryArn}) allows every action on every resource, so it caps nothing: an Allow written into a revocation list would grant it. Make the boundary list what the role may do. ${see}` }
  }
  const shared = lists.filter(l => l.attachmentCount !== 1 || l.boundaryUsageCount > 0)
  if (shared.length > 0) {
    return { problem: `${shared.map(l => l.arn).join(', ')} ${shared.length === 1 ? 'is' : 'are'} attached to other users, groups or roles too (or used as a boundary); a revocation list must belong to one role. Give each role lists of its own. ${see}` }
  }
  return { kind: 'attached' }
}
