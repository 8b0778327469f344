/**
 * E-mail over SMTP (nodemailer): the message of a notice, and how an SMTP failure is read. The
 * notice's key is in the Message-ID (<key@host of From>) and an X-Hub-Notice header, the same on
 * every attempt, so a receiving system can drop a repeat.
 */
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer'

export interface EmailAccount {
  host: string
  port: number
  secure: boolean
  from: string
  user?: string
  password?: string
  timeoutMs: number
}

export interface EmailMessage {
  to: string
  subject: string
  text: string
  key: string
}

/** One pooled SMTP transport per account. */
export function emailTransport (a: EmailAccount): Transporter {
  return nodemailer.createTransport({
    host: a.host,
    port: a.port,
    secure: a.secure,
    ...(a.user !== undefined && { auth: { user: a.user, pass: a.password ?? '' } }),
    connectionTimeout: a.timeoutMs,
    greetingTimeout: a.timeoutMs,
    socketTimeout: a.timeoutMs,
    pool: true,
    maxConnections: 2
  })
}

const domainOf = (from: string): string => /@([^>\s]+)/.exec(from)?.[1] ?? 'hub.invalid'

export function emailMessage (a: Pick<EmailAccount, 'from'>, m: EmailMessage): SendMailOptions {
  const id = m.key.replace(/[^A-Za-z0-9.-]/g, '.')
  return {
    from: a.from,
    to: m.to,
    subject: m.subject,
    text: m.text,
    messageId: `<${id}@${domainOf(a.from)}>`,
    headers: { 'X-Hub-Notice': m.key }
  }
}

/** Whether an SMTP failure is worth another try: 4xx replies and broken connections are; 5xx replies (no such mailbox, refused) are not. */
export function smtpRetryable (err: unknown): boolean {
  const code = (err as { responseCode?: unknown }).responseCode
  return typeof code === 'number' ? code < 500 : true
}
