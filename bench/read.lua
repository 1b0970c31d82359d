-- GET /v1/subjects/{id}/data/{category}?purpose=essential.service
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/v1/subjects/" .. subject(n * 13 + tid) .. "/data/user.content.prompt?purpose=essential.service", headers())
end
