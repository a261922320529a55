#!/usr/bin/env bash
# The credential broker, measured side by side in one run on this machine:
#
#  1. Added latency: one keep-alive connection sending GETs back to back to a local HTTPS
#     upstream, direct and through `agentcred broker` (placeholder replaced in the Authorization
#     header, every request's audit entry fsynced before it is forwarded): p50 and p99.
#  2. Throughput: 64 concurrent keep-alive connections through the broker, and through mitmproxy
#     (mitmdump with a few-line addon doing the same header replacement), same client, same
#     upstream. The broker's resident memory is read while its 64 connections are open.
#  3. `exec --broker -- true` against `exec -- true` (hyperfine).
#
# One client (benches/broker_load.rs) for every path, so the figures compare like with like.
# Needs hyperfine and openssl; installs mitmproxy into a virtual environment under OUT_DIR.
#
#   benches/broker.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/bench-broker}"
rm -rf "$out" && mkdir -p "$out"
out="$(cd "$out" && pwd)"
cargo release-static >/dev/null
bin="$PWD/target/x86_64-unknown-linux-gnu/release/agentcred"
load="$(cargo bench --bench broker_load --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "broker_load" and m.get("executable"):
        print(m["executable"])')"
unset AGENTCRED_PASSPHRASE AGENTCRED_PASSPHRASE_FILE AGENTCRED_KEY AGENTCRED_KEY_FILE AGENTCRED_IDENTITY AGENTCRED_SESSION
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

# The upstream: its own CA, a certificate for localhost.
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

# A vault with one brokered secret bound to localhost.
printf 'a passphrase for the broker benchmark\n' >"$out/pass"
chmod 600 "$out/pass"
export AGENTCRED_PASSPHRASE_FILE="$out/pass"
vault="$out/vault"
"$bin" --vault "$vault" -q init
"$bin" --vault "$vault" -q agent add bench --max-ttl 1h
printf 'sk-live-0123456789abcdef0123456789abcdef' |
    "$bin" --vault "$vault" -q secret set api --env API_KEY --stdin --hosts localhost --delivery broker --placeholder-prefix sk-
"$bin" --vault "$vault" -q grant bench api
printf 'plain-value-for-the-exec-comparison' | "$bin" --vault "$vault" -q secret set plain --env PLAIN --stdin
"$bin" --vault "$vault" -q grant bench plain
"$bin" --vault "$vault" -q key issue bench --out "$out/bench.key"
"$bin" --vault "$vault" broker --agent bench --ttl 1h --upstream-ca "$out/ca.pem" --json >"$out/broker.json" &
broker_pid=$!
pids+=($broker_pid)
while ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out/broker.json" 2>/dev/null; do sleep 0.05; done
proxy="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["env"]["HTTPS_PROXY"])' "$out/broker.json")"
bundle="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["env"]["SSL_CERT_FILE"])' "$out/broker.json")"
placeholder="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["env"]["API_KEY"])' "$out/broker.json")"

# mitmproxy doing the same replacement.
if [ ! -x "$out/venv/bin/mitmdump" ]; then
    python3 -m venv "$out/venv"
    "$out/venv/bin/pip" install --quiet mitmproxy
fi
cat >"$out/replace.py" <<'PY'
import os
PLACEHOLDER, VALUE = os.environ["BENCH_PLACEHOLDER"], os.environ["BENCH_VALUE"]
def request(flow):
    for name, value in flow.request.headers.items():
        if PLACEHOLDER in value:
            flow.request.headers[name] = value.replace(PLACEHOLDER, VALUE)
PY
mitm_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BENCH_PLACEHOLDER="$placeholder" BENCH_VALUE=sk-live-0123456789abcdef0123456789abcdef \
    "$out/venv/bin/mitmdump" --quiet --listen-host 127.0.0.1 --listen-port "$mitm_port" \
    --set confdir="$out/mitm" --set ssl_verify_upstream_trusted_ca="$out/ca.pem" \
    -s "$out/replace.py" >"$out/mitm.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do
    [ -s "$out/mitm/mitmproxy-ca-cert.pem" ] && (echo >"/dev/tcp/127.0.0.1/$mitm_port") 2>/dev/null && break
    sleep 0.1
