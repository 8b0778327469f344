/**
 * Once-only (issue 17): the document store. A desk registers the papers it digitised; the portal
 * looks up a holder's valid documents to offer them for reuse; the issuing agency revokes. Reuse
 * itself is part of intake (an attachment's `reuse`, POST /v1/dossiers). Agencies cannot look
 * documents up: an agency sees only what the dossiers routed to it contain.
 */
import type { FastifyInstance } from 'fastify'
import type { DigitizedPaper } from '../services/document-service.ts'
import { dossierCodePattern } from '../schemas.ts'
import { problem } from './common.ts'

const holderPattern = '^[0-9A-Za-z][0-9A-Za-z.-]{2,31}$'
const documentParam = {
  type: 'object',
  required: ['document'],
  properties: { document: { description: 'Mã giấy tờ — the document\'s id in the hub\'s store.', type: 'string', pattern: '^doc_[0-9a-f]{32}$' } }
} as const

export default async function documentRoutes (app: FastifyInstance): Promise<void> {
  app.post<{ Body: DigitizedPaper }>('/v1/documents', {
    config: { roles: ['portal', 'agency', 'admin'] },
    schema: {
      tags: ['documents'],
      operationId: 'registerDocument',
      summary: 'Register a paper digitised at the desk (số hóa giấy tờ)',
      description: 'A one-stop desk (an agency client, registered as its own agency) or the portal registers a paper it digitised, with its holder, kind, issue date, validity and the file\'s address and SHA-256. It can then be reused in later dossiers (an attachment\'s `reuse.documentId`) instead of being asked for again.',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['holder', 'kind', 'name', 'issuedAt', 'fileName', 'url', 'sha256'],
        properties: {
          holder: { description: 'Chủ giấy tờ — a person\'s 12-digit personal number or an organisation\'s code.', type: 'string', pattern: holderPattern },
          kind: { description: 'Loại giấy tờ — document or component code.', type: 'string', minLength: 1, maxLength: 64 },
          name: { description: 'Tên giấy tờ.', type: 'string', minLength: 1, maxLength: 300 },
          issuedAt: { description: 'Ngày cấp (ISO 8601 with offset).', type: 'string', format: 'date-time' },
          validUntil: { description: 'Hiệu lực đến (ISO 8601 with offset); absent: no end.', type: 'string', format: 'date-time' },
          issuer: { description: 'Cơ quan ban hành — for the portal or an administrator: the hub\'s id of the agency that issued the paper; an agency client registers as itself.', type: 'string', minLength: 1, maxLength: 64 },
          fileName: { description: 'Tên tệp.', type: 'string', minLength: 1, maxLength: 255 },
          mediaType: { description: 'Kiểu tệp.', type: 'string', maxLength: 127 },
          byteSize: { description: 'Dung lượng (bytes).', type: 'integer', minimum: 0 },
          url: { description: 'Đường dẫn tệp — where the digitised file is kept.', type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2048 },
          sha256: { description: 'Mã băm SHA-256 (hex).', type: 'string', pattern: '^[0-9a-f]{64}$' },
          dossier: { description: 'Mã hồ sơ — the dossier it was digitised for, if any.', type: 'string', pattern: dossierCodePattern.source }
        }
      },
      response: {
        201: { description: 'Registered.', $ref: 'stored-document#' },
        400: problem('Bad input: `errors` lists each offending field; nothing was stored.')
      }
    }
  }, async (request, reply) => {
    const document = await app.hub.documents.register(request.body, request.client as NonNullable<typeof request.client>)
    return await reply.code(201).send(document)
  })

  app.get<{ Params: { holder: string }, Querystring: { purpose: string, kind?: string } }>('/v1/holders/:holder/documents', {
    config: { roles: ['portal', 'admin'], audit: 'lookup-documents' },
    schema: {
      tags: ['documents'],
      operationId: 'listHolderDocuments',
      summary: 'A holder\'s valid documents (tra cứu giấy tờ để tái sử dụng)',
      description: 'The documents of a person (12-digit personal number) or an organisation that are valid now — issued, not expired, not revoked — by kind, newest first; for the portal to offer them for reuse instead of asking for them again. `purpose` (Decree 13/2023/NĐ-CP) says what the lookup is for: the dossier (its code, or the portal\'s reference of the dossier being prepared). Every lookup is written to the documents\' access log with the client and the purpose, and, when the purpose is a dossier the hub holds, to that dossier\'s audit trail. The portal and administrators only: agencies see what the dossiers routed to them contain, auditors read the access log through the record.',
      params: {
        type: 'object',
        required: ['holder'],
        properties: { holder: { description: 'Chủ giấy tờ — a 12-digit personal number or an organisation\'s code.', type: 'string', pattern: holderPattern } }
      },
      querystring: {
        type: 'object',
        additionalProperties: false,
        required: ['purpose'],
        properties: {
          purpose: { description: 'Mục đích — the dossier the documents are looked up for (its code or the portal\'s reference).', type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' },
          kind: { description: 'Loại giấy tờ — only documents of this kind.', type: 'string', minLength: 1, maxLength: 64 }
        }
      },
      response: {
        200: {
          description: 'The valid documents.',
          type: 'object',
          additionalProperties: false,
          required: ['holder', 'documents'],
          properties: {
            holder: { type: 'string', description: 'Chủ giấy tờ.' },
            documents: { type: 'array', description: 'Giấy tờ còn hiệu lực.', items: { $ref: 'stored-document#' } }
          }
        },
        400: problem('The holder or the purpose is not valid.')
      }
    }
  }, async (request) => {
    const { holder } = request.params
    const { purpose, kind } = request.query
    if (dossierCodePattern.test(purpose)) request.dossierCode = purpose
    const documents = await app.hub.documents.lookup(holder, purpose, request.client as NonNullable<typeof request.client>, kind)
    return { holder, documents }
  })

  app.post<{ Params: { document: string }, Body: { reason?: string } | undefined }>('/v1/documents/:document/revocation', {
    config: { roles: ['agency', 'admin'] },
    schema: {
      tags: ['documents'],
      operationId: 'revokeDocument',
      summary: 'Revoke a document (thu hồi giấy tờ)',
      description: 'The agency that issued (or digitised) a document revokes it: from now on it is not offered, and no dossier received after this time can reuse it. Dossiers that reused it before keep it. An administrator may revoke in the issuer\'s name. A second revocation keeps the first.',
      params: documentParam,
      body: {
        type: 'object',
        additionalProperties: false,
        properties: { reason: { description: 'Lý do thu hồi.', type: 'string', minLength: 1, maxLength: 500 } }
      },
      response: {
        200: { description: 'The document, revoked.', $ref: 'stored-document#' },
        400: problem('The id or the body is not valid.'),
        403: problem('The document was issued by another agency.'),
        404: problem('No document has this id.')
      }
    }
  }, async (request) => await app.hub.documents.revoke(request.params.document, request.client as NonNullable<typeof request.client>, request.body?.reason))
}
