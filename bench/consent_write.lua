-- POST /v1/subjects/{id}/consents: consent grants across subjects (each
-- one appended to the ledger with its consent.changed event and audited).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
local n = 0
local body = '{"purpose": "essential.service.generation", "granted": true, "channel": "web", "proof": ' ..
  '{"notice_version": "2026-05-21", "form": "settings.ai-partners", ' ..
  '"text_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}}'
request = function()
  n = n + 1
  return wrk.format("POST", "/v1/subjects/" .. subject(n * 7 + tid) .. "/consents", headers(), body)
end
