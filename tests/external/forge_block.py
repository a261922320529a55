#!/usr/bin/env python3
"""Append a first-party block to a Biscuit token, as anyone holding the token can (the proof key
travels with it): the attacker's side of the tests that an agent key holder cannot mint itself
a credential outside the audit log's clamps.

Usage: forge_block.py --root-key HEX [--issued UNIX] [--expires UNIX] < TOKEN
Prints the new token. Without --expires, prints the token's authority alone, re-encoded (the bare
authority as a bearer token).
"""

import argparse
import sys

import biscuit_auth as b


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root-key", required=True)
    p.add_argument("--issued", type=int)
    p.add_argument("--expires", type=int)
    a = p.parse_args()
    token = sys.stdin.read().strip()
    root = b.PublicKey.from_bytes(bytes.fromhex(a.root_key), b.Algorithm.Ed25519)
    biscuit = b.Biscuit.from_base64(token, root)
    if a.expires is None:
        print(biscuit.to_base64())
        return
    code = "expiry({e});\ncheck if time($t), $t <= {d};\n".format(
        e=a.expires, d=_rfc3339(a.expires)
    )
    if a.issued is not None:
        code = "issued({i});\n".format(i=a.issued) + code
    forged = biscuit.append(b.BlockBuilder(code))
    print(forged.to_base64())


def _rfc3339(unix):
    import datetime

    return datetime.datetime.fromtimestamp(unix, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


if __name__ == "__main__":
    main()
