-- GET /v1/subjects/{id}/data/{category}?purpose=essential.service (or
-- $PURPOSE) across all subjects. The requests are built once, in init, and sent in turn
-- (each thread starting elsewhere), so that the load generator spends its
-- CPU on sending them. With BENCH_BODY set it sends that body instead, by
-- POST to /v1/subjects/{id}/BENCH_PATH (the disclosures of
-- `BENCH=disclose bash bench/run.sh`).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local purpose = os.getenv("PURPOSE") or "essential.service"
local body = os.getenv("BENCH_BODY")
local reqs = {}
local i = 0
init = function(args)
  for k = 1, #subjects do
    if body then
      reqs[k] = wrk.format("POST", "/v1/subjects/" .. subjects[k] .. "/" .. os.getenv("BENCH_PATH"), headers(), body)
    else
      reqs[k] = wrk.format("GET", "/v1/subjects/" .. subjects[k] .. "/data/user.content.prompt?purpose=" .. purpose, headers())
    end
  end
  i = (tid or 0) * 13
end
request = function()
  i = i + 1
  return reqs[(i % #reqs) + 1]
end
