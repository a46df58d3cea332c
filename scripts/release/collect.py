#!/usr/bin/env python3
"""Copies one platform's release files out of Tauri's bundle folder under names that
say what they are for: iDance-Capture_<version>_<platform><kind> (and its .sig), which
manifest.py reads. The macOS updater archive's own name has no architecture in it.

Usage: collect.py PLATFORM VERSION BUNDLE_DIR OUT_DIR
"""
import glob
import os
import shutil
import sys

# Per platform: (glob under the bundle folder, kind in the new name, updater artifact?).
FILES = {
    "darwin-aarch64": [("macos/*.app.tar.gz", ".app.tar.gz", True), ("dmg/*.dmg", ".dmg", False)],
    "darwin-x86_64": [("macos/*.app.tar.gz", ".app.tar.gz", True), ("dmg/*.dmg", ".dmg", False)],
    "windows-x86_64": [("nsis/*-setup.exe", "-setup.exe", True)],
    "linux-x86_64": [("appimage/*.AppImage", ".AppImage", True), ("deb/*.deb", ".deb", True)],
}


def collect(platform, version, bundle, out):
    os.makedirs(out, exist_ok=True)
    copied = []
    for pattern, kind, updater in FILES[platform]:
        found = glob.glob(os.path.join(bundle, pattern))
        if len(found) != 1:
            raise SystemExit(f"{pattern}: expected one file in {bundle}, found {found}")
        # The .deb updates in place of the AppImage's key: its own key.
        key = platform + "-deb" if kind == ".deb" else platform
        name = f"iDance-Capture_{version}_{key}{kind}"
        shutil.copyfile(found[0], os.path.join(out, name))
        copied.append(name)
        if updater:
            sig = found[0] + ".sig"
            if not os.path.exists(sig):
                raise SystemExit(f"{found[0]} has no .sig: is TAURI_SIGNING_PRIVATE_KEY set?")
            shutil.copyfile(sig, os.path.join(out, name + ".sig"))
            copied.append(name + ".sig")
    return copied


def main(argv):
    if len(argv) != 5:
        raise SystemExit(__doc__)
    for name in collect(*argv[1:]):
        print(name)


if __name__ == "__main__":
    main(sys.argv)
