/**
 * The container image and the compose file, read as files (no Docker engine runs here): the image
 * holds what `npm start` and every documented operator command (client:*, db:migrate,
 * audit:verify, retention) load, with production dependencies only; the build context keeps
 * the development secrets out; docker-compose.yml agrees with the image and the hub's settings.
 */
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { parseYaml } from '@redocly/openapi-core'
import { fromRoot } from '../../src/paths.ts'

/** npm scripts for development only: the image does not carry what they need. Any other script is an operator command. */
const DEVELOPMENT_SCRIPTS = ['postinstall', 'pretest', 'test', 'typecheck', 'lint', 'bench', 'bench:indicators', 'types:generate', 'agencies', 'demo']

interface Package { scripts: Record<string, string>, dependencies: Record<string, string>, devDependencies: Record<string, string> }
const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as Package
const dockerfile = readFileSync(fromRoot('Dockerfile'), 'utf8')
const dockerignore = readFileSync(fromRoot('.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))

/** The sources of the final stage's COPY lines (not `--from=`: those come from another stage). */
function copiedSources (): string[] {
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))
  const sources: string[] = []
  for (const line of finalStage.split('\n')) {
    const m = /^COPY\s+(?!--from)(.+)$/.exec(line.trim())
    if (m === null) continue
    const parts = (m[1] as string).split(/\s+/)
    sources.push(...parts.slice(0, -1).map((p) => p.replace(/^\.\//, '').replace(/\/$/, '')))
  }
  return sources
}

const inImage = (file: string, sources: string[]): boolean => sources.some((s) => file === s || file.startsWith(`${s}/`))

/** Relative imports (static and dynamic, with a literal path) and bare package imports of a file. */
function importsOf (file: string): { local: string[], packages: string[] } {
  const text = readFileSync(fromRoot(file), 'utf8')
  const local: string[] = []
  const packages: string[] = []
  for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)) {
    const spec = (m[1] ?? m[2] ?? m[3]) as string
    if (m[0].includes('import type') || /^\s*export\s+type\s/.test(m[0])) continue // erased at run time
    if (spec.startsWith('.')) local.push(relative(fromRoot(), join(dirname(fromRoot(file)), spec)))
    else if (!spec.startsWith('node:') && !builtinModules.includes(spec)) packages.push(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0] as string)
  }
  return { local, packages }
}

/** Every file an entry point loads, and the packages they import. */
function closure (entry: string): { files: Set<string>, packages: Set<string> } {
  const files = new Set<string>()
  const packages = new Set<string>()
  const todo = [entry]
  while (todo.length > 0) {
    const file = todo.pop() as string
    if (files.has(file)) continue
    files.add(file)
    const found = importsOf(file)
    for (const p of found.packages) packages.add(p)
    for (const l of found.local) if (!files.has(l)) todo.push(l)
  }
  return { files, packages }
}

/** The file an npm script runs, and the command that runs it. */
function entryOf (command: string): { runner: string, file: string } | undefined {
  const m = /^(?:exec\s+)?(tsx|node\s+--import=tsx)\s+(\S+\.ts)\b/.exec(command)
  return m === null ? undefined : { runner: m[1] as string, file: m[2] as string }
}

t.test('the image holds what npm start and every operator command load, with production dependencies only', async (t) => {
  const sources = copiedSources()
  t.ok(sources.includes('src') && sources.includes('schemas') && sources.includes('adapters'), `the sources, schemas and adapters (${sources.join(', ')})`)
  const operator = Object.keys(pkg.scripts).filter((name) => !DEVELOPMENT_SCRIPTS.includes(name))
  t.ok(['start', 'client:add', 'client:list', 'client:remove', 'db:migrate', 'audit:verify', 'retention'].every((s) => operator.includes(s)), 'the documented operator commands are npm scripts')
  t.ok(pkg.dependencies.tsx !== undefined, 'tsx, which runs them, is a production dependency (npm ci --omit=dev)')
  for (const name of operator) {
    const entry = entryOf(pkg.scripts[name] as string)
    t.ok(entry, `${name}: runs a TypeScript file (${pkg.scripts[name] ?? ''})`)
    if (entry === undefined) continue
    const { files, packages } = closure(entry.file)
    const missing = [...files].filter((f) => !inImage(f, sources) || !existsSync(fromRoot(f)))
    t.same(missing, [], `${name}: the ${files.size} files it loads are copied into the image`)
    const notProduction = [...packages].filter((p) => pkg.dependencies[p] === undefined)
    t.same(notProduction, [], `${name}: every package it imports is a production dependency`)
  }
  t.ok(inImage('config/hub.json', sources) && inImage('config/holidays.json', sources), 'the shipped config and holiday table')
  // the postinstall installs development tools (tools/) with a script the image does not hold
  t.match(dockerfile, /RUN npm ci --omit=dev[^\n]*--ignore-scripts/, 'the image\'s npm ci runs no install scripts (the postinstall is for development)')
  t.notOk(sources.includes('tools'), 'the development tools are not copied into the image')
})

