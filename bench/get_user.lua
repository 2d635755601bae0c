-- GET /users/{id} for random existing ids (the seed has ids 1..BENCH_USERS).
dofile("bench/report.lua")

local users = tonumber(os.getenv("BENCH_USERS") or "10000")
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end

function init(args)
  math.randomseed(os.time() * 100 + (seed or 0))
end

function request()
  return wrk.format("GET", "/users/" .. math.random(1, users))
end
