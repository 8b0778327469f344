/**
 * Text rules for every inbound request, on every route (registered once, in app.ts):
 * - Every string of a JSON body (property names included) is refused, 400 naming the field's JSON
 *   pointer, when it holds a control character — C0 other than tab, line feed and carriage return
 *   (free text may break lines), DEL, C1 — or an unpaired surrogate (not Unicode text: it cannot be
 *   encoded in UTF-8, and agencies' systems choke on it or store U+FFFD). NUL and the like were
 *   stored and sent to agencies before (issue 12). One walk over the parsed body, without
 *   recursion (a deeply nested body cannot overflow the stack), stopping at the first few problems;
 *   it runs before the JSON Schema (preValidation), so such a body costs one walk.
 * - A dossier code in the path is normalized like every identifier (domain/identifiers.ts):
 *   full-width letters, invisible characters or surrounding spaces find the dossier all the same.
 * Identifiers in bodies (source references) are normalized where they are received (intake).
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { HubValidationError, type FieldProblem } from '../errors.ts'
import { normalizeIdentifier } from '../domain/identifiers.ts'

/** how many problems a refusal names at most */
export const MAX_TEXT_PROBLEMS = 5

// without the u flag, so that surrogates are matched one code unit at a time
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

interface Frame { value: object, up: Frame | undefined, key: string }

const escape = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1')

function pointerOf (frame: Frame | undefined, key?: string): string {
  const parts: string[] = key === undefined ? [] : [escape(key)]
  for (let f = frame; f?.up !== undefined; f = f.up) parts.push(escape(f.key))
  return `#${parts.reverse().map((p) => `/${p}`).join('')}`
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
  const stack: Frame[] = [{ value: body, up: undefined, key: '' }]
  const visit = (frame: Frame, key: string, value: unknown): void => {
    if (typeof value === 'string') {
      const detail = textProblem(value)
      if (detail !== undefined) problems.push({ pointer: pointerOf(frame, key), detail })
    } else if (value !== null && typeof value === 'object') {
      stack.push({ value, up: frame, key })
    }
  }
  while (stack.length > 0 && problems.length < max) {
    const frame = stack.pop() as Frame
    if (Array.isArray(frame.value)) {
      const items = frame.value as unknown[]
      for (let i = 0; i < items.length && problems.length < max; i++) visit(frame, String(i), items[i])
    } else {
      for (const [key, value] of Object.entries(frame.value)) {
        if (problems.length >= max) break
        const detail = textProblem(key)
        if (detail !== undefined) problems.push({ pointer: pointerOf(frame, key), detail: `(the property name) ${detail}` })
        else visit(frame, key, value)
      }
    }
  }
  return problems.slice(0, max)
}

async function textRules (app: FastifyInstance): Promise<void> {
  app.addHook('preValidation', async (request) => {
    const params = request.params as Record<string, unknown> | undefined
    if (typeof params?.code === 'string') params.code = normalizeIdentifier(params.code)
    if (request.body === undefined) return
    const problems = textProblems(request.body)
    if (problems.length > 0) {
      const first = problems.length < MAX_TEXT_PROBLEMS ? '' : ` (the first ${MAX_TEXT_PROBLEMS})`
      throw new HubValidationError(problems, `The request body has text the hub does not accept${first}: control characters or unpaired surrogates; nothing was stored`)
    }
  })
}

export default fp(textRules, { name: 'text-rules' })
