// Bundles both entry points with ncc (minified, with source maps) into dist/<entry>/index.js.
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'

const ncc = new URL('../node_modules/@vercel/ncc/dist/ncc/cli.js', import.meta.url).pathname
for (const entry of ['main', 'post']) {
  rmSync(`dist/${entry}`, { recursive: true, force: true })
  execFileSync(
    process.execPath,
    [ncc, 'build', `src/${entry}.ts`, '-o', `dist/${entry}`, '--minify', '--source-map', '--no-source-map-register', '--license', 'licenses.txt', '--quiet', '--target', 'es2022'],
    { stdio: 'inherit' }
  )
}
