/**
 * Text rules for every inbound request, on every route (registered once, in app.ts):
 * - Every string of a JSON body (property names included) is refused, 400 naming the field's JSON
 *   pointer, when it holds a control character — C0 other than tab, line feed and carriage return
 *   (free text may break lines), DEL, C1 — or an unpaired surrogate (not Unicode text: it cannot be
 *   encoded in UTF-8, and agencies' systems choke on it or store U+FFFD). NUL and the like were
 *   stored and sent to agencies before (issue 12). One walk over the parsed body, without
 *   recursion (a deeply nested body cannot overflow the stack), stopping at the first few problems;
 *   it runs before the JSON Schema (preValidation), so such a body costs one walk.
 * - Every string of a JSON body (property names included) is stored in NFC (toNfc): decomposed
 *   Vietnamese (NFD) and precomposed are one text. Done in the JSON parser, which every inbound
 *   path shares (portal and agency-native submissions, events, supplements, returns, withdrawals);
 *   a body already in NFC without escaped non-ASCII characters costs one quick check of its text.
 * - A dossier code in the path is normalized like every identifier (domain/identifiers.ts):
 *   full-width letters, invisible characters or surrounding spaces find the dossier all the same.
 * Identifiers in bodies (source references) are normalized where they are received (intake).
 */
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { HubValidationError, type FieldProblem } from '../errors.ts'
import { normalizeIdentifier } from '../domain/identifiers.ts'
import { sha256Hex } from '../domain/fingerprint.ts'

/** how many problems a refusal names at most */
export const MAX_TEXT_PROBLEMS = 5

// without the u flag, so that surrogates are matched one code unit at a time
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

const hex = (unit: number): string => unit.toString(16).toUpperCase().padStart(4, '0')

/** What is wrong with a string, or undefined when nothing is. */
export function textProblem (value: string): string | undefined {
  const m = FORBIDDEN.exec(value)
  if (m === null) return undefined
  const unit = m[0].charCodeAt(0)
  return unit >= 0xd800
    ? `contains an unpaired surrogate (U+${hex(unit)}) at character ${m.index}: not valid Unicode text`
    : `contains the control character U+${hex(unit)} at character ${m.index}; only tab and line breaks are accepted`
}

interface Frame { value: object, up: Frame | undefined, key: string | number }

const escape = (key: string | number): string => typeof key === 'number' ? String(key) : key.replaceAll('~', '~0').replaceAll('/', '~1')

function pointerOf (frame: Frame | undefined, key?: string | number): string {
  const parts: string[] = key === undefined ? [] : [escape(key)]
  for (let f = frame; f?.up !== undefined; f = f.up) parts.push(escape(f.key))
  return `#${parts.reverse().map((p) => `/${p}`).join('')}`
}

/**
 * Whether a JSON text may hold a string the rules refuse: a control character or surrogate written
 * as an escape (\u0000–\u001f, \u007f–\u009f, \ud800–\udfff, \b, \f) or DEL/C1 written as is.
 * (A raw C0 character is not valid JSON, and a raw lone surrogate cannot arrive in UTF-8.) False
 * positives only cost the walk; a body that passes this needs no walk at all. One regular
 * expression over the text: about a millisecond per MiB.
 */
const SUSPECT = /\\u(?:00[01]|007f|00[89]|d[89a-f])|\\[bf]|[\u007f-\u009f]/i
export function mayHoldForbiddenText (json: string): boolean {
  return SUSPECT.test(json)
}