done

auth="Authorization: Bearer $placeholder"
rounds="${ROUNDS:-3}"
for r in $(seq 1 "$rounds"); do
    "$load" run --url "$url" --ca "$out/ca.pem" --header "$auth" --requests 2000 >>"$out/latency-direct.jsonl"
    "$load" run --url "$url" --ca "$bundle" --proxy "$proxy" --header "$auth" --requests 2000 >>"$out/latency-broker.jsonl"
done
"$load" run --url "$url" --ca "$bundle" --proxy "$proxy" --header "$auth" --connections 64 --seconds 8 >"$out/rps-broker.json" &
load_pid=$!
sleep 4
rss_kb="$(awk '/^VmRSS/ {print $2}' "/proc/$broker_pid/status")"
wait "$load_pid"
"$load" run --url "$url" --ca "$out/mitm/mitmproxy-ca-cert.pem" --proxy "http://127.0.0.1:$mitm_port" \
    --header "$auth" --connections 64 --seconds 8 >"$out/rps-mitmproxy.json"
"$load" run --url "$url" --ca "$out/ca.pem" --header "$auth" --connections 64 --seconds 8 >"$out/rps-direct.json"

# exec with and without a broker, with the agent key (no KDF), side by side.
AGENTCRED_KEY_FILE="$out/bench.key" hyperfine -N --warmup 5 --runs "${RUNS:-40}" --export-json "$out/exec.json" \
    "$bin --vault $vault exec --secret plain -- /bin/true" \
    "$bin --vault $vault exec --secret plain --broker -- /bin/true" >/dev/null 2>&1

python3 - "$out" "$rss_kb" <<'PY'
import json, statistics, sys
out, rss_kb = sys.argv[1], int(sys.argv[2])
def lines(name):
    return [json.loads(l) for l in open(f"{out}/{name}")]
d, b = lines("latency-direct.jsonl"), lines("latency-broker.jsonl")
p50 = statistics.median(x["p50_us"] for x in b) - statistics.median(x["p50_us"] for x in d)
p99 = statistics.median(x["p99_us"] for x in b) - statistics.median(x["p99_us"] for x in d)
print(f"  latency, direct   p50 {statistics.median(x['p50_us'] for x in d)/1000:.3f} ms  p99 {statistics.median(x['p99_us'] for x in d)/1000:.3f} ms")
print(f"  latency, broker   p50 {statistics.median(x['p50_us'] for x in b)/1000:.3f} ms  p99 {statistics.median(x['p99_us'] for x in b)/1000:.3f} ms")
print(f"  added by broker   p50 {p50/1000:.3f} ms  p99 {p99/1000:.3f} ms   (targets 0.5 / 2 ms)")
rb, rm, rd = (json.load(open(f"{out}/rps-{n}.json")) for n in ("broker", "mitmproxy", "direct"))
print(f"  64 connections: direct {rd['rps']:.0f} req/s, broker {rb['rps']:.0f} req/s ({rb['failures']} failed), mitmproxy {rm['rps']:.0f} req/s ({rm['failures']} failed)")
print(f"  broker / mitmproxy {rb['rps']/rm['rps']:.1f}x   (targets 5000 req/s, 10x)")
print(f"  broker RSS at 64 connections {rss_kb/1024:.1f} MB   (target 32 MB)")
e = json.load(open(f"{out}/exec.json"))["results"]
print(f"  exec -- true {e[0]['median']*1000:.2f} ms, exec --broker -- true {e[1]['median']*1000:.2f} ms: +{(e[1]['median']-e[0]['median'])*1000:.2f} ms   (target 3 ms)")
PY
