/**
 * The adapter registry: the hub config's `adapter` names one of these. Adding an agency system
 * with its own native format = a folder under adapters/ and a line here.
 */
import type { AgencyAdapter } from './contract.ts'
import { genericAdapter } from './generic/index.ts'
import { electricityAdapter } from './electricity/index.ts'
import { landAdapter } from './land/index.ts'
import { justiceAdapter } from './justice/index.ts'
import { postalAdapter } from './postal/index.ts'

export const adapters: ReadonlyMap<string, AgencyAdapter<never, unknown, never>> = new Map<string, AgencyAdapter<never, unknown, never>>([
  [genericAdapter.name, genericAdapter as AgencyAdapter<never, unknown, never>],
  [electricityAdapter.name, electricityAdapter as AgencyAdapter<never, unknown, never>],
  [justiceAdapter.name, justiceAdapter as AgencyAdapter<never, unknown, never>],
  [landAdapter.name, landAdapter as AgencyAdapter<never, unknown, never>],
  [postalAdapter.name, postalAdapter as AgencyAdapter<never, unknown, never>]
])

export type { AgencyAdapter } from './contract.ts'