/** The first `max` strings of a parsed JSON value that break the text rules, as field problems. */
export function textProblems (body: unknown, max = MAX_TEXT_PROBLEMS): FieldProblem[] {
  const problems: FieldProblem[] = []
  if (typeof body === 'string') {
    const detail = textProblem(body)
    if (detail !== undefined) problems.push({ pointer: '#', detail })
    return problems
  }
  // JSON only: a binary body (no such parser today) is not text
  if (body === null || typeof body !== 'object' || body instanceof Uint8Array) return problems
  // an explicit stack (a deeply nested body cannot overflow the call stack); a frame only for a
  // container that has something in it, and array indexes become strings only in a pointer: a body
  // of a million empty objects costs a few milliseconds
  const stack: Frame[] = [{ value: body, up: undefined, key: '' }]
  while (stack.length > 0 && problems.length < max) {
    const frame = stack.pop() as Frame
    if (Array.isArray(frame.value)) {
      const items = frame.value as unknown[]
      for (let i = 0; i < items.length; i++) {
        const value = items[i]
        if (typeof value === 'string') {
          if (!FORBIDDEN.test(value)) continue
          problems.push({ pointer: pointerOf(frame, i), detail: textProblem(value) as string })
          if (problems.length >= max) break
        } else if (value !== null && typeof value === 'object') {
          // eslint-disable-next-line no-unreachable-loop -- one key is enough to know the object is not empty (no Object.keys of a huge object)
          for (const _ in value) { stack.push({ value, up: frame, key: i }); break }
        }
      }
    } else {
      const object = frame.value as Record<string, unknown>
      for (const key in object) {
        if (FORBIDDEN.test(key)) {
          problems.push({ pointer: pointerOf(frame, key), detail: `(the property name) ${textProblem(key) as string}` })
          if (problems.length >= max) break
          continue
        }
        const value = object[key]
        if (typeof value === 'string') {
          if (!FORBIDDEN.test(value)) continue
          problems.push({ pointer: pointerOf(frame, key), detail: textProblem(value) as string })
          if (problems.length >= max) break
        } else if (value !== null && typeof value === 'object') {
          // eslint-disable-next-line no-unreachable-loop -- one key is enough to know the object is not empty (no Object.keys of a huge object)
          for (const _ in value) { stack.push({ value, up: frame, key }); break }
        }
      }
    }
  }
  return problems.slice(0, max)
}

/**
 * Whether a JSON text may hold a string that is not in NFC (Unicode Normalization Form C,
 * precomposed): the text itself is not in NFC, or it escapes a non-ASCII character (\u0080 and
 * above; "e\u0302\u0303" is NFD written in escapes). An ASCII text without such escapes, or an NFC
 * text (ICU's quick check: one pass, no copy when it is already normalized), needs no walk.
 */
const NON_ASCII_ESCAPE = /\\u(?!00[0-7][0-9a-f])[0-9a-f]{4}/i
export function mayHoldNonNfc (json: string): boolean {
  return NON_ASCII_ESCAPE.test(json) || json.normalize('NFC') !== json
}

interface Slot { container: object, up: Record<string | number, unknown> | undefined, key: string | number }

/**
 * Every string of a parsed JSON value in NFC, property names included: Vietnamese sent decomposed
 * (NFD: "Nguyễn" as e + U+0302 + U+0303, as some keyboards and older systems send it) is stored
 * as the precomposed text everyone else sends, so that the two spellings of one submission are
 * one submission (receive once, conflicts, content matching: fingerprints are taken of the
 * normalized body). Arrays and objects are changed in place; an object whose property names
 * change is rebuilt in the same order (defineProperty: a name is never a prototype setter).
 * Returns the value (a new one only when the value itself is a string). No recursion.
 */
export function toNfc (body: unknown): unknown {
  if (typeof body === 'string') return body.normalize('NFC')
  if (body === null || typeof body !== 'object') return body
  let root: unknown = body
  const stack: Slot[] = [{ container: body, up: undefined, key: '' }]
  while (stack.length > 0) {
    const { container, up, key } = stack.pop() as Slot
    if (Array.isArray(container)) {
      const items = container as unknown[]
      for (let i = 0; i < items.length; i++) {
        const value = items[i]
        if (typeof value === 'string') items[i] = value.normalize('NFC')
        else if (value !== null && typeof value === 'object') stack.push({ container: value, up: items as unknown as Record<number, unknown>, key: i })
      }
      continue
    }
    let object = container as Record<string, unknown>
    let renamed = false
    for (const name in object) if (name.normalize('NFC') !== name) { renamed = true; break }
    if (renamed) {
      const copy: Record<string, unknown> = {}
      for (const name in object) Object.defineProperty(copy, name.normalize('NFC'), { value: object[name], enumerable: true, writable: true, configurable: true })
      if (up === undefined) root = copy
      else up[key] = copy
      object = copy
    }
    for (const name in object) {
      const value = object[name]
      if (typeof value === 'string') object[name] = value.normalize('NFC')
      else if (value !== null && typeof value === 'object') stack.push({ container: value, up: object, key: name })
    }
  }
  return root
}

