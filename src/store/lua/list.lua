--[[
One page of dossier codes from a receivedAt index, newest first, with filters.

KEYS[1] the index (zset code -> receivedAt ms) chosen for the most selective filter
ARGV    1 prefix, 2 max score ('+inf' or ms), 3 cursor code ('' = none; skip codes at the cursor's
        score that are not after it), 4 min score ('-inf' or ms), 5 page size, 6 status filter,
        7 agency filter, 8 procedure filter, 9 scan budget
Returns {more 0|1, last score, last code, {code, field, value, ...}...}: a summary per dossier;
(last score, last code) is the next cursor.
]]
local prefix = ARGV[1]
local limit = tonumber(ARGV[5])
local budget = tonumber(ARGV[9])
local cursorCode = ARGV[3]
local cursorScore = cursorCode ~= '' and tonumber(ARGV[2]) or nil
local out = {}
local batch = 200
local offset = 0
local scanned = 0
local lastScore, lastCode = '', ''
local more = 0
while more == 0 do
  local items = redis.call('ZRANGE', KEYS[1], ARGV[2], ARGV[4], 'BYSCORE', 'REV', 'LIMIT', offset, batch, 'WITHSCORES')
  for i = 1, #items, 2 do
    local code, score = items[i], items[i + 1]
    if not (cursorScore and tonumber(score) == cursorScore and code >= cursorCode) then
      if #out >= limit or scanned >= budget then
        more = 1
        break
      end
      scanned = scanned + 1
      local fields, v = summaryFields(prefix .. ':d:' .. code)
      local match = fields ~= nil
      if match and ARGV[6] ~= '' and v[2] ~= ARGV[6] then match = false end
      if match and ARGV[7] ~= '' and not string.find(',' .. (v[7] or '') .. ',', ',' .. ARGV[7] .. ',', 1, true) then match = false end
      if match and ARGV[8] ~= '' and v[5] ~= ARGV[8] then match = false end
      if match then
        table.insert(fields, 1, code)
        out[#out + 1] = fields
      end
      lastScore, lastCode = score, code
    end
  end
  if #items < batch * 2 then break end
  offset = offset + batch
end
local result = { more, lastScore, lastCode }
for i = 1, #out do result[#result + 1] = out[i] end
return result
