import { createHub } from './src/runtime.ts'
import { createLogger } from './src/logger.ts'
import { resolveHubConfig } from './src/config/hub-config.ts'
import { readFileSync, writeFileSync } from 'node:fs'
const example = JSON.parse(readFileSync('schemas/examples/electricity-new-connection.json', 'utf8'))
const settings = resolveHubConfig({
  agencies: { evn: { name: 'EVN', adapter: 'electricity', endpoint: 'http://127.0.0.1:9/evn', concurrency: 64, retry: { attempts: 3, baseDelayMs: 100 } } },
  procedures: { [example.procedure.code]: { name: example.procedure.name, dataSchema: 'electricity-new-connection', agencies: ['evn'] } }
}, 'bench')
const prefix = `perf${Date.now()}`
const hub = await createHub({ role: 'api', redisUrl: 'redis://127.0.0.1:6379', prefix, settings, logger: createLogger('silent'), bodyLimit: 1 << 20, inlineAttachmentLimit: 1 << 18, reconcileIntervalMs: 3600000 })
const key = (await hub.clients.add({ id: 'p', role: 'portal' })).key
await hub.app!.listen({ port: 3999, host: '127.0.0.1' })
writeFileSync('/tmp/prof-key', key); writeFileSync('/tmp/prof-prefix', prefix)
console.log('ready')
process.on('SIGINT', async () => { await hub.close(); process.exit(0) })
