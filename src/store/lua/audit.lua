--[[
Append entries to a dossier's audit chain and set its head record, in one atomic step, if the
chain is still where the entries were computed from (compare-and-set: two writers cannot both
follow the same entry). With a head record, the head record is compared (so a trail cut short in
the store does not make the next entries follow the cut: its head record keeps saying so); for a
trail of an earlier version, without one, the absence of a head record and the list's length.

KEYS[1] the audit list (<p>:audit:<code>), KEYS[2] the dossier hash, KEYS[3] the head records (<p>:audit:heads)
ARGV    1 the dossier code (field of KEYS[3]), 2 expected head record ('' = none), 3 expected
        length (when there is no head record), 4 the new head record, 5.. the entries' JSON, in order
Returns 1 appended, 0 stale (read the head again), -1 no such dossier (nothing to audit)
]]
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
local current = redis.call('HGET', KEYS[3], ARGV[1])
if ARGV[2] == '' then
  if current then return 0 end
  if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[3]) then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
redis.call('RPUSH', KEYS[1], unpack(ARGV, 5))
redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
return 1
