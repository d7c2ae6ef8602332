-- Replays prepared requests for `make bench` (bench/run.py writes the file).
-- One request per line: METHOD \t PATH \t CONTENT_TYPE \t BEARER_TOKEN \t BODY (empty fields allowed).
-- Thread k of n sends lines k, k+n, k+2n, ... so with BENCH_DISTINCT=1 no two requests of a run share a line
-- (distinct orders, distinct users); when a thread runs out it wraps and counts the wrap, and run.py fails the
-- path, because repeated "distinct" requests would measure the duplicate path instead.
-- Every response is checked: status BENCH_EXPECT_STATUS (comma list) and, if set, body == BENCH_EXPECT_BODY.

local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

local function split_tabs(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do table.insert(fields, field) end
  return fields
end

function init(args)
  nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  distinct = os.getenv("BENCH_DISTINCT") == "1"
  expect_body = os.getenv("BENCH_EXPECT_BODY")
  if expect_body == "" then expect_body = nil end
  expect_status = {}
  for s in (os.getenv("BENCH_EXPECT_STATUS") or "200"):gmatch("%d+") do expect_status[tonumber(s)] = true end
  reqs = {}
  local i = 0
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    if i % nthreads == tid then
      local f = split_tabs(line)
      local headers = {}
      if f[3] ~= "" then headers["Content-Type"] = f[3] end
      if f[4] ~= "" then headers["Authorization"] = "Bearer " .. f[4] end
      local body = nil
      if f[5] ~= "" then body = f[5] end
      table.insert(reqs, wrk.format(f[1], f[2], headers, body))
    end
    i = i + 1
  end
  nreqs = #reqs
  idx, sent, wraps, good, bad, sample = 0, 0, 0, 0, 0, ""
end

function request()
  idx = idx + 1
  if idx > #reqs then
    idx = 1
    wraps = wraps + 1
  end
  sent = sent + 1
  return reqs[idx]
end

function response(status, headers, body)
  if expect_status[status] and (expect_body == nil or body == expect_body) then
    good = good + 1
  else
    bad = bad + 1
    if sample == "" then sample = tostring(status) .. " " .. string.sub(body or "", 1, 300) end
  end
end

local function json_str(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('[%c]', ' ') .. '"'
end

function done(summary, latency, requests)
  local good_total, bad_total, wraps_total, lines = 0, 0, 0, 0
  local samples = {}
  for _, t in ipairs(threads) do
    good_total = good_total + (t:get("good") or 0)
    bad_total = bad_total + (t:get("bad") or 0)
    wraps_total = wraps_total + (t:get("wraps") or 0)
    lines = lines + (t:get("nreqs") or 0)
    local s = t:get("sample")
    if s and s ~= "" then table.insert(samples, s) end
  end
  -- the latency at every 0.1 %: run.py merges the slices of one path into one distribution with them
  local quantiles = {}
  for q = 1, 1000 do quantiles[q] = tostring(latency:percentile(q / 10)) end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "good": %d, "bad": %d, "wraps": %d, "lines": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, "quantiles_us": [%s], ' ..
    '"sample": %s}\n',
    summary.requests, summary.duration, good_total, bad_total, wraps_total, lines,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, table.concat(quantiles, ","), json_str(samples[1] or "")))
end
