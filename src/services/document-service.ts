/**
 * Once-only: the document store's use cases (domain/once-only.ts has the rules).
 *
 * - register: a paper digitised at a desk (POST /v1/documents, an agency or the portal);
 * - resultDocuments: the results an agency issued through the hub, as the documents the report's
 *   change registers in its own transaction (store/dossier-store.ts applyChange); registerResults
 *   registers them for a repeat of a report applied before that (a result is registered once, by
 *   dossier, step, kind and digest);
 * - resolve: the components of a submission that name a stored document (reuse) become
 *   attachments with its file reference and SHA-256, marked reused, after the checks (holder,
 *   validity at receipt, consent); any refusal is one 400 naming every refused component, before
 *   anything is stored. A `nationalStoreReference` is fetched from the national personal data
 *   store first (and registered, origin national-store);
 * - lookup: a holder's valid documents (the portal, administrators), with its purpose;
 * - revoke: by the issuing agency only.
 * Every lookup, reuse, registration and revocation is written to the access log with the client,
 * the holder, the documents and the purpose (the dossier).
 */
import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import type { Attachment, AttachmentReuse, DossierSubmission, ResultDocument, StoredDocument } from '../types/schemas.generated.ts'
import type { DocumentStore, NewDocument } from '../store/document-store.ts'
import type { Client } from '../auth/clients.ts'
import { DocumentContentFixedError, DocumentContentNotFoundError, DocumentFileUnavailableError, DocumentNotFoundError, HubValidationError, ReuseRefusedError, type FieldProblem } from '../errors.ts'
import { dossierSubjects, holderProblem, isReuse, resultHolder, reuseRefusal, reusedAttachment, type SubmittedAttachment } from '../domain/once-only.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { sha256Hex } from '../domain/fingerprint.ts'

/** Fetches a document from the national personal data store by its reference; undefined when the store has none. */
export type NationalStoreFetch = (reference: string) => Promise<Omit<NewDocument, 'id' | 'registeredBy' | 'origin'> | undefined>

export interface DocumentServiceOptions {
  store: DocumentStore
  /** the national personal data store on DVCQG, when configured */
  nationalStore?: NationalStoreFetch
  /**
   * reads a document's file at its address: its size and SHA-256 (delivery/file-probe.ts); used
   * once for a reused document whose size nobody reported. Absent: such a size stays unknown (0).
   */
  probe?: (url: string) => Promise<{ byteSize: number, sha256: string }>
  /** the files the hub keeps: the largest (bytes), and its public base URL (else the request's origin) */
  files?: { contentLimit: number, publicUrl?: string }
  /** the agencies a dossier is routed to; undefined when the hub holds no such dossier */
  dossierAgencies?: (code: string) => Promise<readonly string[] | undefined>
  log: Logger
  now?: () => Date
}

/** What a desk posts to register a paper it digitised (POST /v1/documents). */
export interface DigitizedPaper {
  holder: string
  kind: string
  name: string
  issuedAt: string
  validUntil?: string
  /** the agency that issued the paper, when known (else the digitising agency or desk) */
  issuer?: string
  fileName: string
  mediaType?: string
  byteSize?: number
  /** where the file is kept elsewhere; or, instead, */
  url?: string
  /** the file itself (base64), kept by the hub (document_files); or, instead, */
  contentBase64?: string
  /** true: the file follows as raw bytes (PUT /v1/documents/{id}/content), of `byteSize` bytes */
  upload?: boolean
  sha256: string
  dossier?: string
}

/** A file the hub keeps, as it is served. */
export interface DocumentContent {
  document: StoredDocument
  content: Buffer
  /** the dossier the read is for (its purpose) */
  purpose?: string
}

/** The largest file the hub keeps unless configured (hub config documents.contentLimit). */
export const DEFAULT_CONTENT_LIMIT = 10 * 1024 * 1024

export function newDocumentId (): string {
  return `doc_${randomBytes(16).toString('hex')}`
}

/** The outcome of resolving a submission's reused components. */
export interface Resolved {
  submission: DossierSubmission
  /** the documents reused, for the access log once the dossier is stored */
  reused: StoredDocument[]
}

