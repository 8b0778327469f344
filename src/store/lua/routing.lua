--[[
Record a delivery outcome for one step of a dossier (compare-and-set on the step's state), and
take the delivery out of the outbox (it is confirmed queued: a worker is processing it).

KEYS[1] dossier hash, KEYS[2] outbox
ARGV    1 step id, 2 the step's state JSON as read, 3 the new state JSON ('' = keep it, only
        confirm the outbox entry), 4 outbox member, 5 updatedAt ISO

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
end
redis.call('ZREM', KEYS[2], ARGV[4])
return 1
