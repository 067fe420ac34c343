-- JSON for the wrk scripts' result lines: tables become objects, NaN and infinities null,
-- integers stay integers, other numbers get three decimals.
-- Loaded by hold.lua and loadtest.lua with dofile() from their own directory.
local function encode(v)
  if type(v) == "table" then
    local parts = {}
    for k, x in pairs(v) do parts[#parts + 1] = string.format("%q:%s", tostring(k), encode(x)) end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif type(v) == "string" then
    return string.format("%q", v)
  end
  if v ~= v or v == math.huge or v == -math.huge then return "null" end
  if v == math.floor(v) then return string.format("%d", v) end
  return string.format("%.3f", v)
end

return encode
