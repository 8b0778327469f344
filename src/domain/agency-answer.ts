/**
 * What the hub keeps of an answer an agency's system gave instead of accepting a delivery (its
 * error body): a short, redacted form, for the log line, the step's lastError (shown in dossiers
 * and admin answers) and the queue's failure reason. Agencies echo what they were sent, so the body
 * goes through the same redaction as everything else, and more, before anything is kept:
 *  1. a JSON body loses every value under a personal key, whatever the adapter calls it (hoTen,
 *     nycNgaySinh, SoGiayTo, meHoTen, ReceiverPhone, fullName, applicant…);
 *  2. every personal value of the request the hub sent (names, dates of birth in the usual date
 *     forms, ID numbers, phones, addresses, e-mail addresses) is blanked wherever it stands in
 *     the answer, in any case and with or without diacritics;
 *  3. personal numbers in any form and e-mail addresses are hidden, as in log lines (masking.ts);
 *  4. only then is it cut to one short line.
 * The raw body is never kept. Pure.
 */
import { hideText } from './masking.ts'

export const REDACTED_VALUE = '[redacted]'

/** The longest form kept. */
const MAX_KEPT = 300
/** Only this much of a body that is not JSON is read: the kept form is far shorter. */
const MAX_TEXT = 4096
/** A larger JSON body is read as text (its start). */
const MAX_JSON = 64 * 1024

// keys holding a person or a personal value, compared lowercase without separators; the native
// names are Vietnamese without diacritics (hoTen, ngaySinh, soGiayTo, diaChi, soDienThoai…)
const PERSONAL_KEY = new RegExp([
  'hoten', 'hovaten', 'name', '^ten$', 'tenkhachhang', 'tennguoi',
  'ngaysinh', 'namsinh', 'birth', 'dob',
  'sogiayto', 'sodinhdanh', 'dinhdanh', 'cccd', 'cmnd', 'citizenid', 'identity', 'idnumber', 'hochieu', 'passport',
  'dienthoai', 'phone', 'mobile', 'sdt',
  'email', 'mail', 'thudientu',
  'diachi', 'address', 'dcchitiet', 'dcdaydu', 'noicutru', 'noisinh', 'noichet', 'noio', 'quequan', 'thuongtru', 'tamtru', 'noilamviec', 'residence', 'placeof',
  'khachhang', 'chuhoso', 'nguoisudungdat', 'chuyennhuong', 'nguoiyeucau', 'nguoinhan', 'nguoikhai', 'applicant', 'receiver', 'sender', 'signedby',
  'child', 'mother', 'father', 'husband', 'wife', 'spouse', 'deceased', 'subject', 'transferor', 'transferee', 'landuser', 'holder'
].join('|'))
// the justice system's prefixes for the person a field is about: nksHoTen (the child), meSoDinhDanh
// (the mother), chaNgaySinh, voHoTen, chongHoTen, nktNgayChet (the deceased), nycEmail (the declarant)
const PERSON_PREFIX = /^(?:nks|nkt|nyc|me|cha|vo|chong)[A-Z]/

export function isPersonalKey (key: string): boolean {
  return PERSON_PREFIX.test(key) || PERSONAL_KEY.test(key.toLowerCase().replace(/[^a-z0-9]/g, ''))
}

/** A copy with every value under a personal key replaced. */
export function redactByKey (value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => redactByKey(v))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isPersonalKey(k) ? REDACTED_VALUE : redactByKey(v)]))
  }
  return value
}

/** Every string under a personal key of `sent`, however deep. */
function personalValues (sent: unknown, out: Set<string>, personal = false): Set<string> {
  if (typeof sent === 'string') {
    if (personal) out.add(sent)
  } else if (Array.isArray(sent)) {
    for (const v of sent) personalValues(v, out, personal)
  } else if (sent !== null && typeof sent === 'object') {
    for (const [k, v] of Object.entries(sent)) personalValues(v, out, personal || isPersonalKey(k))
  }
  return out
}

const withoutDiacritics = (s: string): string => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D')

/** A date in the forms people and systems write it: 1990-05-12, 19900512, 12/05/1990, 12/5/1990, 12.05.1990. */
function dateForms (value: string): string[] {
  let parts: Array<string | undefined>
  const iso = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value)
  const vn = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value)
  if (iso !== null) parts = [iso[1], iso[2], iso[3]]
  else if (vn !== null) parts = [vn[3], vn[2], vn[1]]
  else return []
  const [y, mo, d] = parts
  if (y === undefined || mo === undefined || d === undefined) return []
  const mm = mo.padStart(2, '0')
  const dd = d.padStart(2, '0')
  return [`${y}-${mm}-${dd}`, `${y}${mm}${dd}`, `${dd}/${mm}/${y}`, `${dd}-${mm}-${y}`, `${dd}.${mm}.${y}`, `${y}/${mm}/${dd}`, `${Number(d)}/${Number(mo)}/${y}`]
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** One pattern for every form of every personal value of the request (undefined: nothing to look for). */
function knownValuesPattern (sent: unknown): RegExp | undefined {
  const forms = new Set<string>()
  for (const raw of personalValues(sent, new Set())) {
    const value = raw.normalize('NFC').trim()
    if (value.length < 4) continue // "Nam", "VN": too short to tell from other words
    forms.add(value)
    forms.add(withoutDiacritics(value))
    for (const d of dateForms(value)) forms.add(d)
  }
  if (forms.size === 0) return undefined
  // longest first, so a full name goes before a part of it
  return new RegExp([...forms].sort((a, b) => b.length - a.length).map(escape).join('|'), 'giu')
}

/** One line, at most `max` characters. */
function clip (text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine
}

/**
 * The redacted, clipped form of an agency's answer `body`; `sent` is the body of the request it
 * answers (its personal values are blanked in the answer).
 */
export function redactAgencyAnswer (body: string, sent?: unknown, max = MAX_KEPT): string {
  let text = body.length > MAX_TEXT && !(body.length <= MAX_JSON && /^\s*[[{]/.test(body)) ? body.slice(0, MAX_TEXT) : body
  if (/^\s*[[{]/.test(text)) {
    try {
      text = JSON.stringify(redactByKey(JSON.parse(text)))
    } catch {
      text = text.slice(0, MAX_TEXT) // not JSON after all: free text
    }
  }
  text = text.normalize('NFC')
  const known = knownValuesPattern(sent)
  if (known !== undefined) text = text.replace(known, REDACTED_VALUE)
  return clip(hideText(text), max)
}
