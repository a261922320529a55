#!/usr/bin/env bash
# Admin writes, this checkout against an earlier revision, side by side in one run: `agent add`,
# `grant` and `secret set` (a new secret each time) on a 10-agent vault and on a 10,000-agent /
# 100,000-grant vault. Each write changes the vault, so they are timed one by one in a loop that
# alternates the two binaries (each on its own vaults: the formats differ), and medians reported.
#
#   benches/admin-writes.sh REV [OUT_DIR]     e.g. benches/admin-writes.sh 7528103
#
# The earlier revision is built in a worktree in the temporary directory, as benches/compare.sh
# does (a worktree inside this checkout would make cargo join both .cargo/config.toml aliases).
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: benches/admin-writes.sh REV [OUT_DIR]}
out="${2:-target/admin-writes}"
rm -rf "$out" && mkdir -p "$out"
base="${TMPDIR:-/tmp}/agentcred-base-$rev"
if [ ! -d "$base" ]; then
    git worktree add --detach "$base" "$rev" >/dev/null
fi
build() { # dir
    (cd "$1" && cargo release-static >/dev/null && cargo build --release --example scale_vault >/dev/null)
}
build "$base"
build "$PWD"
unset AGENTCRED_PASSPHRASE AGENTCRED_PASSPHRASE_FILE AGENTCRED_KEY AGENTCRED_KEY_FILE AGENTCRED_IDENTITY AGENTCRED_CREDENTIAL_ID
for side in old new; do
    dir=$([ $side = old ] && echo "$base" || echo "$PWD")
    "$dir/target/release/examples/scale_vault" "$out/$side-small" 10 10 10
    "$dir/target/release/examples/scale_vault" "$out/$side-large" 10000 10 100
done
python3 - "$base/target/x86_64-unknown-linux-gnu/release/agentcred" \
    "$PWD/target/x86_64-unknown-linux-gnu/release/agentcred" "$out" "${RUNS:-30}" <<'PY'
import statistics, subprocess, sys, time
old, new, out, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def write(bin, vault, kind, i):
    cmd = [bin, "--vault", vault, "--identity", f"{vault}/admin.key", "-q"]
    if kind == "agent add":
        cmd += ["agent", "add", f"bench-{i:04}"]
    elif kind == "grant":
        # A different agent each time (agents 0-9 exist in both vaults), a secret they all hold.
        cmd += ["grant", f"agent-{i % 10:05}", "secret-0001", "--actions", f"act{i}"]
    else:
        cmd += ["secret", "set", f"bench-{i:04}", "--stdin"]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, input=b"value")
    return (time.perf_counter() - t) * 1000
for size in ["small", "large"]:
    for kind in ["agent add", "grant", "secret set"]:
        times = {"old": [], "new": []}
        for i in range(runs):
            for side, bin in (("old", old), ("new", new)) if i % 2 else (("new", new), ("old", old)):
                times[side].append(write(bin, f"{out}/{side}-{size}", kind, i))
        o, n = statistics.median(times["old"]), statistics.median(times["new"])
        print(f"{kind + ', ' + size:<22} before {o:8.2f} ms   after {n:8.2f} ms   ({n / o:.2f}x)")
PY
