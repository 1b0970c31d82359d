-- PUT /v1/subjects/{id}/data/{category}: record writes across subjects.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local n = 0
request = function()
  n = n + 1
  local body = '{"value": "bench value ' .. tid .. '-' .. n .. '"}'
  return wrk.format("PUT", "/v1/subjects/" .. subject(n * 7 + tid) .. "/data/user.content.prompt", headers(), body)
end
