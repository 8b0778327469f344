/**
 * Each request's logger (Fastify's `request.log`), made as pino's child only when a line of it is
 * let through by the level.
 *
 * Fastify gives every request a child of the hub's logger bound to its request id. Making a pino
 * child serializes its bindings, and with the hub's redaction paths (src/logger.ts: wildcards)
 * runs the redaction over them: a few percent of the API's CPU for a request that the level then
 * lets write nothing (a repeat answered from the record, at level warn or above). This factory
 * gives a request a stand-in with the same methods; its first line that the level lets through
 * makes the child (so that line, and every later one, carries the request id as before), and a
 * request that writes nothing never makes one. The level is read from the hub's logger at each call,
 * so a level changed at run time holds for requests already under way.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { FastifyChildLoggerFactory } from 'fastify/types/logger.js'
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString, Logger } from 'pino'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'

export class LazyRequestLogger implements FastifyBaseLogger {
  readonly #parent: Logger
  readonly #bindings: Bindings
  readonly #options: ChildLoggerOptions
  #child: Logger | undefined

  constructor (parent: Logger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent
    this.#bindings = bindings
    this.#options = options
  }

  /** the pino child, made on first need */
  get made (): boolean {
    return this.#child !== undefined
  }

  #real (): Logger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options)
    return this.#child
  }

  #line (level: Level, args: unknown[]): void {
    const enabled = this.#child !== undefined ? this.#child.isLevelEnabled(level) : this.#parent.isLevelEnabled(level)
    if (!enabled) return
    const child = this.#real()
    ;(child[level] as (...a: unknown[]) => void).apply(child, args)
  }

  get level (): LevelWithSilentOrString {
    return (this.#child ?? this.#parent).level
  }

  set level (level: LevelWithSilentOrString) {
    this.#real().level = level
  }

  isLevelEnabled (level: LevelWithSilentOrString): boolean {
    return (this.#child ?? this.#parent).isLevelEnabled(level)
  }

  fatal (...args: unknown[]): void { this.#line('fatal', args) }
  error (...args: unknown[]): void { this.#line('error', args) }
  warn (...args: unknown[]): void { this.#line('warn', args) }
  info (...args: unknown[]): void { this.#line('info', args) }
  debug (...args: unknown[]): void { this.#line('debug', args) }
  trace (...args: unknown[]): void { this.#line('trace', args) }
  silent (): void {}

  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options)
  }

  bindings (): Bindings {
    return this.#child !== undefined ? this.#child.bindings() : { ...this.#parent.bindings(), ...this.#bindings }
  }
}

/** Fastify's childLoggerFactory: a LazyRequestLogger per request (the hub's logger is pino's). */
export const lazyRequestLogger: FastifyChildLoggerFactory = function (logger, bindings, options) {
  return new LazyRequestLogger(logger as Logger, bindings, options)
}
