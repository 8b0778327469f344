--[[
Record a delivery outcome for one step of a dossier (compare-and-set on the step's state), and
take the delivery out of the outbox (it is confirmed queued: a worker is processing it).

KEYS[1] dossier hash, KEYS[2] outbox, KEYS[3] the failed steps of the step's agency
ARGV    1 step id, 2 the step's state JSON as read, 3 the new state JSON ('' = keep it, only
        confirm the outbox entry), 4 outbox member (also the member of KEYS[3]), 5 updatedAt ISO,
        6 '1' the new state is failed (listed in KEYS[3]), '0' it is not (taken out), '' keep,
        7 now in ms (the score in KEYS[3])

The caller merged the outcome into the state it read (domain/routing.ts mergeDelivery); if an
agency report changed the step in between, the caller reads again and merges again.
Every change bumps the dossier's version `v`, so a report computed from an older read is refused.
Returns 1 updated (or confirmed), 0 stale (the step changed since it was read), -1 no such
dossier, -2 no such step.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local field = 'r:' .. ARGV[1]
local current = redis.call('HGET', KEYS[1], field)
if not current then return -2 end
if current ~= ARGV[2] then return 0 end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], field, ARGV[3], 'updatedAt', ARGV[5])
  redis.call('HINCRBY', KEYS[1], 'v', 1)
  if ARGV[6] == '1' then
    redis.call('ZADD', KEYS[3], tonumber(ARGV[7]), ARGV[4])
  elseif ARGV[6] == '0' then
    redis.call('ZREM', KEYS[3], ARGV[4])
  end
end
redis.call('ZREM', KEYS[2], ARGV[4])
return 1
