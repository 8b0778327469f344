/**
 * The gateway to the payment platform: the only way between the hub's canonical payment types
 * (PaymentOrder, PaymentResult) and the platform's native messages, as the agencies' gateways are
 * (adapter-gateway.ts). Each crossing is validate → map, or map → validate:
 *   - out (create): the adapter builds the signed request, checked against its native create schema
 *     before it is sent (an adapter's bug is a NativeOutputError: the creation fails for good);
 *   - in (callback): the parameters against the adapter's native callback schema (a GatewayRefusal
 *     with the field problems), the signature checked by the adapter (a CallbackSignatureError), then
 *     read into a PaymentResult (a GatewayRefusal when it cannot be).
 * The payment service never reads a native field: the reference a callback names (for the audit
 * trail of a refused one) comes from the adapter too (`claimedReference`).
 */
import type { ValidateFunction } from 'ajv'
import { AdapterMappingError, type AgencyResponse, type OutboundRequest } from '../../adapters/contract.ts'
import type { CallbackOutcome, PaymentAdapter, PaymentOrder, PaymentResult, PaymentSettings } from '../../adapters/payment-contract.ts'
import { createStrictAjv, toFieldErrors } from '../validation/ajv.ts'
import { GatewayRefusal, NativeOutputError, fieldsOf } from './adapter-gateway.ts'

/** A callback whose signature is not the platform's. */
export class CallbackSignatureError extends Error {
  override name = 'CallbackSignatureError'
}

export class PaymentGateway {
  readonly adapter: PaymentAdapter
  readonly #create: ValidateFunction
  readonly #callback: ValidateFunction

  constructor (adapter: PaymentAdapter) {
    this.adapter = adapter
    const ajv = createStrictAjv()
    this.#create = ajv.compile(adapter.nativeSchemas.create)
    this.#callback = ajv.compile(adapter.nativeSchemas.callback)
  }

  get name (): string { return this.adapter.name }

  /** The signed request creating `order` on the platform, checked against the adapter's create schema. */
  create (order: PaymentOrder, settings: PaymentSettings): OutboundRequest {
    const req = this.adapter.create(order, settings)
    if (!this.#create(req.body)) {
      throw new NativeOutputError(`the ${this.name} adapter produced a request its schema rejects: ${fieldsOf(this.#create)}`)
    }
    return req
  }

  /** The payment address in the platform's answer (AdapterMappingError when there is none). */
  address (response: AgencyResponse): { url: string } {
    return this.adapter.address(response)
  }

  /** The payment reference a callback names, before it is checked (undefined when it names none). */
  claimedReference (params: Record<string, unknown>): string | undefined {
    return this.adapter.claimedReference(params)
  }

  /**
   * A callback's parameters → the platform's result: validated (GatewayRefusal), its signature
   * verified with `secret` (CallbackSignatureError), read (GatewayRefusal when it cannot be).
   */
  callback (params: Record<string, unknown>, secret: string): PaymentResult {
    const validate = this.#callback
    if (!validate(params)) {
      throw new GatewayRefusal(toFieldErrors(validate.errors).map((f) => ({ pointer: `#${f.pointer}`, detail: f.detail })),
        `The ${this.name} payment result has invalid fields; nothing was changed`)
    }
    const fields = params as Record<string, string>
    if (!this.adapter.verify(fields, secret)) throw new CallbackSignatureError(`${this.name}: the payment result's signature does not match`)
    try {
      return this.adapter.result(fields)
    } catch (err) {
      if (!(err instanceof AdapterMappingError)) throw err
      throw new GatewayRefusal([{ pointer: '#', detail: err.message }], `The ${this.name} payment result cannot be read: ${err.message}; nothing was changed`)
    }
  }

  /** The body the platform expects back for an outcome. */
  acknowledge (outcome: CallbackOutcome): Record<string, string> {
    return this.adapter.acknowledge(outcome)
  }
}
