#!/usr/bin/env bash
# Side-by-side timings of this checkout against an earlier revision, in one run, with hyperfine:
# the exec overhead with and without the sandbox, mint with an agent key on a small and a
# 10,000-agent vault, verify of a fresh credential, and audit verify of a 1,000,000-entry log.
#
#   benches/compare.sh REV [OUT_DIR]     e.g. benches/compare.sh 5d3047b
#
# Each revision builds its own release binary (`cargo release-static`) and its own vaults (vault
# formats differ between revisions), the earlier one in a worktree in the temporary directory.
# Every pair of commands is timed in the same hyperfine invocation, so both see the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: benches/compare.sh REV [OUT_DIR]}
out="${2:-target/compare}"
rm -rf "$out" && mkdir -p "$out"
runs=${RUNS:-100}

# Outside this checkout: cargo would read this checkout's .cargo/config.toml as well as the
# worktree's own, and join their aliases.
base="${TMPDIR:-/tmp}/agentcred-base-$rev"
if [ ! -d "$base" ]; then
    git worktree add --detach "$base" "$rev" >/dev/null
fi
build() { # dir
    (cd "$1" && cargo release-static >/dev/null && cargo build --release --example scale_vault --example scale_audit >/dev/null)
}
build "$base"
build "$PWD"
old="$base/target/x86_64-unknown-linux-gnu/release/agentcred"
new="$PWD/target/x86_64-unknown-linux-gnu/release/agentcred"
unset AGENTCRED_PASSPHRASE AGENTCRED_PASSPHRASE_FILE AGENTCRED_KEY AGENTCRED_KEY_FILE AGENTCRED_IDENTITY AGENTCRED_CREDENTIAL_ID

for side in old new; do
    dir=$([ $side = old ] && echo "$base" || echo "$PWD")
    "$dir/target/release/examples/scale_vault" "$out/$side-small" 10 10 10
    "$dir/target/release/examples/scale_vault" "$out/$side-large" 10000 10 100
    "$dir/target/release/examples/scale_vault" "$out/$side-log1m" 10 10 10
    "$dir/target/release/examples/scale_audit" "$out/$side-log1m" 1000000
done
"$old" --vault "$out/old-log1m" --identity "$out/old-log1m/admin.key" -q agent add anchor
"$new" --vault "$out/new-log1m" --identity "$out/new-log1m/admin.key" -q agent add anchor

summary() { # name, json
    python3 - "$1" "$2" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
rs = json.load(open(path))["results"]
print(f"== {name}")
for r in rs:
    print(f"  {r['command'][:86]:<88} median {r['median']*1000:9.2f} ms  (min {r['min']*1000:.2f})")
PY
}
time_pair() { # name, then commands
    local name=$1; shift
    hyperfine -N --warmup 5 --runs "$runs" --export-json "$out/$name.json" "$@" >/dev/null 2>&1
    summary "$name" "$out/$name.json"
}

key_old="$out/old-small/agent.key"
key_new="$out/new-small/agent.key"
# The bare program is started through env(1) too, so that the difference is agentcred's alone.
time_pair exec-small "env AGENTCRED_KEY_FILE=$key_new true" \
    "env AGENTCRED_KEY_FILE=$key_old $old --vault $out/old-small exec -- true" \
    "env AGENTCRED_KEY_FILE=$key_new $new --vault $out/new-small exec -- true" \
    "env AGENTCRED_KEY_FILE=$key_new $new --vault $out/new-small exec --no-sandbox -- true"
time_pair mint-small \
    "env AGENTCRED_KEY_FILE=$key_old $old --vault $out/old-small mint --format token" \
    "env AGENTCRED_KEY_FILE=$key_new $new --vault $out/new-small mint --format token"
time_pair mint-large \
    "env AGENTCRED_KEY_FILE=$out/old-large/agent.key $old --vault $out/old-large mint --format token" \
    "env AGENTCRED_KEY_FILE=$out/new-large/agent.key $new --vault $out/new-large mint --format token"
tok_old=$(AGENTCRED_KEY_FILE="$out/old-large/agent.key" "$old" --vault "$out/old-large" -q mint --ttl 1h --format token)
tok_new=$(AGENTCRED_KEY_FILE="$out/new-large/agent.key" "$new" --vault "$out/new-large" -q mint --ttl 1h --format token)
time_pair verify-large \
    "$old --vault $out/old-large verify $tok_old" \
    "$new --vault $out/new-large verify $tok_new"
RUNS=${AUDIT_RUNS:-5} runs=${AUDIT_RUNS:-5} time_pair audit-verify-1m \
    "$old --vault $out/old-log1m --identity $out/old-log1m/admin.key audit verify" \
    "$new --vault $out/new-log1m --identity $out/new-log1m/admin.key audit verify"
