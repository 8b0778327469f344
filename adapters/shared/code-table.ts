/**
 * Two-way code tables for adapters: canonical value ↔ an agency system's native code. A value
 * without a partner is an AdapterMappingError naming the system and the native field.
 */
import { AdapterMappingError } from '../contract.ts'

export interface CodeTable<C, N> {
  toNative: (c: C) => N
  /** `at`: the native field to name in the error, when it is not the table's own (e.g. an array item) */
  toCanonical: (n: N, at?: string) => C
}

export function codeTable<C extends string | number, N extends string | number> (system: string, field: string, pairs: ReadonlyArray<readonly [C, N]>): CodeTable<C, N> {
  const toN = new Map<C, N>(pairs)
  const toC = new Map<N, C>(pairs.map(([c, n]) => [n, c]))
  return {
    toNative: (c) => {
      const n = toN.get(c)
      if (n === undefined) throw new AdapterMappingError(`${system} has no code for "${String(c)}" (${field})`)
      return n
    },
    toCanonical: (n, at = field) => {
      const c = toC.get(n)
      if (c === undefined) throw new AdapterMappingError(`${at} "${String(n)}" is not a ${system} code this hub knows (known: ${[...toC.keys()].join(', ')})`)
      return c
    }
  }
}

/**
 * The entry for the kind of dossier a delivery or notice is about (context.dataSchema) in an
 * adapter's table of the kinds its agency handles; any other kind is an AdapterMappingError saying
 * which kinds the agency takes and `why` it matters for this one.
 */
export function kindOf<T> (table: Readonly<Record<string, T>>, dataSchema: string, agency: string, why: string): T {
  const kind = Object.hasOwn(table, dataSchema) ? table[dataSchema] : undefined
  if (kind === undefined) throw new AdapterMappingError(`${agency} takes ${Object.keys(table).join(', ')} dossiers, not ${dataSchema}${why}`)
  return kind
}
