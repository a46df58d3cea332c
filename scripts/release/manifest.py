#!/usr/bin/env python3
"""Writes the updater's manifest (latest.json) from a release's updater artifacts and
their `.sig` files, as tauri-plugin-updater reads it: version, notes, pub_date, and per
platform the artifact's URL and its minisign signature.

Usage: manifest.py VERSION BASE_URL ARTIFACTS_DIR NOTES_FILE > latest.json
An artifact without its .sig, or a platform found twice, is an error: a manifest that
points at an unsigned file would be refused by every app.
"""
import datetime
import json
import os
import sys
import urllib.parse

# Updater artifacts, as collect.py names them: iDance-Capture_<version>_<platform><kind>.
KINDS = (".app.tar.gz", "-setup.exe", ".AppImage", ".deb")
PLATFORMS = ("darwin-aarch64", "darwin-x86_64", "windows-x86_64", "linux-x86_64", "linux-x86_64-deb")


def platform(name: str):
    """The platform key an updater artifact is for (None: not an updater artifact)."""
    for kind in KINDS:
        if name.endswith(kind):
            key = name[: -len(kind)].split("_", 2)[-1]
            return key if key in PLATFORMS else None
    return None


def manifest(version, base_url, files, notes, now=None):
    platforms = {}
    names = {os.path.basename(f) for f in files}
    for path in sorted(files):
        name = os.path.basename(path)
        key = platform(name)
        if key is None:
            continue
        if name + ".sig" not in names:
            raise SystemExit(f"{name} has no {name}.sig: sign it before publishing")
        if key in platforms:
            raise SystemExit(f"two artifacts for {key}: {platforms[key]['url']} and {name}")
        with open(path + ".sig", encoding="utf-8") as f:
            signature = f.read().strip()
        platforms[key] = {
            "signature": signature,
            "url": base_url.rstrip("/") + "/" + urllib.parse.quote(name),
        }
    if not platforms:
        raise SystemExit("no updater artifacts found")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return {
        "version": version,
        "notes": notes,
        "pub_date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platforms": platforms,
    }


def main(argv):
    if len(argv) != 5:
        raise SystemExit(__doc__)
    version, base_url, folder, notes_file = argv[1:]
    files = [os.path.join(root, f) for root, _, fs in os.walk(folder) for f in fs]
    with open(notes_file, encoding="utf-8") as f:
        notes = f.read().strip()
    json.dump(manifest(version, base_url, files, notes), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main(sys.argv)
