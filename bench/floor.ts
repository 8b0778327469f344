/**
 * The intake floor: a bare Fastify route doing no more than issue 13 says an intake is — the
 * submission validated, received once (its key and its reference claimed), a code, the dossier with
 * the indexes its lists and statistics need, its routing steps, history, outbox row and audit entry,
 * all in one statement (one transaction, one commit), then one BullMQ job. None of the rest the hub
 * does: no routing or deadlines computed, no content fingerprint, no text checks, no notification,
 * no DVCQG sync mark, no indicator marks, no triggers, foreign keys or checks beyond the steps' and
 * the history's keys, no plugins (authentication, rate limit, security headers, metrics).
 *
 * What it is for: the bench prints its rate against the `INSERT` ceiling of the same run, so that
 * the intake's ratio can be read against the least an intake can cost on the same machine, not
 * only against a single INSERT. It is not the hub, and not a target.
 */
import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import type { Sql } from 'postgres'
import { sharedStrictAjv } from '../src/validation/ajv.ts'

/** The floor's tables, in the bench's scratch database: names of their own, nothing of the hub's record. */
const TABLES = `
create table floor_keys (key_hash bytea primary key, dossier_id bigint not null);
create table floor_refs (system text, reference text, dossier_id bigint not null, primary key (system, reference));
create sequence floor_codes;
create table floor_dossiers (
  id bigint generated always as identity primary key,
  code text not null unique,
  status smallint not null,
  procedure_code text not null,
  received_at timestamptz not null,
  closed_at timestamptz,
  doc json not null
);
create index floor_dossiers_recent on floor_dossiers (received_at desc, code);
create index floor_dossiers_status on floor_dossiers (status, received_at desc, code);
create index floor_dossiers_procedure on floor_dossiers (procedure_code, received_at desc, code);
create index floor_dossiers_open_during on floor_dossiers using gist (tstzrange(received_at, closed_at, '[)'));
create table floor_steps (dossier_id bigint not null references floor_dossiers (id), step text, agency text not null, state text not null, primary key (dossier_id, step));
create index floor_steps_agency on floor_steps (agency, dossier_id);
create table floor_history (dossier_id bigint not null references floor_dossiers (id), seq integer, at timestamptz not null, entry json not null, primary key (dossier_id, seq));
create table floor_outbox (id bigint generated always as identity primary key, dossier_id bigint not null, destination text not null,
  idempotency_key text not null unique, created_at timestamptz not null, confirmed_at timestamptz);
create index floor_outbox_open on floor_outbox (created_at) where confirmed_at is null;
create table floor_audit (id bigint generated always as identity primary key, at timestamptz not null, entry json not null, hash bytea not null);
`

interface Submission { source: { system: string, reference: string }, procedure: { code: string } }

/**
 * Adds `POST /floor` to `app` (the bench's bare server), its tables to `sql`'s database and its
 * queue to the Redis at `redisUrl`. Returns what closes the queue.
 */
export async function addFloorRoute (app: FastifyInstance, sql: Sql, redisUrl: string): Promise<() => Promise<void>> {
  await sql.unsafe(TABLES)
  const validate = sharedStrictAjv().getSchema('dossier-submission')
  if (validate === undefined) throw new Error('the submission schema is not compiled')
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null })
  const queue = new Queue('floor-deliveries', { connection })
  let chain = Buffer.alloc(32)
  app.post('/floor', async (req, reply) => {
    const body = req.body as Submission
    if (!validate(body)) return await reply.code(400).send({ errors: validate.errors })
    const doc = JSON.stringify(body)
    const keyHash = createHash('sha256').update(String(req.headers['idempotency-key'] ?? `${body.source.system}\n${body.source.reference}`)).digest()
    const at = new Date().toISOString()
    const entry = JSON.stringify({ at, actor: 'portal', action: 'submit', reference: body.source.reference })
    chain = createHash('sha256').update(chain).update(entry).digest()
    const [row] = await sql<Array<{ code: string, claimed: boolean }>>`
      with d as (
        insert into floor_dossiers (code, status, procedure_code, received_at, doc)
        values ('F-' || nextval('floor_codes'), 2, ${body.procedure.code}, ${at}, ${doc}::json) returning id, code
      ), k as (
        insert into floor_keys (key_hash, dossier_id) select ${keyHash}, d.id from d on conflict do nothing returning 1
      ), r as (
        insert into floor_refs (system, reference, dossier_id) select ${body.source.system}, ${body.source.reference}, d.id from d on conflict do nothing returning 1
      ), s as (
        insert into floor_steps (dossier_id, step, agency, state)
        select d.id, x.step, x.agency, x.state from d, (values ('1', 'receiving', 'pending'), ('2', 'issuing', 'waiting')) as x(step, agency, state) returning 1
      ), h as (
        insert into floor_history (dossier_id, seq, at, entry) select d.id, 1, ${at}, ${JSON.stringify({ type: 'received', at, statusTo: 2 })}::json from d returning 1
      ), o as (
        insert into floor_outbox (dossier_id, destination, idempotency_key, created_at) select d.id, 'receiving', d.code || '|1', ${at} from d returning 1
      ), a as (
        insert into floor_audit (at, entry, hash) values (${at}, ${entry}::json, ${chain}) returning 1
      )
      select d.code, exists (select from k) and exists (select from r) as claimed from d`
    // the bench's load never repeats a key or a reference; a real intake would roll back and answer from the prior dossier
    if (row === undefined || !row.claimed) return await reply.code(409).send({ conflict: true })
    // not awaited, as the hub's hand-off is not (the outbox row is the job's promise)
    queue.add('deliver', { code: row.code, step: '1' }, { jobId: `${row.code}|1`, removeOnComplete: { count: 1000 } }).catch(() => {})
    return await reply.code(201).send({ code: row.code, status: 'received', receivedAt: at, procedure: body.procedure })
  })
  return async () => {
    await queue.close()
    connection.disconnect()
  }
}
