// npm's postinstall: installs the development tools of tools/ (ESLint with neostandard, and
// openapi-typescript, which need TypeScript 5's compiler API) into tools/node_modules, apart from the
// hub's own modules (TypeScript 7 has no compiler API). Skipped for a production install
// (`npm ci --omit=dev`, NODE_ENV=production) and where tools/ is not there (a container image);
// `npm ci` in tools/ only when what is installed there is not what its lock file lists.
import { existsSync, readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const tools = join(dirname(fileURLToPath(import.meta.url)), '..', 'tools')
const omitted = (process.env.npm_config_omit ?? '').split(/[\s,]+/).includes('dev') || process.env.NODE_ENV === 'production'
const lock = join(tools, 'package-lock.json')
if (omitted || !existsSync(lock)) process.exit(0)

/** npm writes node_modules/.package-lock.json after an install: up to date when it lists the lock file's versions */
function upToDate () {
  const installed = join(tools, 'node_modules', '.package-lock.json')
  if (!existsSync(installed)) return false
  try {
    const wanted = JSON.parse(readFileSync(lock, 'utf8')).packages ?? {}
    const have = JSON.parse(readFileSync(installed, 'utf8')).packages ?? {}
    return Object.keys(wanted).filter((k) => k !== '').every((k) => have[k]?.version === wanted[k].version)
  } catch {
    return false
  }
}

if (!upToDate()) {
  const run = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tools, stdio: 'inherit' })
  process.exit(run.status ?? 1)
}
