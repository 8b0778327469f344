/**
 * Each request's logger (src/http/request-logger.ts): pino's child is made only when a line of the
 * request is let through, and then the lines are the child's, request id and redaction included.
 */
import t from 'tap'
import Fastify, { LogController, type FastifyRequest } from 'fastify'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { loggerOptions, REDACTED } from '../../src/logger.ts'
import { LazyRequestLogger, lazyRequestLogger } from '../../src/http/request-logger.ts'

/** no line of Fastify's own per request: the routes' lines only */
class Unlogged extends LogController {
  override incomingRequest (): void {}
  override requestCompleted (): void {}
}

function captured (level: string): { logger: pino.Logger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done() } })
  return { logger: pino(loggerOptions(level), stream), lines }
}

async function appWith (logger: pino.Logger): Promise<{ app: ReturnType<typeof Fastify>, seen: LazyRequestLogger[] }> {
  const seen: LazyRequestLogger[] = []
  const app = Fastify({ loggerInstance: logger, childLoggerFactory: lazyRequestLogger, logController: new Unlogged() })
  const keep = (request: FastifyRequest): void => { seen.push(request.log as unknown as LazyRequestLogger) }
  app.get('/quiet', async (request) => { keep(request); request.log.debug('not written at info'); return { ok: true } })
  app.get('/says', async (request) => {
    keep(request)
    request.log.info({ applicant: { phone: '0912345678' } }, 'said')
    request.log.info('again')
    return { ok: true }
  })
  app.get('/child', async (request) => { keep(request); request.log.child({ step: 's1' }).warn('from a child'); return { ok: true } })
  await app.ready()
  return { app, seen }
}

t.test('a request whose lines the level drops makes no child; one that writes gets its request id and redaction', async (t) => {
  const { logger, lines } = captured('info')
  const { app, seen } = await appWith(logger)
  t.teardown(async () => { await app.close() })

  await app.inject({ method: 'GET', url: '/quiet' })
  t.equal(seen[0]?.made, false, 'nothing written: no pino child made')
  t.equal(lines.length, 0, 'and no line')

  await app.inject({ method: 'GET', url: '/says' })
  t.equal(seen[1]?.made, true, 'a line written: the child exists')
  t.equal(lines.length, 2, 'both lines written')
  const [first, second] = lines
  t.match(first, { msg: 'said', reqId: String }, 'the line carries the request id, as a child\'s does')
  t.equal(first?.reqId, second?.reqId, 'every line of the request: one request id')
  t.same((first?.applicant as { phone?: string } | undefined)?.phone, REDACTED, 'the redaction paths still apply')

  await app.inject({ method: 'GET', url: '/child' })
  t.match(lines[2], { msg: 'from a child', step: 's1', reqId: String }, 'a child of the request logger has the request id and its own bindings')
  t.not(lines[2]?.reqId, first?.reqId, 'another request, another id')
})

t.test('the level is the hub logger\'s at the time of the call', async (t) => {
  const { logger, lines } = captured('warn')
  const { app, seen } = await appWith(logger)
  t.teardown(async () => { await app.close() })
  await app.inject({ method: 'GET', url: '/says' })
  t.equal(seen[0]?.made, false, 'info at level warn: no child, no line')
  t.equal(lines.length, 0)
  logger.level = 'info'
  await app.inject({ method: 'GET', url: '/says' })
  t.equal(lines.length, 2, 'the level lowered at run time: the next request writes')
  t.equal(seen[1]?.level, 'info', 'and reports the level it writes at')
  t.ok(seen[1]?.isLevelEnabled('info'))
  t.notOk(seen[1]?.isLevelEnabled('debug'))
  t.match(seen[1]?.bindings(), { reqId: String }, 'its bindings: the request id')
})
