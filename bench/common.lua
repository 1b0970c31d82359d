-- Shared by the wrk scripts: KEY and SUBJECTS (a file with one subject id
-- per line) come from the environment; each thread gets its own id.
-- There is no response() callback: with one, wrk parses every response
-- for Lua, which costs the load generator (on the same two cores as the
-- server) more than the requests it sends. bench/run.sh fails instead when
-- wrk reports non-2xx responses.
local key = os.getenv("KEY")
subjects = {}
for line in io.lines(os.getenv("SUBJECTS")) do subjects[#subjects + 1] = line end
local threads = 0

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
