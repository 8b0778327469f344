/**
 * An SMTP server for the demo: takes the e-mail notices of the hub config (notices.email) when
 * their host is this machine, and logs each one (recipient masked, subject). smtp-server and
 * mailparser are development dependencies: in an installation without them (npm ci --omit=dev)
 * the demo says so in one line and goes on without it.
 */
import type { HubSettings } from '../../src/config/hub-config.ts'

const LOCAL = new Set(['127.0.0.1', 'localhost', '::1'])

export async function startSmtpSink (settings: HubSettings, log: (line: string) => void): Promise<(() => Promise<void>) | undefined> {
  const email = settings.notices?.email
  if (email === undefined || !LOCAL.has(email.host)) return undefined
  let SMTPServer: typeof import('smtp-server').SMTPServer
  let simpleParser: typeof import('mailparser').simpleParser
  try {
    ({ SMTPServer } = await import('smtp-server'))
    ;({ simpleParser } = await import('mailparser'))
  } catch {
    log(`no SMTP server for the e-mail notices: smtp-server and mailparser are development dependencies (npm install without --omit=dev), or point notices.email at a real one; e-mail notices to ${email.host}:${email.port} will fail and be retried`)
    return undefined
  }
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth (_auth, _session, callback) { callback(null, { user: 'demo' }) },
    onData (stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        const to = (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.text ?? ''
        log(`e-mail to ${to.replace(/^(.).*@/, '$1***@')}: ${mail.subject ?? ''}`)
        callback()
      }, (err: Error) => { callback(err) })
    }
  })
  try {
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject)
      server.listen(email.port, email.host, () => { resolve() })
    })
  } catch (err) {
    log(`cannot start the SMTP server on ${email.host}:${email.port}: ${String(err)}`)
    return undefined
  }
  log(`SMTP server for the e-mail notices at ${email.host}:${email.port}`)
  return async () => { await new Promise<void>((resolve) => { server.close(() => { resolve() }) }) }
}
