-- Prelude shared by the scripts that answer with dossier summaries (prepended when loaded).
local SUMMARY_FIELDS = { 'fp', 'status', 'receivedAt', 'dueAt', 'procedure', 'procedureName', 'agencies', 'steps' }

-- {name, value, ...} of a dossier's summary fields plus its routing states (r:<step>), and the
-- raw HMGET values in SUMMARY_FIELDS order; nil when the dossier does not exist.
local function summaryFields (key)
  local values = redis.call('HMGET', key, unpack(SUMMARY_FIELDS))
  if not values[1] then return nil, nil end
  local out = {}
  for i = 1, #SUMMARY_FIELDS do
    if values[i] then
      out[#out + 1] = SUMMARY_FIELDS[i]
      out[#out + 1] = values[i]
    end
  end
  for step in string.gmatch(values[8] or '', '[^,]+') do
    local state = redis.call('HGET', key, 'r:' .. step)
    if state then
      out[#out + 1] = 'r:' .. step
      out[#out + 1] = state
    end
  end
  return out, values
end
