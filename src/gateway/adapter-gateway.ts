/**
 * One gateway per adapter: the only way between the canonical dossier and an agency's native
 * format. Each crossing is validate → map → validate, in both directions:
 *   - in (intake, events): the native body against the adapter's schema (problems point into the
 *     body), mapped by the adapter (a code it cannot map is a problem naming the field), and the
 *     result against the canonical schema (a mapping that yields an invalid dossier or report is
 *     refused, never stored);
 *   - out (delivery): mapped by the adapter, and checked against its native schema before it is
 *     sent, so an adapter's bug shows as a clear failed delivery instead of a puzzled agency.
 * Refusals of what came in are GatewayRefusal (field problems and a title: the services answer
 * them as 400); a native body the adapter wrote and its own schema rejects is NativeOutputError (the
 * delivery fails for good, never retried). The native schemas are compiled once, for all gateways
 * (validation/native.ts).
 */
import type { ValidateFunction } from 'ajv'
import {
  AdapterMappingError,
  type AgencyAdapter,
  type AgencyResponse,
  type DeliverableDossier,
  type InboundContext,
  type MappedStatus,
  type OutboundContext,
  type OutboundRequest,
  type PaymentNotice,
  type PickupOrder,
  type PickupUpdate,
  type SupplementNotice,
  type WithdrawalNotice
} from '../../adapters/contract.ts'
import type { DossierSubmission, FieldProblem } from '../types/schemas.generated.ts'
import { toFieldErrors } from '../validation/ajv.ts'
import { createNativeValidators, type NativeValidators } from '../validation/native.ts'

/** What came in was refused: the field problems (JSON pointers into the request body) and a title. */
export class GatewayRefusal extends Error {
  override name = 'GatewayRefusal'
  readonly problems: FieldProblem[]
  readonly title: string
  constructor (problems: FieldProblem[], title: string) {
    super(title)
    this.problems = problems
    this.title = title
  }
}

/** The adapter wrote a native body its own schema rejects (a bug of the adapter's: not retried). */
export class NativeOutputError extends Error {
  override name = 'NativeOutputError'
}

/** The canonical schemas a mapping into the hub must satisfy. */
export interface CanonicalValidators {
  submission: ValidateFunction
  report: ValidateFunction
}

/** The first few fields a validator refused, for an error message. */
export const fieldsOf = (v: ValidateFunction): string => toFieldErrors(v.errors).slice(0, 5).map((f) => `${f.pointer} ${f.detail}`).join('; ')

export class AdapterGateway {
  readonly adapter: AgencyAdapter<never, unknown, never>
  readonly #native: NativeValidators
  readonly #canonical: CanonicalValidators

  constructor (adapter: AgencyAdapter<never, unknown, never>, native: NativeValidators, canonical: CanonicalValidators) {
    this.adapter = adapter
    this.#native = native
    this.#canonical = canonical
  }

