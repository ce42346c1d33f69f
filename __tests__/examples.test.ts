// The IAM examples (examples/) and docs/iam-setup.md must stay in step with the action's code: every
// policy document is one IAM would accept, the revocation lists start as the action expects, the
// revocation role may do exactly what the post step's session policy asks for, and the workflow passes
// only inputs action.yml declares, with values the action accepts.
import { describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { revocationSessionPolicy } from '../src/aws/deny-session.js'
import { buildRevocationList, listsSession, parsePolicyDocument } from '../src/aws/revocation-list.js'
import { type ListFacts, checkRevocationSetup } from '../src/aws/revocation-setup.js'
import { parseInputs, parseList } from '../src/inputs.js'
import { checkPolicyDocument } from './fixtures/aws-iam.js'
import { PLACEHOLDER } from './helpers/revocation-lists.js'
import { repoRoot } from './helpers/run-action.js'

// js-yaml ships no types: the little of its API used here.
interface YamlType { readonly tag: string }
interface YamlSchema { extend(types: YamlType[]): YamlSchema }
interface JsYaml {
  Type: new (tag: string, options: { kind: 'scalar' | 'sequence' | 'mapping', construct: (data: unknown) => unknown }) => YamlType
  DEFAULT_SCHEMA: YamlSchema
  load(text: string, options?: { schema: YamlSchema }): unknown
}
const yaml = createRequire(import.meta.url)('js-yaml') as JsYaml

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

const read = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8')
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value)
const asList = (value: Json | undefined): Json[] => (value === undefined ? [] : Array.isArray(value) ? value : [value])
const obj = (value: Json | undefined, what: string): JsonObject => {
  if (!isObject(value)) throw new Error(`${what} is not an object`)
  return value
}
const strings = (value: Json | undefined, what: string): string[] =>
  asList(value).map(v => {
    if (typeof v !== 'string') throw new Error(`${what} holds a non-string: ${JSON.stringify(v)}`)
    return v
  })

// ---- the sample account and repository the examples are checked with ---------------------------

const ACCOUNT = '123456789012'
const OWNER_ID = '1234567'
const REPO_ID = '123456789'
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`
const EXISTING_PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/existing.example`
const LIST_COUNT = 8
const LIST_ARNS = Array.from({ length: LIST_COUNT }, (_, i) => `arn:aws:iam::${ACCOUNT}:policy/octo-app-jit-revocations-${i + 1}`)
const JOB_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/octo-app-deploy`
const REVOKER_ARN = `arn:aws:iam::${ACCOUNT}:role/octo-app-jit-revoker`
const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/octo-app-deploy-boundary`
const SUBJECTS = [
  'repo:octo-org/octo-app:environment:production',
  `repo:octo-org@${OWNER_ID}/octo-app@${REPO_ID}:environment:production`
]
const PLACEHOLDER_DOCUMENT = { Version: '2012-10-17', Statement: [PLACEHOLDER] }

// ---- policy checks shared by both templates and the guide --------------------------------------

/** A trust policy of either role: the GitHub provider, sts:AssumeRoleWithWebIdentity, aud and both sub forms. */
function checkTrustPolicy(document: JsonObject, provider: string): void {
  const statements = asList(document.Statement).map(s => obj(s, 'trust statement'))
  expect(statements).toHaveLength(1)
  const [statement] = statements as [JsonObject]
  expect(statement.Effect).toBe('Allow')
  expect(statement.Principal).toEqual({ Federated: provider })
  expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity')
  // Only aud and sub: AWS supports no other GitHub claim as a condition key.
  expect(statement.Condition).toEqual({
    StringEquals: {
      'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
      'token.actions.githubusercontent.com:sub': SUBJECTS
    }
  })
  // A trust policy names a Principal and no Resource; checkPolicyDocument parses identity policies,
  // so it sees the rest of the statement with the Principal in the place of a Resource.
  expect('Resource' in statement || 'NotResource' in statement || 'NotPrincipal' in statement).toBe(false)
  const { Principal: _principal, ...rest } = statement
  checkPolicyDocument(JSON.stringify({ ...document, Statement: [{ ...rest, Resource: '*' }] }))
}

/** Every action on every resource an all-Allow policy grants, as `action resource`. */
function grants(document: JsonObject): string[] {
  const pairs = new Set<string>()
  for (const s of asList(document.Statement).map(s => obj(s, 'statement'))) {
    expect(Object.keys(s).filter(k => !['Sid', 'Effect', 'Action', 'Resource'].includes(k))).toEqual([])
    expect(s.Effect).toBe('Allow')
    for (const action of strings(s.Action, 'Action')) for (const resource of strings(s.Resource, 'Resource')) pairs.add(`${action} ${resource}`)
  }
  return [...pairs].sort()
}

/**
 * What the revocation role must grant: what the post step's session policy asks for, with its reads of
 * any policy of the account (the boundary is unknown when the session starts) narrowed to the boundary.
 */
