/**
 * `npm run agencies` — the agency simulators and the portal's webhook receiver
 * (scripts/simulators/start.ts: which ones, and the variables that tune them), until SIGINT or
 * SIGTERM closes them and exits 0.
 */
import { startAgencies } from './simulators/start.ts'

const agencies = await startAgencies()
let stopping = false
// `on`, not `once`: under npm one Ctrl-C arrives twice (from the terminal and forwarded by npm)
const stop = (): void => {
  if (stopping) return
  stopping = true
  agencies.close().then(() => process.exit(0), () => process.exit(1))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