export class DocumentService {
  readonly #o: Required<Omit<DocumentServiceOptions, 'nationalStore' | 'dossierAgencies' | 'probe'>> & Pick<DocumentServiceOptions, 'nationalStore' | 'dossierAgencies' | 'probe'>

  constructor (options: DocumentServiceOptions) {
    this.#o = { now: () => new Date(), files: { contentLimit: DEFAULT_CONTENT_LIMIT }, ...options }
  }

  get store (): DocumentStore { return this.#o.store }

  /** The largest file the hub keeps (bytes). */
  get contentLimit (): number { return this.#o.files.contentLimit }

  /**
   * A paper digitised at a desk. The issuer is the client's agency (an agency client) or the one it
   * names. Its file is either at an address (`url`) or given (`contentBase64`): then the hub keeps
   * it, after checking its size and that its SHA-256 is the one declared, and its address is the
   * hub's own (`origin`: the hub's base URL as the caller reached it, unless configured).
   */
  async register (paper: DigitizedPaper, client: Client, origin = 'http://localhost'): Promise<StoredDocument> {
    const problems: FieldProblem[] = []
    let content: Buffer | undefined
    const upload = paper.upload === true
    if ([paper.url !== undefined, paper.contentBase64 !== undefined, upload].filter(Boolean).length !== 1) {
      problems.push({ pointer: '#', detail: 'give exactly one of url (the file is kept elsewhere), contentBase64 (the hub keeps the file) and upload: true (the hub keeps the file, sent next as raw bytes to PUT /v1/documents/{id}/content)' })
    } else if (upload) {
      const limit = this.#o.files.contentLimit
      if (paper.byteSize === undefined) problems.push({ pointer: '#/byteSize', detail: 'is required with upload: the size of the file that will be sent' })
      else if (paper.byteSize > limit) problems.push({ pointer: '#/byteSize', detail: `is ${paper.byteSize} bytes; the hub keeps files of at most ${limit} bytes (documents.contentLimit)` })
      else if (paper.byteSize === 0) problems.push({ pointer: '#/byteSize', detail: 'is 0: a file to upload is not empty' })
    } else if (paper.contentBase64 !== undefined) {
      content = Buffer.from(paper.contentBase64, 'base64')
      const limit = this.#o.files.contentLimit
      if (content.length > limit) problems.push({ pointer: '#/contentBase64', detail: `is ${content.length} bytes; the hub keeps files of at most ${limit} bytes (documents.contentLimit)` })
      else if (content.length === 0) problems.push({ pointer: '#/contentBase64', detail: 'is empty' })
      else {
        if (paper.byteSize !== undefined && paper.byteSize !== content.length) problems.push({ pointer: '#/byteSize', detail: `says ${paper.byteSize} bytes, but contentBase64 holds ${content.length}` })
        if (sha256Hex(content) !== paper.sha256) problems.push({ pointer: '#/sha256', detail: 'does not match the SHA-256 of contentBase64' })
      }
    }
    const holder = holderProblem(paper.holder)
    if (holder !== undefined) problems.push({ pointer: '#/holder', detail: holder })
    if (paper.validUntil !== undefined && Date.parse(paper.validUntil) <= Date.parse(paper.issuedAt)) problems.push({ pointer: '#/validUntil', detail: 'is not after issuedAt' })
    if (Date.parse(paper.issuedAt) > this.#o.now().getTime()) problems.push({ pointer: '#/issuedAt', detail: 'is in the future' })
    if (client.role === 'agency' && paper.issuer !== undefined && paper.issuer !== client.agency) {
      problems.push({ pointer: '#/issuer', detail: `an agency client registers papers as its own agency (${client.agency ?? ''}); leave issuer out` })
    }
    if (problems.length > 0) throw new HubValidationError(problems)
    if (paper.dossier !== undefined) {
      const why = await this.#dossierProblem(paper.dossier, client)
      if (why !== undefined) throw new HubValidationError([{ pointer: '#/dossier', detail: why }], 'The dossier the paper is labelled with is not one the caller holds; nothing was stored')
    }
    const issuer = client.role === 'agency' ? client.agency as string : paper.issuer ?? client.id
    const id = newDocumentId()
    const base = this.#o.files.publicUrl ?? origin.replace(/\/+$/, '')
    const fields: NewDocument = {
      id,
      holder: paper.holder,
      kind: paper.kind,
      name: paper.name,
      issuer,
      origin: 'digitized',
      issuedAt: paper.issuedAt,
      ...(paper.validUntil !== undefined && { validUntil: paper.validUntil }),
      fileName: paper.fileName,
      ...(paper.mediaType !== undefined && { mediaType: paper.mediaType }),
      ...(paper.byteSize !== undefined && { byteSize: paper.byteSize }),
      url: content === undefined && !upload ? paper.url as string : `${base}/v1/documents/${id}/content`,
      sha256: paper.sha256,
      ...(upload && { contentPending: true as const }),
      ...(paper.dossier !== undefined && { dossier: paper.dossier }),
      registeredBy: client.id
    }
    const document = content === undefined
      ? (await this.#o.store.register(fields)).document
      : await this.#o.store.registerWithContent(fields, content)
    await this.#log(client, 'register', document.holder, [document.id], paper.dossier, 201)
    return document
  }

  /**
   * The file the hub keeps for a document, for `client`: the portal (the holder's channel) and
   * administrators, the issuing agency, and an agency a dossier containing it is routed to (the
   * dossier it came from, or one that reused it). Anyone else, an unknown document or one the hub
   * keeps no file for: not found (an agency learns nothing of documents it may not see). Every
   * read and refusal is on the access log with its purpose: the dossier given, or for an agency the
   * dossier through which it may read.
   */
  async readContent (id: string, client: Client, purpose?: string): Promise<DocumentContent> {
    const document = await this.#o.store.get(id)
    if (document === undefined) throw new DocumentNotFoundError(id)
    let why = purpose
    if (client.role === 'agency') {
      const agency = client.agency ?? ''
      const through = document.issuer === agency ? document.dossier : await this.#o.store.dossierOfAgency(id, agency)
      if (document.issuer !== agency && through === undefined) {
        await this.#log(client, 'read', document.holder, [id], purpose, 404)
        throw new DocumentNotFoundError(id)
      }
      // the dossier through which it may read, whatever it names: an agency's read goes on no other dossier's trail
      why = through
    }
    const kept = await this.#o.store.content(id)
    if (kept === undefined) {
      await this.#log(client, 'read', document.holder, [id], why, 404)
      throw new DocumentContentNotFoundError(id)
    }
    await this.#log(client, 'read', document.holder, [id], why, 200)
    return { document, content: kept.content, ...(why !== undefined && { purpose: why }) }
  }

  /**
   * The file of a paper registered with `upload: true`, as raw bytes (PUT /v1/documents/{id}/content):
   * its size and SHA-256 must be the registered ones; then the hub keeps it and the document may be
   * offered and reused. Who may send it: the client that registered the paper, its agency (an
   * agency client), an administrator; anyone else, or an unknown document: not found. The same
   * bytes again: the document as it is (a repeat); a document not waiting for its file: 409. Every
   * upload, accepted or refused, is on the access log with the dossier the paper was digitised for.
   */
  async upload (id: string, content: Buffer, client: Client): Promise<StoredDocument> {
    const found = await this.#o.store.getWithRegistrant(id)
    if (found === undefined) throw new DocumentNotFoundError(id)
    const { document, registeredBy: by } = found
    const allowed = client.role === 'admin' || by === client.id || (client.role === 'agency' && document.issuer === client.agency && document.origin === 'digitized')
    if (!allowed) {
      await this.#log(client, 'upload', document.holder, [id], document.dossier, 404)
      throw new DocumentNotFoundError(id)
    }
    const digest = sha256Hex(content)
    const refuse = async (status: number, err: Error): Promise<never> => {
      await this.#log(client, 'upload', document.holder, [id], document.dossier, status)
      throw err
    }
    if (document.contentPending !== true) {
      // a repeat of an upload that was taken: the same bytes, answered as they are
      const kept = await this.#o.store.kept(id)
      if (kept === undefined || kept.sha256 !== digest || kept.byteSize !== content.length) return await refuse(409, new DocumentContentFixedError(id))
      await this.#log(client, 'upload', document.holder, [id], document.dossier, 200)
      return document
    }
    const problems: FieldProblem[] = []
    if (document.byteSize !== undefined && content.length !== document.byteSize) problems.push({ pointer: '#', detail: `the file is ${content.length} bytes; the document was registered with byteSize ${document.byteSize}` })
    if (digest !== document.sha256) problems.push({ pointer: '#', detail: 'the SHA-256 of the file is not the one the document was registered with' })
    if (problems.length > 0) return await refuse(400, new HubValidationError(problems, 'The file is not the one the document was registered with; nothing was stored'))
    if (!await this.#o.store.putContent(id, content, digest)) {
      // a concurrent upload took it first: the same bytes are a repeat, others a conflict
      const kept = await this.#o.store.kept(id)
      if (kept === undefined || kept.sha256 !== digest) return await refuse(409, new DocumentContentFixedError(id))
    }
    await this.#log(client, 'upload', document.holder, [id], document.dossier, 200)
    const { contentPending: _pending, ...stored } = document
    return stored
  }

  /**
   * The results a step's report carries, as the documents they become under their holders (the
   * agency names one, else the applicant); results without a holder the hub can name are left out.
   * Registered by the report's change itself (DossierChange.results), in its transaction.
   */
  resultDocuments (code: string, step: string, agency: string, results: readonly ResultDocument[], applicant: DossierSubmission['applicant'], issuedAt: Date): NewDocument[] {
    const out: NewDocument[] = []
    for (const r of results) {
      const holder = resultHolder(r, applicant)
      if (holder === undefined) continue
      out.push({
        id: newDocumentId(),
        holder,
        kind: r.componentCode,
        name: r.name,
        issuer: agency,
        origin: 'result',
        issuedAt: toVietnamIso(issuedAt),
        fileName: fileNameOf(r.url, r.componentCode),
        ...(r.mediaType !== undefined && { mediaType: r.mediaType }),
        ...(r.byteSize !== undefined && { byteSize: r.byteSize }),
        url: r.url,
        sha256: r.sha256,
        dossier: code,
        step,
        registeredBy: agency
      })
    }
    return out
  }

  /**
   * The results of a report applied before, registered again if they are missing (idempotent:
   * one registered before is left as it is).
   */
  async registerResults (code: string, step: string, agency: string, results: readonly ResultDocument[], applicant: DossierSubmission['applicant'], issuedAt: Date): Promise<StoredDocument[]> {
    const out: StoredDocument[] = []
    for (const d of this.resultDocuments(code, step, agency, results, applicant, issuedAt)) {
      const { created, document } = await this.#o.store.register(d)
      out.push(document)
      if (created) await this.#log({ id: agency, role: 'agency' }, 'register', d.holder, [document.id], code, 201)
    }
    return out
  }

  /**
   * The submission with every reused component resolved to an attachment; a ReuseRefusedError
   * (400) naming each component that cannot be reused. `received`: the receipt time.
   */
  async resolve (submission: DossierSubmission, received: Date, client?: Client): Promise<Resolved> {
    const { attachments, reused } = await this.resolveAttachments((submission.attachments ?? []) as readonly SubmittedAttachment[], dossierSubjects(submission), received, client)
    return reused.length === 0 ? { submission, reused } : { submission: { ...submission, attachments }, reused }
  }

  /**
   * Components (of a submission, or of an applicant's supplement) with every reused one resolved to
   * an attachment, checked for a dossier about `subjects` at `at` (the receipt, or the supplement's
   * time); a ReuseRefusedError (400) naming each component that cannot be reused, with its pointer
   * under `pointer`. Components that are files are kept as they are; a file marked reused by its
   * sender is refused (only the hub marks a component reused).
   */
  async resolveAttachments (items: readonly SubmittedAttachment[], subjects: ReadonlySet<string>, at: Date, client?: Client, pointer = '#/attachments'): Promise<{ attachments: Attachment[], reused: StoredDocument[] }> {
    if (!items.some(isReuse)) {
      const claimed = items.findIndex((a) => (a as Attachment).reused !== undefined)
      if (claimed >= 0) throw new HubValidationError([{ pointer: `${pointer}/${claimed}/reused`, detail: CLAIMED }])
      return { attachments: items as Attachment[], reused: [] }
    }
    const problems: FieldProblem[] = []
    const ids = items.filter(isReuse).map((a) => a.reuse.documentId).filter((id): id is string => id !== undefined)
    const found = await this.#o.store.getMany(ids)
    const reused: StoredDocument[] = []
    const attachments: Attachment[] = []
    for (const [i, a] of items.entries()) {
      if (!isReuse(a)) {
        if (a.reused !== undefined) problems.push({ pointer: `${pointer}/${i}/reused`, detail: CLAIMED })
        attachments.push(a)
        continue
      }
      const at_ = `${pointer}/${i}/reuse`
      const which = component(a)
      const { documentId, nationalStoreReference: ref } = a.reuse
      if ((documentId === undefined) === (ref === undefined)) {
        problems.push({ pointer: at_, detail: `component ${which}: give exactly one of documentId and nationalStoreReference` })
        continue
      }
      let document = documentId !== undefined ? found.get(documentId) : await this.#national(ref as string, client)
      if (document === undefined) {
        problems.push({ pointer: at_, detail: `component ${which}: ${documentId !== undefined ? `no document has the id ${documentId}` : `the national personal data store has no document ${String(ref)}`}` })
        continue
      }
      if (document.contentPending === true) {
        problems.push({ pointer: at_, detail: `component ${which}: document ${document.id}'s file has not been uploaded yet (PUT /v1/documents/${document.id}/content)` })
        continue
      }
      const refusal = reuseRefusal(document, subjects, at, a.reuse.consent)
      if (refusal !== undefined) {
        problems.push({ pointer: at_, detail: `component ${which}: ${refusal}` })
        continue
      }
      const sized = await this.#sized(document as StoredDocument)
      if (typeof sized === 'string') {
        problems.push({ pointer: at_, detail: `component ${which}: ${sized}` })
        continue
      }
      document = sized
      reused.push(document)
      attachments.push(reusedAttachment(a, document, (a.reuse.consent as { at: string }).at))
    }
    if (problems.length > 0) {
      const names = problems.map((p) => /^component ([^:]+):/.exec(p.detail)?.[1]).filter((n) => n !== undefined)
      throw new ReuseRefusedError(problems, names.length > 0
        ? `${names.length === 1 ? 'Component' : 'Components'} ${names.join(', ')} cannot be reused for this dossier; nothing was stored`
        : 'The submission marks components reused itself; nothing was stored')
    }
    return { attachments, reused }
  }

  /** A holder's documents valid now, for `purpose` (the dossier they are looked up for). */
  async lookup (holder: string, purpose: string, client: Client, kind?: string): Promise<StoredDocument[]> {
    const problem = holderProblem(holder)
    if (problem !== undefined) throw new HubValidationError([{ pointer: '#/params/id', detail: problem }])
    const documents = await this.#o.store.validOf(holder, this.#o.now(), kind)
    await this.#log(client, 'lookup', holder, documents.map((d) => d.id), purpose, 200)
    return documents
  }

  /** Revocation by the issuing agency (an administrator may revoke in the issuer's name). */
  async revoke (id: string, client: Client, reason?: string): Promise<StoredDocument> {
    const current = await this.#o.store.get(id)
    if (current === undefined) throw new DocumentNotFoundError(id)
    const issuer = client.role === 'agency' ? client.agency as string : current.issuer
    if (issuer !== current.issuer) {
      // another agency learns nothing of a document it did not issue, as when it reads one (404)
      await this.#log(client, 'revoke', current.holder, [id], undefined, 404)
      throw new DocumentNotFoundError(id)
    }
    const { document, notIssuer } = await this.#o.store.revoke(id, issuer, this.#o.now(), reason)
    if (document === undefined) throw new DocumentNotFoundError(id)
    if (notIssuer) {
      // its issuer changed meanwhile: answered as above, not with a 403 that tells it exists
      await this.#log(client, 'revoke', document.holder, [id], undefined, 404)
      throw new DocumentNotFoundError(id)
    }
    await this.#log(client, 'revoke', document.holder, [id], undefined, 200)
    this.#o.log.info({ document: id, issuer }, 'document revoked')
    return document
  }

  /**
   * The document with its size: as registered (the issuer's report, the desk, the national store,
   * the file the hub keeps), else read once at its address, its SHA-256 checked, and recorded.
   * A string: why it cannot be reused (its file is not the one registered). The file unreadable
   * now: DocumentFileUnavailableError (503, nothing stored).
   */
  async #sized (document: StoredDocument): Promise<StoredDocument | string> {
    if (document.byteSize !== undefined || this.#o.probe === undefined) return document
    let probed: { byteSize: number, sha256: string }
    try {
      probed = await this.#o.probe(document.url)
    } catch (err) {
      throw new DocumentFileUnavailableError(document.id, err instanceof Error ? err.message : String(err))
    }
    if (probed.sha256 !== document.sha256) {
      this.#o.log.warn({ document: document.id, url: document.url }, 'a reused document\'s file does not match its registered SHA-256')
      return `the file at document ${document.id}'s address does not match its registered SHA-256`
    }
    await this.#o.store.setSize(document.id, probed.byteSize)
    return { ...document, byteSize: probed.byteSize }
  }

  /**
   * Why `client` may not label a paper with dossier `code`, or undefined: the dossier must exist and
   * be the caller's — routed to the agency of an agency client (a dossier not routed to it is
   * answered as one that does not exist, as everywhere an agency reads); the portal and
   * administrators hold every dossier (the portal submits them all).
   */
  async #dossierProblem (code: string, client: Client): Promise<string | undefined> {
    const lookup = this.#o.dossierAgencies
    if (lookup === undefined) return undefined
    const agencies = await lookup(code)
    if (client.role === 'agency') {
      return agencies?.includes(client.agency ?? '') === true ? undefined : `names no dossier routed to agency ${client.agency ?? ''}: give the code of a dossier your agency handles, or leave dossier out`
    }
    return agencies === undefined ? `names no dossier the hub holds (${code})` : undefined
  }

  /** A document of the national personal data store, fetched once and kept (origin national-store). */
  async #national (reference: string, client?: Client): Promise<StoredDocument | undefined> {
    const known = await this.#o.store.byNationalReference(reference)
    if (known !== undefined) return known
    const fetch = this.#o.nationalStore
    if (fetch === undefined) return undefined
    const fetched = await fetch(reference)
    if (fetched === undefined) return undefined
    const { document } = await this.#o.store.register({ ...fetched, id: newDocumentId(), origin: 'national-store', nationalStoreReference: reference, registeredBy: client?.id ?? 'hub' })
    await this.#log(client ?? { id: 'hub', role: 'hub' }, 'fetch', document.holder, [document.id], undefined, 200)
    return document
  }

  async #log (client: { id: string, role: string }, action: 'lookup' | 'reuse' | 'register' | 'revoke' | 'fetch' | 'read' | 'upload', holder: string, ids: readonly string[], purpose: string | undefined, status: number): Promise<void> {
    await this.#o.store.logAccess({ client: client.id, role: client.role, action, holder, documentIds: ids, ...(purpose !== undefined && { purpose }), status })
  }
}

const CLAIMED = 'is set by the hub; to reuse a stored document, give reuse: { documentId, consent } instead of the file'

function component (a: AttachmentReuse): string {
  return a.componentName !== undefined ? `${a.componentCode} (${a.componentName})` : a.componentCode
}

/** A file name for a result, from its address (the last path segment), else its component code. */
function fileNameOf (url: string, fallback: string): string {
  try {
    const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '')
    return last !== '' ? last.slice(0, 255) : fallback
  } catch {
    return fallback
  }
}
