#!/usr/bin/env python3
"""Verify an agentcred credential token with an independent Biscuit implementation.

biscuit-python (`pip install biscuit-python==0.4.0`, module `biscuit_auth`) wraps the Rust
biscuit-auth crate behind its own Python API: this checks that agentcred's tokens are standard
Biscuit v3 tokens that a third party can verify with nothing but the vault's issuer public key.

The authorizer mirrors agentcred's offline verifier (`verify` in src/token/mod.rs): the facts
`time(now)` (rounded up to the second), `operation(OP)` and `resource(RES)` (`*` meaning "any"),
a deny policy on the authority's `deny_right` facts and an allow policy on its `right` facts,
the same run limits, size limit and block limit. The token's own checks (its expiry and the
narrowing of each later block) are evaluated by Biscuit itself. agentcred's revocation list and
holder check need the vault and are not reproduced.

Usage:
    verify_biscuit.py --root-key HEX [--root-key-id N] [--operation OP] [--resource RES] TOKEN

TOKEN is the URL-safe base64 token, or `-` to read it from standard input (keeps it out of the
process list). HEX is the Ed25519 root public key, 64 hex digits. With --root-key-id, the token
must name that Biscuit root key id, as agentcred requires.

Prints one line. Exit status: 0 authorized, 3 refused by authorization (a failed check, a deny
policy, no allow policy, run limits), 65 the token does not parse or its signatures do not verify
(or it is over the size or block limit), 64 bad usage, 69 biscuit_auth is not installed.
"""

import argparse
import datetime
import math
import sys
import time

EXIT_OK = 0
EXIT_DENIED = 3
EXIT_USAGE = 64
EXIT_DATA = 65
EXIT_UNAVAILABLE = 69

# src/token/mod.rs: MAX_TOKEN_BYTES, MAX_BLOCKS and the verifier's AuthorizerLimits.
MAX_TOKEN_BYTES = 16 * 1024
MAX_BLOCKS = 8
MAX_FACTS = 2_000
MAX_ITERATIONS = 200
MAX_TIME = datetime.timedelta(milliseconds=250)

AUTHORIZER_CODE = """
time({now});
operation({op});
resource({res});
deny if operation($op), resource($r), deny_right($s, $a, $k, $p), ($a == "*" || $a == $op),
    (($k == "exact" && $p == $r) || ($k == "prefix" && $r.starts_with($p)));
allow if operation($op), resource($r), right($s, $a, $k, $p),
    ($a == "*" || $a == $op || $op == "*"),
    ($r == "*" || ($k == "exact" && $p == $r) || ($k == "prefix" && $r.starts_with($p)));
"""


def finish(code, message):
    print(message, flush=True)
    sys.exit(code)


def main(argv):
    parser = argparse.ArgumentParser(
        description="Verify an agentcred Biscuit token with biscuit-python."
    )
    parser.add_argument("token", help="the base64 token, or - to read it from stdin")
    parser.add_argument("--root-key", required=True, help="Ed25519 root public key, hex")
    parser.add_argument("--root-key-id", type=int, help="the Biscuit root key id to require")
    parser.add_argument(
        "--operation", "--action", default="*", help="the requested action (default: any)"
    )
    parser.add_argument("--resource", default="*", help="the requested resource (default: any)")
    args = parser.parse_args(argv)

    try:
        import biscuit_auth as biscuit
    except ImportError as e:
        finish(
            EXIT_UNAVAILABLE,
            f"unavailable: cannot import biscuit_auth ({e}); "
            "run `pip install biscuit-python==0.4.0`",
        )

    token = sys.stdin.read() if args.token == "-" else args.token
    token = token.strip()
    if len(token) > MAX_TOKEN_BYTES * 4 // 3 + 4:
        finish(EXIT_DATA, f"invalid: the token is larger than {MAX_TOKEN_BYTES // 1024} KiB")

    try:
        key_bytes = bytes.fromhex(args.root_key)
        if len(key_bytes) != 32:
            raise ValueError(f"{len(key_bytes)} bytes, expected 32")
        root = biscuit.PublicKey.from_bytes(key_bytes, biscuit.Algorithm.Ed25519)
    except ValueError as e:
        finish(EXIT_USAGE, f"usage: --root-key is not an Ed25519 public key in hex: {e}")

    seen_ids = []

    def root_key(key_id):
        seen_ids.append(key_id)
        if args.root_key_id is not None and key_id != args.root_key_id:
            return None
        return root

    try:
        parsed = biscuit.Biscuit.from_base64(token, root_key)
    except (biscuit.BiscuitValidationError, biscuit.BiscuitSerializationError, ValueError) as e:
        detail = str(e)
        if args.root_key_id is not None and seen_ids and seen_ids[0] != args.root_key_id:
            detail = f"root key id {seen_ids[0]}, expected {args.root_key_id}"
        finish(EXIT_DATA, f"invalid: {detail}")

    if parsed.block_count() > MAX_BLOCKS:
        finish(EXIT_DATA, f"invalid: the token has more than {MAX_BLOCKS} blocks")

    # agentcred compares whole seconds and rounds its clock up (src/token/mod.rs, `verify`).
    now = datetime.datetime.fromtimestamp(math.ceil(time.time()), tz=datetime.timezone.utc)
    try:
        builder = biscuit.AuthorizerBuilder(
            AUTHORIZER_CODE, {"now": now, "op": args.operation, "res": args.resource}
        )
        limits = builder.limits()
        limits.max_facts = MAX_FACTS
        limits.max_iterations = MAX_ITERATIONS
        limits.max_time = MAX_TIME
        builder.set_limits(limits)
        authorizer = builder.build(parsed)
    except Exception as e:  # noqa: BLE001 - any failure to load the token's Datalog is bad data
        finish(EXIT_DATA, f"invalid: the token cannot be evaluated: {e}")

    try:
        policy = authorizer.authorize()
    except biscuit.AuthorizationError as e:
        finish(EXIT_DENIED, f"denied: {e}")
    except Exception as e:  # noqa: BLE001 - agentcred refuses any other evaluation error too
        finish(EXIT_DATA, f"invalid: the token cannot be evaluated: {e}")

    finish(
        EXIT_OK,
        f"ok: {args.operation} on {args.resource} allowed by policy {policy} "
        f"({parsed.block_count()} blocks, root key id {seen_ids[0] if seen_ids else None})",
    )


if __name__ == "__main__":
    main(sys.argv[1:])
