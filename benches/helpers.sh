#!/usr/bin/env bash
# The credential helpers, each one whole process as its client runs it (request on stdin where the
# protocol has one), with an agent key as a CI step holds it, timed with hyperfine against `mint`
# on the same vault. Every run mints a credential and appends it to the audit log, as in use.
#
#   benches/helpers.sh [OUT_DIR]        (needs hyperfine and jq; target: each helper ≤ 10 ms)
#   BIN=path/to/agentcred benches/helpers.sh   times that binary instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/bench-helpers}"
rm -rf "$out" && mkdir -p "$out"
out="$(cd "$out" && pwd)"
if [ -n "${BIN:-}" ]; then
    bin="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
else
    cargo build --release >/dev/null
    bin="$PWD/target/release/agentcred"
fi
unset AGENTCRED_PASSPHRASE AGENTCRED_PASSPHRASE_FILE AGENTCRED_KEY AGENTCRED_KEY_FILE AGENTCRED_IDENTITY \
    AGENTCRED_CREDENTIAL_ID AGENTCRED_AGENT KUBERNETES_EXEC_INFO
export AGENTCRED_HOME="$out/vault"

# The vault: agent ci granted one secret per helper, and ci's agent key.
admin=(--identity "$out/admin.key")
"$bin" -q init --no-passphrase --identity-out "$out/admin.key"
"$bin" -q "${admin[@]}" agent add ci
set_secret() { printf '%s' "$2" | "$bin" -q "${admin[@]}" secret set "$1" --stdin; "$bin" -q "${admin[@]}" grant ci "$1"; }
set_secret git.example.com "ghp_$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
set_secret aws-deploy '{"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}'
set_secret registry.example.com "$(head -c 24 /dev/urandom | base64)"
set_secret kube-token "$(head -c 24 /dev/urandom | base64 | tr -d '+/=')"
"$bin" -q "${admin[@]}" key issue ci --out "$out/ci.key"
export AGENTCRED_KEY_FILE="$out/ci.key"

printf 'protocol=https\nhost=git.example.com\npath=acme/app.git\n\n' >"$out/git-request"
printf 'https://registry.example.com/v2/' >"$out/docker-request"
ln -s "$bin" "$out/docker-credential-agentcred"

json() { jq -r '.results[0] | "\(.median*1000)"' "$1"; }
run() { # name, command (run by sh, whose own start hyperfine measures and subtracts)
    local name=$1
    hyperfine --warmup 3 --runs "${RUNS:-50}" --export-json "$out/$name.json" "$2" >/dev/null 2>&1
    printf '%-28s median %6.2f ms\n' "$name" "$(json "$out/$name.json")"
}

run mint "$bin mint --secret kube-token --format token >/dev/null"
run git-credential "$bin git-credential get <$out/git-request >/dev/null"
run aws-credential-process "$bin aws-credential-process --secret aws-deploy >/dev/null"
run docker-credential "$out/docker-credential-agentcred get <$out/docker-request >/dev/null"
run kube-credential "$bin kube-credential --secret kube-token >/dev/null"
