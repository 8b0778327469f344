/**
 * The hub config file (HUB_CONFIG): agencies, their endpoints and outbound auth, the routing
 * table and the intake policy. Validated against schemas/hub-config.schema.json, then cross-checked:
 * every routed agency exists, every adapter exists, every procedure's data schema exists, step ids
 * are unique in their route, the lead is one of the steps, every auth secret can be read. Problems
 * name the file and the JSON pointer. Secrets and TLS files are read here, once.
 *
 * Routes resolve to an ordered list of steps: `agencies: [a, b]` is one stage with a and b in
 * parallel; `stages` lists stages run in sequence, each with steps run in parallel.
 */
import { readFileSync } from 'node:fs'
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { resolve } from 'node:path'
import { fromRoot } from '../paths.ts'
import { createAjv, toFieldErrors } from '../validation/ajv.ts'
import { holidayCalendarSchema, hubConfigSchema, procedureDataSchemas } from '../schemas.ts'
import { WorkingCalendar, type HolidayTable } from '../domain/calendar.ts'
import { adapters } from '../../adapters/index.ts'
import type { AgencyConfig, HubConfig, OutboundAuth, OutboundTls, ProcedureRoute, RetryPolicy, RouteStage } from '../types/schemas.generated.ts'
import { ConfigError } from './errors.ts'
import { devSecretWarnings, findDevSecrets, findLoadedDevSecrets, type DevSecretUse } from './dev-secrets.ts'
import { resolveRetention } from './retention-config.ts'
import type { RetentionPolicy } from '../domain/retention.ts'
import type { StepPlan } from '../domain/routing.ts'
import { NOTIFICATION_EVENTS, type NotificationEvent } from '../domain/notification.ts'
import { resolveNotices, type ResolvedNotices } from './notice-config.ts'
import type { CompetenceTable } from '../domain/competence.ts'
import type { MaxScores } from '../domain/indicators.ts'

/** Outbound auth with its secret read (from the environment or a file): kept in memory only. */
export interface ResolvedAuth {
  type: OutboundAuth['type']
  secret: string
}

/** How the hub proves itself to the national personal data store: its secret read, in memory only. */
export interface ResolvedStoreAuth {
  type: 'bearer' | 'api-key'
  /** api-key: the header that carries the key (lower case) */
  header: string
  secret: string
}

export interface ResolvedNationalDataStore { endpoint: string, timeoutMs: number, auth?: ResolvedStoreAuth }

/** TLS options with their files read: PEM text, kept in memory only. */
export interface ResolvedTls {
  ca?: string
  cert?: string
  key?: string
  passphrase?: string
  servername?: string
}

export type ResolvedAgency = Omit<AgencyConfig, 'auth' | 'tls'> & {
  id: string
  timeoutMs: number
  concurrency: number
  retry: Required<RetryPolicy>
  auth?: ResolvedAuth
  tls?: ResolvedTls
}

/** A step of a procedure's route as the config resolves it: the routing domain's step, with its own time limit. */
export type ResolvedStep = StepPlan & {
  /** working days the step's agency has, from its release */
  days?: number
}

export type ResolvedProcedure = Omit<ProcedureRoute, 'agencies' | 'stages' | 'lead'> & {
  code: string
  /** every step, ordered by stage */
  steps: readonly ResolvedStep[]
  /** the lead step's id */
  lead: string
}

/**
 * The national public service portal (DVCQG) the hub syncs every dossier to (`nationalPortal` in
 * the config): reached like an agency (endpoint, auth, TLS, timeout, retry), with the id
 * `national-portal` for its own TLS pool and the console.
 */
export type ResolvedNationalPortal = Pick<ResolvedAgency, 'endpoint' | 'timeoutMs' | 'concurrency' | 'retry' | 'auth' | 'tls'> & {
  id: 'national-portal'
  name: string
  /** MaCSDL of the national databases (DSKetNoiCSDL of the sync record), as configured */
  databaseCodes?: Readonly<Partial<Record<'national-data-store' | 'population', string>>>
}

