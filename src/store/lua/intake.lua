--[[
Receive a dossier once, atomically (one EVALSHA, the first of the intake path's two round trips).

KEYS[1] idempotency-key index  (<p>:idem:<sha256 of the key>; ignored when ARGV[2] == '0')
KEYS[2] source index           (<p>:src:<sha256 of system + reference>)
KEYS[3] day counter            (<p>:seq:<receiving agency>:<YYMMDD>)
KEYS[4] outbox                 (<p>:outbox: zset of "<code>|<agency>" deliveries not yet confirmed queued)
KEYS[5] index of all dossiers  (<p>:ix:all)
ARGV    1 prefix, 2 has idempotency key '1'|'0', 3 fingerprint, 4 code prefix "<agency>-<YYMMDD>-",
        5 sequence width, 6 counter TTL seconds, 7 canonical JSON of the submission,
        8 receivedAt ISO, 9 receivedAt ms, 10 status, 11 procedure code, 12 procedure name,
        13 agency ids joined by ',', 14 initial routing-state JSON, 15 dueAt ISO or ''

Returns {'created', code}
     or {'duplicate', code, field, value, ...}   summary fields of the stored dossier
     or {'conflict', code}                        same key or source reference, other content
Dossier keys are derived from the code inside the script (single-instance Redis, or every hub key
in one cluster slot via a {hash tag} prefix).
]]
local prefix = ARGV[1]
local fingerprint = ARGV[3]

local function summaryOf (code)
  local fields, values = summaryFields(prefix .. ':d:' .. code)
  if not fields then return nil end
  if values[1] ~= fingerprint then return { 'conflict', code } end
  local out = { 'duplicate', code }
  for i = 1, #fields do out[#out + 1] = fields[i] end
  return out
end

if ARGV[2] == '1' then
  local code = redis.call('GET', KEYS[1])
  if code then
    local found = summaryOf(code)
    if found then return found end
  end
end

local code = redis.call('GET', KEYS[2])
if code then
  local found = summaryOf(code)
  if found then
    -- the same submission under a new key: remember the key too
    if found[1] == 'duplicate' and ARGV[2] == '1' then redis.call('SET', KEYS[1], code) end
    return found
  end
end

-- A fresh code. The loop only matters if the counter was lost (Redis restarted without
-- persistence) while the day's dossiers survived: never hand out a code twice.
local width = tonumber(ARGV[5])
local key
repeat
  local n = redis.call('INCR', KEYS[3])
  if n == 1 then redis.call('EXPIRE', KEYS[3], ARGV[6]) end
  local seq = tostring(n)
  if #seq < width then seq = string.rep('0', width - #seq) .. seq end
  code = ARGV[4] .. seq
  key = prefix .. ':d:' .. code
until redis.call('EXISTS', key) == 0

local fields = {
  'doc', ARGV[7], 'fp', fingerprint, 'status', ARGV[10], 'receivedAt', ARGV[8],
  'procedure', ARGV[11], 'procedureName', ARGV[12], 'agencies', ARGV[13], 'updatedAt', ARGV[8]
}
if ARGV[15] ~= '' then
  fields[#fields + 1] = 'dueAt'
  fields[#fields + 1] = ARGV[15]
end
local score = ARGV[9]
for agency in string.gmatch(ARGV[13], '[^,]+') do
  fields[#fields + 1] = 'r:' .. agency
  fields[#fields + 1] = ARGV[14]
  redis.call('ZADD', KEYS[4], score, code .. '|' .. agency)
  redis.call('ZADD', prefix .. ':ix:ag:' .. agency, score, code)
end
redis.call('HSET', key, unpack(fields))
redis.call('ZADD', KEYS[5], score, code)
redis.call('ZADD', prefix .. ':ix:st:' .. ARGV[10], score, code)
redis.call('ZADD', prefix .. ':ix:pr:' .. ARGV[11], score, code)
redis.call('SET', KEYS[2], code)
if ARGV[2] == '1' then redis.call('SET', KEYS[1], code) end
return { 'created', code }
