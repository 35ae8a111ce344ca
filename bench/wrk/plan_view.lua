-- wrk: the plan view, a different (credential, person) pair on each request.
-- Arguments: the pairs file, one "credential person_id" line per pair (made by bench.load),
-- and what to ask for:
--   api   (default) GET /api/v1/people/{id}/plan with "Authorization: Bearer <token>"
--   page  GET /people/{id}, the web plan page, with the session cookie <key> (sent under
--         both the loopback and the __Host- name: the app reads the one its settings use)
local pairs = {}
local next_index = 1
local page = false

function init(args)
  for line in io.lines(args[1]) do
    local credential, person = line:match("^(%S+)%s+(%S+)$")
    if credential then pairs[#pairs + 1] = { credential, person } end
  end
  page = args[2] == "page"
  next_index = math.random(#pairs)
end

function request()
  local pair = pairs[next_index]
  next_index = next_index % #pairs + 1
  if page then
    return wrk.format("GET", "/people/" .. pair[2],
      { ["Cookie"] = "careplan-session=" .. pair[1] .. "; __Host-careplan-session=" .. pair[1] })
  end
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
