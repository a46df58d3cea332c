#!/usr/bin/env python3
"""Puts the ffmpeg and ffprobe builds for one target where `scripts/bundle` bundles them
(src-tauri/binaries/ffmpeg-<target>[.exe], ffprobe-<target>[.exe]), from an archive
whose SHA-256 must match: nothing unverified is shipped.

Usage: sidecar.py TARGET URL SHA256
(URL may be file://; a .zip, .tar.xz, .tar.gz or .tar.bz2 holding ffmpeg and ffprobe
anywhere inside.) Release builds only: the app never downloads anything at run time.
"""
import hashlib
import io
import os
import stat
import sys
import tarfile
import urllib.request
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def members(data: bytes):
    """(name, bytes) of every file in the archive."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                if not info.is_dir():
                    yield info.filename, z.read(info)
    else:
        with tarfile.open(fileobj=io.BytesIO(data)) as t:
            for m in t.getmembers():
                if m.isfile():
                    f = t.extractfile(m)
                    if f is not None:
                        yield m.name, f.read()


def place(target: str, data: bytes, sha256: str, out_dir: str) -> list:
    got = hashlib.sha256(data).hexdigest()
    if got != sha256.lower():
        raise SystemExit(f"ffmpeg archive: SHA-256 {got}, expected {sha256}: not bundled")
    exe = ".exe" if "windows" in target else ""
    wanted = {f"ffmpeg{exe}": "ffmpeg", f"ffprobe{exe}": "ffprobe"}
    os.makedirs(out_dir, exist_ok=True)
    placed = []
    for name, body in members(data):
        tool = wanted.get(os.path.basename(name))
        if tool is None:
            continue
        path = os.path.join(out_dir, f"{tool}-{target}{exe}")
        with open(path, "wb") as f:
            f.write(body)
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        placed.append(path)
        del wanted[os.path.basename(name)]
    if wanted:
        raise SystemExit(f"ffmpeg archive: no {', '.join(sorted(wanted))} inside")
    return sorted(placed)


def main(argv):
    if len(argv) != 4:
        raise SystemExit(__doc__)
    target, url, sha256 = argv[1:]
    with urllib.request.urlopen(url) as r:
        data = r.read()
    for path in place(target, data, sha256, os.path.join(ROOT, "src-tauri", "binaries")):
        print(path)


if __name__ == "__main__":
    main(sys.argv)
