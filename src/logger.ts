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
