#!/usr/bin/env bash
# `agentcred mcp`'s overhead over the broker it drives, measured side by side in one run: the p50
# of an `http_request` tool call (JSON-RPC over the server's stdin and stdout, the request sent
# through the run's broker, the response back as a tool result) against the p50 of the same GET
# sent straight through a broker (`agentcred broker`) by benches/broker_load.rs over one
# keep-alive connection. Same upstream (broker_load serve), same vault, same brokered secret, and
# in both cases every request's audit entry is made durable before it is forwarded.
#
#   benches/mcp.sh [OUT_DIR]        (REQUESTS=2000 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/bench-mcp}"
rm -rf "$out" && mkdir -p "$out"
out="$(cd "$out" && pwd)"
cargo build --release --quiet
bin="$PWD/target/release/agentcred"
load="$(cargo bench --bench broker_load --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "broker_load" and m.get("executable"):
        print(m["executable"])')"
unset AGENTCRED_PASSPHRASE AGENTCRED_PASSPHRASE_FILE AGENTCRED_KEY AGENTCRED_KEY_FILE AGENTCRED_IDENTITY AGENTCRED_SESSION
requests="${REQUESTS:-2000}"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

(
    cd "$out"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
        -days 2 -subj "/CN=bench upstream CA" -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr \
        -subj /CN=localhost 2>/dev/null
    printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >leaf.ext
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 \
        -extfile leaf.ext 2>/dev/null
)
"$load" serve --cert "$out/leaf.pem" --key "$out/leaf.key" >"$out/upstream.port" &
pids+=($!)
while [ ! -s "$out/upstream.port" ]; do sleep 0.05; done
port="$(cat "$out/upstream.port")"
url="https://localhost:$port/v1/models"

printf 'a passphrase for the mcp benchmark\n' >"$out/pass"
chmod 600 "$out/pass"
export AGENTCRED_PASSPHRASE_FILE="$out/pass"
vault="$out/vault"
"$bin" --vault "$vault" -q init
"$bin" --vault "$vault" -q agent add bench --max-ttl 1h
printf 'sk-live-0123456789abcdef0123456789abcdef' |
    "$bin" --vault "$vault" -q secret set api --env API_KEY --stdin --hosts localhost --delivery broker --placeholder-prefix sk-
"$bin" --vault "$vault" -q grant bench api
"$bin" --vault "$vault" -q key issue bench --out "$out/bench.key"
unset AGENTCRED_PASSPHRASE_FILE

# The broker directly.
AGENTCRED_KEY_FILE="$out/bench.key" "$bin" --vault "$vault" broker --ttl 1h --upstream-ca "$out/ca.pem" --json >"$out/broker.json" &
pids+=($!)
while ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out/broker.json" 2>/dev/null; do sleep 0.05; done
proxy="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["env"]["HTTPS_PROXY"])' "$out/broker.json")"
bundle="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["env"]["SSL_CERT_FILE"])' "$out/broker.json")"
placeholder="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["env"]["API_KEY"])' "$out/broker.json")"
"$load" run --url "$url" --ca "$bundle" --proxy "$proxy" --header "Authorization: Bearer $placeholder" \
    --requests "$requests" --warmup 50 >"$out/broker-direct.json"

# The same request as an MCP tool call, one at a time, timed from the request line written to the
# answer line read.
AGENTCRED_KEY_FILE="$out/bench.key" python3 - "$bin" "$vault" "$out/ca.pem" "$url" "$requests" >"$out/mcp.json" <<'PY'
import json, subprocess, sys, time
bin, vault, ca, url, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
p = subprocess.Popen([bin, "--vault", vault, "-q", "mcp", "--ttl", "1h", "--upstream-ca", ca],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
def ask(i, method, params):
    p.stdin.write((json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": params}) + "\n").encode())
    p.stdin.flush()
    return json.loads(p.stdout.readline())
ask(0, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}})
p.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
p.stdin.flush()
call = {"name": "http_request", "arguments": {"method": "GET", "url": url,
        "headers": {"Authorization": "Bearer {{secret:api}}"}}}
lat, failures = [], 0
for i in range(n + 50):
    t = time.perf_counter()
    r = ask(i + 1, "tools/call", call)
    dt = time.perf_counter() - t
    if r["result"].get("isError") or json.loads(r["result"]["content"][0]["text"])["status"] != 200:
        failures += 1
    if i >= 50:
        lat.append(dt * 1e6)
p.stdin.close()
p.wait()
lat.sort()
pct = lambda q: round(lat[round((len(lat) - 1) * q)])
print(json.dumps({"requests": len(lat), "failures": failures, "p50_us": pct(0.5), "p90_us": pct(0.9), "p99_us": pct(0.99)}))
PY

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
b = json.load(open(f"{out}/broker-direct.json"))
m = json.load(open(f"{out}/mcp.json"))
print(f"broker directly (broker_load, keep-alive): p50 {b['p50_us']} us  p90 {b['p90_us']} us  p99 {b['p99_us']} us  ({b['requests']} requests, {b['failures']} failed)")
print(f"agentcred mcp http_request round trip:     p50 {m['p50_us']} us  p90 {m['p90_us']} us  p99 {m['p99_us']} us  ({m['requests']} calls, {m['failures']} failed)")
print(f"MCP overhead at p50: {(m['p50_us'] - b['p50_us']) / 1000:.3f} ms (target <= 1 ms)")
PY
