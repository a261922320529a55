#!/usr/bin/env bash
# Policy as code at scale: a policy of 10,000 agents, 100 secrets and 100,000 grants (10 per
# agent), against an identity-unlocked vault. Times, in one run:
#
#   plan, empty vault       plan the whole policy against a vault holding only the secrets
#   apply, empty vault      apply it there (10,000 agents and 100,000 grants in one commit; 3 runs,
#                           FULL_RUNS sets them)
#   plan, no changes        plan it again against the vault that now holds it
#   export-policy           write the vault's policy back out
#   plan, 1% changed        a copy of the policy with 100 agents' limits and 1,000 grants edited
#   apply, 1% changed       apply that copy (and the original again, alternately)
#
#   benches/policy.sh [OUT_DIR]      (needs hyperfine and python3; RUNS=N sets the runs, 10 by default;
#                                     BIN=PATH measures that binary instead of building this tree)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/bench-policy}"
runs="${RUNS:-10}"
rm -rf "$out" && mkdir -p "$out"
if [ -n "${BIN:-}" ]; then
    bin="$BIN"      # another build, to compare side by side
else
    cargo build --release >/dev/null
    bin="$PWD/target/release/agentcred"
fi
unset AGENTCRED_PASSPHRASE AGENTCRED_PASSPHRASE_FILE AGENTCRED_KEY AGENTCRED_KEY_FILE AGENTCRED_IDENTITY AGENTCRED_CREDENTIAL_ID AGENTCRED_HOME

python3 - "$out" <<'PY'
import sys
out = sys.argv[1]
def policy(changed):
    lines = ["version = 1"]
    for a in range(10_000):
        lines.append(f'\n[[agents]]\nname = "agent-{a:05}"')
        lines.append(f'max_ttl = "{2 if changed and a % 100 == 0 else 1}h"')
        if a % 4 == 1:
            lines.append('rate_limit = "60/m"')
    for s in range(100):
        lines.append(f'\n[[secrets]]\nname = "secret-{s:04}"\nenv = "SECRET_{s:04}"')
    for a in range(10_000):
        for g in range(10):
            actions = '"read"' if changed and a % 10 == 0 and g == 0 else '"read", "write"'
            lines.append(f'\n[[grants]]\nagent = "agent-{a:05}"\nsecret = "secret-{(a + g) % 100:04}"\nactions = [{actions}]\nresources = ["r{g}*"]')
    return "\n".join(lines) + "\n"
open(f"{out}/policy.toml", "w").write(policy(False))
open(f"{out}/changed.toml", "w").write(policy(True))
PY

# The template: a vault holding the 100 secrets and nothing else.
"$bin" --vault "$out/template" init --no-passphrase --identity-out "$out/admin.key" >/dev/null
for s in $(seq -f %04g 0 99); do
    printf 'value-%s' "$s" | "$bin" --vault "$out/template" --identity "$out/admin.key" -q secret set "secret-$s" --stdin
done
ac() { "$bin" --vault "$1" --identity "$out/admin.key" -q "${@:2}"; }

json() {
    python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%9.1f ms  (min %.1f, max %.1f)" % (r["median"] * 1000, r["min"] * 1000, r["max"] * 1000))
PY
}
run() { # name, then hyperfine args (RUNS_NOW overrides the number of runs)
    local name=$1; shift
    hyperfine -N -i --runs "${RUNS_NOW:-$runs}" --export-json "$out/$name.json" "$@" >/dev/null 2>&1
    printf '%-22s median %s\n' "$name" "$(json "$out/$name.json")"
}

echo "policy: $(du -h "$out/policy.toml" | cut -f1), 10,000 agents, 100 secrets, 100,000 grants; $runs runs each"
run "plan, empty vault" "$bin --vault $out/template --identity $out/admin.key plan $out/policy.toml"
# Each apply needs an empty vault: a fresh copy of the template, made before its run. The copies
# are kept until the end: ext4 skips inodes freed in the last minutes when it allocates new ones,
# so deleting a 30,000-file vault before each run would make the next run's file creations
# several times slower than they are (`rm -rf` of an earlier run's directory has the same effect
# for five minutes: start from a fresh OUT_DIR, or wait).
hyperfine -N -i --runs 1 -P n 1 "${FULL_RUNS:-3}" --export-json "$out/apply-full.json" \
    --prepare "cp -a $out/template $out/v{n}" \
    "$bin --vault $out/v{n} --identity $out/admin.key -q apply $out/policy.toml --yes" >/dev/null 2>&1
python3 - "$out/apply-full.json" <<'PY2'
import json, statistics, sys
t = sorted(r["mean"] * 1000 for r in json.load(open(sys.argv[1]))["results"])
print("%-22s median %9.1f ms  (min %.1f, max %.1f; %d runs, each on a fresh copy)" % ("apply, empty vault", statistics.median(t), t[0], t[-1], len(t)))
PY2
mv "$out/v1" "$out/v"
run "plan, no changes" "$bin --vault $out/v --identity $out/admin.key plan $out/policy.toml"
run "export-policy" "$bin --vault $out/v --identity $out/admin.key export-policy"
run "plan, 1% changed" "$bin --vault $out/v --identity $out/admin.key plan $out/changed.toml"
# Alternately the changed policy and the original: every run has the same 1,100 changes to make.
ac "$out/v" apply "$out/policy.toml" --yes
cat > "$out/flip.sh" <<SH
#!/bin/sh
if [ -e "$out/flipped" ]; then f=$out/policy.toml; rm "$out/flipped"; else f=$out/changed.toml; touch "$out/flipped"; fi
exec "$bin" --vault "$out/v" --identity "$out/admin.key" -q apply "\$f" --yes
SH
chmod +x "$out/flip.sh"
run "apply, 1% changed" "$out/flip.sh"
ls -l "$out/v/audit.jsonl" | awk '{printf "audit log after the runs: %.1f MB\n", $5 / 1e6}'