/** A webhook subscriber with its signing key read. */
export interface ResolvedSubscriber {
  id: string
  url: string
  secret: string
  /** only dossiers routed to this agency */
  agency?: string
  events: ReadonlySet<NotificationEvent>
  timeoutMs: number
  retry: Required<RetryPolicy>
}

export { NOTIFICATION_EVENTS, type NotificationEvent } from '../domain/notification.ts'

/** The audit trail's keys (read once, kept in memory only). */
export interface ResolvedAudit {
  /** the HMAC-SHA256 key of the entries and head records */
  secret: string
  /** signs the daily checkpoints (Ed25519) */
  signingKey: KeyObject
  /** its public half, published to auditors */
  publicKey: KeyObject
}

/** The payment platform (payments in the config) with its signing key read. */
export interface ResolvedPayments {
  provider: string
  endpoint: string
  merchantCode: string
  secret: string
  returnUrl?: string
  expireMs: number
  remindAfterMs: number
  /** DuocThanhToanTrucTuyen of a dossier paid through it */
  paidOnlineCode: 1 | 2
  timeoutMs: number
  retry: Required<RetryPolicy>
}

export interface HubSettings {
  agencies: ReadonlyMap<string, ResolvedAgency>
  procedures: ReadonlyMap<string, ResolvedProcedure>
  /** a dossier arriving again from another system within this time (same procedure, applicant, content) is the same dossier; 0 = off */
  duplicateWindowMs: number
  /** how old a receipt time the receiving system gives (receivedAt) may be when it reaches the hub */
  receivedAtMaxAgeMs: number
  /** working days, hours, holidays: due dates */
  calendar: WorkingCalendar
  /** what start-up should shout about: years missing from the holiday table, provisional years */
  calendarWarnings: string[]
  /** secrets that are not secret: settings (config or environment) carrying the repository's config/dev-secrets (for trials and tests only) */
  secretWarnings: string[]
  /** those settings, one by one: under NODE_ENV=production they stop the start-up (dev-secrets.ts) */
  devSecrets: DevSecretUse[]
  /** the agency that returns results by post, when configured */
  postalAgency?: string
  /** the agency that collects dossiers at the applicant's address (postal.pickupAgency, else postalAgency) */
  pickupAgency?: string
  /** the province pays the postage (carried in every postal request) */
  provincePaysPostage: boolean
  /** the payment platform, when online payment is configured */
  payments?: ResolvedPayments
  /** the national personal data store on DVCQG (once-only), when configured */
  nationalDataStore?: ResolvedNationalDataStore
  /** the files of digitised papers the hub keeps (POST /v1/documents with content) */
  documentFiles?: { publicUrl?: string, contentLimit: number }
  subscribers: ReadonlyMap<string, ResolvedSubscriber>
  /** notices to the applicant (SMS, Zalo ZNS, e-mail), when configured */
  notices?: ResolvedNotices
  /** which instance of an agency handles a dossier, by the commune of its place (boundary-free receipt), by the agency id routes name */
  competence: ReadonlyMap<string, CompetenceTable>
  /** the national portal the hub syncs to; absent: nothing is sent (the sync is owed, and shown pending) */
  nationalPortal?: ResolvedNationalPortal
  audit: ResolvedAudit
  /** how long closed dossiers are kept (npm run retention); without a retention section, for good */
  retention: RetentionPolicy
  /** Decision 766 indicators: the maximum score of each scored indicator the configuration sets (the others: a placeholder) */
  indicatorMaxScores: MaxScores
}

export interface ResolveOptions {
  /** where secretEnv is looked up (default process.env) */
  env?: Record<string, string | undefined>
  /** the time the holiday table's coverage is checked against (default now) */
  now?: Date
}

const validate = createAjv({ useDefaults: true }, []).compile<HubConfig>(hubConfigSchema)
const validateHolidays = createAjv({}, []).compile<HolidayTable>(holidayCalendarSchema)

const DEFAULT_RETRY: Required<RetryPolicy> = { attempts: 10, baseDelayMs: 2000, maxDelayMs: 3_600_000 }

