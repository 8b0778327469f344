--[[
Append entries to a dossier's audit chain, if the chain still has the length the entries were
computed for (compare-and-set: two writers cannot both follow the same entry).

KEYS[1] the audit list (<p>:audit:<code>), KEYS[2] the dossier hash
ARGV    1 expected length, 2.. the entries' JSON, in order
Returns 1 appended, 0 stale (read the last entry again), -1 no such dossier (nothing to audit)
]]
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))
return 1
