/**
 * The repository's development secrets (config/dev-secrets/): published with the code, for trials
 * and tests only. Every use of them is found whatever setting carries it, so a secret added later
 * is covered without a list to keep up to date: any string of the hub config and any environment
 * variable that names a file of that folder (directly, through a symbolic link, or a copy of one),
 * or that holds one of their values; and, as a safety net, any loaded value (the resolved settings)
 * equal to one of them, whatever path it came by. Outside production a use is a warning; under
 * NODE_ENV=production it stops the start-up, and so does HUB_DEV_CLIENTS (development clients
 * whose keys are written to a file).
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { fromRoot, projectRoot } from '../paths.ts'

/** The folder of the repository's development secrets. */
export const DEV_SECRETS_DIR = fromRoot('config', 'dev-secrets')

/** A setting that carries a development secret. */
export interface DevSecretUse {
  /** the setting: a JSON pointer in the hub config, or an environment variable */
  where: string
  /** the development secret's file, relative to the project root (config/dev-secrets/…) */
  file: string
}

/** Secret files are small; anything larger is not compared by content. */
const MAX_SECRET_BYTES = 64 * 1024

interface DevSecret { file: string, value: string }

/** Every file under the folder, with its trimmed content (none when the folder is absent, as in the container image). */
function devSecrets (dir: string): DevSecret[] {
  let names: string[]
  try {
    names = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  } catch {
    return []
  }
  const out: DevSecret[] = []
  for (const name of names) {
    const path = join(dir, name)
    try {
      const s = statSync(path)
      if (!s.isFile() || s.size > MAX_SECRET_BYTES) continue
      const value = readFileSync(path, 'utf8').trim()
      if (value !== '') out.push({ file: relative(projectRoot, path).split(sep).join('/'), value })
    } catch { /* unreadable: it cannot be used either */ }
  }
  return out
}

function realpathOr (path: string): string {
  try { return realpathSync(path) } catch { return path }
}

/** A matcher: which development secret (if any) a string names or holds. */
function matcher (dir: string): (value: string) => string | undefined {
  const secrets = devSecrets(dir)
  const byValue = new Map(secrets.map((s) => [s.value, s.file]))
  const inside = [resolve(dir) + sep, realpathOr(resolve(dir)) + sep]
  const asFile = (path: string): string => relative(projectRoot, path).split(sep).join('/')
  return (value) => {
    const trimmed = value.trim()
    if (trimmed === '') return undefined
    const same = byValue.get(trimmed)
    if (same !== undefined) return same
    if (trimmed.length > 4096 || /[\n\0]/.test(trimmed)) return undefined
    const path = resolve(trimmed)
    if (inside.some((d) => path.startsWith(d))) return asFile(path)
    try {
      const s = statSync(path)
      if (!s.isFile() || s.size > MAX_SECRET_BYTES) return undefined
      const real = realpathSync(path)
      if (inside.some((d) => real.startsWith(d))) return asFile(real)
      return byValue.get(readFileSync(path, 'utf8').trim())
    } catch {
      return undefined
    }
  }
}

const pointerToken = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1')

function walk (value: unknown, pointer: string, visit: (pointer: string, text: string) => void): void {
  if (typeof value === 'string') visit(pointer, value)
  else if (Array.isArray(value)) value.forEach((v, i) => { walk(v, `${pointer}/${i}`, visit) })
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) walk(v, `${pointer}/${pointerToken(k)}`, visit)
  }
}

/**
 * Every setting that carries a development secret: strings of the hub config (named by `origin`
 * and their JSON pointer) and environment variables. `dir` is for tests.
 */
export function findDevSecrets (config: unknown, origin: string, env: Record<string, string | undefined>, dir = DEV_SECRETS_DIR): DevSecretUse[] {
  const which = matcher(dir)
  const uses: DevSecretUse[] = []
  walk(config, '', (pointer, text) => {
    const file = which(text)
    if (file !== undefined) uses.push({ where: `${origin}: ${pointer}`, file })
  })
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue
    const file = which(value)
    if (file !== undefined) uses.push({ where: `the environment variable ${name}`, file })
  }
  return uses
}

/**
 * The safety net: development secrets among the values the hub loaded (`loaded`, e.g. the resolved
 * settings: strings and buffers, in objects, arrays, maps and sets, however deep), whatever path
 * they came by (a default in code as well), except those of files already in `known`.
 */
export function findLoadedDevSecrets (loaded: unknown, known: readonly DevSecretUse[], dir = DEV_SECRETS_DIR): DevSecretUse[] {
  const byValue = new Map(devSecrets(dir).map((s) => [s.value, s.file]))
  if (byValue.size === 0) return []
  const reported = new Set(known.map((u) => u.file))
  const uses: DevSecretUse[] = []
  const seen = new WeakSet<object>()
  const visit = (value: unknown, path: string): void => {
    if (typeof value === 'string' || Buffer.isBuffer(value)) {
      const file = byValue.get(value.toString().trim())
      if (file !== undefined && !reported.has(file)) {
        reported.add(file)
        uses.push({ where: `a secret the hub loaded (${path})`, file })
      }
      return
    }
    if (value === null || typeof value !== 'object' || seen.has(value)) return
    seen.add(value)
    if (value instanceof Map) for (const [k, v] of value) visit(v, `${path}.${String(k)}`)
    else if (value instanceof Set || Array.isArray(value)) [...value].forEach((v, i) => { visit(v, `${path}[${i}]`) })
    else for (const [k, v] of Object.entries(value)) visit(v, `${path}.${k}`)
  }
  visit(loaded, 'settings')
  return uses
}

const list = (uses: readonly DevSecretUse[]): string => uses.map((u) => `${u.where} → ${u.file}`).join(', ')

/** The start-up warning outside production: one line naming every use, or none. */
export function devSecretWarnings (uses: readonly DevSecretUse[]): string[] {
  if (uses.length === 0) return []
  return [`the repository's development secrets are in use (${list(uses)}): they are published with the code. Give each agency and subscriber its own secret (secretEnv, or a secretFile outside config/dev-secrets) before real use.`]
}

export interface StartupSettings {
  /** process.env.NODE_ENV */
  nodeEnv: string | undefined
  /** HUB_DEV_CLIENTS, when set */
  devClientsFile: string | undefined
  devSecrets: readonly DevSecretUse[]
}

/** Under NODE_ENV=production: what must be replaced or unset before the hub may start (empty otherwise). */
export function productionProblems (s: StartupSettings): string[] {
  if (s.nodeEnv !== 'production') return []
  const problems: string[] = []
  if (s.devSecrets.length > 0) {
    problems.push(`NODE_ENV=production, but the repository's development secrets are in use, and they are published with the code: ${list(s.devSecrets)}. Replace each with the province's own secret (secretEnv, or a secretFile outside config/dev-secrets), or unset NODE_ENV for a trial.`)
  }
  if (s.devClientsFile !== undefined) {
    problems.push(`NODE_ENV=production, but HUB_DEV_CLIENTS is set (${s.devClientsFile}): it would create a client for every agency and write their API keys to that file. Unset HUB_DEV_CLIENTS and create each client with \`npm run client:add\`.`)
  }
  return problems
}