/** The holiday table, checked; a year around `now` missing from it, or provisional, becomes a warning. */
function loadCalendar (config: HubConfig, origin: string, problems: string[], now: Date): { calendar: WorkingCalendar, warnings: string[] } | undefined {
  const c = config.calendar ?? {}
  const file = resolve(c.holidaysFile ?? 'config/holidays.json')
  let table: unknown
  try {
    table = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    problems.push(`${origin}: /calendar/holidaysFile names ${file}, which cannot be read as JSON (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
    return undefined
  }
  if (!validateHolidays(table)) {
    for (const e of toFieldErrors(validateHolidays.errors)) problems.push(`${file}: ${e.pointer || '/'} ${e.detail}`)
    return undefined
  }
  const warnings: string[] = []
  const seen = new Set<number>()
  let calendar: WorkingCalendar
  try {
    calendar = new WorkingCalendar(table, {
      ...(c.workingHours !== undefined && { hours: c.workingHours }),
      ...(c.paperCutoff !== undefined && { paperCutoff: c.paperCutoff }),
      onMissingYear: (year) => {
        if (seen.has(year)) return
        seen.add(year)
        process.emitWarning(`the holiday table ${file} has no year ${year}: due dates in ${year} count weekdays only; add the year's official schedule`, { code: 'HUB_CALENDAR_MISSING_YEAR' })
      }
    })
  } catch (err) {
    problems.push(`${origin}: /calendar ${(err as Error).message}`)
    return undefined
  }
  const year = Number(new Date(now.getTime() + 7 * 3_600_000).toISOString().slice(0, 4))
  const { missing, provisional } = calendar.coverage(year, year + 1)
  for (const y of missing) warnings.push(`the holiday table ${file} has no year ${y}: due dates in ${y} would count weekdays only, without Tết or other holidays. Add the Government Office's schedule for ${y}.`)
  for (const y of provisional) warnings.push(`the holiday table ${file} marks ${y} provisional: its holidays are not announced yet and may be wrong; update it when the schedule is published.`)
  return { calendar, warnings }
}

function resolveSubscribers (config: HubConfig, agencies: ReadonlyMap<string, ResolvedAgency>, origin: string, env: Record<string, string | undefined>, problems: string[]): Map<string, ResolvedSubscriber> {
  const out = new Map<string, ResolvedSubscriber>()
  for (const [id, sub] of Object.entries(config.subscribers ?? {})) {
    if (sub === undefined) continue
    const at = `${origin}: /subscribers/${id}`
    if (sub.agency !== undefined && !agencies.has(sub.agency)) problems.push(`${at}/agency names "${sub.agency}", which is not under /agencies`)
    const secret = readSecret({ type: 'hmac-sha256', ...(sub.secretEnv !== undefined && { secretEnv: sub.secretEnv }), ...(sub.secretFile !== undefined && { secretFile: sub.secretFile }) }, at, env, problems)
    if (secret === undefined) continue
    out.set(id, {
      id,
      url: sub.url,
      secret,
      ...(sub.agency !== undefined && { agency: sub.agency }),
      events: new Set(sub.events ?? NOTIFICATION_EVENTS),
      timeoutMs: sub.timeoutMs ?? 10_000,
      retry: { ...DEFAULT_RETRY, ...sub.retry }
    })
  }
  return out
}

/**
 * The competence tables: each names an agency the config has, and maps communes to agencies the
 * config has that speak the same native format (a dossier goes to either as the same request).
 */
function resolveCompetence (config: HubConfig, agencies: ReadonlyMap<string, ResolvedAgency>, origin: string, problems: string[]): Map<string, CompetenceTable> {
  const out = new Map<string, CompetenceTable>()
  for (const [base, table] of Object.entries(config.competence ?? {})) {
    if (table === undefined) continue
    const at = `${origin}: /competence/${base}`
    const baseAgency = agencies.get(base)
    if (baseAgency === undefined) {
      problems.push(`${at} names agency "${base}", which is not under /agencies`)
      continue
    }
    const communes = new Map<string, string>()
    for (const [commune, id] of Object.entries(table.communes)) {
      if (id === undefined) continue
      const agency = agencies.get(id)
      if (agency === undefined) problems.push(`${at}/communes/${commune} names agency "${id}", which is not under /agencies`)
      else if (agency.adapter !== baseAgency.adapter) problems.push(`${at}/communes/${commune} names agency "${id}", whose adapter is ${agency.adapter}, not ${baseAgency.adapter} like ${base}'s: an instance of an agency must take the same native format`)
      else communes.set(commune, id)
    }
    out.set(base, { place: table.place, communes })
  }
  return out
}

