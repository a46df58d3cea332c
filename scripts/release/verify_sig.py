#!/usr/bin/env python3
"""Checks an updater artifact against its .sig with the public key the app trusts (the
minisign key in tauri.conf.json's plugins.updater.pubkey), as the app will before it
installs: after code signing (Authenticode, notarization) changed a file, its old .sig
no longer matches, and every app would refuse the update.

Usage: verify_sig.py FILE [FILE.sig] [--pubkey BASE64]   (default: tauri.conf.json's)
Exit 0 when the signature and its trusted comment verify, 1 otherwise.
"""
import base64
import hashlib
import json
import os
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def key_lines(b64: str):
    """The lines of a minisign key or signature file that Tauri base64-encodes whole."""
    return base64.b64decode(b64).decode("utf-8").strip().splitlines()


def verify(data: bytes, sig_b64: str, pubkey_b64: str) -> str:
    """The trusted comment when `sig_b64` signs `data` with `pubkey_b64`; raises else."""
    pk = base64.b64decode(key_lines(pubkey_b64)[1])
    if len(pk) != 42 or pk[:2] != b"Ed":
        raise ValueError("not a minisign Ed25519 public key")
    key_id, public = pk[2:10], Ed25519PublicKey.from_public_bytes(pk[10:])
    lines = key_lines(sig_b64)
    if len(lines) < 4 or not lines[2].startswith("trusted comment: "):
        raise ValueError("not a minisign signature")
    sig = base64.b64decode(lines[1])
    if len(sig) != 74 or sig[2:10] != key_id:
        raise ValueError("signed with another key")
    # "ED": the file's BLAKE2b-512 is signed (minisign's prehashed mode); "Ed": the file.
    message = {b"ED": hashlib.blake2b(data).digest(), b"Ed": data}.get(sig[:2])
    if message is None:
        raise ValueError("unknown signature algorithm")
    try:
        public.verify(sig[10:], message)
        comment = lines[2][len("trusted comment: "):]
        public.verify(base64.b64decode(lines[3]), sig[10:] + comment.encode("utf-8"))
    except InvalidSignature:
        raise ValueError("the signature does not match the file") from None
    return comment


def main(argv):
    args = argv[1:]
    pubkey = None
    if "--pubkey" in args:
        i = args.index("--pubkey")
        pubkey = args[i + 1]
        del args[i : i + 2]
    if not 1 <= len(args) <= 2:
        raise SystemExit(__doc__)
    path = args[0]
    sig_path = args[1] if len(args) == 2 else path + ".sig"
    if pubkey is None:
        with open(os.path.join(ROOT, "tauri.conf.json"), encoding="utf-8") as f:
            pubkey = json.load(f)["plugins"]["updater"]["pubkey"]
    with open(path, "rb") as f:
        data = f.read()
    with open(sig_path, encoding="utf-8") as f:
        sig = f.read().strip()
    try:
        comment = verify(data, sig, pubkey)
    except ValueError as e:
        print(f"{path}: {e}", file=sys.stderr)
        return 1
    print(f"{path}: signature verified ({comment})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
