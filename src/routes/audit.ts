/**
 * /v1/dossiers/:code/audit — the dossier's audit trail with the verification of its keyed hash
 * chain and head record; /v1/audit/checkpoints — the daily signed checkpoints of every trail's
 * head, with the public key that verifies them, for auditors to keep outside the hub.
 */
import type { FastifyInstance } from 'fastify'
import { codeParam, problem } from './common.ts'
import { CheckpointNotFoundError } from '../errors.ts'

const AUDIT_READERS = { roles: ['admin', 'auditor'] } as const

const problems = ['entry-changed', 'entry-out-of-place', 'entry-foreign', 'entry-unlinked', 'entry-unkeyed', 'entry-other-key', 'truncated', 'deleted', 'extended', 'rewritten', 'head-missing', 'head-invalid']

export default async function auditRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Params: { code: string } }>('/v1/dossiers/:code/audit', {
    config: { ...AUDIT_READERS, audit: 'read-audit' },
    schema: {
      tags: ['audit'],
      operationId: 'getDossierAudit',
      summary: 'A dossier\'s audit trail (nhật ký truy cập)',
      description: 'Every read and write of the dossier by a client, oldest first, each entry carrying the hash of the one before — an HMAC-SHA256 under the hub\'s audit key, which nobody with only store access holds. `verification` recomputes the chain, compares it with the trail\'s head record (its length and last hash, kept apart and keyed too), and names the first problem: an entry changed or rewritten (`brokenAt`), the trail cut short, deleted, extended or rewritten, the head record missing or forged. Entries written by earlier versions carry a plain SHA-256: they are counted in `unkeyed`.',
      params: codeParam,
      response: {
        200: {
          description: 'The trail and its verification.',
          type: 'object',
          required: ['dossier', 'entries', 'verification'],
          properties: {
            dossier: { description: 'Mã hồ sơ — the dossier code.', type: 'string' },
            entries: { description: 'Các mục — the entries, oldest first.', type: 'array', items: { $ref: 'audit-entry#' } },
            verification: {
              description: 'Kiểm tra chuỗi — whether the chain is whole and matches its head record.',
              type: 'object',
              required: ['valid', 'entries', 'keyed', 'unkeyed'],
              properties: {
                valid: { description: 'Nguyên vẹn — true when every entry follows the one before and matches its hash, and the trail ends where its head record says.', type: 'boolean' },
                entries: { description: 'Số mục — entries checked.', type: 'integer' },
                keyed: { description: 'Có khóa — every entry carries an HMAC under the hub\'s audit key.', type: 'boolean' },
                unkeyed: { description: 'Mục không khóa — entries written by earlier versions, with a plain SHA-256 that anyone can recompute.', type: 'integer' },
                head: {
                  description: 'Bản ghi đầu chuỗi — what the trail\'s head record says (when it verifies under the key).',
                  type: 'object',
                  properties: {
                    entries: { description: 'Số mục — the trail\'s length.', type: 'integer' },
                    hash: { description: 'Băm — the hash of its last entry.', type: 'string' }
                  }
                },
                problem: { description: 'Vấn đề — what is wrong: ' + problems.join(', ') + '.', type: 'string', enum: problems },
                brokenAt: { description: 'Vị trí lỗi — the first entry (1-based) where the chain breaks, for a problem of one entry.', type: 'integer' },
                reason: { description: 'Lý do — what is wrong, in words.', type: 'string' }
              }
            }
          }
        },
        404: problem('No dossier has this code.')
      }
    }
  }, async (request) => {
    request.dossierCode = request.params.code
    return await app.hub.dossiers.audit(request.params.code)
  })

  app.get('/v1/audit/checkpoints', {
    config: AUDIT_READERS,
    schema: {
      tags: ['audit'],
      operationId: 'listAuditCheckpoints',
      summary: 'The signed daily checkpoints of the audit trails (điểm kiểm tra), and the key that verifies them',
      description: 'Once a day the hub lists every audit trail\'s head (dossier, length, hash of the last entry) and signs the list with its Ed25519 key. Fetch each day\'s document and keep it outside the hub, with this public key: `npm run audit:verify -- <file> --public-key <pem>` then shows any trail cut short or rewritten since, even by someone who could write to the store.',
      response: {
        200: {
          type: 'object',
          required: ['publicKey', 'checkpoints'],
          properties: {
            publicKey: {
              description: 'Khóa công khai — verifies the checkpoints\' signatures.',
              type: 'object',
              properties: {
                algorithm: { type: 'string', description: 'Thuật toán — Ed25519.' },
                keyId: { type: 'string', description: 'Mã khóa — first 16 hex of the SHA-256 of the key (SPKI, DER); each checkpoint names it in signer.keyId.' },
                pem: { type: 'string', description: 'Khóa — the public key, PEM (SPKI).' }
              }
            },
            checkpoints: {
              description: 'Các điểm kiểm tra — the ones the hub keeps, newest first.',
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  date: { type: 'string', description: 'Ngày — the Vietnam day (YYYY-MM-DD); GET /v1/audit/checkpoints/{date} returns the document.' },
                  at: { type: 'string', description: 'Thời điểm — when it was taken.' }
                }
              }
            }
          }
        }
      }
    }
  }, async () => ({ publicKey: app.hub.checkpoints.publicKey, checkpoints: await app.hub.checkpoints.list() }))

  app.get<{ Params: { date: string } }>('/v1/audit/checkpoints/:date', {
    config: AUDIT_READERS,
    schema: {
      tags: ['audit'],
      operationId: 'getAuditCheckpoint',
      summary: 'One day\'s signed checkpoint, as signed',
      description: 'The document: `date`, `at`, `trails`, `headsDigest` (SHA-256 over "<dossier>|<entries>|<head>\\n" lines sorted by dossier), `heads`, `unverified` (head records that did not verify when it was taken), `signer`, and `signature` (Ed25519, base64, over the canonical JSON — sorted keys, no spaces — of the document without `signature`).',
      params: {
        type: 'object',
        required: ['date'],
        properties: { date: { description: 'Ngày — YYYY-MM-DD.', type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } }
      },
      response: {
        200: { description: 'The signed document (JSON), byte for byte as kept.', type: 'object', additionalProperties: true },
        404: problem('No checkpoint of that day is kept.')
      }
    }
  }, async (request, reply) => {
    const doc = await app.hub.checkpoints.get(request.params.date)
    if (doc === undefined) throw new CheckpointNotFoundError(request.params.date)
    return await reply.type('application/json; charset=utf-8').send(doc)
  })
}