function resolveNationalPortal (config: HubConfig, origin: string, env: Record<string, string | undefined>, problems: string[]): ResolvedNationalPortal | undefined {
  const p = config.nationalPortal
  if (p === undefined) return undefined
  const at = `${origin}: /nationalPortal`
  let auth: ResolvedAuth | undefined
  if (p.auth !== undefined) {
    const secret = readSecret(p.auth, `${at}/auth`, env, problems)
    if (secret !== undefined) auth = { type: p.auth.type, secret }
  }
  const tls = p.tls === undefined ? undefined : readTls(p.tls, p.endpoint, `${at}/tls`, env, problems)
  return {
    id: 'national-portal',
    name: p.name ?? 'Cổng Dịch vụ công quốc gia',
    endpoint: p.endpoint,
    timeoutMs: p.timeoutMs ?? 10_000,
    concurrency: p.concurrency ?? 8,
    retry: { ...DEFAULT_RETRY, ...p.retry },
    ...(auth !== undefined && { auth }),
    ...(tls !== undefined && { tls }),
    ...(p.databaseCodes !== undefined && { databaseCodes: p.databaseCodes })
  }
}

/** The audit section, or the development keys when the config has none. */
function auditConfig (config: HubConfig): NonNullable<HubConfig['audit']> {
  return config.audit ?? { secretFile: fromRoot('config', 'dev-secrets', 'audit.key'), signingKeyFile: fromRoot('config', 'dev-secrets', 'audit-signing.pem') }
}

function resolveAudit (config: HubConfig, origin: string, env: Record<string, string | undefined>, problems: string[]): ResolvedAudit | undefined {
  const a = auditConfig(config)
  const at = `${origin}: /audit`
  const secret = readSecret({ type: 'hmac-sha256', ...(a.secretEnv !== undefined && { secretEnv: a.secretEnv }), ...(a.secretFile !== undefined && { secretFile: a.secretFile }) }, at, env, problems)
  if (secret !== undefined && secret.length < 32) problems.push(`${at}: the audit key is ${secret.length} characters long; give at least 32 (e.g. openssl rand -hex 32)`)
  const pem = (a.signingKeyEnv === undefined) === (a.signingKeyFile === undefined)
    ? (problems.push(`${at} must give exactly one of signingKeyEnv and signingKeyFile`), undefined)
    : readSecret({ type: 'hmac-sha256', ...(a.signingKeyEnv !== undefined && { secretEnv: a.signingKeyEnv }), ...(a.signingKeyFile !== undefined && { secretFile: a.signingKeyFile }) }, `${at} (signing key)`, env, problems)
  if (secret === undefined || pem === undefined) return undefined
  try {
    const signingKey = createPrivateKey(pem)
    if (signingKey.asymmetricKeyType !== 'ed25519') {
      problems.push(`${at}: the signing key is ${String(signingKey.asymmetricKeyType)}, not Ed25519 (openssl genpkey -algorithm ed25519)`)
      return undefined
    }
    return { secret, signingKey, publicKey: createPublicKey(signingKey) }
  } catch (err) {
    problems.push(`${at}: the signing key is not a PEM private key (${(err as Error).message})`)
    return undefined
  }
}

