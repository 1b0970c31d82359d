-- Shared by the wrk scripts: KEY and SUBJECTS (a file with one subject id
-- per line) come from the environment; each thread gets its own id.
local key = os.getenv("KEY")
local subjects = {}
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

function response(status, hdrs, body)
  if status >= 300 then
    errors_seen = (errors_seen or 0) + 1
    if errors_seen < 3 then print("unexpected status " .. status .. ": " .. body) end
  end
end
