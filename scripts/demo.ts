/**
 * One terminal, everything a newcomer needs to watch dossiers travel through linked routes:
 * the agency simulators (scripts/simulators/start.ts: every agency of config/hub.json, speaking its
 * native format, posting progress back) and the hub itself (API + worker, exactly as `npm start`).
 * Submit an example with curl (README: the portal key is in data/dev-clients.json) and watch it
 * reach `resolved`.
 *
 * The notices to applicants go to the SMS gateway and ZNS simulators (started with the agencies)
 * and to an SMTP server started here (scripts/simulators/smtp.ts), each logging what it takes.
 *
 * Ctrl-C takes the hub's one shutdown path: the hub closes first (in-flight deliveries to the
 * simulators finish), then the simulators, then `closed` is logged and the demo exits 0.
 */
import { startAgencies } from './simulators/start.ts'
import { runHubProcess } from '../src/hub-process.ts'
import { startSmtpSink } from './simulators/smtp.ts'
import { loadHubConfig } from '../src/config/hub-config.ts'

process.env.SIM_DELAY_MS ??= '1500'
// development clients: a portal key for curl and a key per agency for the simulators (README)
process.env.HUB_DEV_CLIENTS ??= 'data/dev-clients.json'
process.env.SIM_KEYS_FILE ??= process.env.HUB_DEV_CLIENTS
const agencies = await startAgencies()
// the config is checked by startAgencies already (a bad one has stopped the demo)
const closeSmtp = await startSmtpSink(loadHubConfig(process.env.HUB_CONFIG ?? 'config/hub.json'), (line) => { console.log(`[smtp] ${line}`) })
await runHubProcess({ afterClose: async () => { await agencies.close(); await closeSmtp?.() } })
