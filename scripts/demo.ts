/**
 * One terminal, everything a newcomer needs to watch dossiers travel through linked routes:
 * the agency simulators (scripts/simulators/start.ts: every agency of config/hub.json, speaking its
 * native format, posting progress back) and the hub itself (API + worker, exactly as `npm start`).
 * Submit an example with curl (README: the portal key is in data/dev-clients.json) and watch it
 * reach `resolved`.
 *
 * Ctrl-C takes the hub's one shutdown path: the hub closes first (in-flight deliveries to the
 * simulators finish), then the simulators, then `closed` is logged and the demo exits 0.
 */
import { startAgencies } from './simulators/start.ts'
import { runHubProcess } from '../src/hub-process.ts'

process.env.SIM_DELAY_MS ??= '1500'
// development clients: a portal key for curl and a key per agency for the simulators (README)
process.env.HUB_DEV_CLIENTS ??= 'data/dev-clients.json'
process.env.SIM_KEYS_FILE ??= process.env.HUB_DEV_CLIENTS
const agencies = await startAgencies()
await runHubProcess({ afterClose: agencies.close })
