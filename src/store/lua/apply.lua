--[[
Apply a change computed from a read of the dossier (an agency report, a released stage), if the
dossier has not changed since: optimistic concurrency on its version field `v`.

KEYS[1] dossier hash, KEYS[2] history list, KEYS[3] event ids (hash event id -> stored answer),
KEYS[4] outbox
ARGV    1 prefix, 2 code, 3 expected version, 4 event id ('' = none), 5 the answer to store for the
        event id, 6 history entry JSON, 7 old status, 8 new status, 9 receivedAt ms (index score),
        10 now ms (outbox score), 11 updatedAt ISO, 12 number N of field/value pairs,
        13 .. 12+2N the pairs, then the step ids to put in the outbox

Returns {'ok'} | {'seen', stored answer} | {'stale'} | {'missing'}
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return { 'missing' } end
if ARGV[4] ~= '' then
  local seen = redis.call('HGET', KEYS[3], ARGV[4])
  if seen then return { 'seen', seen } end
end
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[3] then return { 'stale' } end
local n = tonumber(ARGV[12])
local fields = { 'updatedAt', ARGV[11] }
for i = 13, 12 + 2 * n do fields[#fields + 1] = ARGV[i] end
local prefix, code = ARGV[1], ARGV[2]
if ARGV[7] ~= ARGV[8] then
  fields[#fields + 1] = 'status'
  fields[#fields + 1] = ARGV[8]
  redis.call('ZREM', prefix .. ':ix:st:' .. ARGV[7], code)
  redis.call('ZADD', prefix .. ':ix:st:' .. ARGV[8], ARGV[9], code)
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HINCRBY', KEYS[1], 'v', 1)
for i = 13 + 2 * n, #ARGV do
  redis.call('ZADD', KEYS[4], ARGV[10], code .. '|' .. ARGV[i])
end
if ARGV[6] ~= '' then redis.call('RPUSH', KEYS[2], ARGV[6]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[4], ARGV[5]) end
return { 'ok' }