function resolveNationalDataStore (n: HubConfig['nationalDataStore'], at: string, env: Record<string, string | undefined>, problems: string[]): ResolvedNationalDataStore | undefined {
  if (n === undefined) return undefined
  const out: ResolvedNationalDataStore = { endpoint: n.endpoint, timeoutMs: n.timeoutMs ?? 5000 }
  const a = n.auth
  if (a === undefined) return out
  if (a.type === 'bearer' && a.header !== undefined) problems.push(`${at}/auth/header is for type api-key only (a bearer token goes in Authorization)`)
  const secret = readSecret({ type: 'bearer', ...(a.secretEnv !== undefined && { secretEnv: a.secretEnv }), ...(a.secretFile !== undefined && { secretFile: a.secretFile }) }, `${at}/auth`, env, problems)
  if (secret !== undefined) out.auth = { type: a.type, header: (a.type === 'api-key' ? a.header ?? 'X-API-Key' : 'authorization').toLowerCase(), secret }
  return out
}

function readSecret (auth: OutboundAuth, at: string, env: Record<string, string | undefined>, problems: string[]): string | undefined {
  if ((auth.secretEnv === undefined) === (auth.secretFile === undefined)) {
    problems.push(`${at} must give exactly one of secretEnv and secretFile`)
    return undefined
  }
  if (auth.secretEnv !== undefined) {
    const value = env[auth.secretEnv]?.trim()
    if (value === undefined || value === '') {
      problems.push(`${at}/secretEnv names the environment variable ${auth.secretEnv}, which is not set (it must hold the ${auth.type} secret)`)
      return undefined
    }
    return value
  }
  const file = resolve(auth.secretFile as string)
  try {
    const value = readFileSync(file, 'utf8').trim()
    if (value === '') problems.push(`${at}/secretFile names ${file}, which is empty`)
    return value === '' ? undefined : value
  } catch (err) {
    problems.push(`${at}/secretFile names ${file}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`)
    return undefined
  }
}

function readPem (file: string, at: string, problems: string[]): string | undefined {
  const path = resolve(file)
  try {
    const text = readFileSync(path, 'utf8')
    if (!text.includes('-----BEGIN ')) {
      problems.push(`${at} names ${path}, which is not a PEM file`)
      return undefined
    }
    return text
  } catch (err) {
    problems.push(`${at} names ${path}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`)
    return undefined
  }
}

function readTls (tls: OutboundTls, endpoint: string, at: string, env: Record<string, string | undefined>, problems: string[]): ResolvedTls {
  if (!endpoint.startsWith('https://')) problems.push(`${at} is given, but the endpoint is not https`)
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) problems.push(`${at} must give certFile and keyFile together (mutual TLS)`)
  const out: ResolvedTls = {}
  if (tls.caFile !== undefined) { const v = readPem(tls.caFile, `${at}/caFile`, problems); if (v !== undefined) out.ca = v }
  if (tls.certFile !== undefined) { const v = readPem(tls.certFile, `${at}/certFile`, problems); if (v !== undefined) out.cert = v }
  if (tls.keyFile !== undefined) { const v = readPem(tls.keyFile, `${at}/keyFile`, problems); if (v !== undefined) out.key = v }
  if (tls.passphraseEnv !== undefined) {
    const v = env[tls.passphraseEnv]
    if (v === undefined || v === '') problems.push(`${at}/passphraseEnv names the environment variable ${tls.passphraseEnv}, which is not set`)
    else out.passphrase = v
  }
  if (tls.serverName !== undefined) out.servername = tls.serverName
  return out
}