function sessionGrants(lists: string[], role: string): string[] {
  const asked = grants(JSON.parse(revocationSessionPolicy(lists, role)) as JsonObject)
  const anyPolicy = `arn:aws:iam::${ACCOUNT}:policy/*`
  expect(asked).toEqual(expect.arrayContaining([`iam:GetPolicy ${anyPolicy}`, `iam:GetPolicyVersion ${anyPolicy}`]))
  return [...asked.filter(pair => !pair.endsWith(` ${anyPolicy}`)), `iam:GetPolicy ${BOUNDARY_ARN}`, `iam:GetPolicyVersion ${BOUNDARY_ARN}`].sort()
}

/** The job role's boundary caps it: Allow statements only, no `*`, no IAM or STS, named resources. */
function checkCappingBoundary(document: JsonObject): void {
  checkPolicyDocument(JSON.stringify(document))
  for (const pair of grants(document)) {
    const [action = '', resource = ''] = pair.split(' ')
    expect({ action, capped: action !== '*' && !/^(iam|sts):/i.test(action) }).toEqual({ action, capped: true })
    expect({ resource, named: resource !== '*' }).toEqual({ resource, named: true })
  }
}

/** The action accepts the placeholder as an attached list, and writes a document IAM accepts. */
function checkListDocument(document: JsonObject): void {
  expect(document).toEqual(PLACEHOLDER_DOCUMENT)
  checkPolicyDocument(JSON.stringify(document))
  expect(asList(document.Statement).filter(s => obj(s, 'statement').Effect === 'Allow')).toEqual([])
  const session = { sessionName: 'gh-12345678901-1-0c7f3780', issuedAt: new Date('2026-11-23T10:00:05Z'), expiresAt: new Date('2026-11-23T10:15:05Z') }
  const edit = buildRevocationList({ base: parsePolicyDocument(JSON.stringify(document)), others: [], session, now: new Date('2026-11-23T10:02:13Z'), kind: 'attached' })
  if (!edit) throw new Error('the placeholder list has no room for one session')
  checkPolicyDocument(edit.json)
  expect(listsSession(edit.document, session)).toBe(true)
}

// ---- CloudFormation ----------------------------------------------------------------------------

const CFN_TAGS: Array<[string, Array<'scalar' | 'sequence' | 'mapping'>]> = [
  ['Ref', ['scalar']], ['Condition', ['scalar']], ['Sub', ['scalar', 'sequence']], ['GetAtt', ['scalar', 'sequence']],
  ['Join', ['sequence']], ['If', ['sequence']], ['Equals', ['sequence']], ['Not', ['sequence']], ['And', ['sequence']],
  ['Or', ['sequence']], ['Select', ['sequence']], ['Split', ['sequence']], ['FindInMap', ['sequence']],
  ['Base64', ['scalar', 'mapping']], ['GetAZs', ['scalar']], ['ImportValue', ['scalar', 'mapping']], ['Cidr', ['sequence']]
]
const cfnSchema = yaml.DEFAULT_SCHEMA.extend(CFN_TAGS.flatMap(([name, kinds]) => kinds.map(kind => new yaml.Type(`!${name}`, {
  kind,
  construct: data => {
    if (name === 'Ref' || name === 'Condition') return { [name]: data }
    if (name === 'GetAtt' && typeof data === 'string') return { 'Fn::GetAtt': data.split('.') }
    return { [`Fn::${name}`]: data }
  }
}))))

const template = obj(yaml.load(read('examples/cloudformation/jit-credentials.yaml'), { schema: cfnSchema }) as Json, 'template')
const parameters = obj(template.Parameters, 'Parameters')
const resources = obj(template.Resources, 'Resources')
const resource = (name: string): JsonObject => obj(resources[name], `resource ${name}`)
const properties = (name: string): JsonObject => obj(resource(name).Properties, `${name}.Properties`)
const resourcesOfType = (type: string): string[] => Object.keys(resources).filter(name => resource(name).Type === type)

