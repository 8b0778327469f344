/**
 * The national public service portal's dossier sync (DVCQG), simulated (npm run agencies, the
 * tests): a real HTTP server that takes the hub's sync messages (national-portal-sync) the way a
 * strict sink would:
 *
 * - checks the outbound auth the config gives (bearer token or HMAC signature), 401 otherwise;
 * - checks the message against the adapter's schema (400 naming the field otherwise), and what
 *   the schema cannot say (recordProblem: HoSoCoThanhPhanSoHoa agrees with TaiLieuNop, fee codes
 *   and result codes are unique, DSKetNoiCSDL lists only databases it knows and every one the
 *   record shows was used);
 * - receives once: a repeated Idempotency-Key is answered as the first time and changes nothing;
 * - keeps order: message SoThuTu n of a dossier is taken only after n − 1 (409 naming both
 *   otherwise: a gap or a reversal is the hub's bug, and the test sees it), the receipt (1) must be
 *   a new dossier (LoaiDongBo 1) and every later one an update (2);
 * - keeps, per dossier, the latest record (HoSo) and the progress updates (TienDo) in order.
 *
 * `answer` lets a test or a demo make it fail: return an HTTP status to answer instead (503: down,
 * 422: refuses the dossier), or undefined to take the message.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { reply, startSimulatorServer } from '../shared/http-server.ts'
import type { NationalPortalProgress, NationalPortalRecord, NationalPortalSync } from './native.generated.ts'
import { nationalRecordSchema, nationalSyncSchema } from './index.ts'
import { createAjv } from '../../src/validation/ajv.ts'
import { verifyBearer, verifyHubSignature } from '../../src/delivery/outbound-auth.ts'
import type { ResolvedAuth } from '../../src/config/hub-config.ts'

export interface NationalPortalDossier {
  /** the record of the highest SoThuTu taken */
  record: NationalPortalRecord
  /** the progress updates taken, in SoThuTu order */
  progress: NationalPortalProgress[]
}

export interface NationalPortalSimulator {
  url: string
  /** messages taken, in arrival order (each once) */
  taken: NationalPortalSync[]
  /** requests that reached it (taken, repeated or refused) */
  requests: number
  /** requests refused, with the status and why */
  refused: Array<{ status: number, reason: string, key?: string }>
  dossiers: Map<string, NationalPortalDossier>
  close(): Promise<void>
}

export interface NationalPortalSimulatorOptions {
  host?: string
  /** 0 (default): any free port */
  port?: number
  /** the path it listens on (default any) */
  path?: string
  /** the outbound auth the hub uses towards DVCQG; absent: none checked */
  auth?: ResolvedAuth
  /**
   * the MaCSDL codes it knows (as the hub's nationalPortal.databaseCodes): a record listing another
   * code in DSKetNoiCSDL is refused, and so is one that took a component from the national data
   * store (DuocLayTuKhoDMQG 1) or has a VNeID-authenticated account without listing that database;
   * absent: DSKetNoiCSDL is not checked beyond the schema
   */
  databases?: Readonly<Partial<Record<'national-data-store' | 'population', string>>>
  /** a status to answer instead of taking the message (n: the request's number, 1-based) */
  answer?: (message: NationalPortalSync, n: number) => number | undefined
  log?: (line: string) => void
}

/**
 * What the schema cannot say about a record: the flags agree with the lists they sum up, and codes
 * within a list are unique. Undefined when the record is consistent.
 */
