/**
 * One terminal, everything a newcomer needs to watch dossiers travel through linked routes:
 * the agency simulators (scripts/agencies.ts: every agency of config/hub.json, speaking its native
 * format, posting progress back) and the hub itself (API + worker, exactly as `npm start`).
 * Submit an example with curl (README) and watch it reach `resolved`.
 */
process.env.SIM_DELAY_MS ??= '1500'
await import('./agencies.ts')
await import('../src/server.ts')
