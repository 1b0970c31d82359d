-- Shared by the wrk scripts: KEY and SUBJECTS (a file with one subject id
-- per line) come from the environment; each thread gets its own id, tid,
-- unique across all the wrk processes of a run: TID_BASE (set by run.sh)
-- is the number of threads of the wrk processes started before this one.
-- Without it the two processes of MODE=replicas (one thread each) both had
-- tid 1 and wrote the same records at the same moments, so each replica's
-- writes waited on the other's row locks, where one server's two threads
-- (tids 1 and 2) never collide.
-- There is no response() callback: with one, wrk parses every response
-- for Lua, which costs the load generator (on the same two cores as the
-- server) more than the requests it sends. bench/run.sh fails instead when
-- wrk reports non-2xx responses.
local key = os.getenv("KEY")
subjects = {}
for line in io.lines(os.getenv("SUBJECTS")) do subjects[#subjects + 1] = line end
local threads = tonumber(os.getenv("TID_BASE") or "0")

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function headers()
  return { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }
end

function subject(n)
  return subjects[(n % #subjects) + 1]
end
