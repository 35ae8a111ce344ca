-- wrk: authenticated plan views, a different (token, person) pair on each request.
-- The pairs file has one "token person_id" line per pair (made by bench.load).
local pairs = {}
local next_index = 1

function init(args)
  for line in io.lines(args[1]) do
    local token, person = line:match("^(%S+)%s+(%S+)$")
    if token then pairs[#pairs + 1] = { token, person } end
  end
  next_index = math.random(#pairs)
end

function request()
  local pair = pairs[next_index]
  next_index = next_index % #pairs + 1
  return wrk.format("GET", "/api/v1/people/" .. pair[2] .. "/plan",
    { ["Authorization"] = "Bearer " .. pair[1] })
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
