/**
 * Personal numbers masked for callers whose role may not see them (auditors): citizen ID numbers
 * (12 digits: 0012******67), old 9-digit ID numbers (038*****21) and mobile phone numbers
 * (09******78, +849******78) anywhere in a value, however deep; and hidden whole, with e-mail
 * addresses, in log lines and agencies' answers (hideText). Pure.
 *
 * Numbers are found as people write them: in one piece, in groups split by spaces, dots or hyphens
 * (038 190 012 345, 0912.345.678, +84 912 345 678) and glued to their label (CCCD038190012345).
 */

/** A word in any case, without the regular expression's `i` flag (which makes every pattern twice as slow). */
const anyCase = (word: string): string => [...word].map((c) => c.toLowerCase() === c.toUpperCase() ? c : `[${c.toUpperCase()}${c.toLowerCase()}]`).join('')
/** Labels that people glue to a number: CCCD038190012345, ĐT0912345678. */
const LABEL = `(?:${['CCCD', 'CMND', 'CMT', 'CC', 'ĐDCN', 'DDCN', 'SĐT', 'SDT', 'ĐT', 'DT', 'TEL', 'ID', 'SỐ', 'SO'].map(anyCase).join('|')})`
/** Letters and digits, Vietnamese ones included. */
const WORD = '0-9A-Za-z\\u00C0-\\u024F\\u0300-\\u036F\\u1E00-\\u1EFF'
/** One separator between digit groups. */
const SEP = '[ .\\-]'
// A number stands alone. Before it: the start, or a character that is not a letter, digit, dot or
// hyphen; or a dot or hyphen after such a character (the tail of 000.00.06.H56-231027-0361 or of
// 1.001193.000 is not a number of its own); or a label; or the "\n" escape of a serialized string.
const BEFORE = `(?:^|[^${WORD}.\\-]|(?:^|[^${WORD}])[.\\-]|(?:^|[^${WORD}])${LABEL}|\\\\[nrt])`
// After it: no letter or digit, and no dot or hyphen going on with a digit.
const END = `(?![${WORD}])(?![.\\-][0-9])`

/**
 * A pattern that starts with `head` (literal characters: the engine skips quickly to where one
 * stands, which keeps the scrub of every log line cheap), then checks what stands before the
 * number, then the `rest` of it.
 */
const pattern = (head: string, rest: string): RegExp => new RegExp(`(?:${head})(?<=${BEFORE}(?:${head}))(?:${rest})${END}`, 'g')

/**
 * Patterns of the personal numbers (global; a new RegExp each call). Grouped forms start with 0
 * (every citizen ID and mobile number does); an amount like 125.000.000.000 does not.
 */
export const PERSONAL_NUMBER = {
  /** a mobile number: 0912345678, 0912.345.678, 0912 345 678, +84912345678, +84 912 345 678 */
  phone: (): RegExp => pattern(`\\+84${SEP}?|84|0`, `[35789](?:${SEP}?\\d){8}`),
  /**
   * a 12-digit citizen ID number: 038190012345, 038 190 012 345, 0381.9001.2345; `anyFirstDigit`:
   * in one piece, also one that does not start with 0 (auditors' view; the log scrub keeps other
   * 12-digit counts)
   */
  citizenId: (anyFirstDigit = false): RegExp => anyFirstDigit
    ? pattern('\\d', `(?<=0)\\d(?:${SEP}?\\d){10}|(?<=[1-9])\\d{11}`)
    : pattern('0', `\\d(?:${SEP}?\\d){10}`),
  /** an old 9-digit ID number, in one piece only (grouped, too many other numbers look like it) */
  legacyId: (): RegExp => pattern('\\d', '\\d{8}')
} as const

const PHONE = PERSONAL_NUMBER.phone()
const CITIZEN_ID = PERSONAL_NUMBER.citizenId(true)
const LEGACY_ID = PERSONAL_NUMBER.legacyId()

const digitsOf = (match: string): string => match.replace(/[ .-]/g, '')

/** The number's first `head` and last two characters kept, `hidden` asterisks between. */
function keepEnds (match: string, head: number, hidden: number): string {
  const digits = digitsOf(match)
  return `${digits.slice(0, head)}${'*'.repeat(hidden)}${digits.slice(-2)}`
}

/** Auditors' view: the ends of each number kept (0381******45, 09******78). */
export function maskText (text: string): string {
  return text
    // the head kept is 0 and the network digit, or +84 and the network digit
    .replace(PHONE, (m) => keepEnds(m, digitsOf(m).length - 8, 6))
    .replace(CITIZEN_ID, (m) => keepEnds(m, 4, 6))
    .replace(LEGACY_ID, (m) => keepEnds(m, 3, 4))
}

const HIDDEN_PHONE = PERSONAL_NUMBER.phone()
const HIDDEN_CITIZEN_ID = PERSONAL_NUMBER.citizenId()
const EMAIL = /(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g

/**
 * Logs and agencies' answers: citizen IDs, mobile numbers and e-mail addresses hidden whole
 * (0***********, **********, ***@***). Other 12-digit numbers are kept (counts, sizes).
 */
export function hideText (text: string): string {
  return text.replace(HIDDEN_PHONE, '**********').replace(HIDDEN_CITIZEN_ID, '0***********').replace(EMAIL, '***@***')
}

/** A copy of `value` with every string masked. */
export function maskPersonal<T> (value: T): T {
  if (typeof value === 'string') return maskText(value) as T
  if (Array.isArray(value)) return value.map((v) => maskPersonal(v)) as T
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskPersonal(v)])) as T
  }
  return value
}
