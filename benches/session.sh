#!/usr/bin/env bash
# An admin command through the unlock session against the same command unlocked with the
# passphrase (Argon2id at the default parameters), side by side in one hyperfine run.
#
#   benches/session.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/bench-session}"
rm -rf "$out" && mkdir -p "$out"
cargo release-static >/dev/null
bin="$PWD/target/x86_64-unknown-linux-gnu/release/agentcred"
unset AGENTCRED_PASSPHRASE AGENTCRED_PASSPHRASE_FILE AGENTCRED_KEY AGENTCRED_KEY_FILE AGENTCRED_IDENTITY
printf 'a passphrase for the session benchmark\n' > "$out/pass"
chmod 600 "$out/pass"
vault="$out/vault"
AGENTCRED_PASSPHRASE_FILE="$out/pass" "$bin" --vault "$vault" -q init
for i in $(seq 1 10); do AGENTCRED_PASSPHRASE_FILE="$out/pass" "$bin" --vault "$vault" -q agent add "agent-$i"; done
eval "$(AGENTCRED_PASSPHRASE_FILE="$out/pass" "$bin" --vault "$vault" -q unlock --for 10m --idle 10m </dev/null)"
trap '"$bin" --vault "$vault" -q lock' EXIT
hyperfine -N --warmup 3 --runs "${RUNS:-30}" --export-json "$out/session.json" \
    "env AGENTCRED_PASSPHRASE_FILE=$out/pass $bin --vault $vault agent list" \
    "$bin --vault $vault agent list" >/dev/null 2>&1
python3 - "$out/session.json" <<'PY'
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
for r, name in zip(rs, ["passphrase (Argon2id)", "unlock session"]):
    print(f"  agent list, {name:<24} median {r['median']*1000:8.2f} ms  (min {r['min']*1000:.2f})")
print(f"  ratio {rs[0]['median'] / rs[1]['median']:.0f}x")
PY
