#!/usr/bin/env bash
# The README's "Five minutes with curl", run exactly as written and checked.
#
# Between the lines "# >>> README" and "# <<< README" this script is the
# README's walkthrough block, line for line, plus its checks: the lines that
# start with "check " are the script's own and nothing else is.
# TestREADMEWalkthrough (internal/blackbox) fails when the two differ, and
# .ci/run runs this script, so the README cannot drift from what works.
#
# Needs what a fresh Debian machine with Go has: bash, curl, sed, grep, head,
# cmp, mktemp. JSON fields are read with sed (the README's field helper), so
# no jq or python. Run from anywhere: bash docs/walkthrough.sh. Its wait for
# the server ends if the server exits; .ci/run bounds the whole with timeout(1),
# whose SIGTERM still runs the clean-up below.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v curl >/dev/null || { echo "walkthrough: needs curl (apt-get install curl)" >&2; exit 1; }

answer=$(mktemp -d)
WORK=
SERVER=
cleanup() {
	local status=$?
	if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then
		kill "$SERVER" 2>/dev/null || true
		wait "$SERVER" 2>/dev/null || true
	fi
	if [ "$status" -ne 0 ] && [ -n "$WORK" ] && [ -f "$WORK/serve.log" ]; then
		echo "walkthrough: FAILED; the server's log:" >&2
		tail -n 20 "$WORK/serve.log" >&2
	fi
	[ -n "$WORK" ] && rm -rf "$WORK"
	rm -rf "$answer"
	return "$status"
}
trap cleanup EXIT

# curl as the README runs it; each answer's headers and body are also kept
# for check.
curl() {
	: >"$answer/headers"
	command curl -D "$answer/headers" "$@" | tee "$answer/body"
}

# check STATUS [TEXT]: the last answer had HTTP status STATUS and, when TEXT
# is given, TEXT in its body.
check() {
	local got
	got=$(sed -n 's/^HTTP\/[0-9.]* \([0-9][0-9]*\).*/\1/p' "$answer/headers" | tail -n 1)
	if [ "$got" != "$1" ]; then
		echo "walkthrough: FAILED: status ${got:-none}; want $1; body:" >&2
		cat "$answer/body" >&2
		exit 1
	fi
	if [ $# -gt 1 ] && ! grep -qF -- "$2" "$answer/body"; then
		echo "walkthrough: FAILED: the answer lacks $2; body:" >&2
		cat "$answer/body" >&2
		exit 1
	fi
	echo "  ok: $1${2:+, has $2}"
}

# >>> README
go build -o steward ./cmd/steward
WORK=$(mktemp -d)    # a scratch folder; its data/ is a fresh data folder
./steward serve --data "$WORK/data" --listen 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVER=$!
while kill -0 $SERVER && ! grep -q '^steward is listening on ' "$WORK/serve.out"; do sleep 0.2; done
URL=$(sed -n 's/^steward is listening on //p' "$WORK/serve.out")
KEY=$(grep '^stw_' "$WORK/serve.out")   # the bootstrap admin key: printed by the first start only
# field NAME prints a string field of a one-line JSON answer (no jq needed).
field() { sed -n 's/.*"'"$1"'": *"\([^"]*\)".*/\1/p'; }

# Who am I?
curl -s -H "Authorization: Bearer $KEY" $URL/v1/whoami
check 200 '"tenant_id"'

# The keys your application uses: one for personal data and consents, one for finding
# personal data in prompts.
APP=$(curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"name": "app backend", "scopes": ["records:read", "records:write", "files:read", "files:write",
       "consents:read", "consents:write", "disclosures:read", "disclosures:write"]}' \
  $URL/v1/apikeys | field secret)
check 201 '"secret":"stw_'
PII=$(curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"name": "prompt filter", "scopes": ["pii:use"]}' $URL/v1/apikeys | field secret)
check 201 '"scopes":["pii:use"]'

# List keys (never their secrets); revoke one, effective at once.
OLD=$(curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"name": "short-lived", "scopes": ["records:read"]}' $URL/v1/apikeys | field id)
check 201 '"name":"short-lived"'
curl -s -H "Authorization: Bearer $KEY" $URL/v1/apikeys
check 200 '"name":"prompt filter"'
curl -s -X DELETE -H "Authorization: Bearer $KEY" $URL/v1/apikeys/$OLD
check 204

# A tenant for a customer organisation, with its own admin key; nothing crosses tenants.
curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"name": "Customer A", "home_region": "us"}' $URL/v1/tenants
check 201 '"secret":"stw_'

# A staff account for the console: its password hashed as the policy promises (bcrypt in
# the starter policy, or argon2id), its email encrypted.
curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"email": "dpo@example.org", "password": "a long passphrase", "role": "privacy_officer"}' \
  $URL/v1/staff
check 201 '"role":"privacy_officer"'

# Mistakes get RFC 9457 problem+json with a stable code and the field at fault.
curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"name": "x", "scopes": ["root"]}' $URL/v1/apikeys
check 400 '"path":"scopes'

# Personal data: a subject, a record, purpose-checked reads.
SUB=$(curl -s -H "Authorization: Bearer $APP" -H 'Content-Type: application/json' \
  -d '{"external_id": "user-42", "email": "ada@example.org"}' $URL/v1/subjects | field id)
check 201 '"id":"sub_'
curl -s -X PUT -H "Authorization: Bearer $APP" -H 'Content-Type: application/json' \
  -d '{"value": "a red sneaker on a beach"}' $URL/v1/subjects/$SUB/data/user.content.prompt
check 204
# Every read names a purpose; the policy decides, and the decision is audited.
curl -s -H "Authorization: Bearer $APP" \
  "$URL/v1/subjects/$SUB/data/user.content.prompt?purpose=essential.service"
