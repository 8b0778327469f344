/**
 * The simulated agency systems by adapter (npm run agencies, the tests). Each lives beside its
 * adapter (adapters/<name>/simulator.ts) and takes its codes from the adapter's own tables; what they
 * share is in adapters/shared/simulator.ts.
 */
import type { Dialect } from '../../adapters/shared/simulator.ts'
import { genericSimulator } from '../../adapters/generic/simulator.ts'
import { electricitySimulator } from '../../adapters/electricity/simulator.ts'
import { landSimulator } from '../../adapters/land/simulator.ts'
import { justiceSimulator } from '../../adapters/justice/simulator.ts'
import { postalSimulator } from '../../adapters/postal/simulator.ts'

export type { Delivered, Dialect, EventPayload, JourneyStep, Paid, Supplemented, Withdrawn } from '../../adapters/shared/simulator.ts'
export { s10 } from '../../adapters/postal/simulator.ts'

export const dialects: Readonly<Record<string, Dialect>> = {
  generic: genericSimulator,
  electricity: electricitySimulator,
  land: landSimulator,
  justice: justiceSimulator,
  postal: postalSimulator
}