function resolveRoute (code: string, route: ProcedureRoute, agencies: ReadonlyMap<string, ResolvedAgency>, at: string, problems: string[]): ResolvedProcedure {
  const { agencies: shorthand, stages, lead, ...rest } = route
  const steps: ResolvedStep[] = []
  if ((shorthand === undefined) === (stages === undefined)) {
    problems.push(`${at} must give either agencies (one stage, in parallel) or stages (a linked route), not ${shorthand === undefined ? 'neither' : 'both'}`)
  }
  const stageList: RouteStage[] = stages ?? (shorthand !== undefined ? [{ steps: shorthand.map((agency) => ({ agency })) }] : [])
  const seen = new Set<string>()
  stageList.forEach((stage, s) => {
    stage.steps.forEach((step, i) => {
      const pointer = stages !== undefined ? `${at}/stages/${s}/steps/${i}` : `${at}/agencies/${i}`
      const id = step.id ?? step.agency
      if (!agencies.has(step.agency)) problems.push(`${pointer} names agency "${step.agency}", which is not under /agencies`)
      if (seen.has(id)) problems.push(`${pointer} has step id "${id}" is used twice in this route; give the steps distinct ids`)
      seen.add(id)
      steps.push({ id, agency: step.agency, stage: s, ...(step.task !== undefined && { task: step.task }), required: step.required ?? true, lead: false, ...(step.days !== undefined && { days: step.days }) })
    })
  })
  const leadId = lead ?? steps[0]?.id ?? ''
  const leadStep = steps.find((s) => s.id === leadId)
  if (leadStep !== undefined) leadStep.lead = true
  else if (steps.length > 0) problems.push(`${at}/lead names "${leadId}", which is not a step of this route (steps: ${[...seen].join(', ')})`)
  stageList.forEach((stage, s) => {
    if (stage.steps.length > 0 && !stage.steps.some((step) => step.required ?? true)) {
      problems.push(`${at}/stages/${s} has no required step: every stage needs one (the next stage starts when the required ones are resolved)`)
    }
  })
  return { ...rest, code, steps, lead: leadId }
}

