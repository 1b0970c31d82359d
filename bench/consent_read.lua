-- GET /v1/subjects/{id}/data/user.content.prompt?purpose=$PURPOSE across
-- all subjects, requests prebuilt (see read.lua). bench/consent.sh runs it
-- with a contract purpose and with a consent-based one, in the same run.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local purpose = os.getenv("PURPOSE")
local reqs = {}
local i = 0
init = function(args)
  for k = 1, #subjects do
    reqs[k] = wrk.format("GET", "/v1/subjects/" .. subjects[k] .. "/data/user.content.prompt?purpose=" .. purpose, headers())
  end
  i = (tid or 0) * 13
end
request = function()
  i = i + 1
  return reqs[(i % #reqs) + 1]
end
