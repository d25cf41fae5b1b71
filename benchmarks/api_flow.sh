#!/usr/bin/env bash
# The desk API by hand, with curl: an employee submits a request, staff triage it,
# another employee cannot see it. Prints every step's HTTP status; exits 1 on a surprise.
#
#   benchmarks/api_flow.sh                 # against `make run` (http://127.0.0.1:5000, ./instance)
#   BASE=http://127.0.0.1:8080 PORTAL_INSTANCE_PATH=/path/to/instance benchmarks/api_flow.sh
#   benchmarks/api_flow.sh --temp          # own temporary instance and server on a free port
#
# Tokens are made with `portal token create`, so the script must see the server's
# instance folder (PORTAL_INSTANCE_PATH, default ./instance) and the demo accounts
# (`portal demo load`).
set -euo pipefail
cd "$(dirname "$0")/.."

PORTAL=${PORTAL:-.venv/bin/portal}
PYTHON=${PYTHON:-.venv/bin/python}
EMPLOYEE=${EMPLOYEE:-sanne.devries@denhaag.example}
OTHER=${OTHER:-pieter.smit@denhaag.example}
STAFF=${STAFF:-mark.jansen@denhaag.example}   # team udp, where data deliveries go
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false

SERVER_PID=""
TMP=$(mktemp -d)
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

if [ "${1:-}" = "--temp" ]; then
    export PORTAL_INSTANCE_PATH="$TMP/instance"
    PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    BASE="http://127.0.0.1:$PORT"
    export PORTAL_BASE_URL="$BASE"
    "$PORTAL" db upgrade >/dev/null
    "$PORTAL" demo load >/dev/null
    "$PORTAL" run --host 127.0.0.1 --port "$PORT" >"$TMP/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break
        sleep 0.1
    done
fi
BASE=${BASE:-http://127.0.0.1:5000}
API="$BASE/api/v1"
FAILED=0

# step LABEL EXPECTED_STATUS TOKEN METHOD PATH [JSON]: prints the status; the body goes to $TMP/body.
step() {
    local label=$1 expected=$2 token=$3 method=$4 path=$5 data=${6:-}
    local args=(-sS -o "$TMP/body" -w '%{http_code}' -X "$method" -H "Accept: application/json")
    [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
    [ -n "$data" ] && args+=(-H "Content-Type: application/json" --data "$data")
    local status
    status=$(curl "${args[@]}" "$API$path") || status="000"
    local verdict="ok"
    if [ "$status" != "$expected" ]; then verdict="UNEXPECTED (wanted $expected)"; FAILED=1; fi
    printf '%-68s %s %s\n' "$label" "$status" "$verdict"
    if [ "$verdict" != "ok" ]; then head -c 600 "$TMP/body"; echo; fi
}

json() {  # json EXPRESSION: evaluate a Python expression on the last response body (as `d`)
    "$PYTHON" -c "import json, sys; d = json.load(open(sys.argv[1])); print($1)" "$TMP/body"
}

token() {
    "$PORTAL" token create "$1" --name api-flow | tail -n 1
}

echo "API flow against $BASE"
EMP_TOKEN=$(token "$EMPLOYEE")
echo "1. token for the employee $EMPLOYEE: ${EMP_TOKEN:0:8}…"

step "   GET  /tickets without a token" 401 "" GET /tickets
step "2. POST /tickets as the employee" 201 "$EMP_TOKEN" POST /tickets '{
  "type": "data_delivery",
  "subject": "Aantal Ooievaarspashouders per wijk",
  "description": "Voor de evaluatie van de Ooievaarspas zoeken we het aantal pashouders per wijk in 2024 en 2025.",
  "department": "szw",
  "personal_data": "no",
  "extra": {"dataset": "Ooievaarspas-registratie", "purpose": "Evaluatie armoedebeleid",
            "format": "csv", "frequency": "once"}
}'
NUMBER=$(json 'd["number"]')
echo "   number $NUMBER, status $(json 'd["status"]'), team $(json 'd["team"]'), resolve due $(json 'd["sla"]["resolve_due_at"]')"
step "   POST /tickets with a missing subject" 400 "$EMP_TOKEN" POST /tickets \
    '{"type": "other", "description": "x", "department": "szw", "personal_data": "no"}'
echo "   error fields: $(json 'sorted(d["error"]["fields"])')"

STAFF_TOKEN=$(token "$STAFF")
echo "3. token for the staff member $STAFF: ${STAFF_TOKEN:0:8}…"
step "4. PATCH /tickets/$NUMBER (status, team, assignee, priority, tags)" 200 "$STAFF_TOKEN" PATCH "/tickets/$NUMBER" "{
  \"status\": \"in_progress\", \"team\": \"udp\", \"assignee\": \"$STAFF\",
  \"priority\": \"high\", \"tags\": [\"ooievaarspas\", \"wijken\"]
}"
echo "   now: status $(json 'd["status"]'), priority $(json 'd["priority"]'), assignee $(json '(d["assignee"] or {}).get("email")'), tags $(json 'd["tags"]')"
step "   PATCH with an impossible status change (in_progress -> new)" 409 "$STAFF_TOKEN" PATCH "/tickets/$NUMBER" '{"status": "new"}'
step "   PATCH by the employee (not allowed to triage)" 403 "$EMP_TOKEN" PATCH "/tickets/$NUMBER" '{"priority": "urgent"}'
step "   GET  /tickets/$NUMBER as the employee" 200 "$EMP_TOKEN" GET "/tickets/$NUMBER"

OTHER_TOKEN=$(token "$OTHER")
echo "5. token for another employee $OTHER: ${OTHER_TOKEN:0:8}…"
step "   GET  /tickets/$NUMBER as the other employee" 404 "$OTHER_TOKEN" GET "/tickets/$NUMBER"
step "   GET  /tickets as the other employee" 200 "$OTHER_TOKEN" GET "/tickets?limit=200"
echo "   the other employee's list has $(json 'd["total"]') tickets; $NUMBER in it: $(json "any(t['number'] == '$NUMBER' for t in d['items'])")"

if [ "$FAILED" = 0 ]; then echo "All steps as expected."; else echo "Some steps were unexpected."; fi
exit "$FAILED"
