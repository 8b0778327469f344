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
import { HubValidationError, UploadMediaTypeError } from '../errors.ts'

const holderPattern = '^[0-9A-Za-z][0-9A-Za-z.-]{2,31}$'
const documentParam = {
  type: 'object',
  required: ['document'],
  properties: { document: { description: 'Mã giấy tờ — the document\'s id in the hub\'s store.', type: 'string', pattern: '^doc_[0-9a-f]{32}$' } }
} as const

export default async function documentRoutes (app: FastifyInstance): Promise<void> {
  const limit = app.hub.documents.contentLimit
  app.post<{ Body: DigitizedPaper }>('/v1/documents', {
    config: { roles: ['portal', 'agency', 'admin'] },
    // a kept file travels as base64 (4 bytes for 3) beside the paper's other fields
    bodyLimit: Math.max(app.initialConfig.bodyLimit ?? 0, Math.ceil(limit / 3) * 4 + 64 * 1024),
    schema: {
      tags: ['documents'],
      operationId: 'registerDocument',
      summary: 'Register a paper digitised at the desk (số hóa giấy tờ)',
      description: 'A one-stop desk (an agency client, registered as its own agency) or the portal registers a paper it digitised, with its holder, kind, issue date, validity and SHA-256, and its file: either the address where it is kept (`url`), or the file itself (`contentBase64`, at most the hub config\'s documents.contentLimit bytes, 10 MiB by default), which the hub then keeps in its record after checking its SHA-256 (and `byteSize`, when given), or `upload: true` with `byteSize`, and the file sent next as raw bytes to `PUT /v1/documents/{document}/content` (the document is `contentPending` until then); with either of the last two the stored document\'s `url` is the hub\'s own, `GET /v1/documents/{document}/content`. A `dossier` label must name a dossier the caller holds (for an agency, one routed to it). The paper can then be reused in later dossiers (an attachment\'s `reuse.documentId`) instead of being asked for again.',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['holder', 'kind', 'name', 'issuedAt', 'fileName', 'sha256'],
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
          url: { description: 'Đường dẫn tệp — where the digitised file is kept, when it is kept elsewhere; give this or contentBase64.', type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2048 },
          contentBase64: { description: 'Nội dung tệp (base64) — the file itself, for the hub to keep; give this, url or upload. Its SHA-256 must be `sha256`.', type: 'string', contentEncoding: 'base64', minLength: 4, pattern: '^[A-Za-z0-9+/]*={0,2}$' },
          upload: { description: 'Tải tệp riêng — true: the hub keeps the file, which the caller sends next as raw bytes (PUT /v1/documents/{document}/content, application/octet-stream: a third smaller than base64); `byteSize` is then required. Until the file arrives the document is neither offered nor reusable. Give this, url or contentBase64.', type: 'boolean', const: true },
          sha256: { description: 'Mã băm SHA-256 (hex) of the file.', type: 'string', pattern: '^[0-9a-f]{64}$' },
          dossier: { description: 'Mã hồ sơ — the dossier it was digitised for, if any: one the caller holds (an agency: routed to it).', type: 'string', pattern: dossierCodePattern.source }
        }
      },
      response: {
        201: { description: 'Registered.', $ref: 'stored-document#' },
        400: problem('Bad input: `errors` lists each offending field (neither or both of url and contentBase64, a file over the limit, a SHA-256 or size that does not match the file, a dossier the caller does not hold); nothing was stored.'),
        413: problem('The body is larger than the hub accepts for a paper with its file; nothing was stored.')
      }
    }
  }, async (request, reply) => {
    const document = await app.hub.documents.register(request.body, request.client as NonNullable<typeof request.client>, `${request.protocol}://${request.host}`)
    return await reply.code(201).send(document)
  })

  // the file of a paper registered with upload: true, as raw bytes: a parser of its own, in a
  // context of its own (every other route takes JSON only), up to the largest file the hub keeps
  await app.register(async (raw) => {
    raw.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: limit }, (_request, body, done) => { done(null, body) })
    raw.put<{ Params: { document: string }, Body: Buffer }>('/v1/documents/:document/content', {
      config: { roles: ['portal', 'agency', 'admin'], audit: 'upload-document', fileUpload: true },
      bodyLimit: limit,
      schema: {
        tags: ['documents'],
        operationId: 'uploadDocumentContent',
        summary: 'Send the file of a digitised paper as raw bytes (tải lên tệp giấy tờ)',
        description: 'The file of a paper registered with `upload: true` (POST /v1/documents), as the body itself: `Content-Type: application/octet-stream`, at most the hub config\'s documents.contentLimit bytes — not base64, so a third smaller than `contentBase64`. Its size and SHA-256 must be the ones registered; then the hub keeps it (as for `contentBase64`), serves it at `GET /v1/documents/{document}/content`, and the document may be offered and reused. Who may send it: the client that registered the paper, the agency it registered as, an administrator; anyone else: 404, as an unknown document. The same bytes again: 200, the document as it is. Every upload, accepted or refused, is on the documents\' access log; an accepted one is also on the audit trail of the dossier the paper was digitised for.',
        params: documentParam,
        response: {
          200: { description: 'The file is kept: the document, no longer `contentPending`.', $ref: 'stored-document#' },
          400: problem('The file is not the one registered (its size or SHA-256 differs), or the id is not valid; nothing was stored.'),
          404: problem('No document has this id that the caller may send the file of.'),
          409: problem('The document is not waiting for its file: registered by address, or its file (other bytes) is kept already; nothing was changed.'),
          413: problem('The file is larger than the hub keeps (documents.contentLimit); nothing was stored.'),
          415: problem('The body is not application/octet-stream.')
        }
      }
    }, async (request) => {
      const body = request.body as unknown
      if (body !== undefined && body !== null && !Buffer.isBuffer(body)) throw new UploadMediaTypeError()
      const document = await app.hub.documents.upload(request.params.document, Buffer.isBuffer(body) ? body : Buffer.alloc(0), request.client as NonNullable<typeof request.client>)
      if (document.dossier !== undefined) request.dossierCode = document.dossier
      return document
    })
  })

  app.get<{ Params: { document: string }, Querystring: { purpose?: string } }>('/v1/documents/:document/content', {
    config: { roles: ['portal', 'agency', 'admin'], audit: 'read-document' },
    schema: {
      tags: ['documents'],
      operationId: 'getDocumentContent',
      summary: 'Read the file of a document the hub keeps (tải tệp giấy tờ)',
      description: 'The bytes of a paper digitised at the desk and kept by the hub (registered with `contentBase64`), with its media type, size and SHA-256 (`Repr-Digest`). Who may read it: the portal (the holder\'s channel) and administrators; the agency that issued or digitised it; an agency a dossier containing it is routed to (the dossier it was digitised for, or one that reused it). `purpose` (Decree 13/2023/NĐ-CP): the dossier the file is read for — required of the portal and administrators; an agency\'s read is for the dossier through which it may read, unless it names one. Every read, and every refusal, is on the documents\' access log with the client and the purpose, and, when the purpose is a dossier the hub holds, on that dossier\'s audit trail. Anyone else, an unknown document, or one the hub keeps no file for (registered by its address): 404.',
      params: documentParam,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          purpose: { description: 'Mục đích — the dossier the file is read for (its code, or the portal\'s reference of the dossier being prepared).', type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' }
        }
      },
      response: {
        200: {
          description: 'The file.',
          headers: {
            'Repr-Digest': { description: 'SHA-256 of the file (RFC 9530): sha-256=:<base64>:', type: 'string' },
            'Content-Disposition': { description: 'attachment, with the file name.', type: 'string' },
            'Cache-Control': { description: 'private, no-store: personal data, not to be kept by caches.', type: 'string' }
          },
          content: { 'application/octet-stream': { schema: { description: 'Tệp giấy tờ — the bytes, with the document\'s media type as Content-Type.', type: 'string', format: 'binary' } } }
        },
        400: problem('The id or the purpose is not valid, or the portal or an administrator gave no purpose.'),
        404: problem('No document has this id that the caller may read, or the hub keeps no file for it.')
      }
    }
  }, async (request, reply) => {
    const client = request.client as NonNullable<typeof request.client>
    const { purpose } = request.query
    if (purpose === undefined && client.role !== 'agency') throw new HubValidationError([{ pointer: '#/querystring/purpose', detail: 'is required: the dossier the file is read for (Decree 13/2023/NĐ-CP)' }])
    if (purpose !== undefined && client.role !== 'agency' && dossierCodePattern.test(purpose)) request.dossierCode = purpose
    const { document, content, purpose: why } = await app.hub.documents.readContent(request.params.document, client, purpose)
    if (why !== undefined && dossierCodePattern.test(why)) request.dossierCode = why
    return await reply
      .type(document.mediaType ?? 'application/octet-stream')
      .header('content-length', content.length)
      .header('repr-digest', `sha-256=:${Buffer.from(document.sha256, 'hex').toString('base64')}:`)
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(document.fileName)}`)
      .header('cache-control', 'private, no-store')
      .send(content)
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
        404: problem('No document has this id that the caller issued (another agency\'s document is not named to it).')
      }
    }
  }, async (request) => await app.hub.documents.revoke(request.params.document, request.client as NonNullable<typeof request.client>, request.body?.reason))
}
