/**
 * The national personal data store on DVCQG (Kho quản lý dữ liệu điện tử của tổ chức, cá nhân):
 * where citizens' and organisations' electronic documents are kept for reuse (Decree 45/2020,
 * Decision 766 indicator 4.4). Like national-portal, not an agency adapter (nothing is delivered
 * to it for processing, so it is not in adapters/index.ts): a pure mapping between the hub's
 * stored document (schemas/stored-document.schema.json) and the store's native document
 * (schemas/document.schema.json, `national-data-store-document`).
 *
 * - fetch: GET <endpoint>/documents/<MaGiayTo> answers the document (404: the store has none);
 * - sync: POST <endpoint>/documents with the document, Idempotency-Key "<document id>/sync".
 * Dates: yyyyMMddHHmmss in Vietnam time. TrangThai 0 (revoked) carries NgayThuHoi.
 */
import { AdapterMappingError } from '../contract.ts'
import type { StoredDocument } from '../../src/types/schemas.generated.ts'
import type { NationalDataStoreDocument } from './native.generated.ts'
import { fromCompactVietnam, toCompactVietnam } from '../shared/vietnam-datetime.ts'
import documentSchema from './schemas/document.schema.json' with { type: 'json' }

export const nationalDocumentSchema = documentSchema

/** What the hub keeps of a document fetched from the store (the hub adds id, origin and registration). */
export type FetchedDocument = Omit<StoredDocument, 'id' | 'origin' | 'registeredAt'>

export function fetchPath (reference: string): string {
  return `/documents/${encodeURIComponent(reference)}`
}

export const SYNC_PATH = '/documents'

/** The store's document (already validated against its schema) → what the hub keeps. */
export function fromNationalDocument (native: NationalDataStoreDocument): FetchedDocument {
  if (native.TrangThai === 0 && native.NgayThuHoi === undefined) throw new AdapterMappingError(`document ${native.MaGiayTo} is revoked (TrangThai 0) but has no NgayThuHoi`)
  return {
    holder: native.SoDinhDanh,
    kind: native.MaLoaiGiayTo,
    name: native.TenGiayTo,
    issuer: 'national-data-store',
    issuedAt: fromCompactVietnam(native.NgayCap),
    ...(native.HieuLucDen !== undefined && { validUntil: fromCompactVietnam(native.HieuLucDen) }),
    ...(native.TrangThai === 0 && native.NgayThuHoi !== undefined && { revokedAt: fromCompactVietnam(native.NgayThuHoi) }),
    fileName: native.TenTep,
    ...(native.KieuTep !== undefined && { mediaType: native.KieuTep }),
    ...(native.DungLuong !== undefined && { byteSize: native.DungLuong }),
    url: native.DuongDan,
    sha256: native.MaBam,
    nationalStoreReference: native.MaGiayTo
  }
}

/** A result the hub holds → the document it syncs to the store (MaGiayTo: the hub's id). */
export function toNationalDocument (document: StoredDocument, issuerName: string): NationalDataStoreDocument {
  return {
    MaGiayTo: document.nationalStoreReference ?? document.id,
    SoDinhDanh: document.holder,
    MaLoaiGiayTo: document.kind,
    TenGiayTo: document.name,
    CoQuanCap: issuerName,
    NgayCap: toCompactVietnam(document.issuedAt),
    ...(document.validUntil !== undefined && { HieuLucDen: toCompactVietnam(document.validUntil) }),
    TrangThai: document.revokedAt === undefined ? 1 : 0,
    ...(document.revokedAt !== undefined && { NgayThuHoi: toCompactVietnam(document.revokedAt) }),
    TenTep: document.fileName,
    ...(document.mediaType !== undefined && { KieuTep: document.mediaType }),
    ...(document.byteSize !== undefined && { DungLuong: document.byteSize }),
    DuongDan: document.url,
    MaBam: document.sha256,
    ...(document.dossier !== undefined && { MaHoSo: document.dossier })
  }
}
