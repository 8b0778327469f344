/**
 * The Decision 766 indicator report as a file: CSV (one row per unit, every grouping, in one
 * table) and an XLSX workbook shaped like a province's monthly report (exceljs): a title, the
 * period and the instant it is judged at, one sheet per grouping (Toàn tỉnh, Cấp xã, Cơ quan,
 * Thủ tục) with one row per unit in rank order and, per indicator, numerator, denominator,
 * value, score and rank under the indicator's name; a sheet of notes with each N/A's reason.
 */
import ExcelJS from 'exceljs'
import { INDICATORS } from '../domain/indicators.ts'
import type { IndicatorFigure, IndicatorReport, IndicatorUnit } from '../types/schemas.generated.ts'

export const CSV_TYPE = 'text/csv; charset=utf-8'
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** The groupings of a report that are present, with their sheet names. */
export function groupings (r: IndicatorReport): Array<{ kind: string, title: string, units: IndicatorUnit[] }> {
  const out: Array<{ kind: string, title: string, units: IndicatorUnit[] }> = []
  if (r.province !== undefined) out.push({ kind: 'province', title: 'Toàn tỉnh', units: [r.province] })
  if (r.communes !== undefined) out.push({ kind: 'commune', title: 'Cấp xã', units: r.communes })
  out.push({ kind: 'agency', title: 'Cơ quan', units: r.agencies })
  if (r.procedures !== undefined) out.push({ kind: 'procedure', title: 'Thủ tục', units: r.procedures })
  return out
}

const PARTS = [
  { key: 'numerator', vi: 'Tử số' },
  { key: 'denominator', vi: 'Mẫu số' },
  { key: 'value', vi: 'Giá trị' },
  { key: 'score', vi: 'Điểm' },
  { key: 'rank', vi: 'Hạng' }
] as const

const cell = (f: IndicatorFigure | undefined, part: typeof PARTS[number]['key']): number | string => {
  if (f === undefined) return ''
  if (part === 'value' && f.value === null) return 'N/A'
  const v = f[part]
  return v === undefined || v === null ? '' : v
}

function csvField (v: string | number): string {
  const s = String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** One table: grouping, key, name, rank, total, then numerator, denominator, value, score and rank of each indicator. */
export function toCsv (r: IndicatorReport): string {
  const header = ['grouping', 'key', 'name', 'rank', 'total', ...INDICATORS.flatMap((d) => PARTS.map((p) => `${d.id} ${p.key}`))]
  const lines = [header.map(csvField).join(',')]
  for (const g of groupings(r)) {
    for (const u of g.units) {
      const row: Array<string | number> = [g.kind, u.key, u.name ?? '', u.rank, u.total]
      for (const d of INDICATORS) {
        const f = u.indicators.find((x) => x.id === d.id)
        for (const p of PARTS) row.push(cell(f, p.key))
      }
      lines.push(row.map(csvField).join(','))
    }
  }
  // BOM: spreadsheet programs read the Vietnamese names as UTF-8
  return `\uFEFF${lines.join('\r\n')}\r\n`
}

/** The workbook, one sheet per grouping and one of notes. */
export async function toXlsx (r: IndicatorReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = 'lienthong-hub'
  const fixed = ['STT', 'Mã đơn vị', 'Tên đơn vị', 'Xếp hạng', 'Tổng điểm']
  const width = fixed.length + INDICATORS.length * PARTS.length
  for (const g of groupings(r)) {
    const ws = wb.addWorksheet(g.title, { views: [{ state: 'frozen', xSplit: 3, ySplit: 5 }] })
    ws.addRow([`BÁO CÁO KẾT QUẢ CHỈ SỐ ĐÁNH GIÁ THEO QUYẾT ĐỊNH 766/QĐ-TTg — ${g.title.toUpperCase()}`])
    ws.mergeCells(1, 1, 1, width)
    ws.getRow(1).font = { bold: true, size: 14 }
    ws.addRow([`Kỳ báo cáo: từ ngày ${r.from} đến ngày ${r.to}; số liệu chốt tại ${r.judgedAt}` +
      `${r.unit !== undefined ? `; đơn vị tiếp nhận ${r.unit}` : ''}${r.procedure !== undefined ? `; thủ tục ${r.procedure}` : ''}${r.agency !== undefined ? `; cơ quan ${r.agency}` : ''}`])
    ws.mergeCells(2, 1, 2, width)
    ws.addRow([])
    // two header rows: the indicator's name over its five columns
    const top = ws.addRow([...fixed, ...INDICATORS.flatMap((d) => [`${d.id}. ${d.name}${d.unit === 'time' ? ' (ngày làm việc / ngày, theo thủ tục)' : ' (%)'}`, '', '', '', ''])])
    const sub = ws.addRow([...fixed.map(() => ''), ...INDICATORS.flatMap(() => PARTS.map((p) => p.vi))])
    for (let i = 1; i <= fixed.length; i++) ws.mergeCells(top.number, i, sub.number, i)
    INDICATORS.forEach((_d, i) => {
      const c = fixed.length + 1 + i * PARTS.length
      ws.mergeCells(top.number, c, top.number, c + PARTS.length - 1)
    })
    for (const row of [top, sub]) {
      row.font = { bold: true }
      row.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true }
    }
    top.height = 45
    g.units.forEach((u, i) => {
      ws.addRow([i + 1, u.key, u.name ?? '', u.rank, u.total, ...INDICATORS.flatMap((d) => {
        const f = u.indicators.find((x) => x.id === d.id)
        return PARTS.map((p) => cell(f, p.key))
      })])
    })
    ws.getColumn(2).width = 24
    ws.getColumn(3).width = 36
  }
  const notes = wb.addWorksheet('Ghi chú')
  notes.addRow(['Chỉ số', 'Tên chỉ số', 'Ngưỡng điểm tối đa (%)', 'Điểm tối đa', 'Ghi chú / lý do không có số liệu', 'Nguồn điểm tối đa'])
  notes.getRow(1).font = { bold: true }
  const sample = r.province ?? r.agencies[0]
  for (const d of INDICATORS) {
    const f = sample?.indicators.find((x) => x.id === d.id)
    const source = f?.maxScoreSource === undefined ? '' : f.maxScoreSource === 'configured' ? 'cấu hình (indicators.maxScores)' : 'tạm tính (10): chưa có số điểm của phụ lục Quyết định 766 đã kiểm chứng'
    notes.addRow([d.id, d.name, d.threshold ?? '', f?.maxScore ?? '', [f?.reason, f?.note].filter((x) => x !== undefined).join('; '), source])
  }
  notes.getColumn(2).width = 60
  notes.getColumn(5).width = 100
  return Buffer.from(await wb.xlsx.writeBuffer())
}
