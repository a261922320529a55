#!/bin/sh
# An audit witness for agentcred: keeps every signed checkpoint in a file OUTSIDE the vault, so
# that a vault directory restored from an older copy (log included) is caught by
# `agentcred audit verify --witness`.
#
# Set it up (the store must be somewhere the vault's user cannot rewrite unnoticed: another
# user's directory, an append-only mount, a host the checkpoints are copied to):
#
#   # config.toml, beside vault.toml
#   [audit]
#   witness = "/usr/local/bin/agentcred-witness.sh /var/lib/agentcred-witness/checkpoints.jsonl"
#
# and check with `agentcred audit verify --witness` (or name the command there, so that the
# check does not depend on config.toml: `audit verify --witness "…/witness.sh STORE"`).
#
# Contract: agentcred appends the verb as the last argument.
#   STORE put   one checkpoint as a JSON line on stdin; append it to STORE
#   STORE get   print the last checkpoint in STORE (nothing if there is none)
set -eu
store=$1
verb=$2
case "$verb" in
put)
    line=$(cat)
    [ -n "$line" ] || exit 1
    umask 077
    printf '%s\n' "$line" >>"$store"
    ;;
get)
    [ -f "$store" ] || exit 0
    tail -n 1 "$store"
    ;;
*)
    echo "usage: $0 STORE put|get" >&2
    exit 2
    ;;
esac
