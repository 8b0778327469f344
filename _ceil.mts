import Fastify from 'fastify'
import { Redis } from 'ioredis'
const r = new Redis('redis://127.0.0.1:6379')
const bare = Fastify()
bare.post('/v1/dossiers', async (req) => { await r.set(`ceil:${(req.body as any).source.reference}`, JSON.stringify(req.body), 'EX', 60); return { ok: true } })
await bare.listen({ port: 3999, host: '127.0.0.1' })
console.log('ready')
process.on('SIGINT', async () => { await bare.close(); r.disconnect(); process.exit(0) })
