--[[
Record one agency's delivery state for a dossier, and take the delivery out of the outbox
(it is confirmed queued: a worker is processing it).

KEYS[1] dossier hash, KEYS[2] outbox
ARGV    1 agency id, 2 routing-state JSON, 3 state name, 4 outbox member, 5 updatedAt ISO

A delivery that succeeded stays delivered: a late or repeated failure report cannot undo it.
Returns 1 updated, 0 kept (already delivered), -1 no such dossier, -2 dossier not routed there.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local field = 'r:' .. ARGV[1]
local current = redis.call('HGET', KEYS[1], field)
if not current then return -2 end
if ARGV[3] ~= 'delivered' then
  local ok, state = pcall(cjson.decode, current)
  if ok and type(state) == 'table' and state.state == 'delivered' then return 0 end
end
redis.call('HSET', KEYS[1], field, ARGV[2], 'updatedAt', ARGV[5])
redis.call('ZREM', KEYS[2], ARGV[4])
return 1