/** Intrinsic functions resolved as CloudFormation would, for the sample account and parameters. */
function resolver(overrides: Record<string, string>) {
  const parameter = (name: string): Json => {
    const declared = obj(parameters[name], `parameter ${name}`)
    const given = overrides[name] ?? declared.Default
    if (typeof given !== 'string') throw new Error(`parameter ${name} has no default and no sample value`)
    return declared.Type === 'CommaDelimitedList' ? given.split(',') : given
  }
  const pseudo: Record<string, string> = { 'AWS::AccountId': ACCOUNT, 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1' }
  const arnOf = (name: string): string => {
    const type = resource(name).Type
    if (type === 'AWS::IAM::ManagedPolicy') return `arn:aws:iam::${ACCOUNT}:policy/${str(properties(name).ManagedPolicyName)}`
    if (type === 'AWS::IAM::Role') return `arn:aws:iam::${ACCOUNT}:role/${str(properties(name).RoleName)}`
    if (type === 'AWS::IAM::OIDCProvider') return `arn:aws:iam::${ACCOUNT}:oidc-provider/${str(properties(name).Url).replace(/^https:\/\//, '')}`
    throw new Error(`no sample ARN for ${name} (${String(type)})`)
  }
  const ref = (name: string): Json => {
    if (name in pseudo) return pseudo[name] as string
    if (name in parameters) return parameter(name)
    const type = resource(name).Type
    // Ref of a role is its name; of a managed policy or an OIDC provider, its ARN.
    return type === 'AWS::IAM::Role' ? str(properties(name).RoleName) : arnOf(name)
  }
  const getAtt = (name: string, attribute: string): Json => {
    if (attribute !== 'Arn') throw new Error(`no sample value for ${name}.${attribute}`)
    return arnOf(name)
  }
  const condition = (name: string): boolean => {
    const value = resolve(obj(template.Conditions, 'Conditions')[name])
    if (typeof value !== 'boolean') throw new Error(`condition ${name} is not a boolean`)
    return value
  }
  const sub = (text: string, variables: JsonObject): string =>
    text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      const value = name in variables ? resolve(variables[name]) : name.endsWith('.Arn') ? getAtt(name.slice(0, -4), 'Arn') : ref(name)
      return str(value)
    })
  function str(value: Json | undefined): string {
    const resolved = resolve(value)
    if (typeof resolved !== 'string') throw new Error(`expected a string, got ${JSON.stringify(resolved)}`)
    return resolved
  }
  function resolve(node: Json | undefined): Json {
    if (Array.isArray(node)) return node.map(resolve)
    if (!isObject(node)) return node ?? null
    const keys = Object.keys(node)
    const key = keys[0] ?? ''
    const arg = node[key] ?? null
    if (keys.length === 1 && (key === 'Ref' || key === 'Condition' || key.startsWith('Fn::'))) {
      const args = Array.isArray(arg) ? arg : [arg]
      switch (key) {
        case 'Ref': return ref(str(arg))
        case 'Condition': return condition(str(arg))
        case 'Fn::Sub': return Array.isArray(arg) ? sub(str(arg[0]), obj(arg[1], 'Fn::Sub variables')) : sub(str(arg), {})
        case 'Fn::GetAtt': return getAtt(str(args[0]), str(args[1]))
        case 'Fn::Join': return asList(resolve(args[1])).map(v => str(v)).join(str(args[0]))
        case 'Fn::If': return condition(str(args[0])) ? resolve(args[1]) : resolve(args[2])
        case 'Fn::Equals': return JSON.stringify(resolve(args[0])) === JSON.stringify(resolve(args[1]))
        case 'Fn::Not': return resolve(args[0]) === false
        case 'Fn::Contains': return asList(resolve(args[0])).includes(resolve(args[1]))
        default: throw new Error(`the test cannot resolve ${key}; teach it`)
      }
    }
    return Object.fromEntries(keys.map(k => [k, resolve(node[k])]))
  }
  return { resolve, condition }
}

const sample = resolver({ GitHubOwnerId: OWNER_ID, GitHubRepoId: REPO_ID })
const resolved = obj(sample.resolve(resources), 'resolved resources')
const resolvedProperties = (name: string): JsonObject => obj(obj(resolved[name], name).Properties, `${name}.Properties`)
const roles = resourcesOfType('AWS::IAM::Role')
const managedPolicies = resourcesOfType('AWS::IAM::ManagedPolicy')
const listNames = managedPolicies.filter(name => JSON.stringify(resolvedProperties(name).PolicyDocument) === JSON.stringify(PLACEHOLDER_DOCUMENT))
const roleNamed = (arn: string): string => {
  const name = roles.find(r => `arn:aws:iam::${ACCOUNT}:role/${String(resolvedProperties(r).RoleName)}` === arn)
  if (!name) throw new Error(`the template creates no role ${arn}`)
  return name
}
const inlineDocuments = (role: string): JsonObject[] =>
  asList(resolvedProperties(role).Policies).map(p => obj(obj(p, 'Policies entry').PolicyDocument, 'PolicyDocument'))
const outputs = obj(sample.resolve(template.Outputs ?? null), 'Outputs')
const output = (name: string): Json | undefined => obj(outputs[name], `output ${name}`).Value

