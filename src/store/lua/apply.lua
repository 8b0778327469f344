--[[
Apply a change computed from a read of the dossier (an agency report, a withdrawal, a return, the
overdue flag…), if the dossier has not changed since: optimistic concurrency on its version `v`.
Everything a change touches is written here, in one transaction: status and its index, routing
states, lifecycle facts and due date, the overdue sweeper's index, statistics counters, history
entries, the outbox entries of deliveries it releases, the webhook notification, the event id.

KEYS[1] dossier hash, KEYS[2] history list, KEYS[3] event ids (hash event id -> stored answer),
KEYS[4] outbox, KEYS[5] due index (zset), KEYS[6] notifications list, KEYS[7] pending notifications (zset)
ARGV    1 prefix, 2 code, 3 expected version, 4 event id ('' = none), 5 the answer to store for the
        event id, 6 old status, 7 new status, 8 receivedAt ms (index score), 9 now ms,
        10 updatedAt ISO, 11 lifecycle facts JSON ('' = unchanged), 12 dueAt ('' = unchanged),
        13 due index: '' keep, 'rem' remove, else the score (ms) to set, 14 notification JSON ('' = none),
        15 N history entries, 16 M routing field/value pairs, 17 K statistics increments,
        18 R outbox members, then N history JSON, 2M pairs, 3K (day, field, increment), R members
        ("<step>" or "<step>|<kind>", appended to "<code>|")

Returns {'ok', notification sequence number or 0} | {'seen', stored answer} | {'stale'} | {'missing'}
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return { 'missing' } end
if ARGV[4] ~= '' then
  local seen = redis.call('HGET', KEYS[3], ARGV[4])
  if seen then return { 'seen', seen } end
end
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[3] then return { 'stale' } end
local prefix, code = ARGV[1], ARGV[2]
local n, m, k, r = tonumber(ARGV[15]), tonumber(ARGV[16]), tonumber(ARGV[17]), tonumber(ARGV[18])
local i = 19
local history = {}
for _ = 1, n do history[#history + 1] = ARGV[i]; i = i + 1 end
local fields = { 'updatedAt', ARGV[10] }
for _ = 1, 2 * m do fields[#fields + 1] = ARGV[i]; i = i + 1 end
if ARGV[6] ~= ARGV[7] then
  fields[#fields + 1] = 'status'
  fields[#fields + 1] = ARGV[7]
  redis.call('ZREM', prefix .. ':ix:st:' .. ARGV[6], code)
  redis.call('ZADD', prefix .. ':ix:st:' .. ARGV[7], ARGV[8], code)
end
if ARGV[11] ~= '' then
  fields[#fields + 1] = 'lc'
  fields[#fields + 1] = ARGV[11]
end
if ARGV[12] ~= '' then
  fields[#fields + 1] = 'dueAt'
  fields[#fields + 1] = ARGV[12]
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HINCRBY', KEYS[1], 'v', 1)
if ARGV[13] == 'rem' then
  redis.call('ZREM', KEYS[5], code)
elseif ARGV[13] ~= '' then
  redis.call('ZADD', KEYS[5], ARGV[13], code)
end
for _ = 1, k do
  redis.call('HINCRBY', prefix .. ':stats:' .. ARGV[i], ARGV[i + 1], ARGV[i + 2])
  i = i + 3
end
for _ = 1, r do
  redis.call('ZADD', KEYS[4], ARGV[9], code .. '|' .. ARGV[i])
  i = i + 1
end
for _, entry in ipairs(history) do redis.call('RPUSH', KEYS[2], entry) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[4], ARGV[5]) end
local seq = 0
if ARGV[14] ~= '' then
  seq = redis.call('RPUSH', KEYS[6], ARGV[14])
  redis.call('ZADD', KEYS[7], 'NX', ARGV[9], code)
end
return { 'ok', seq }