t.test('the development secrets stay out of the image and of the build context', async (t) => {
  const sources = copiedSources()
  t.notOk(inImage('config/dev-secrets/audit.key', sources), 'no COPY takes config/dev-secrets')
  t.notOk(sources.includes('.') || sources.includes('config'), 'nothing copied wholesale that would hold them')
  t.ok(dockerignore.includes('config/dev-secrets'), '.dockerignore leaves them out of the build context')
  for (const ignored of ['node_modules', 'data', '.git', '.env']) t.ok(dockerignore.includes(ignored), `.dockerignore: ${ignored}`)
  for (const source of sources) {
    t.notOk(dockerignore.some((pattern) => !pattern.includes('*') && (source === pattern || source.startsWith(`${pattern}/`))), `${source}: not ignored`)
  }
})

interface Service {
  build?: string
  image?: string
  environment?: Record<string, string>
  volumes?: string[]
  ports?: string[]
  depends_on?: Record<string, unknown>
  healthcheck?: { disable?: boolean }
  stop_grace_period?: string
}

t.test('docker-compose.yml agrees with the image and the hub\'s settings', async (t) => {
  const compose = parseYaml(readFileSync(fromRoot('docker-compose.yml'), 'utf8')) as { services: Record<string, Service> }
  const env = JSON.parse(readFileSync(fromRoot('schemas', 'env.schema.json'), 'utf8')) as { properties: Record<string, { default?: unknown, enum?: string[] }> }
  const known = new Set([...Object.keys(env.properties), 'NODE_ENV'])
  const hubs = Object.entries(compose.services).filter(([, s]) => s.build === '.')
  t.same(hubs.map(([name]) => name).sort(), ['api', 'worker'], 'the API and the worker are built from this Dockerfile')
  const workdir = /^WORKDIR\s+(\S+)/m.exec(dockerfile.slice(dockerfile.lastIndexOf('\nFROM ')))?.[1]
  t.equal(workdir, '/app')
  const postgres = compose.services.postgres?.environment ?? {}
  for (const [name, service] of hubs) {
    const vars = service.environment ?? {}
    t.same(Object.keys(vars).filter((v) => !known.has(v)), [], `${name}: every variable is one the hub reads`)
    t.equal(vars.HUB_ROLE, name, `${name}: HUB_ROLE=${name}`)
    const redis = new URL(vars.REDIS_URL ?? '')
    t.ok(compose.services[redis.hostname], `${name}: REDIS_URL names the ${redis.hostname} service`)
    const db = new URL(vars.DATABASE_URL ?? '')
    t.ok(compose.services[db.hostname], `${name}: DATABASE_URL names the ${db.hostname} service`)
    t.same([db.username, db.password, db.pathname.slice(1)], [postgres.POSTGRES_USER, postgres.POSTGRES_PASSWORD, postgres.POSTGRES_DB], `${name}: DATABASE_URL's user, password and database are the postgres service's`)
    for (const dependency of Object.keys(service.depends_on ?? {})) t.ok(compose.services[dependency], `${name}: depends on ${dependency}, a service`)
    for (const volume of service.volumes ?? []) {
      const [from, to] = volume.split(':') as [string, string]
      t.ok(existsSync(fromRoot(from)), `${name}: mounts ${from}, which exists`)
      t.ok(to.startsWith(`${workdir ?? ''}/`), `${name}: into the image's ${workdir ?? ''}`)
    }
    // docker stops a container with SIGKILL after stop_grace_period: the graceful close must fit in it
    const grace = Number(/^(\d+)s$/.exec(service.stop_grace_period ?? '')?.[1] ?? 10) * 1000
    const needed = Number(vars.SHUTDOWN_TIMEOUT_MS ?? env.properties.SHUTDOWN_TIMEOUT_MS?.default) + Number(vars.SHUTDOWN_DRAIN_MS ?? env.properties.SHUTDOWN_DRAIN_MS?.default)
    t.ok(grace > needed, `${name}: stop_grace_period (${grace} ms) exceeds the drain and the shutdown timeout (${needed} ms)`)
  }
  t.same(compose.services.api?.ports, [`${/^EXPOSE\s+(\d+)/m.exec(dockerfile)?.[1] ?? ''}:3000`], 'the API publishes the port the image exposes')
  t.equal(compose.services.worker?.healthcheck?.disable, true, 'the worker, which does not listen, has the image\'s HTTP health check off')
})
