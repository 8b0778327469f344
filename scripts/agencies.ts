/**
 * `npm run agencies` — the agency simulators (scripts/simulators/) for every agency of the hub
 * config whose endpoint is on this machine, posting progress back to the hub.
 *
 *   HUB_CONFIG        the hub config (default config/hub.json): agencies, endpoints, auth
 *   HUB_URL           where the hub listens (default http://127.0.0.1:3000)
 *   SIM_DELAY_MS      delay between one progress report and the next (default 1500)
 *   SIM_SUPPLEMENT_RATE  share of deliveries that go through a supplement request (default 0.2)
 *   SIM_REJECT_RATE   share of deliveries the agency refuses (default 0)
 */
import { loadHubConfig } from '../src/config/hub-config.ts'
import { ConfigError } from '../src/config/errors.ts'
import { startSimulators } from './simulators/index.ts'

const number = (name: string, fallback: number): number => {
  const raw = process.env[name]
  const n = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isFinite(n) || n < 0) {
    console.error(`${name} must be a non-negative number, not "${raw ?? ''}"`)
    process.exit(1)
  }
  return n
}

let settings
try {
  settings = loadHubConfig(process.env.HUB_CONFIG ?? 'config/hub.json')
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message)
    process.exit(1)
  }
  throw err
}
let sims
try {
  sims = await startSimulators({
    settings,
    hubUrl: (process.env.HUB_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/$/, ''),
    delayMs: number('SIM_DELAY_MS', 1500),
    supplementRate: number('SIM_SUPPLEMENT_RATE', 0.2),
    rejectRate: number('SIM_REJECT_RATE', 0),
    log: (line) => { console.log(`[agencies] ${line}`) }
  })
} catch (err) {
  const e = err as NodeJS.ErrnoException & { port?: number }
  console.error(e.code === 'EADDRINUSE'
    ? `[agencies] port ${String(e.port ?? '')} is in use: another simulator (or program) listens there; stop it or change the endpoints in ${process.env.HUB_CONFIG ?? 'config/hub.json'}`
    : `[agencies] cannot start: ${String(err)}`)
  process.exit(1)
}
for (const [id, url] of sims.urls) console.log(`[agencies] ${id} simulated at ${url}`)
const stop = (): void => { sims.close().then(() => process.exit(0), () => process.exit(1)) }
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
