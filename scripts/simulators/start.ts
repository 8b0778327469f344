/**
 * Starts the agency simulators (index.ts: every agency of the hub config whose endpoint is on this
 * machine, posting progress back to the hub), the portal's webhook receiver for every
 * subscriber on this machine, logging each status change, and the SMS gateway and Zalo ZNS
 * simulators of the notices to applicants when their URLs are on this machine
 * (adapters/notices/sms/simulator.ts, adapters/notices/zalo/simulator.ts), logging each message,
 * and the national portal's dossier sync (DVCQG, adapters/national-portal/simulator.ts) when
 * `nationalPortal` is on this machine. `npm run agencies` (scripts/agencies.ts)
 * and the demo (scripts/demo.ts) run it; each decides when to close them.
 *
 *   HUB_CONFIG        the hub config (default config/hub.json): agencies, endpoints, auth
 *   HUB_URL           where the hub listens (default http://127.0.0.1:3000)
 *   SIM_DELAY_MS      delay between one progress report and the next (default 1500)
 *   SIM_SUPPLEMENT_RATE  share of deliveries that go through a supplement request (default 0.2)
 *   SIM_REJECT_RATE   share of deliveries the agency refuses (default 0)
 *   SIM_KEYS_FILE     the agencies' API keys: the file the hub writes with HUB_DEV_CLIENTS
 *                     (default data/dev-clients.json; read again until it appears)
 *   SIM_DVCQG_FAIL_RATE  share of sync messages the simulated DVCQG answers 503 (default 0): the
 *                     hub retries them, in order
 *   SIM_PAY_AFTER_MS  the simulated payment platform pays each order this long after it was created (default 5000)
 *   SIM_AGENCIES      the agencies to simulate, by id, comma-separated (default: every agency whose
 *                     endpoint is on this machine); the others' endpoints are left alone, e.g. for
 *                     an agency's own software under test on this machine
 *
 * A bad setting or a port in use prints one line and exits 1 (nothing else has started yet).
 */
import { readFileSync } from 'node:fs'
import type { DevKeys } from '../../src/auth/dev-clients.ts'
import { loadHubConfig, type HubSettings } from '../../src/config/hub-config.ts'
import { ConfigError } from '../../src/config/errors.ts'
import { startSimulators } from './index.ts'
import { startPortalReceivers, type PortalReceiver } from './portal.ts'
import { demoDocuments, startNationalStore, type NationalStoreSimulator } from '../../adapters/national-data-store/simulator.ts'
import { startSmsGateway } from '../../adapters/notices/sms/simulator.ts'
import { startZnsSimulator } from '../../adapters/notices/zalo/simulator.ts'
import { startNationalPortalSimulator, type NationalPortalSimulator } from '../../adapters/national-portal/simulator.ts'

const LOCAL = new Set(['127.0.0.1', 'localhost', '[::1]'])
import { startPaymentPlatform, type PaymentPlatform } from '../../adapters/vnpay/simulator.ts'

export interface RunningAgencies {
  /** stops the simulators and receivers (their pending reports to the hub are dropped) */
  close(): Promise<void>
}

const number = (name: string, fallback: number): number => {
  const raw = process.env[name]
  const n = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isFinite(n) || n < 0) {
    console.error(`${name} must be a non-negative number, not "${raw ?? ''}"`)
    process.exit(1)
  }
  return n
}

/** SIM_AGENCIES as a set of agency ids of the config; unset or empty: undefined (every local one). A name the config lacks is one line and exit 1. */
function agencyList (raw: string | undefined, settings: HubSettings): ReadonlySet<string> | undefined {
  if (raw === undefined || raw.trim() === '') return undefined
  const ids = raw.split(',').map((id) => id.trim()).filter((id) => id !== '')
  const unknown = ids.filter((id) => !settings.agencies.has(id))
  if (unknown.length > 0) {
    console.error(`SIM_AGENCIES names ${unknown.join(', ')}, not in the hub config (its agencies: ${[...settings.agencies.keys()].join(', ')})`)
    process.exit(1)
  }
  return new Set(ids)
}

