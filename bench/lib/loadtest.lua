-- wrk script of `npm run loadtest`. Usage:
--   wrk ... -s loadtest.lua URL -- <mode> <threads> <file> [<firstId> <count>]
-- modes: hot      POST /schedules/:id/hold on ids first..first+count-1 round robin, tokens rotate (as hold.lua)
--        distinct POST hold, every request the next unused id and the next token (threads interleave)
--        paths    GET every line of <file> (request paths) round robin, no auth
--        login    POST /auth/login with every line of <file> ("email<TAB>password") round robin
--        flow     hold -> POST /reservations -> POST /orders, one fresh schedule per booking
--        touch    GET /schedules/:id and POST hold alternately, each id once (a hold's token follows its id);
--                 the thread stops when ids run out
-- <file> is the token file (one JWT a line) for hot/distinct/flow/touch.
-- Every request carries X-Request-Id "<tag><flow>.<µs since thread start>"; the server echoes it, so
-- response() knows the request's latency (and, in flow mode, which booking it belongs to).
-- Each thread prints a line when a second ends, and every 250 ms within one (so at most 250 ms of
-- answers are never printed when wrk stops):
--   S {"s":<CLOCK_MONOTONIC second>,"c":{"<series>|<status>":n},"h":{"<series>|<bucket>":n}}
-- with latency buckets b = floor(ln(µs) * 20.5) (5 % wide); done() prints BENCH_JSON {...} like hold.lua.
-- (done() reads only small flat tables across threads: wrk's thread:get cannot copy nested tables,
-- and copies of the per-second tables came back with garbled keys now and then.)
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } lt_timespec;
int clock_gettime(int clk, lt_timespec *tp);
]]
local tsbuf = ffi.new("lt_timespec")
local function now_us()
  ffi.C.clock_gettime(1, tsbuf)
  return tonumber(tsbuf.tv_sec) * 1e6 + math.floor(tonumber(tsbuf.tv_nsec) / 1000)
end
local K = 1 / math.log(1.05)
local SERIES = { a = "all", h = "hold", r = "reserve", p = "pay" }

-- The shared JSON encoder, from this script's own directory (wrk's working directory may be anywhere).
local encode = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "json.lua")

local threads, counter = {}, 1
function setup(thread)
  thread:set("tid", counter - 1)
  counter = counter + 1
  table.insert(threads, thread)
end

local mode, stride, lines, first, last, host, base
local n, nextFlow, stopped = 0, 0, false
used, completed, maxId = 0, 0, 0   -- ids handed out, the highest one; flow: bookings paid (read by done())
statuses, winners, failed = {}, {}, {}
local curS, curC, curH, lastEmit = -1, {}, {}, 0   -- the second being counted, since the last line
local hot, flows, ready, rhead, rtail = {}, {}, {}, 1, 0

-- A login shed with 503 and Retry-After: the next request of this thread waits that long, as a
-- well-behaved client would (login mode only: wrk asks for delay() on every request once it exists).
-- A 429 is not waited out: login-flood plays a guesser, who does not.
local backoffMs = 0

