/**
 * pino, configured for a service that handles citizens' data: citizen ID numbers, phone
 * numbers, e-mail addresses and postal addresses never reach a log line. Two layers:
 *  1. `redact` censors the known paths where they live (applicant identity, phones, e-mails,
 *     addresses, parents' IDs);
 *  2. a last-chance scrub of every written line masks anything shaped like a 12-digit citizen ID,
 *     a Vietnamese mobile number or an e-mail address, whatever path it took, written in one piece or
 *     in groups (the patterns of domain/masking.ts). (Old 9-digit IDs are too like other numbers to
 *     mask blindly: only the redact paths cover them.)
 */
import { pino, type Logger, type DestinationStream, type LoggerOptions } from 'pino'
import { hideText } from './domain/masking.ts'

export const REDACTED = '[redacted]'

const redactPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  '*.identity.number',
  '*.applicant.identity.number',
  '*.applicant.phone',
  '*.applicant.email',
  '*.phone',
  '*.citizenId',
  '*.soGiayTo',
  '*.soDienThoai',
  '*.email',
  '*.address',
  '*.*.address',
  '*.*.*.address',
  '*.*.email',
  '*.*.phone',
  '*.installAddress',
  '*.diaChi',
  '*.diaChiLienHe',
  'identity.number',
  'phone',
  'email',
  'address'
]

/**
 * Masks citizen IDs, mobile numbers and e-mail addresses in one serialized log line: in one piece,
 * in groups (038 190 012 345, 0912.345.678, +84 912 345 678) or glued to a label (CCCD038190012345).
 */
export function scrubLine (line: string): string {
  return hideText(line)
}

export function loggerOptions (level: string): LoggerOptions {
  return {
    level,
    base: { service: 'lienthong-hub' },
    redact: { paths: redactPaths, censor: REDACTED },
    hooks: { streamWrite: scrubLine }
  }
}

export function createLogger (level: string, destination?: DestinationStream): Logger {
  return destination === undefined ? pino(loggerOptions(level)) : pino(loggerOptions(level), destination)
}

/** What a piece of work writes its lines with: a pino logger, or a lazyChild of one. */
export interface LineLogger {
  info: (objOrMsg: object | string, msg?: string) => void
  warn: (objOrMsg: object | string, msg?: string) => void
  error: (objOrMsg: object | string, msg?: string) => void
}

/**
 * `log.child(bindings)`, made when its first line is let through: a child serializes (and
 * redacts) its bindings when it is made, which a delivery attempt whose lines the level drops
 * (or that writes none) need not pay for.
 */
export function lazyChild (log: Logger, bindings: Record<string, unknown>): LineLogger {
  let child: Logger | undefined
  const line = (level: 'info' | 'warn' | 'error') => (objOrMsg: object | string, msg?: string): void => {
    if (!log.isLevelEnabled(level)) return
    child ??= log.child(bindings)
    if (typeof objOrMsg === 'string') child[level](objOrMsg)
    else child[level](objOrMsg, msg)
  }
  return { info: line('info'), warn: line('warn'), error: line('error') }
}
