-- wrk script for the grab benchmark: requests read from a file of lines
--   path <TAB> bearer token (may be empty) <TAB> JSON body [<TAB> method, POST when left out]
-- (a GET sends no body)
-- taken in turn (each thread from its own offset), a fresh Idempotency-Key each, and a count of
-- answers by status printed as one JSON line when done.
--
--   BENCH_REQUESTS=requests.tsv BENCH_RUN=r1 wrk -t1 -c64 -d5s --latency -s requests.lua URL

local lines, index, counter = {}, 0, 0
statuses = {}
local threads = {}
local run = os.getenv("BENCH_RUN") or "run"

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(os.getenv("BENCH_REQUESTS"), "r"))
  for line in file:lines() do
    local path, token, rest = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    if path then
      local body, method = rest:match("^([^\t]*)\t([A-Z]+)$")
      lines[#lines + 1] = { path, token, body or rest, method or "POST" }
    end
  end
  file:close()
  index = math.floor(#lines * (thread_number or 0) / 8)
end

function request()
  index = index % #lines + 1
  counter = counter + 1
  local line = lines[index]
  local headers = {}
  if line[4] == "POST" then
    headers["Content-Type"] = "application/json"
    headers["Idempotency-Key"] = run .. "-" .. (thread_number or 0) .. "-" .. counter
  end
  if line[2] ~= "" then
    headers["Authorization"] = "Bearer " .. line[2]
  end
  if line[4] == "GET" then
    return wrk.format("GET", line[1], headers)
  end
  return wrk.format(line[4], line[1], headers, line[3])
end

function response(status, headers, body)
  local name = tostring(status)
  if status >= 400 then
    name = name .. ":" .. (string.match(body, '"slug":"([^"]+)"') or "?")
  end
  statuses[name] = (statuses[name] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(merged) do
    parts[#parts + 1] = string.format('"%s":%d', status, count)
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"socket_errors":%d,"timeouts":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.connect + errors.read + errors.write, errors.timeout, table.concat(parts, ",")))
end