export function recordProblem (r: NationalPortalRecord, databases?: NationalPortalSimulatorOptions['databases']): string | undefined {
  const digitized = (r.TaiLieuNop ?? []).some((d) => d.DuocSoHoa === 1) ? 1 : 0
  if (r.HoSoCoThanhPhanSoHoa !== digitized) return `HoSoCoThanhPhanSoHoa is ${r.HoSoCoThanhPhanSoHoa} but ${digitized === 1 ? 'a' : 'no'} TaiLieuNop item has DuocSoHoa 1`
  const reusedWrong = (r.TaiLieuNop ?? []).find((d) => d.DuocLayTuKhoDMQG === 1 && d.DuocTaiSuDung !== 1)
  if (reusedWrong !== undefined) return `TaiLieuNop ${reusedWrong.MaThanhPhanHoSo}: DuocLayTuKhoDMQG 1 without DuocTaiSuDung 1 (taken from the data store is reused)`
  const fees = (r.DanhSachLePhi ?? []).map((f) => f.MaPhiLePhi)
  const feeTwice = fees.find((c, i) => fees.indexOf(c) !== i)
  if (feeTwice !== undefined) return `DanhSachLePhi lists MaPhiLePhi ${feeTwice} twice`
  const results = (r.DanhSachGiayToKetQua ?? []).flatMap((g) => g.MaGiayToKetQua === undefined ? [] : [g.MaGiayToKetQua])
  const resultTwice = results.find((c, i) => results.indexOf(c) !== i)
  if (resultTwice !== undefined) return `DanhSachGiayToKetQua lists MaGiayToKetQua ${resultTwice} twice`
  if (databases !== undefined) {
    const listed = new Set((r.DSKetNoiCSDL ?? []).map((d) => d.MaCSDL))
    const known = new Set(Object.values(databases))
    const unknown = [...listed].find((c) => !known.has(c))
    if (unknown !== undefined) return `DSKetNoiCSDL: MaCSDL ${unknown} is not a database the portal knows`
    const store = databases['national-data-store']
    if (store !== undefined && (r.TaiLieuNop ?? []).some((d) => d.DuocLayTuKhoDMQG === 1) && !listed.has(store)) return `a component was taken from the national data store (DuocLayTuKhoDMQG 1) but DSKetNoiCSDL does not list ${store}`
    const population = databases.population
    if (population !== undefined && r.TaiKhoanDuocXacThucVoiVNeID === 1 && !listed.has(population)) return `the account is VNeID-authenticated but DSKetNoiCSDL does not list ${population}`
  }
  return undefined
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

export async function startNationalPortalSimulator (o: NationalPortalSimulatorOptions = {}): Promise<NationalPortalSimulator> {
  const ajv = createAjv({})
  ajv.addSchema(nationalRecordSchema)
  const validate = ajv.compile<NationalPortalSync>(nationalSyncSchema)
  const taken: NationalPortalSync[] = []
  const refused: NationalPortalSimulator['refused'] = []
  const dossiers = new Map<string, NationalPortalDossier>()
  /** answers given, by Idempotency-Key */
  const answers = new Map<string, string>()
  let requests = 0
  const log = o.log ?? (() => {})

  const server = await startSimulatorServer((req, res, raw) => {
    const n = ++requests
    const refuse = (status: number, reason: string, key?: string): void => {
      refused.push({ status, reason, ...(key !== undefined && { key }) })
      reply(res, status, { KetQua: 'LOI', ThongBao: reason }, 'application/json; charset=utf-8')
    }
    if (req.method !== 'POST' || (o.path !== undefined && (req.url ?? '').split('?')[0] !== o.path)) { refuse(404, `no ${req.method ?? ''} ${req.url ?? ''} here`); return }
    if (o.auth?.type === 'bearer' && !verifyBearer(o.auth.secret, req.headers.authorization)) { refuse(401, 'bearer token missing or wrong'); return }
    if (o.auth?.type === 'hmac-sha256') {
      const check = verifyHubSignature(o.auth.secret, req.headers, raw, Date.now())
      if (!check.ok) { refuse(401, check.reason); return }
    }
    const key = header(req.headers, 'idempotency-key')
    if (key === undefined || key === '') { refuse(400, 'Idempotency-Key is required'); return }
    const before = answers.get(key)
    if (before !== undefined) {
      reply(res, 200, before, 'application/json; charset=utf-8')
      return
    }
    let body: unknown
    try { body = JSON.parse(raw.toString('utf8')) } catch { refuse(400, 'the body is not JSON', key); return }
    if (!validate(body)) {
      const e = validate.errors?.[0]
      refuse(400, `not a national-portal-sync message: ${e?.instancePath ?? ''} ${e?.message ?? ''}`, key)
      return
    }
    const m = body
    if (key !== `${m.MaHoSo}/dvcqg/${m.SoThuTu}`) { refuse(400, `Idempotency-Key ${key} does not name message ${m.SoThuTu} of ${m.MaHoSo}`, key); return }
    const forced = o.answer?.(m, n)
    if (forced !== undefined) { refuse(forced, `simulated answer ${forced}`, key); return }
    const known = dossiers.get(m.MaHoSo)
    const last = known?.progress.length ?? 0
    if (m.SoThuTu !== last + 1) { refuse(409, `message ${m.SoThuTu} of ${m.MaHoSo} arrived after message ${last}: out of order`, key); return }
    if ((m.SoThuTu === 1) !== (m.LoaiDongBo === 1)) { refuse(400, `message ${m.SoThuTu} of ${m.MaHoSo} has LoaiDongBo ${m.LoaiDongBo}`, key); return }
    if (m.HoSo.MaHoSo !== m.MaHoSo || m.TienDo.MaHoSo !== m.MaHoSo) { refuse(400, 'MaHoSo differs between the message, HoSo and TienDo', key); return }
    const inconsistent = recordProblem(m.HoSo, o.databases)
    if (inconsistent !== undefined) { refuse(400, inconsistent, key); return }
    dossiers.set(m.MaHoSo, { record: m.HoSo, progress: [...(known?.progress ?? []), m.TienDo] })
    taken.push(m)
    const answer = JSON.stringify({ KetQua: 'OK', MaHoSo: m.MaHoSo, SoThuTu: m.SoThuTu })
    answers.set(key, answer)
    log(`${m.MaHoSo} #${m.SoThuTu} ${m.LoaiDongBo === 1 ? 'tiếp nhận' : 'cập nhật'}: trạng thái ${m.TienDo.TrangThai} — ${m.TienDo.NoiDungXuLy}`)
    reply(res, 200, answer, 'application/json; charset=utf-8')
  }, o)
  return {
    url: `${server.base}${o.path ?? ''}`,
    taken,
    get requests () { return requests },
    refused,
    dossiers,
    close: server.close
  }
}