check 200 '"value":"a red sneaker on a beach"'
# A prohibited purpose is refused with the reason (403 problem+json).
curl -s -H "Authorization: Bearer $APP" \
  "$URL/v1/subjects/$SUB/data/user.content.prompt?purpose=train_ai_system"
check 403 '"code":"forbidden"'

# Consent: the starter policy sends prompts to AI model partners only with the person's
# consent. Without it the read is refused; the consent is recorded with its proof (here
# the SHA-256 of the sentence the person agreed to) against the policy version in force.
curl -s -H "Authorization: Bearer $APP" \
  "$URL/v1/subjects/$SUB/data/user.content.prompt?purpose=essential.service.generation"
check 403 '"consent_required"'
AGREED=$(printf '%s' 'Send my prompts and images to the AI partners that make my ads.' | sha256sum | cut -d' ' -f1)
CONSENT=$(curl -s -H "Authorization: Bearer $APP" -H 'Content-Type: application/json' \
  -d '{"purpose": "essential.service.generation", "granted": true, "channel": "web",
       "proof": {"notice_version": "2026-05-21", "form": "signup", "text_sha256": "'$AGREED'"}}' \
  $URL/v1/subjects/$SUB/consents | field id)
check 201 '"effective":true'
curl -s -H "Authorization: Bearer $APP" \
  "$URL/v1/subjects/$SUB/data/user.content.prompt?purpose=essential.service.generation"
check 200 '"value":"a red sneaker on a beach"'
# A signed receipt the person can keep, verifiable offline with the published keys.
curl -s -H "Authorization: Bearer $APP" -o "$WORK/receipt.json" $URL/v1/consents/$CONSENT/receipt
check 200
curl -s -H "Authorization: Bearer $KEY" -o "$WORK/keys.json" $URL/v1/audit/public-key
check 200
./steward consent verify-receipt --public-keys "$WORK/keys.json" "$WORK/receipt.json"
# Sharing: with the consent, the prompt may leave for the video partner the policy names.
# The answer holds what may be sent and what binds the partner; the ledger says who has it.
curl -s -H "Authorization: Bearer $APP" -H 'Content-Type: application/json' \
  -d '{"processor": "kestrel-video", "purpose": "essential.service.generation",
       "categories": ["user.content.prompt"]}' \
  $URL/v1/subjects/$SUB/disclosures
check 200 '"no_training"'
curl -s -H "Authorization: Bearer $APP" $URL/v1/subjects/$SUB/disclosures
check 200 '"processor":"kestrel-video"'
# A withdrawal is a new record, effective for the very next read.
curl -s -H "Authorization: Bearer $APP" -H 'Content-Type: application/json' \
  -d '{"purpose": "essential.service.generation", "granted": false, "channel": "web"}' \
  $URL/v1/subjects/$SUB/consents
check 201 '"granted":false'
curl -s -H "Authorization: Bearer $APP" \
  "$URL/v1/subjects/$SUB/data/user.content.prompt?purpose=essential.service.generation"
check 403 '"consent_withdrawn"'

# Files are streamed and encrypted in segments. This one is ephemeral: deleted after
# its first complete download. An empty upload is refused (400).
head -c 65536 /dev/urandom >"$WORK/picture.bin"
FILE=$(curl -s -H "Authorization: Bearer $APP" -H 'Content-Type: application/octet-stream' \
  --data-binary @"$WORK/picture.bin" \
  "$URL/v1/subjects/$SUB/files?category=user.content.product_image&ephemeral=true" | field id)
check 201 '"size":65536'
# A download names a purpose too; the bytes come back as they went in.
curl -s -H "Authorization: Bearer $APP" -o "$WORK/downloaded.bin" \
  "$URL/v1/files/$FILE?purpose=essential.service"
check 200
cmp "$WORK/picture.bin" "$WORK/downloaded.bin" && echo "same bytes"
curl -s -H "Authorization: Bearer $APP" "$URL/v1/files/$FILE?purpose=essential.service"
check 404 '"code":"not_found"'

# Erasure destroys the subject's key and data and returns the evidence.
curl -s -X DELETE -H "Authorization: Bearer $APP" $URL/v1/subjects/$SUB
check 200 '"data_key_destroyed":true'

# Personal data in a prompt, found and replaced before it reaches a model.
curl -s -H "Authorization: Bearer $PII" -H 'Content-Type: application/json' \
  -d '{"text": "Mail jane@example.org about card 4111 1111 1111 1111", "operator": "replace"}' \
  $URL/v1/pii/scan
check 200 '<EMAIL_ADDRESS>'

# The audit log holds the subject's events above: creation, the write, the reads
# (allowed and denied, with the purpose and reasons), the consents, the disclosure, the upload, the
# download, the ephemeral file's deletion and the erasure. It is hash-chained, and checkpoints of
# the chain are signed in the background ("unsigned" counts the newer events).
# Verify it here, or export it for an auditor (key scope audit:read).
curl -s -H "Authorization: Bearer $KEY" "$URL/v1/audit?subject=$SUB"
check 200 '"action":"subject.erase"'
curl -s -H "Authorization: Bearer $KEY" $URL/v1/audit/verify
check 200 '"ok":true'

# The API describes itself; operations endpoints need no key.
curl -s $URL/openapi.json | grep -o '"openapi": *"[^"]*"'
check 200 '"openapi"'
curl -s $URL/readyz
check 200

# Stop the server (SIGTERM: in-flight requests finish, pending audit events are stored).
kill $SERVER && wait $SERVER
rm -rf "$WORK"
# <<< README
WORK=
echo "walkthrough: every step answered as the README says"
