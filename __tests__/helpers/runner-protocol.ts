// What the GitHub runner does with an action's output: file commands (GITHUB_ENV/OUTPUT/STATE) and
// workflow commands on stdout (::add-mask::, ::error::, ...). Mirrors actions/runner's parsing rules.
import { randomUUID } from 'node:crypto'

// Parses a file-command file: `name=value` lines and `name<<DELIM` heredocs (value ends at the line
// equal to DELIM), with the runner's rules: blank lines skipped, the earlier of `=`/`<<` decides the
// form, later entries win, malformed input throws (the runner fails the step).
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  let index = 0
  // Returns the next line without its terminator and the terminator itself, or null at EOF
  const readLine = (): { line: string, newline: string } | null => {
    if (index >= text.length) return null
    const nl = text.indexOf('\n', index)
    const end = nl < 0 ? text.length : nl
    let line = text.slice(index, end)
    let newline = nl < 0 ? '' : '\n'
    if (line.endsWith('\r')) { line = line.slice(0, -1); newline = '\r' + newline }
    index = nl < 0 ? text.length : nl + 1
    return { line, newline }
  }
  for (let next = readLine(); next; next = readLine()) {
    const { line } = next
    if (line === '') continue
    const eq = line.indexOf('=')
    const hd = line.indexOf('<<')
    if (eq >= 0 && (hd < 0 || eq < hd)) {
      const name = line.slice(0, eq)
      if (!name) throw new Error('Invalid file command: empty name')
      out[name] = line.slice(eq + 1)
    } else if (hd >= 0) {
      const name = line.slice(0, hd)
      const delimiter = line.slice(hd + 2)
      if (!name || !delimiter) throw new Error('Invalid file command: empty name or delimiter')
      const start = index
      let end = index
      for (let v = readLine(); ; v = readLine()) {
        if (!v) throw new Error(`Invalid file command: delimiter for '${name}' not found`)
        if (v.line === delimiter) break
        if (v.newline === '') throw new Error('Invalid file command: EOF marker missing new line')
        end = index - v.newline.length
      }
      out[name] = end > start ? text.slice(start, end) : ''
    } else {
      throw new Error(`Invalid file command format for line ${JSON.stringify(line.slice(0, 40))}`)
    }
  }
  return out
}

// Writes records exactly as @actions/core does (heredoc with a random ghadelimiter_<uuid>).
export function formatFileCommands(values: Record<string, string>): string {
  let out = ''
  for (const [name, value] of Object.entries(values)) {
    const delimiter = `ghadelimiter_${randomUUID()}`
    out += `${name}<<${delimiter}\n${value}\n${delimiter}\n`
  }
  return out
}

export interface WorkflowCommand {
  command: string
  properties: Record<string, string>
  data: string
  // index of the line in stdout
  line: number
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice'
  message: string
  properties: Record<string, string>
}

export interface RunnerCommands {
  commands: WorkflowCommand[]
  masks: string[]
  errors: Annotation[]
  warnings: Annotation[]
  notices: Annotation[]
  debug: string[]
  // the log a user would see: command lines handled, masked values shown as ***
  log: string
}

// The job summary as a reader sees it: the numeric entities the action escapes values with, decoded.
export const readable = (summary: string): string =>
  summary.replace(/&#(\d+);/g, (_m, code: string) => String.fromCodePoint(Number(code)))

const unescape = (value: string, property: boolean): string =>
  value.replace(property ? /%(25|0D|0A|3A|2C)/gi : /%(25|0D|0A)/gi, (_m, code: string) =>
    ({ '25': '%', '0D': '\r', '0A': '\n', '3A': ':', '2C': ',' })[code.toUpperCase()] ?? '')

// Parses one stdout line as the runner does (leading whitespace ignored), or null if it is no command.
export function parseCommandLine(raw: string, line = 0): WorkflowCommand | null {
  const message = raw.replace(/\r$/, '').trimStart()
  if (!message.startsWith('::')) return null
  const end = message.indexOf('::', 2)
  if (end < 0) return null
  const info = message.slice(2, end)
  const space = info.indexOf(' ')
  const command = space < 0 ? info : info.slice(0, space)
  if (!command) return null
  const properties: Record<string, string> = {}
  if (space >= 0) {
    for (const pair of info.slice(space + 1).split(',')) {
      const eq = pair.indexOf('=')
      if (eq > 0) properties[pair.slice(0, eq).trim()] = unescape(pair.slice(eq + 1), true)
    }
  }
  return { command, properties, data: unescape(message.slice(end + 2), false), line }
}

// Walks stdout like the runner: honours ::stop-commands::, collects masks and annotations and
// renders the visible log (masks apply from the line after they are added, as in the runner).
export function parseRunnerCommands(stdout: string, options: { debug?: boolean } = {}): RunnerCommands {
  const result: RunnerCommands = { commands: [], masks: [], errors: [], warnings: [], notices: [], debug: [], log: '' }
  const visible: string[] = []
  let stopToken: string | null = null
  const lines = stdout.split('\n')
  if (lines.at(-1) === '') lines.pop()
  lines.forEach((raw, i) => {
    const cmd = parseCommandLine(raw, i)
    if (stopToken !== null) {
      if (cmd && cmd.command === stopToken) stopToken = null
      else visible.push(mask(raw, result.masks))
      return
    }
    if (!cmd) {
      visible.push(mask(raw, result.masks))
      return
    }
    result.commands.push(cmd)
    switch (cmd.command) {
      case 'add-mask':
        if (cmd.data.trim() !== '') result.masks.push(cmd.data)
        return
      case 'stop-commands':
        stopToken = cmd.data
        return
      case 'error':
      case 'warning':
      case 'notice': {
        const annotation: Annotation = { level: cmd.command, message: cmd.data, properties: cmd.properties }
        ;(cmd.command === 'error' ? result.errors : cmd.command === 'warning' ? result.warnings : result.notices).push(annotation)
        visible.push(mask(`${cmd.command[0]?.toUpperCase()}${cmd.command.slice(1)}: ${cmd.data}`, result.masks))
        return
      }
      case 'debug':
        result.debug.push(cmd.data)
        if (options.debug) visible.push(mask(`##[debug]${cmd.data}`, result.masks))
        return
      case 'group':
        visible.push(mask(`##[group]${cmd.data}`, result.masks))
        return
      case 'endgroup':
        return
      default:
        // unknown commands are printed as-is by the runner
        visible.push(mask(raw, result.masks))
    }
  })
  result.log = visible.join('\n')
  return result
}

const mask = (line: string, masks: string[]): string => {
  let out = line
  // longest first so a mask containing another is replaced whole
  for (const m of [...masks].sort((a, b) => b.length - a.length)) out = out.split(m).join('***')
  return out
}
