"""The release pipeline's scripts (scripts/release/), run here with real archives, a
real Tauri signing key and real signatures: what the workflow does on each runner."""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import unittest
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "release"))

import collect  # noqa: E402
import manifest  # noqa: E402
import sidecar  # noqa: E402
import verify_sig  # noqa: E402

TAURI = os.path.join(ROOT, "ui", "node_modules", ".bin", "tauri")


def zip_of(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, body in files.items():
            z.writestr(name, body)
    return buf.getvalue()


def tar_xz_of(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz") as t:
        for name, body in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            t.addfile(info, io.BytesIO(body))
    return buf.getvalue()


class Sidecar(unittest.TestCase):
    def test_windows_zip_is_placed_with_exe_names_after_its_hash_matched(self):
        data = zip_of({"ffmpeg-7.1/bin/ffmpeg.exe": b"MZ1", "ffmpeg-7.1/bin/ffprobe.exe": b"MZ2", "doc/x": b""})
        with tempfile.TemporaryDirectory() as out:
            placed = sidecar.place("x86_64-pc-windows-msvc", data, hashlib.sha256(data).hexdigest(), out)
            names = [os.path.basename(p) for p in placed]
            self.assertEqual(names, ["ffmpeg-x86_64-pc-windows-msvc.exe", "ffprobe-x86_64-pc-windows-msvc.exe"])
            with open(placed[0], "rb") as f:
                self.assertEqual(f.read(), b"MZ1")

    def test_a_tar_xz_for_linux_is_executable(self):
        data = tar_xz_of({"ffmpeg-static/ffmpeg": b"\x7fELF1", "ffmpeg-static/ffprobe": b"\x7fELF2"})
        with tempfile.TemporaryDirectory() as out:
            placed = sidecar.place("x86_64-unknown-linux-gnu", data, hashlib.sha256(data).hexdigest(), out)
            self.assertTrue(all(os.access(p, os.X_OK) for p in placed), placed)

    def test_a_wrong_hash_or_a_missing_tool_places_nothing(self):
        data = zip_of({"ffmpeg.exe": b"MZ"})
        with tempfile.TemporaryDirectory() as out:
            with self.assertRaises(SystemExit):
                sidecar.place("x86_64-pc-windows-msvc", data, "00" * 32, out)
            self.assertEqual(os.listdir(out), [])
            with self.assertRaisesRegex(SystemExit, "ffprobe"):
                sidecar.place("x86_64-pc-windows-msvc", data, hashlib.sha256(data).hexdigest(), out)


class CollectAndManifest(unittest.TestCase):
    def bundle(self, root, files):
        for rel in files:
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write("sig-of-" + rel if rel.endswith(".sig") else rel)

    def test_every_platform_is_collected_under_its_name_and_listed_with_its_signature(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "release")
            layouts = {
                "darwin-aarch64": ["macos/iDance Capture.app.tar.gz", "macos/iDance Capture.app.tar.gz.sig",
                                   "dmg/iDance Capture_0.2.0_aarch64.dmg"],
                "darwin-x86_64": ["macos/iDance Capture.app.tar.gz", "macos/iDance Capture.app.tar.gz.sig",
                                  "dmg/iDance Capture_0.2.0_x64.dmg"],
                "windows-x86_64": ["nsis/iDance Capture_0.2.0_x64-setup.exe",
                                   "nsis/iDance Capture_0.2.0_x64-setup.exe.sig"],
                "linux-x86_64": ["appimage/iDance Capture_0.2.0_amd64.AppImage",
                                 "appimage/iDance Capture_0.2.0_amd64.AppImage.sig",
                                 "deb/iDance Capture_0.2.0_amd64.deb", "deb/iDance Capture_0.2.0_amd64.deb.sig"],
            }
            for platform, files in layouts.items():
                bundle = os.path.join(d, platform)
                self.bundle(bundle, files)
                collect.collect(platform, "0.2.0", bundle, out)
            files = [os.path.join(out, f) for f in os.listdir(out)]
            m = manifest.manifest("0.2.0", "https://example/dl", files, "Notes")
            self.assertEqual(
                sorted(m["platforms"]),
                ["darwin-aarch64", "darwin-x86_64", "linux-x86_64", "linux-x86_64-deb", "windows-x86_64"],
            )
            win = m["platforms"]["windows-x86_64"]
            self.assertEqual(win["url"], "https://example/dl/iDance-Capture_0.2.0_windows-x86_64-setup.exe")
            self.assertEqual(win["signature"], "sig-of-nsis/iDance Capture_0.2.0_x64-setup.exe.sig")
            self.assertEqual(m["version"], "0.2.0")
            json.dumps(m)

    def test_an_artifact_without_its_signature_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            self.bundle(d, ["nsis/iDance Capture_0.2.0_x64-setup.exe"])
            with self.assertRaisesRegex(SystemExit, "no .sig"):
                collect.collect("windows-x86_64", "0.2.0", d, os.path.join(d, "out"))
            path = os.path.join(d, "iDance-Capture_0.2.0_windows-x86_64-setup.exe")
            open(path, "w").close()
            with self.assertRaisesRegex(SystemExit, "has no"):
                manifest.manifest("0.2.0", "https://x", [path], "")


class UpdaterSignatures(unittest.TestCase):
    """A real key from `tauri signer generate`, real signatures from `tauri signer sign`:
    a file changed after it was signed (as Authenticode changes an installer) fails."""

    def test_a_signature_holds_until_the_file_changes_and_then_signing_again_fixes_it(self):
        with tempfile.TemporaryDirectory() as d:
            key = os.path.join(d, "key")
            env = dict(os.environ, TAURI_SIGNING_PRIVATE_KEY_PASSWORD="")
            subprocess.run([TAURI, "signer", "generate", "-w", key, "--ci", "-p", ""],
                           check=True, capture_output=True, env=env)
            with open(key + ".pub") as f:
                pubkey = f.read().strip()
            installer = os.path.join(d, "setup.exe")
            with open(installer, "wb") as f:
                f.write(os.urandom(100_000))

            def sign():
                subprocess.run([TAURI, "signer", "sign", "-f", key, "-p", "", installer],
                               check=True, capture_output=True, env=env)

            def verify():
                return verify_sig.main(["verify_sig.py", installer, "--pubkey", pubkey])

            sign()
            self.assertEqual(verify(), 0)
            with open(installer, "ab") as f:
                f.write(b"an Authenticode signature appended")
            self.assertEqual(verify(), 1)
            sign()
            self.assertEqual(verify(), 0)
            # Another key's signature is refused too.
            other = os.path.join(d, "other")
            subprocess.run([TAURI, "signer", "generate", "-w", other, "--ci", "-p", ""],
                           check=True, capture_output=True, env=env)
            with open(other + ".pub") as f:
                self.assertEqual(verify_sig.main(["v", installer, "--pubkey", f.read().strip()]), 1)


if __name__ == "__main__":
    unittest.main()
