--[[
Receive a dossier once, atomically (one EVALSHA, the first of the intake path's two round trips).

KEYS[1] idempotency-key index  (<p>:idem:<sha256 of the key>; ignored when ARGV[2] == '0')
KEYS[2] source index           (<p>:src:<sha256 of system + reference>)
KEYS[3] day counter            (<p>:seq:<receiving agency>:<YYMMDD>)
KEYS[4] outbox                 (<p>:outbox: zset of "<code>|<step>" deliveries not yet confirmed queued)
KEYS[5] index of all dossiers  (<p>:ix:all)
KEYS[6] content index          (<p>:cf:<sha256 of procedure + applicant ID + data>; cross-channel duplicates)
KEYS[7] origin index           (the source index of source.origin: the system that first received it; ignored when ARGV[18] == '0')
KEYS[8] due index              (<p>:due: open dossiers by due date ms, for the overdue sweeper)
KEYS[9] pending notifications  (<p>:notify: codes with webhook notifications to send)
ARGV    1 prefix, 2 has idempotency key '1'|'0', 3 fingerprint, 4 code prefix "<agency>-<YYMMDD>-",
        5 sequence width, 6 counter TTL seconds, 7 canonical JSON of the submission,
        8 receivedAt ISO, 9 receivedAt ms, 10 status, 11 procedure code, 12 procedure name,
        13 agency ids joined by ',', 14 step ids joined by ',', 15 dueAt ISO or '',
        16 source system, 17 content window ms ('0' = off), 18 has origin '1'|'0',
        19 lifecycle facts JSON, 20 due date ms ('' = no due date), 21 history entry JSON (received),
        22 notification JSON ('' = none), 23 the agency whose view the lookups take ('' = every
        dossier: the portal, an administrator), 24 K statistics increments, then 3K (day, field,
        increment), then one pair per step, in the order of ARGV[14]: routing-state JSON, '1' to put
        it in the outbox else '0'
The history list, notifications list and statistics hashes are derived from the code and day
inside the script, like the dossier key.

Returns {'created', code}
     or {'duplicate', code, field, value, ...}   summary fields of the stored dossier
     or {'conflict', code}                        same key or source reference, other content
A dossier that arrives again from another system (the portal, then the agency's own software) is
found by the origin it names (KEYS[7]: the first system's reference), or by KEYS[6] within the
window: a duplicate, whatever its other fields say; its source reference and key are remembered so
the next repeat is found at once.
Dossier keys are derived from the code inside the script (single-instance Redis, or every hub key
in one cluster slot via a {hash tag} prefix).

Who may learn what (ARGV[23]): a native submission is looked up as the agency it is for (its own
software, or an administrator submitting in its name: the references and keys bound here are that
agency's). To that agency a dossier that is not routed to it does not exist, in every path below:
no summary, no code, no 'conflict' naming it, no reference or key bound to it, the same work and
the same answer as for an index entry that points nowhere. What that looks like in each path:
  - idempotency key (KEYS[1]): keys are each client's own (routes/common.ts scopedKey), but a
    client moved to another agency keeps its id: its old keys may point at dossiers its new agency
    cannot see. Such an entry is passed over and replaced by the dossier this submission makes.
  - source reference (KEYS[2]): a native submission's source system is the agency's id
    (intake-service.ts), so the entry is the agency's own, unless the portal used that id as its
    system or an older hub bound it to another agency's dossier. Passed over and replaced.
  - origin (KEYS[7]): another system's reference; a dossier not routed to the agency is passed
    over, and nothing is bound to it.
  - content (KEYS[6]): the same procedure, applicant and data (the route may have changed since the
    other dossier was received); passed over, nothing bound. The entry itself stays (SET NX below):
    it belongs to whoever first sent that content, as it would if this submission came later.
In each case the submission goes on as if the entry were not there: a new dossier when nothing
else matches, answered 201 like any new one.
]]
local prefix = ARGV[1]
local fingerprint = ARGV[3]
local system = ARGV[16]
local window = tonumber(ARGV[17])
local asker = ARGV[23]

-- Whether the dossier exists for the asker: it exists and, when an agency asks, is routed to it.
-- One HMGET whatever the answer (the summary is only read after it said yes).
local function known (code)
  local v = redis.call('HMGET', prefix .. ':d:' .. code, 'fp', 'agencies')
  if not v[1] then return false end
  if asker == '' then return true end
  return string.find(',' .. (v[2] or '') .. ',', ',' .. asker .. ',', 1, true) ~= nil
end

-- Key and source indexes hold "<code>|<fingerprint of the submission that set them>": a repeat
-- must carry the same content as the submission that used the key or reference first.
local function split (value)
  local sep = string.find(value, '|', 1, true)
  if not sep then return value, nil end
  return string.sub(value, 1, sep - 1), string.sub(value, sep + 1)
end

-- The stored dossier's summary as a 'duplicate' answer, or 'conflict' when `expected` (the
-- fingerprint the key or reference was first used with) is not this submission's; nil = no dossier.
local function summaryOf (code, expected)
  local fields, values = summaryFields(prefix .. ':d:' .. code)
  if not fields then return nil end
  if expected == false then expected = values[1] end
  if expected and expected ~= fingerprint then return { 'conflict', code } end
  local out = { 'duplicate', code }
  for i = 1, #fields do out[#out + 1] = fields[i] end
  return out
end

local function lookup (key)
  local value = redis.call('GET', key)
  if not value then return nil end
  local code, fp = split(value)
  if not known(code) then return nil end
  -- entries written before fingerprints were kept beside the code compare with the dossier's
  return summaryOf(code, fp or false)
end

if ARGV[2] == '1' then
  local found = lookup(KEYS[1])
  if found then return found end
end

local found = lookup(KEYS[2])
if found then
  -- the same submission under a new key: remember the key too
  if found[1] == 'duplicate' and ARGV[2] == '1' then redis.call('SET', KEYS[1], found[2] .. '|' .. fingerprint) end
  return found
end

-- Remember this submission's own reference (and key) for a dossier found by another system's.
local function adopt (code)
  redis.call('SET', KEYS[2], code .. '|' .. fingerprint)
  if ARGV[2] == '1' then redis.call('SET', KEYS[1], code .. '|' .. fingerprint) end
end

if ARGV[18] == '1' then
  local value = redis.call('GET', KEYS[7])
  if value then
    local originCode = split(value)
    local same = known(originCode) and summaryOf(originCode, nil)
    if same then
      adopt(originCode)
      return same
    end
  end
end

if window > 0 then
  local held = redis.call('GET', KEYS[6])
  if held then
    local sep = string.find(held, '|', 1, true)
    local heldCode, heldSystem = string.sub(held, 1, sep - 1), string.sub(held, sep + 1)
    if heldSystem ~= system and known(heldCode) then
      local same = summaryOf(heldCode, nil)
      if same then
        adopt(heldCode)
        return same
      end
    end
  end
end

local code
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
  'procedure', ARGV[11], 'procedureName', ARGV[12], 'agencies', ARGV[13], 'steps', ARGV[14],
  'updatedAt', ARGV[8], 'v', '1'
}
if ARGV[15] ~= '' then
  fields[#fields + 1] = 'dueAt'
  fields[#fields + 1] = ARGV[15]
end
fields[#fields + 1] = 'lc'
fields[#fields + 1] = ARGV[19]
local score = ARGV[9]
local k = tonumber(ARGV[24])
local i = 25
for _ = 1, k do
  redis.call('HINCRBY', prefix .. ':stats:' .. ARGV[i], ARGV[i + 1], ARGV[i + 2])
  i = i + 3
end
for step in string.gmatch(ARGV[14], '[^,]+') do
  fields[#fields + 1] = 'r:' .. step
  fields[#fields + 1] = ARGV[i]
  if ARGV[i + 1] == '1' then redis.call('ZADD', KEYS[4], score, code .. '|' .. step) end
  i = i + 2
end
for agency in string.gmatch(ARGV[13], '[^,]+') do
  redis.call('ZADD', prefix .. ':ix:ag:' .. agency, score, code)
end
redis.call('HSET', key, unpack(fields))
redis.call('ZADD', KEYS[5], score, code)
redis.call('ZADD', prefix .. ':ix:st:' .. ARGV[10], score, code)
redis.call('ZADD', prefix .. ':ix:pr:' .. ARGV[11], score, code)
redis.call('SET', KEYS[2], code .. '|' .. fingerprint)
if ARGV[2] == '1' then redis.call('SET', KEYS[1], code .. '|' .. fingerprint) end
if window > 0 then redis.call('SET', KEYS[6], code .. '|' .. system, 'PX', window, 'NX') end
if ARGV[20] ~= '' then redis.call('ZADD', KEYS[8], ARGV[20], code) end
redis.call('RPUSH', prefix .. ':h:' .. code, ARGV[21])
if ARGV[22] ~= '' then
  redis.call('RPUSH', prefix .. ':n:' .. code, ARGV[22])
  redis.call('ZADD', KEYS[9], 'NX', score, code)
end
return { 'created', code }