/** Validates an already parsed config object. `origin` names it in messages. */
export function resolveHubConfig (raw: unknown, origin: string, options: ResolveOptions = {}): HubSettings {
  const env = options.env ?? process.env
  const config = structuredClone(raw)
  if (!validate(config)) {
    throw new ConfigError(toFieldErrors(validate.errors).map((e) => `${origin}: ${e.pointer || '/'} ${e.detail}`))
  }
  const problems: string[] = []
  const agencies = new Map<string, ResolvedAgency>()
  for (const [id, agency] of Object.entries(config.agencies)) {
    if (agency === undefined) continue
    if (!adapters.has(agency.adapter)) {
      problems.push(`${origin}: /agencies/${id}/adapter names "${agency.adapter}", but the adapters are: ${[...adapters.keys()].join(', ')}`)
    }
    const { auth, tls, ...rest } = agency
    let resolvedAuth: ResolvedAuth | undefined
    if (auth !== undefined) {
      const secret = readSecret(auth, `${origin}: /agencies/${id}/auth`, env, problems)
      if (secret !== undefined) resolvedAuth = { type: auth.type, secret }
    }
    const resolvedTls = tls === undefined ? undefined : readTls(tls, agency.endpoint, `${origin}: /agencies/${id}/tls`, env, problems)
    agencies.set(id, {
      ...rest,
      id,
      ...(resolvedAuth !== undefined && { auth: resolvedAuth }),
      ...(resolvedTls !== undefined && { tls: resolvedTls })
    } as ResolvedAgency)
  }
  const procedures = new Map<string, ResolvedProcedure>()
  for (const [code, route] of Object.entries(config.procedures)) {
    if (route === undefined) continue
    if (!procedureDataSchemas.has(route.dataSchema)) {
      problems.push(`${origin}: /procedures/${code}/dataSchema names "${route.dataSchema}", but schemas/procedures/ has: ${[...procedureDataSchemas.keys()].join(', ')}`)
    }
    procedures.set(code, resolveRoute(code, route, agencies, `${origin}: /procedures/${code}`, problems))
  }
  if (config.postal !== undefined) {
    const postal = agencies.get(config.postal.agency)
    if (postal === undefined) problems.push(`${origin}: /postal/agency names "${config.postal.agency}", which is not under /agencies`)
    else if (postal.adapter !== 'postal') problems.push(`${origin}: /postal/agency names "${config.postal.agency}", whose adapter is ${postal.adapter}, not postal`)
  }
  if (config.postal?.pickupAgency !== undefined) {
    const pickup = agencies.get(config.postal.pickupAgency)
    if (pickup === undefined) problems.push(`${origin}: /postal/pickupAgency names "${config.postal.pickupAgency}", which is not under /agencies`)
    else if (pickup.adapter !== 'postal') problems.push(`${origin}: /postal/pickupAgency names "${config.postal.pickupAgency}", whose adapter is ${pickup.adapter}, not postal`)
  }
  let payments: ResolvedPayments | undefined
  if (config.payments !== undefined) {
    const pay = config.payments
    const secret = readSecret({ type: 'hmac-sha256', ...(pay.secretEnv !== undefined && { secretEnv: pay.secretEnv }), ...(pay.secretFile !== undefined && { secretFile: pay.secretFile }) }, `${origin}: /payments`, env, problems)
    if (secret !== undefined) {
      payments = {
        provider: pay.provider,
        endpoint: pay.endpoint,
        merchantCode: pay.merchantCode,
        secret,
        ...(pay.returnUrl !== undefined && { returnUrl: pay.returnUrl }),
        expireMs: (pay.expireMinutes ?? 4320) * 60_000,
        remindAfterMs: (pay.remindAfterHours ?? 48) * 3_600_000,
        paidOnlineCode: pay.paidOnlineCode ?? 2,
        timeoutMs: pay.timeoutMs ?? 10_000,
        retry: { ...DEFAULT_RETRY, ...pay.retry }
      }
    }
  }
  const subscribers = resolveSubscribers(config, agencies, origin, env, problems)
  const nationalPortal = resolveNationalPortal(config, origin, env, problems)
  const competence = resolveCompetence(config, agencies, origin, problems)
  const audit = resolveAudit(config, origin, env, problems)
  const notices = config.notices === undefined
    ? undefined
    : resolveNotices(config.notices, [...procedures.values()].map((p) => p.name), origin, (ref, at) => readSecret({ type: 'bearer', ...ref }, at, env, problems), DEFAULT_RETRY, problems)
  const retention = resolveRetention(config.retention, origin, problems)
  const nationalDataStore = resolveNationalDataStore(config.nationalDataStore, `${origin}: /nationalDataStore`, env, problems)
  const cal = loadCalendar(config, origin, problems, options.now ?? new Date())
  if (problems.length > 0 || cal === undefined || audit === undefined) throw new ConfigError(problems)
  const hours = config.intake?.duplicateWindowHours ?? 72
  const devSecrets = findDevSecrets(raw, origin, env)
  const settings: HubSettings = {
    agencies,
    procedures,
    duplicateWindowMs: hours * 3_600_000,
    receivedAtMaxAgeMs: (config.intake?.receivedAtMaxAgeDays ?? 30) * 86_400_000,
    calendar: cal.calendar,
    calendarWarnings: cal.warnings,
    secretWarnings: devSecretWarnings(devSecrets),
    devSecrets,
    ...(config.postal !== undefined && { postalAgency: config.postal.agency, pickupAgency: config.postal.pickupAgency ?? config.postal.agency }),
    provincePaysPostage: config.postal?.provincePaysPostage === true,
    ...(payments !== undefined && { payments }),
    ...(nationalDataStore !== undefined && { nationalDataStore }),
    documentFiles: { ...(config.documents?.publicUrl !== undefined && { publicUrl: config.documents.publicUrl.replace(/\/+$/, '') }), contentLimit: config.documents?.contentLimit ?? 10_485_760 },
    subscribers,
    ...(notices !== undefined && { notices }),
    competence,
    ...(nationalPortal !== undefined && { nationalPortal }),
    audit,
    retention,
    indicatorMaxScores: { ...config.indicators?.maxScores }
  }
  // and any secret loaded from there by another path (a default in code)
  const loaded = findLoadedDevSecrets(settings, devSecrets)
  if (loaded.length > 0) {
    devSecrets.push(...loaded)
    settings.secretWarnings = devSecretWarnings(devSecrets)
  }
  return settings
}

export function loadHubConfig (path: string, options: ResolveOptions = {}): HubSettings {
  const file = resolve(path)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError([`HUB_CONFIG: expected a readable JSON file, but ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`])
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ConfigError([`HUB_CONFIG: ${file} is not valid JSON (${(err as Error).message})`])
  }
  return resolveHubConfig(raw, file, options)
}
