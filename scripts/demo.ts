/**
 * One terminal, everything a newcomer needs to watch a dossier travel: the stand-in agency
 * system (scripts/agency-sink.ts, port 4100, where config/hub.json points) and the hub itself
 * (API + worker, exactly as `npm start`).
 */
await import('./agency-sink.ts')
await import('../src/server.ts')