function init(args)
  mode, stride = args[1], tonumber(args[2])
  if mode == "login" then
    function delay()
      local d = backoffMs
      backoffMs = 0
      return d
    end
  end
  first = tonumber(args[4] or "1")
  last = first + tonumber(args[5] or "0") - 1
  host = wrk.headers["Host"]
  lines = {}
  for line in io.lines(args[3]) do
    if #line > 0 then
      if mode == "login" then
        local email, password = line:match("^([^\t]+)\t(.*)$")
        lines[#lines + 1] = string.format('{"email":"%s","password":"%s"}', email, password)
      elseif mode == "paths" then lines[#lines + 1] = line
      else lines[#lines + 1] = "Bearer " .. line end
    end
  end
  n = tid * 7919
  base = now_us()
  if mode == "hot" then
    for t = 1, #lines do
      local row = {}
      for s = first, last do row[#row + 1] = "POST /schedules/" .. s .. "/hold HTTP/1.1\r\nHost: " .. host .. "\r\nAuthorization: " .. lines[t] .. "\r\nX-Request-Id: a." end
      hot[t] = row
    end
  end
end

-- Request text up to the request id's value; the id and the rest are appended per request.
local function head(method, path, auth)
  local h = method .. " " .. path .. " HTTP/1.1\r\nHost: " .. host .. "\r\n"
  if auth then h = h .. "Authorization: " .. auth .. "\r\n" end
  return h .. "X-Request-Id: "
end
local function stamp() return string.format("%d", now_us() - base) end
local function nobody(h, tag) return h .. tag .. "." .. stamp() .. "\r\n\r\n" end
local function json(h, tag, body)
  return h .. tag .. "." .. stamp() .. "\r\nContent-Type: application/json\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end
local function nextId()
  local id = first + tid + used * stride
  used = used + 1
  if id > maxId and id <= last then maxId = id end
  return id
end

function request()
  n = n + 1
  local t = n % #lines + 1
  if mode == "hot" then
    local s = (n + math.floor(n / #lines)) % (last - first + 1) + 1
    return hot[t][s] .. stamp() .. "\r\n\r\n"
  elseif mode == "distinct" then
    -- Tokens interleave as the ids do, so each is used once per #lines requests (a crowd holds once each).
    local k = (tid + used * stride) % #lines + 1
    return nobody(head("POST", "/schedules/" .. nextId() .. "/hold", lines[k]), "a")
  elseif mode == "paths" then
    return nobody(head("GET", lines[t]), "a")
  elseif mode == "login" then
    return json(head("POST", "/auth/login"), "a", lines[t])
  elseif mode == "touch" then
    local id = nextId()
    if id > last then
      -- wrk's main thread sleeps out -d whatever the threads do: "STOP" asks the driver to SIGINT it.
      if not stopped then io.write("STOP\n"); io.stdout:flush(); stopped = true end
      wrk.thread:stop()
      return nobody(head("GET", "/healthz"), "x")
    end
    if id % 2 == 0 then return nobody(head("GET", "/schedules/" .. id), "a") end
    return nobody(head("POST", "/schedules/" .. id .. "/hold", lines[(id - first) % #lines + 1]), "a")
  end
  -- flow: continue a booking whose last step answered, else start a new one
  if rhead <= rtail then
    local i = ready[rhead]
    ready[rhead] = nil
    rhead = rhead + 1
    local f = flows[i]
    if f.step == "r" then
      return json(head("POST", "/reservations", lines[f.t]), "r" .. i, string.format('{"scheduleId":%d,"participants":2}', f.s))
    end
    return json(head("POST", "/orders", lines[f.t]), "p" .. i,
      string.format('{"reservationId":%s,"paymentKey":"pk_%s","orderId":"%s","amount":%s}', f.rid, f.oid, f.oid, f.amt))
  end
  nextFlow = nextFlow + 1
  flows[nextFlow] = { t = t, s = nextId() }
  return nobody(head("POST", "/schedules/" .. flows[nextFlow].s .. "/hold", lines[t]), "h" .. nextFlow)
end

local function emit(now)
  if curS >= 0 and next(curC) then
    io.write("S " .. encode({ s = curS, c = curC, h = curH }) .. "\n")
    io.stdout:flush()
  end
  curC, curH, lastEmit = {}, {}, now
end

local function advance(i, f, step)
  f.step = step
  rtail = rtail + 1
  ready[rtail] = i
end

local function flowResponse(i, tag, status, body)
  local f = flows[i]
  if not f then return end
  if tag == "h" and status == 200 then return advance(i, f, "r") end
  if tag == "r" and status == 201 then
    f.rid, f.oid, f.amt = body:match('"id":(%d+)'), body:match('"orderId":"([^"]+)"'), body:match('"amount":(%d+)')
    if f.rid and f.oid and f.amt then return advance(i, f, "p") end
  end
  if tag == "p" and status == 200 then completed = completed + 1
  else
    local key = SERIES[tag] .. "|" .. status
    failed[key] = (failed[key] or 0) + 1
  end
  flows[i] = nil
end

function response(status, headers, body)
  local now = now_us()
  local rid = headers["X-Request-Id"] or headers["x-request-id"]
  local tag, fl, t0
  if rid then tag, fl, t0 = rid:match("^(%a)(%d*)%.(%d+)$") end
  if tag == "x" then return end
  local series = SERIES[tag] or "all"
  local sec = math.floor(now / 1e6)
  if sec ~= curS or now - lastEmit >= 250000 then
    emit(now)
    curS = sec
  end
  local key = series .. "|" .. status
  curC[key] = (curC[key] or 0) + 1
  statuses[key] = (statuses[key] or 0) + 1
  if t0 then
    local us = now - base - tonumber(t0)
    local b = series .. "|" .. (us < 1 and 0 or math.floor(math.log(us) * K))
    curH[b] = (curH[b] or 0) + 1
  end
  if mode == "login" and status == 503 then
    backoffMs = 1000 * (tonumber(headers["Retry-After"] or headers["retry-after"] or "1") or 1)
  end
  if mode == "flow" and fl and fl ~= "" then flowResponse(tonumber(fl), tag, status, body)
  elseif mode == "hot" and status == 200 then
    local id, exp = body:match('"scheduleId":(%d+),"status":"HOLD","holdExpiresAt":"([^"]+)"')
    if id then winners[id .. "|" .. exp] = (winners[id .. "|" .. exp] or 0) + 1 end
  end
end


function done(summary, latency, requests)
  local out = {
    requests = summary.requests, duration_us = summary.duration, errors = summary.errors,
    latency_us = { mean = latency.mean, max = latency.max, p50 = latency:percentile(50), p90 = latency:percentile(90), p99 = latency:percentile(99), p999 = latency:percentile(99.9) },
    statuses = {}, winners = {}, failed = {}, used = 0, completed = 0, max_id = 0,
  }
  for _, thread in ipairs(threads) do
    for _, name in ipairs({ "statuses", "winners", "failed" }) do
      for k, c in pairs(thread:get(name) or {}) do out[name][k] = (out[name][k] or 0) + c end
    end
    out.used = out.used + (thread:get("used") or 0)
    out.completed = out.completed + (thread:get("completed") or 0)
    out.max_id = math.max(out.max_id, thread:get("maxId") or 0)
  end
  io.write("BENCH_JSON " .. encode(out) .. "\n")
end
