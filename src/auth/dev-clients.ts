/**
 * Development clients (HUB_DEV_CLIENTS): at start-up, a portal client "dev-portal" and one agency
 * client per configured agency are created or given new keys in the record (the hub's database, like
 * every client: clients.ts), and the keys are written to a file
 * (readable by its owner only) that the demo and the agency simulators read:
 *   { "portal": "lth.dev-portal.…", "agencies": { "<agency id>": "lth.dev-agency-….…" } }
 * Never set it in production: anyone who can read the file can act as every agency. Under
 * NODE_ENV=production the hub refuses to start with it (config/dev-secrets.ts), and this refuses too.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { HubSettings } from '../config/hub-config.ts'
import type { ClientStore } from './clients.ts'

export interface DevKeys {
  portal: string
  agencies: Record<string, string>
}

/** The client id of an agency's development client. */
const devClientId = (agency: string): string => `dev-${agency.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 40)

export async function writeDevClients (clients: ClientStore, settings: HubSettings, file: string): Promise<DevKeys> {
  if (process.env.NODE_ENV === 'production') throw new Error('development clients are refused under NODE_ENV=production: unset HUB_DEV_CLIENTS')
  const keys: DevKeys = { portal: (await clients.add({ id: 'dev-portal', name: 'Development portal', role: 'portal' }, { replace: true })).key, agencies: {} }
  for (const agency of settings.agencies.values()) {
    keys.agencies[agency.id] = (await clients.add({ id: devClientId(agency.id), name: `${agency.name} (development)`, role: 'agency', agency: agency.id }, { replace: true })).key
  }
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 })
  return keys
}
