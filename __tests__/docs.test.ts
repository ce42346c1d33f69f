// The README's input and output tables are the user's reference: they must list exactly what
// action.yml declares, with the same defaults and required flags.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { readActionDefaults, repoRoot } from './helpers/run-action.js'

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8')
const actionYml = readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')

/** Rows `| `name` | cell | ... |` of the table under a `## heading`. */
function tableRows(heading: string): string[][] {
  const section = readme.split(/^## /m).find(part => part.startsWith(`${heading}\n`))
  if (!section) throw new Error(`README has no "## ${heading}" section`)
  return section
    .split('\n')
    .filter(line => /^\| `[\w-]+`/.test(line))
    .map(line => line.split(' | ').map(cell => cell.replace(/^\| |\s*\|$/g, '').trim()))
}

const names = (cell: string): string[] => [...cell.matchAll(/`([\w-]+)`/g)].map(m => m[1] ?? '')

function actionOutputs(): string[] {
  const block = actionYml.split(/^outputs:\s*$/m)[1]?.split(/^\S/m)[0] ?? ''
  return [...block.matchAll(/^ {2}([\w-]+):\s*$/gm)].map(m => m[1] ?? '')
}

describe('README matches action.yml', () => {
  const meta = readActionDefaults()
  const inputRows = tableRows('Inputs')

  it('lists every input, in the same order', () => {
    expect(inputRows.map(row => names(row[0] ?? '')[0])).toEqual(meta.inputs)
  })

  it('marks exactly the required inputs as required', () => {
    const required = inputRows.filter(row => row[1] === '**required**').map(row => names(row[0] ?? '')[0])
    expect(required).toEqual(meta.required)
  })

  it('gives each declared default', () => {
    for (const row of inputRows) {
      const name = names(row[0] ?? '')[0] ?? ''
      const declared = meta.defaults[name]
      if (declared !== undefined) expect({ name, default: row[1] }).toEqual({ name, default: `\`${declared}\`` })
    }
  })

  it('lists every output', () => {
    expect(tableRows('Outputs').flatMap(row => names(row[0] ?? '')).sort()).toEqual(actionOutputs().sort())
  })
})
