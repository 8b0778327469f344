import { fileURLToPath } from 'node:url'
import { resolve } from 'node:path'

/** The project's root folder (where package.json is), whatever the working directory. */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url))

/** Resolves a path given relative to the project root (absolute paths pass through). */
export function fromRoot (...segments: string[]): string {
  return resolve(projectRoot, ...segments)
}
