-- POST /users with a new email every time: BENCH_TAG (unique per wrk run, set by
-- bench/run.sh), the wrk thread and a counter make each one unique.
dofile("bench/report.lua")

local threads = 0
local counter = 0
local prefix

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  prefix = (os.getenv("BENCH_TAG") or tostring(os.time())) .. "-" .. (thread_number or 0)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"name":"Bench User","email":"w%s-%d@bench.example","age":30}', prefix, counter)
  return wrk.format("POST", "/users", { ["Content-Type"] = "application/json" }, body)
end