export async function startAgencies (): Promise<RunningAgencies> {
  let settings: HubSettings
  try {
    settings = loadHubConfig(process.env.HUB_CONFIG ?? 'config/hub.json')
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message)
      process.exit(1)
    }
    throw err
  }
  const keysFile = process.env.SIM_KEYS_FILE ?? 'data/dev-clients.json'
  let keys: DevKeys | undefined
  let warned = false
  function keyFor (agencyId: string): string | undefined {
    try {
      keys = JSON.parse(readFileSync(keysFile, 'utf8')) as DevKeys
    } catch {
      if (!warned) console.log(`[agencies] no API keys in ${keysFile} yet: start the hub with HUB_DEV_CLIENTS=${keysFile} (npm run demo does)`)
      warned = true
    }
    return keys?.agencies[agencyId]
  }

  const only = agencyList(process.env.SIM_AGENCIES, settings)
  let sims
  try {
    sims = await startSimulators({
      settings,
      hubUrl: (process.env.HUB_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/$/, ''),
      delayMs: number('SIM_DELAY_MS', 1500),
      supplementRate: number('SIM_SUPPLEMENT_RATE', 0.2),
      rejectRate: number('SIM_REJECT_RATE', 0),
      keyFor,
      ...(only !== undefined && { only }),
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
  if (only !== undefined) {
    const left = [...settings.agencies.keys()].filter((id) => !only.has(id))
    if (left.length > 0) console.log(`[agencies] not simulated (SIM_AGENCIES): ${left.join(', ')}`)
  }
  let portals: PortalReceiver[] = []
  try {
    portals = await startPortalReceivers(settings.subscribers, (line) => { console.log(`[portal] ${line}`) })
  } catch (err) {
    console.error(`[portal] cannot start the webhook receiver: ${String(err)}`)
  }
  for (const p of portals) console.log(`[portal] webhook receiver at ${p.url}`)
  const noticeSims = await startNoticeSimulators(settings)
  let dvcqg: NationalPortalSimulator | undefined
  const portal = settings.nationalPortal
  if (portal !== undefined && LOCAL.has(new URL(portal.endpoint).hostname)) {
    const url = new URL(portal.endpoint)
    const failRate = number('SIM_DVCQG_FAIL_RATE', 0)
    try {
      dvcqg = await startNationalPortalSimulator({
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: Number(url.port === '' ? 80 : url.port),
        path: url.pathname,
        ...(portal.auth !== undefined && { auth: portal.auth }),
        ...(portal.databaseCodes !== undefined && { databases: portal.databaseCodes }),
        ...(failRate > 0 && { answer: () => Math.random() < failRate ? 503 : undefined }),
        log: (line) => { console.log(`[dvcqg] ${line}`) }
      })
      console.log(`[dvcqg] national portal dossier sync simulated at ${dvcqg.url}`)
    } catch (err) {
      console.error(`[dvcqg] cannot start the national portal simulator: ${String(err)}`)
    }
  }
  // the payment platform, when the config's is on this machine: it pays every order SIM_PAY_AFTER_MS after it was created
  let platform: PaymentPlatform | undefined
  const pay = settings.payments
  if (pay !== undefined && ['127.0.0.1', 'localhost'].includes(new URL(pay.endpoint).hostname)) {
    const hubUrl = (process.env.HUB_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/$/, '')
    try {
      platform = await startPaymentPlatform({
        secret: pay.secret,
        callbackUrl: `${hubUrl}/v1/payments/${pay.provider}/callback`,
        port: Number(new URL(pay.endpoint).port || 80),
        autoPayAfterMs: number('SIM_PAY_AFTER_MS', 5000),
        log: (line) => { console.log(`[payments] ${line}`) }
      })
      console.log(`[payments] ${pay.provider} payment platform simulated at ${platform.url}`)
    } catch (err) {
      console.error(`[payments] cannot start the payment platform: ${String(err)}`)
    }
  }
  // the national personal data store on DVCQG (once-only), when the config names one on this machine
  let nationalStore: NationalStoreSimulator | undefined
  const store = settings.nationalDataStore === undefined ? undefined : new URL(settings.nationalDataStore.endpoint)
  if (store !== undefined && LOCAL.has(store.hostname)) {
    try {
      nationalStore = await startNationalStore({ port: Number(store.port || 80), seed: demoDocuments, ...(settings.nationalDataStore?.auth !== undefined && { auth: settings.nationalDataStore.auth }), log: (line) => { console.log(`[national-data-store] ${line}`) } })
      console.log(`[national-data-store] simulated at ${nationalStore.url} (${nationalStore.documents.size} demo documents)`)
    } catch (err) {
      console.error(`[national-data-store] cannot start: ${String(err)}`)
    }
  }
  const running = sims
  return {
    close: async () => {
      await Promise.all([running.close(), ...portals.map(async (p) => { await p.close() }), ...noticeSims.map(async (c) => { await c() }), dvcqg?.close(), platform?.close(), nationalStore?.close()])
      console.log('[agencies] simulators stopped')
    }
  }
}

const localPort = (url: string): number | undefined => {
  const u = new URL(url)
  return LOCAL.has(u.hostname) ? Number(u.port || (u.protocol === 'https:' ? 443 : 80)) : undefined
}

/** The SMS gateway and ZNS of the notices config, when on this machine: their close functions. A port in use is one line, not a stop. */
async function startNoticeSimulators (settings: HubSettings): Promise<Array<() => Promise<void>>> {
  const out: Array<() => Promise<void>> = []
  const n = settings.notices
  const smsPort = n?.sms === undefined ? undefined : localPort(n.sms.url)
  if (n?.sms !== undefined && smsPort !== undefined) {
    const sms = n.sms
    try {
      const sim = await startSmsGateway({
        port: smsPort,
        ...(sms.format === 'esms' && sms.apiKey !== undefined && sms.secret !== undefined && { esms: { apiKey: sms.apiKey, secretKey: sms.secret } }),
        ...(sms.format === 'generic' && sms.secret !== undefined && { token: sms.secret }),
        log: (line) => { console.log(`[sms] ${line}`) }
      })
      console.log(`[sms] ${sms.format} SMS gateway simulated at ${sim.url}`)
      out.push(sim.close)
    } catch (err) {
      console.error(`[sms] cannot start the SMS gateway simulator on ${smsPort}: ${String(err)}`)
    }
  }
  const znsPort = n?.zalo === undefined ? undefined : localPort(n.zalo.url)
  if (n?.zalo !== undefined && znsPort !== undefined) {
    try {
      const templates = [...new Set(Object.values(n.templates).flatMap((t) => t?.zalo === undefined ? [] : [t.zalo.templateId]))]
      const sim = await startZnsSimulator({ port: znsPort, templates, ...(n.zalo.accessToken !== undefined && { accessToken: n.zalo.accessToken }), log: (line) => { console.log(`[zalo] ${line}`) } })
      console.log(`[zalo] Zalo ZNS simulated at ${sim.url}`)
      out.push(sim.close)
    } catch (err) {
      console.error(`[zalo] cannot start the ZNS simulator on ${znsPort}: ${String(err)}`)
    }
  }
  return out
}