  get name (): string { return this.adapter.name }
  /** the agency's software can submit dossiers in this format */
  get takesSubmissions (): boolean { return this.#native.submission !== undefined }
  /** The native field a canonical field of a mapped submission came from (`#/…`), when the adapter names it. */
  submissionPointer (canonical: string): string | undefined {
    const native = this.adapter.submissionPointers?.[canonical.replace(/^#/, '') as '/code' | '/receivedAt']
    return native === undefined ? undefined : `#${native}`
  }

  /** the agency's software can report in this format */
  get takesReports (): boolean { return this.#native.status !== undefined }

  /** A native submission → the canonical submission. */
  inbound (native: unknown, context: InboundContext): DossierSubmission {
    const validate = this.#native.submission
    if (validate === undefined) throw new GatewayRefusal([{ pointer: '#', detail: `the ${this.name} adapter has no native submission format` }], `The ${this.name} adapter takes no submissions`)
    if (!validate(native)) {
      throw new GatewayRefusal(toFieldErrors(validate.errors).map((f) => ({ pointer: `#${f.pointer}`, detail: f.detail })),
        `The ${this.name} submission has invalid fields; nothing was stored`)
    }
    let submission: DossierSubmission
    try {
      submission = this.adapter.inbound(native as never, context)
    } catch (err) {
      if (!(err instanceof AdapterMappingError)) throw err
      throw new GatewayRefusal([{ pointer: '#', detail: err.message }], `The ${this.name} submission cannot be read: ${err.message}; nothing was stored`)
    }
    const canonical = this.#canonical.submission
    if (!canonical(submission)) {
      throw new GatewayRefusal(toFieldErrors(canonical.errors).map((f) => ({ pointer: '#', detail: `once mapped to the canonical dossier, ${f.pointer} ${f.detail}` })),
        `The ${this.name} submission maps to an invalid dossier; nothing was stored`)
    }
    return submission
  }

  /** A native status report (at `at` in the request body) → the canonical report. */
  status (native: unknown, at = '/native'): MappedStatus {
    const validate = this.#native.status
    if (validate === undefined) throw new GatewayRefusal([{ pointer: `#${at}`, detail: `the ${this.name} adapter has no native status format` }], `The ${this.name} adapter takes no native reports`)
    if (!validate(native)) {
      throw new GatewayRefusal(toFieldErrors(validate.errors, at).map((f) => ({ pointer: `#${f.pointer}`, detail: f.detail })),
        `The ${this.name} status report has invalid fields; nothing was changed`)
    }
    let mapped: MappedStatus
    try {
      mapped = this.adapter.status(native as never)
    } catch (err) {
      if (!(err instanceof AdapterMappingError)) throw err
      throw new GatewayRefusal([{ pointer: `#${at}`, detail: err.message }], `The ${this.name} status report cannot be read: ${err.message}; nothing was changed`)
    }
    const canonical = this.#canonical.report
    if (!canonical(mapped.report)) {
      throw new GatewayRefusal(toFieldErrors(canonical.errors).map((f) => ({ pointer: `#${at}`, detail: `once mapped to a canonical report, ${f.pointer} ${f.detail}` })),
        `The ${this.name} status report maps to an invalid report; nothing was changed`)
    }
    return mapped
  }

  /** the post office can be asked to collect dossiers (postal pickup) */
  get takesPickups (): boolean { return this.adapter.pickup !== undefined && this.#native.pickup !== undefined }

  /**
   * A postal pickup report (at `at` in the request body) → the update it makes: the native body
   * against the adapter's pickup-status schema, mapped by the adapter (a contradiction is a problem
   * naming the body). The update has no canonical schema: the pickup service checks its times.
   */
  pickupStatus (native: unknown, at = '/native'): PickupUpdate {
    const validate = this.#native.pickupStatus
    const read = this.adapter.pickupStatus
    if (validate === undefined || read === undefined) throw new GatewayRefusal([{ pointer: `#${at}`, detail: `the ${this.name} adapter has no pickup report format` }], `The ${this.name} adapter takes no pickup reports`)
    if (!validate(native)) {
      throw new GatewayRefusal(toFieldErrors(validate.errors, at).map((f) => ({ pointer: `#${f.pointer}`, detail: f.detail })),
        'The postal pickup report has invalid fields; nothing was changed')
    }
    try {
      return read.call(this.adapter, native)
    } catch (err) {
      if (!(err instanceof AdapterMappingError)) throw err
      throw new GatewayRefusal([{ pointer: `#${at}`, detail: err.message }], `The ${this.name} pickup report cannot be read: ${err.message}; nothing was changed`)
    }
  }

  /** A pickup order → the post office's native collection request, checked against its schema. */
  pickup (order: PickupOrder, context: { agencyId: string, agencyCode?: string }): OutboundRequest {
    const make = this.adapter.pickup
    if (make === undefined) throw new AdapterMappingError(`the ${this.name} adapter cannot ask for a pickup`)
    return this.#checked(make.call(this.adapter, order, context), this.#native.pickup, 'pickup request')
  }

  /** The dossier → the agency's native request. */
  outbound (dossier: DeliverableDossier, context: OutboundContext): OutboundRequest {
    const req = this.adapter.outbound(dossier as never, context)
    if (!this.#native.request(req.body)) throw new NativeOutputError(`the ${this.name} adapter produced a request its native schema rejects: ${fieldsOf(this.#native.request)}`)
    return req
  }

  /** A withdrawal notice → the agency's native notice. */
  withdrawal (notice: WithdrawalNotice, context: OutboundContext): OutboundRequest {
    return this.#checked(this.adapter.withdrawal(notice, context), this.#native.withdrawal, 'withdrawal notice')
  }

  /** A supplement (the papers an agency asked for) → the agency's native supplement. */
  supplement (notice: SupplementNotice, context: OutboundContext): OutboundRequest {
    return this.#checked(this.adapter.supplement(notice, context), this.#native.supplement, `supplement ${notice.sequence}`)
  }

  /** A payment notice (the applicant paid online what a step asked for) → the agency's native payment notice. */
  payment (notice: PaymentNotice, context: OutboundContext): OutboundRequest {
    return this.#checked(this.adapter.payment(notice, context), this.#native.payment, `payment notice ${notice.reference}`)
  }

  /** The agency's own reference for the dossier, from its answer to a delivery. */
  receipt (response: AgencyResponse): string | undefined {
    return this.adapter.receipt(response)
  }

  #checked (req: OutboundRequest, validate: ValidateFunction | undefined, what: string): OutboundRequest {
    if (validate !== undefined && !validate(req.body)) throw new NativeOutputError(`the ${this.name} adapter produced a ${what} its native schema rejects: ${fieldsOf(validate)}`)
    return req
  }
}

/** The gateways of the adapters, by adapter name, their native schemas compiled once. */
export function createGateways (adapters: ReadonlyMap<string, AgencyAdapter<never, unknown, never>>, canonical: CanonicalValidators): Map<string, AdapterGateway> {
  const native = createNativeValidators(adapters)
  const out = new Map<string, AdapterGateway>()
  for (const [name, adapter] of adapters) {
    const validators = native.get(name)
    if (validators !== undefined) out.set(name, new AdapterGateway(adapter, validators, canonical))
  }
  return out
}