describe('examples/cloudformation/jit-credentials.yaml', () => {
  it('holds only policy documents IAM accepts: 8 lists, the boundary, 2 trust policies, 2 role policies', () => {
    const documents: string[] = []
    for (const name of managedPolicies) {
      checkPolicyDocument(JSON.stringify(resolvedProperties(name).PolicyDocument))
      documents.push(`${name} managed`)
    }
    for (const name of roles) {
      checkTrustPolicy(obj(resolvedProperties(name).AssumeRolePolicyDocument, `${name} trust`), PROVIDER)
      documents.push(`${name} trust`)
      for (const document of inlineDocuments(name)) {
        checkPolicyDocument(JSON.stringify(document))
        documents.push(`${name} inline`)
      }
    }
    expect(documents).toHaveLength(LIST_COUNT + 1 + 2 + 2)
  })

  it('creates 8 revocation lists with the placeholder document the action expects, and no Allow', () => {
    expect(listNames).toHaveLength(LIST_COUNT)
    for (const name of listNames) checkListDocument(obj(resolvedProperties(name).PolicyDocument, name))
    expect(listNames.map(name => `arn:aws:iam::${ACCOUNT}:policy/${String(resolvedProperties(name).ManagedPolicyName)}`)).toEqual(LIST_ARNS)
    expect(managedPolicies.filter(name => !listNames.includes(name))).toEqual(['JobBoundary'])
  })

  it('attaches the lists to the job role only, under a boundary that caps it: the set-up the post step accepts', () => {
    const job = resolvedProperties(roleNamed(JOB_ROLE_ARN))
    expect(job.PermissionsBoundary).toBe(BOUNDARY_ARN)
    expect(strings(job.ManagedPolicyArns, 'ManagedPolicyArns')).toEqual(LIST_ARNS)
    checkCappingBoundary(obj(resolvedProperties('JobBoundary').PolicyDocument, 'boundary'))
    // The role's own policy grants nothing the boundary does not allow.
    const capped = grants(obj(resolvedProperties('JobBoundary').PolicyDocument, 'boundary'))
    for (const document of inlineDocuments(roleNamed(JOB_ROLE_ARN))) for (const pair of grants(document)) expect(capped).toContain(pair)

    // What GetRole, ListAttachedRolePolicies and GetPolicy would say about this stack.
    const attachedTo = (arn: string): number =>
      roles.filter(r => strings(resolvedProperties(r).ManagedPolicyArns, 'ManagedPolicyArns').includes(arn)).length +
      managedPolicies.filter(p => `arn:aws:iam::${ACCOUNT}:policy/${String(resolvedProperties(p).ManagedPolicyName)}` === arn)
        .reduce((n, p) => n + ['Roles', 'Users', 'Groups'].reduce((m, k) => m + asList(resolvedProperties(p)[k]).length, 0), 0)
    const boundaryOf = (arn: string): number => roles.filter(r => resolvedProperties(r).PermissionsBoundary === arn).length
    const lists: ListFacts[] = LIST_ARNS.map(arn => ({ arn, attachmentCount: attachedTo(arn), boundaryUsageCount: boundaryOf(arn) }))
    expect(checkRevocationSetup({ arn: JOB_ROLE_ARN, boundaryArn: job.PermissionsBoundary as string, attachedArns: LIST_ARNS }, lists)).toEqual({ kind: 'attached' })
    expect(attachedTo(BOUNDARY_ARN)).toBe(0)
  })

  it('gives the revocation role exactly what the post step\'s session policy asks for, and no boundary or attached policy', () => {
    const revoker = resolvedProperties(roleNamed(REVOKER_ARN))
    expect(revoker.PermissionsBoundary).toBeUndefined()
    expect(revoker.ManagedPolicyArns).toBeUndefined()
    expect(inlineDocuments(roleNamed(REVOKER_ARN)).flatMap(grants).sort()).toEqual(sessionGrants(LIST_ARNS, JOB_ROLE_ARN))
  })

  it('trusts the same token in both roles; with an existing provider it creates none and trusts that one', () => {
    const trust = (r: ReturnType<typeof resolver>, role: string): JsonObject =>
      obj(obj(obj(obj(r.resolve(resources), 'resources')[role], role).Properties, role).AssumeRolePolicyDocument, 'trust')
    expect(roles).toHaveLength(2)
    expect(trust(sample, roles[1] as string)).toEqual(trust(sample, roles[0] as string))
    expect(sample.condition('CreateOidcProvider')).toBe(true)
    expect(resource('GitHubOidcProvider').Condition).toBe('CreateOidcProvider')
    const existing = resolver({ GitHubOwnerId: OWNER_ID, GitHubRepoId: REPO_ID, OidcProviderArn: EXISTING_PROVIDER })
    expect(existing.condition('CreateOidcProvider')).toBe(false)
    for (const role of roles) checkTrustPolicy(trust(existing, role), EXISTING_PROVIDER)
  })

  it('outputs the three ARN inputs of the action, the lists one per line', () => {
    expect(output('RoleToAssume')).toBe(JOB_ROLE_ARN)
    expect(output('RevocationRoleToAssume')).toBe(REVOKER_ARN)
    expect(output('RevocationPolicyArn')).toBe(LIST_ARNS.join('\n'))
    expect(parseList(String(output('RevocationPolicyArn')))).toEqual(LIST_ARNS)
  })

  it('refuses JobActions that would not cap the role', () => {
    const assertions = (jobActions: string): Json[] => {
      const r = resolver({ GitHubOwnerId: OWNER_ID, GitHubRepoId: REPO_ID, JobActions: jobActions })
      return Object.values(obj(template.Rules, 'Rules')).flatMap(rule => asList(obj(rule, 'rule').Assertions).map(a => r.resolve(obj(a, 'assertion').Assert)))
    }
    expect(assertions(String(obj(parameters.JobActions, 'JobActions').Default))).toEqual([true, true, true])
    expect(assertions('s3:GetObject,*')).toContain(false)
    expect(assertions('iam:*')).toContain(false)
    expect(assertions('sts:*')).toContain(false)
  })
})