/** Requests whose JSON text may hold a refused string (set by the JSON parser below). */
const suspects = new WeakSet<object>()

declare module 'fastify' {
  interface FastifyContextConfig {
    /** keep the SHA-256 of the request's JSON text as it arrived (bodyDigest): a repeat of the same bytes can be told at once */
    bodyDigest?: boolean
    /**
     * With bodyDigest: true when the JSON text need not be parsed yet (a known repeat, which the
     * route answers before validation from its digest). Its body is then DEFERRED_BODY until the
     * route calls parseDeferredBody. Never asked for a text that may hold a refused string.
     */
    deferBody?: (request: FastifyRequest, digest: string) => boolean
  }
}

/** SHA-256 (hex) of the JSON text as it arrived, before NFC, on the routes whose config asks for it */
const digests = new WeakMap<FastifyRequest, string>()

/** The SHA-256 of the request's JSON text as it arrived; undefined unless its route sets `bodyDigest`. */
export function bodyDigest (request: FastifyRequest): string | undefined {
  return digests.get(request)
}

/** The body of a request whose JSON text is not parsed yet (its route's `deferBody` said it could wait). */
const DEFERRED_BODY: Readonly<Record<string, never>> = Object.freeze({})

/** the parse still owed to a request whose body is DEFERRED_BODY */
const deferred = new WeakMap<FastifyRequest, () => Promise<unknown>>()

/**
 * Parses the JSON text of a request whose body was deferred (DEFERRED_BODY), as the parser would
 * have (NFC included), and makes it the request's body; nothing when the body is already parsed.
 * A text that does not parse throws the parser's error (400).
 */
export async function parseDeferredBody (request: FastifyRequest): Promise<void> {
  const parse = deferred.get(request)
  if (parse === undefined) return
  deferred.delete(request)
  request.body = await parse()
}

async function textRules (app: FastifyInstance): Promise<void> {
  // Fastify's own JSON parser (the same protection against __proto__ and constructor.prototype
  // keys), with one look at the text on the way: only a text that may hold a refused string is
  // walked once parsed.
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  const parse = (request: FastifyRequest, text: string, done: (err: Error | null, body?: unknown) => void): void => {
    if (!mayHoldNonNfc(text)) { parseJson(request, text, done); return }
    // every inbound body's text in NFC, before anything reads it (schemas, fingerprints, the record)
    parseJson(request, text, (err, body) => { if (err !== null) done(err); else done(null, toNfc(body)) })
  }
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    if (typeof text !== 'string') { parseJson(request, text as unknown as string, done); return }
    const suspect = mayHoldForbiddenText(text)
    if (suspect) suspects.add(request)
    const config = request.routeOptions.config
    if (config.bodyDigest === true) {
      const digest = sha256Hex(text)
      digests.set(request, digest)
      if (!suspect && config.deferBody?.(request, digest) === true) {
        deferred.set(request, async () => await new Promise((resolve, reject) => {
          parse(request, text, (err, body) => { if (err !== null) reject(err); else resolve(body) })
        }))
        done(null, DEFERRED_BODY)
        return
      }
    }
    parse(request, text, done)
  })
  app.addHook('preValidation', async (request) => {
    const params = request.params as Record<string, unknown> | undefined
    if (typeof params?.code === 'string') params.code = normalizeIdentifier(params.code)
    if (request.body === undefined || !suspects.has(request)) return
    const problems = textProblems(request.body)
    if (problems.length > 0) {
      const first = problems.length < MAX_TEXT_PROBLEMS ? '' : ` (the first ${MAX_TEXT_PROBLEMS})`
      throw new HubValidationError(problems, `The request body has text the hub does not accept${first}: control characters or unpaired surrogates; nothing was stored`)
    }
  })
}

export default fp(textRules, { name: 'text-rules' })
