-- wrk: GET /users/{id} for ids picked at random from the file READS_IDS (one a line:
-- users the standby-reads harness made, so every GET should be a 200). Prints one
-- WRK line like bench/report.lua's, with the slowest answer too (max_us).
local ids = {}
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end

function init(args)
  for line in io.lines(os.getenv("READS_IDS")) do
    ids[#ids + 1] = line
  end
  math.randomseed(os.time() * 100 + (seed or 0))
end

function request()
  return wrk.format("GET", "/users/" .. ids[math.random(1, #ids)])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect + e.read + e.write + e.timeout, e.status))
end