// ---- Terraform ---------------------------------------------------------------------------------

const tf = (file: string): string => read(`examples/terraform/${file}`)
const mainTf = tf('main.tf')
const variablesTf = tf('variables.tf')
const outputsTf = tf('outputs.tf')

/** The text between the braces (or brackets, parentheses) that open at `open`; strings and comments skipped. */
function balanced(text: string, open: number): string {
  const closing: Record<string, string> = { '{': '}', '[': ']', '(': ')' }
  const stack: string[] = []
  for (let i = open; i < text.length; i++) {
    const c = text[i] as string
    if (c === '"') {
      i = endOfString(text, i) - 1
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++
    } else if (c in closing) {
      stack.push(closing[c] as string)
    } else if (c === stack.at(-1)) {
      stack.pop()
      if (stack.length === 0) return text.slice(open + 1, i)
    }
  }
  throw new Error(`unbalanced HCL from offset ${open}`)
}

/** The body of a top-level block, e.g. block(mainTf, 'resource "aws_iam_role" "job"'). */
function block(text: string, header: string): string {
  const at = text.indexOf(`${header} {`)
  if (at < 0) throw new Error(`no block ${header}`)
  return balanced(text, at + header.length + 1)
}

/** The attributes of an HCL body at its own level (nested blocks skipped): name -> raw value. */
function attributes(body: string): Record<string, string> {
  const found: Record<string, string> = {}
  let i = 0
  const skipComment = (): void => {
    while (i < body.length && body[i] !== '\n') i++
  }
  while (i < body.length) {
    const c = body[i] as string
    if (/\s/.test(c)) i++
    else if (c === '#') skipComment()
    else {
      const m = /^([a-z_][\w-]*)\s*/.exec(body.slice(i))
      if (!m) throw new Error(`unexpected HCL at: ${body.slice(i, i + 40)}`)
      i += m[0].length
      if (body[i] !== '=') {
        // a nested block: its labels, then its body
        const open = body.indexOf('{', i)
        i = open + balanced(body, open).length + 2
        continue
      }
      const start = ++i
      let end = body.length
      while (i < body.length && body[i] !== '\n') {
        const v = body[i] as string
        if ('{[('.includes(v)) i += balanced(body, i).length + 2
        else if (v === '"') i = endOfString(body, i)
        else if (v === '#') {
          end = i
          skipComment()
        } else i++
      }
      found[m[1] as string] = body.slice(start, Math.min(i, end)).trim()
    }
  }
  return found
}

/** The offset after the string literal that opens at `open`. */
function endOfString(text: string, open: number): number {
  let i = open + 1
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
  return i + 1
}

/** A variable's default, as JSON (lists of strings, numbers and strings are written the same way). */
function variableDefault(name: string): Json {
  const raw = attributes(block(variablesTf, `variable "${name}"`)).default
  if (raw === undefined) throw new Error(`variable ${name} has no default`)
  return JSON.parse(raw) as Json
}

const SAMPLE_VARS: Record<string, string> = { github_owner_id: OWNER_ID, github_repo_id: REPO_ID }
/** An HCL string literal with `${var.x}` taken from the sample values or the defaults. */
function hclString(literal: string): string {
  expect(literal).toMatch(/^"[^"]*"$/)
  return literal.slice(1, -1).replace(/\$\{var\.([a-z_]+)\}/g, (_, name: string) => SAMPLE_VARS[name] ?? String(variableDefault(name)))
}

