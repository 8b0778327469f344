--[[
One page of dossier summaries from a receivedAt index, newest first, with filters.

KEYS[1] the index (zset code -> receivedAt ms) chosen for the most selective filter
ARGV    1 prefix, 2 max score ('+inf' or ms), 3 cursor code ('' = none; skip codes at the cursor's
        score that are not after it), 4 min score ('-inf' or ms), 5 page size, 6 status filter,
        7 agency filter, 8 procedure filter, 9 scan budget
Returns {more 0|1, cursor score, cursor code, {code, field, value, ...}...}: a summary per dossier.
When the page is full, `more` is 1 only if another matching dossier follows, and the cursor is the
last dossier returned; when the scan budget runs out first, the cursor is the last one scanned.
]]
local prefix = ARGV[1]
local limit = tonumber(ARGV[5])
local budget = tonumber(ARGV[9])
local cursorCode = ARGV[3]
local cursorScore = cursorCode ~= '' and tonumber(ARGV[2]) or nil

-- Byte order, as Redis orders equal-score members (Lua's '<' on strings follows the locale).
local function bytesLess (a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local out = {}
local batch = 200
local offset = 0
local scanned = 0
local cursorOutScore, cursorOutCode = '', ''
local more = 0
local done = false
while not done do
  local items = redis.call('ZRANGE', KEYS[1], ARGV[2], ARGV[4], 'BYSCORE', 'REV', 'LIMIT', offset, batch, 'WITHSCORES')
  for i = 1, #items, 2 do
    local code, score = items[i], items[i + 1]
    -- at the cursor's score, members come in descending byte order: skip those up to the cursor
    if not (cursorScore and tonumber(score) == cursorScore and not bytesLess(code, cursorCode)) then
      if scanned >= budget then
        more = 1
        done = true
        break
      end
      scanned = scanned + 1
      local fields, v = summaryFields(prefix .. ':d:' .. code)
      local match = fields ~= nil
      if match and ARGV[6] ~= '' and v[2] ~= ARGV[6] then match = false end
      if match and ARGV[7] ~= '' and not string.find(',' .. (v[7] or '') .. ',', ',' .. ARGV[7] .. ',', 1, true) then match = false end
      if match and ARGV[8] ~= '' and v[5] ~= ARGV[8] then match = false end
      if match and #out >= limit then
        -- the page is full and another match follows
        more = 1
        done = true
        break
      end
      if match then
        table.insert(fields, 1, code)
        out[#out + 1] = fields
      end
      if #out < limit or match then
        cursorOutScore, cursorOutCode = score, code
      end
    end
  end
  if #items < batch * 2 then break end
  offset = offset + batch
end
local result = { more, cursorOutScore, cursorOutCode }
for i = 1, #out do result[#result + 1] = out[i] end
return result