interface TemplateCall { file: string, args: Record<string, string> }
/** Every templatefile("${path.module}/policies/…", { … }) call of main.tf, with its arguments. */
function templateCalls(): TemplateCall[] {
  const calls: TemplateCall[] = []
  for (const m of mainTf.matchAll(/templatefile\(/g)) {
    const inner = balanced(mainTf, (m.index ?? 0) + 'templatefile'.length)
    const file = /^"\$\{path\.module\}\/(policies\/[\w.-]+)",\s*\{/.exec(inner)
    if (!file) throw new Error(`templatefile call not in the expected form: ${inner.slice(0, 80)}`)
    calls.push({ file: file[1] as string, args: attributes(balanced(inner, file[0].length - 1)) })
  }
  return calls
}

/** The names a template interpolates; each must be written as ${jsonencode(name)}. */
function templateNames(text: string): string[] {
  const names = [...text.matchAll(/\$\{jsonencode\(([a-z_]+)\)\}/g)].map(m => m[1] as string)
  expect(text.replace(/\$\{jsonencode\([a-z_]+\)\}/g, '')).not.toMatch(/[$%]\{/)
  return [...new Set(names)].sort()
}

function render(file: string, values: Record<string, Json>): JsonObject {
  const text = tf(file)
  const rendered = text.replace(/\$\{jsonencode\(([a-z_]+)\)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`${file}: no sample value for ${name}`)
    return JSON.stringify(values[name])
  })
  return obj(JSON.parse(rendered) as Json, file)
}

const calls = templateCalls()
const callOf = (file: string): TemplateCall => {
  const found = calls.filter(c => c.file === file)
  expect(found.length).toBeGreaterThan(0)
  return found[0] as TemplateCall
}

describe('examples/terraform', () => {
  it('passes every policy template exactly the values it uses, and uses every template', () => {
    const files = readdirSync(path.join(repoRoot, 'examples/terraform/policies')).map(f => `policies/${f}`).sort()
    expect([...new Set(calls.map(c => c.file))].sort()).toEqual(files)
    for (const call of calls) expect({ file: call.file, names: Object.keys(call.args).sort() }).toEqual({ file: call.file, names: templateNames(tf(call.file)) })
  })

  it('creates the lists with the placeholder document, attached to the job role, 8 by default', () => {
    expect(variableDefault('revocation_list_count')).toBe(LIST_COUNT)
    checkListDocument(render('policies/revocation-list.json.tftpl', {}))
    const list = attributes(block(mainTf, 'resource "aws_iam_policy" "revocation_list"'))
    expect(list.count).toBe('var.revocation_list_count')
    expect(hclString(list.name ?? '').replace('${count.index + 1}', 'N')).toBe('octo-app-jit-revocations-N')
    expect(list.policy).toContain('policies/revocation-list.json.tftpl')
    expect(block(block(mainTf, 'resource "aws_iam_policy" "revocation_list"'), 'lifecycle').replace(/\s+/g, ' ').trim())
      .toBe('ignore_changes = [policy] prevent_destroy = true')
    expect(attributes(block(mainTf, 'resource "aws_iam_role_policy_attachment" "revocation_list"'))).toEqual({
      count: 'var.revocation_list_count',
      role: 'aws_iam_role.job.name',
      policy_arn: 'aws_iam_policy.revocation_list[count.index].arn'
    })
  })

  it('gives the job role a boundary that caps it, and a policy within it', () => {
    const job = attributes(block(mainTf, 'resource "aws_iam_role" "job"'))
    expect(job.permissions_boundary).toBe('aws_iam_policy.job_boundary.arn')
    expect(job.assume_role_policy).toBe('local.github_trust_policy')
    expect(hclString(job.name ?? '')).toBe('octo-app-deploy')
    expect(hclString(attributes(block(mainTf, 'resource "aws_iam_policy" "job_boundary"')).name ?? '')).toBe('octo-app-deploy-boundary')
    const values = { actions: variableDefault('job_actions'), resources: variableDefault('job_resources') }
    for (const file of ['policies/job-boundary.json.tftpl', 'policies/job-permissions.json.tftpl']) {
      expect(callOf(file).args).toEqual({ actions: 'var.job_actions', resources: 'var.job_resources' })
    }
    const boundary = render('policies/job-boundary.json.tftpl', values)
    checkCappingBoundary(boundary)
    const permissions = render('policies/job-permissions.json.tftpl', values)
    checkPolicyDocument(JSON.stringify(permissions))
    for (const pair of grants(permissions)) expect(grants(boundary)).toContain(pair)
  })

  it('gives the revocation role exactly what the post step\'s session policy asks for, and no boundary', () => {
    const revoker = attributes(block(mainTf, 'resource "aws_iam_role" "revoker"'))
    expect(Object.keys(revoker).sort()).toEqual(['assume_role_policy', 'name'])
    expect(hclString(revoker.name ?? '')).toBe('octo-app-jit-revoker')
    expect(mainTf).not.toMatch(/role\s*=\s*aws_iam_role\.revoker\.name/)
    expect(callOf('policies/revoker.json.tftpl').args).toEqual({ list_arns: 'aws_iam_policy.revocation_list[*].arn', job_role_arn: 'aws_iam_role.job.arn', boundary_arn: 'aws_iam_policy.job_boundary.arn' })
    const document = render('policies/revoker.json.tftpl', { list_arns: LIST_ARNS, job_role_arn: JOB_ROLE_ARN, boundary_arn: BOUNDARY_ARN })
    checkPolicyDocument(JSON.stringify(document))
    expect(grants(document)).toEqual(sessionGrants(LIST_ARNS, JOB_ROLE_ARN))
  })

  it('trusts the token of the repository in both sub forms, in both roles, from the provider it creates or is given', () => {
    const args = callOf('policies/trust.json.tftpl').args
    expect(args.oidc_provider_arn).toBe('local.oidc_provider_arn')
    const subjects = [...(args.subjects ?? '').matchAll(/"[^"\n]*"/g)].map(m => hclString(m[0]))
    expect(subjects).toEqual(SUBJECTS)
    checkTrustPolicy(render('policies/trust.json.tftpl', { oidc_provider_arn: PROVIDER, subjects }), PROVIDER)
    const provider = attributes(block(mainTf, 'resource "aws_iam_openid_connect_provider" "github"'))
    expect(provider.count).toBe('var.oidc_provider_arn == "" ? 1 : 0')
    expect(attributes(block(mainTf, 'locals')).oidc_provider_arn).toBe('coalesce(var.oidc_provider_arn, one(aws_iam_openid_connect_provider.github[*].arn))')
    expect(attributes(block(mainTf, 'resource "aws_iam_role" "revoker"')).assume_role_policy).toBe('local.github_trust_policy')
  })

  it('outputs the three ARN inputs of the action, the lists one per line', () => {
    expect(attributes(block(outputsTf, 'output "role_to_assume"')).value).toBe('aws_iam_role.job.arn')
    expect(attributes(block(outputsTf, 'output "revocation_role_to_assume"')).value).toBe('aws_iam_role.revoker.arn')
    expect(attributes(block(outputsTf, 'output "revocation_policy_arn"')).value).toBe('join("\\n", aws_iam_policy.revocation_list[*].arn)')
  })
})

// ---- the workflow ------------------------------------------------------------------------------

const actionInputs = obj(obj(yaml.load(read('action.yml')) as Json, 'action.yml').inputs, 'action.yml inputs')
const workflowText = read('examples/workflow.yml')
const workflow = obj(yaml.load(workflowText) as Json, 'workflow')
const actionSteps = Object.values(obj(workflow.jobs, 'jobs')).flatMap(job =>
  asList(obj(job, 'job').steps).map(s => ({ job: obj(job, 'job'), step: obj(s, 'step') })).filter(({ step }) => String(step.uses ?? '').startsWith('jit-credentials/jit-credentials@')))

describe('examples/workflow.yml', () => {
  it('uses the action once, with only declared inputs and every required one', () => {
    expect(actionSteps).toHaveLength(1)
    const [{ job, step }] = actionSteps as [{ job: JsonObject, step: JsonObject }]
    expect(step.uses).toBe('jit-credentials/jit-credentials@v0')
    expect(job.permissions).toEqual({ 'id-token': 'write', contents: 'read' })
    const given = Object.keys(obj(step.with, 'with'))
    expect(given.filter(name => !(name in actionInputs))).toEqual([])
    const required = Object.keys(actionInputs).filter(name => obj(actionInputs[name], name).required === true)
    expect(required.filter(name => !given.includes(name))).toEqual([])
  })

  it('is accepted by the action\'s input checks, with deny-session on the 8 lists the templates create', () => {
    const [{ step }] = actionSteps as [{ job: JsonObject, step: JsonObject }]
    const values = obj(step.with, 'with')
    const input = (name: string): string => {
      const value = values[name] ?? obj(actionInputs[name], name).default
      return value === undefined || value === null ? '' : String(value)
    }
    const config = parseInputs(input, { RUNNER_TEMP: '/tmp/runner' })
    expect(config.revoke).toBe('deny-session')
    expect(config.roleArn).toBe(output('RoleToAssume'))
    expect(config.revocationRoleArn).toBe(output('RevocationRoleToAssume'))
    expect(config.revocationPolicyArns).toEqual(LIST_ARNS)
    expect(config.revocationPolicyArns).toEqual(parseList(String(output('RevocationPolicyArn'))))
    // The scopes stay inside what the job role's boundary allows.
    const capped = grants(obj(resolvedProperties('JobBoundary').PolicyDocument, 'boundary'))
    for (const rule of config.scopes) for (const a of rule.actions) for (const r of rule.resources) expect(capped).toContain(`${a} ${r}`)
  })
})

// ---- docs/iam-setup.md -------------------------------------------------------------------------

const guide = read('docs/iam-setup.md')
const fenced = (language: string): string[] => [...guide.matchAll(new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm'))].map(m => m[1] as string)
const jsonBlocks = fenced('json').map(text => obj(JSON.parse(text) as Json, 'json block'))

describe('docs/iam-setup.md', () => {
  it('shows only policy documents IAM accepts', () => {
    expect(jsonBlocks.length).toBeGreaterThanOrEqual(6)
    for (const document of jsonBlocks) {
      const trust = asList(document.Statement).some(s => obj(s, 'statement').Principal !== undefined)
      if (trust) checkTrustPolicy(document, PROVIDER)
      else checkPolicyDocument(JSON.stringify(document))
    }
  })

  it('shows the placeholder, a capping boundary and the revocation role\'s permissions as the code needs them', () => {
    expect(jsonBlocks).toContainEqual(PLACEHOLDER_DOCUMENT)
    const revoker = jsonBlocks.filter(d => JSON.stringify(d).includes('iam:CreatePolicyVersion'))
    expect(revoker.map(grants)).toEqual([sessionGrants(LIST_ARNS, JOB_ROLE_ARN)])
    expect(jsonBlocks).toContainEqual(obj(resolvedProperties('JobBoundary').PolicyDocument, 'boundary'))
  })

  it('shows the statements exactly as the action writes them for the two revocations it describes', () => {
    const shown = jsonBlocks.filter(d => JSON.stringify(d).includes('JitRevokedBefore'))
    expect(shown).toHaveLength(1)
    const first = { sessionName: 'gh-12345678901-1-0c7f3780', issuedAt: new Date('2026-11-23T10:00:05Z'), expiresAt: new Date('2026-11-23T10:15:05Z') }
    const second = { sessionName: 'gh-12345678915-1-5be0a2d4', issuedAt: new Date('2026-11-23T10:01:30Z'), expiresAt: new Date('2026-11-23T10:16:30Z') }
    const one = buildRevocationList({ base: parsePolicyDocument(JSON.stringify(PLACEHOLDER_DOCUMENT)), others: [], session: first, now: new Date('2026-11-23T10:02:13Z'), kind: 'attached' })
    const two = one && buildRevocationList({ base: one.document, others: [], session: second, now: new Date('2026-11-23T10:03:40Z'), kind: 'attached' })
    expect(two?.document).toEqual(shown[0])
    expect(guide).toContain('10:02:13')
    expect(guide).toContain('10:03:40')
  })

  it('states the sizes the action writes', () => {
    const row = (label: string): number => {
      const line = guide.split('\n').find(l => l.startsWith(`| ${label} |`))
      if (!line) throw new Error(`no capacity row "${label}"`)
      return Number((/\| ([\d,]+) \|$/.exec(line)?.[1] ?? '').replace(',', ''))
    }
    const session = (n: number): { sessionName: string, issuedAt: Date, expiresAt: Date } =>
      ({ sessionName: `gh-123456789${String(n).padStart(2, '0')}-1-0c7f3780`, issuedAt: new Date('2026-11-23T10:00:05Z'), expiresAt: new Date('2026-11-23T10:15:05Z') })
    const now = new Date('2026-11-23T10:02:13Z')
    const base = parsePolicyDocument(JSON.stringify(PLACEHOLDER_DOCUMENT))
    const one = buildRevocationList({ base, others: [], session: session(1), now, kind: 'attached' })
    const two = one && buildRevocationList({ base: one.document, others: [], session: session(2), now, kind: 'attached' })
    expect(row('attached list: `Version` and the placeholder statement')).toBe(JSON.stringify(PLACEHOLDER_DOCUMENT).length)
    expect(row('boundary list: `Version` and the `AllowAll` statement')).toBe(JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'AllowAll', Effect: 'Allow', Action: '*', Resource: '*' }] }).length)
    expect(row('one `JitRevokedBefore…` statement with its first entry (and its separating comma)')).toBe((one?.size ?? 0) - JSON.stringify(PLACEHOLDER_DOCUMENT).length)
    expect(row('each further entry in the same statement')).toBe((two?.size ?? 0) - (one?.size ?? 0))
  })

  it('shows the example workflow as it is in examples/workflow.yml', () => {
    const shown = fenced('yaml').map(text => yaml.load(text) as Json).filter(d => isObject(d) && 'jobs' in d)
    expect(shown).toEqual([workflow])
  })

  it('uses 11-digit run ids, links only to files and headings that exist', () => {
    expect([...guide.matchAll(/gh-(\d+)-\d+-[0-9a-f]{8}/g)].map(m => m[1]?.length).filter(n => n !== 11)).toEqual([])
    for (const m of guide.matchAll(/\]\((\.\.\/[^)#]+)\)/g)) expect({ link: m[1], exists: existsSync(path.join(repoRoot, 'docs', m[1] as string)) }).toEqual({ link: m[1], exists: true })
    const slug = (heading: string): string => heading.toLowerCase().replace(/[^\w\s-]/g, '').trim().replace(/\s/g, '-')
    const anchors = new Set([...guide.matchAll(/^#+ (.+)$/gm)].map(m => slug(m[1] as string)))
    for (const m of guide.matchAll(/\]\(#([^)]+)\)/g)) expect({ anchor: m[1], exists: anchors.has(m[1] as string) }).toEqual({ anchor: m[1], exists: true })
    for (const m of guide.matchAll(/`(examples\/[\w./-]+)`/g)) expect({ file: m[1], exists: existsSync(path.join(repoRoot, m[1] as string)) }).toEqual({ file: m[1], exists: true })
  })
})
