import { beforeEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkResult, showUpdate, updateText } from "../app/js/update.js";
import { loadPage } from "./mock.js";

// Every update status as the app sends it (written by crates/desktop/src/update.rs).
const here = dirname(fileURLToPath(import.meta.url));
const STATUSES = JSON.parse(readFileSync(join(here, "fixtures", "update_statuses.json"), "utf8"));
const find = (state, more = {}) => STATUSES.find((s) => s.state === state && Object.entries(more).every(([k, v]) => s[k] === v));

describe("update banner", () => {
  beforeEach(loadPage);

  it("words every status the app sends, with the version and what waits for what", () => {
    expect(updateText(find("available"))).toBe("iDance Capture 0.2.0 is available and downloading. What's new: Uploads resume after sleep.");
    expect(updateText(find("downloading"))).toContain("downloading (40%)");
    expect(updateText(find("waiting", { reason: "recording" }))).toContain("It installs when the recording ends.");
    expect(updateText(find("waiting", { reason: "uploading" }))).toContain("when the uploads in progress finish");
    expect(updateText(find("installed"))).toBe("iDance Capture 0.2.0 is installed: it runs the next time the app starts.");
    expect(updateText(find("not_installable"))).toContain("cannot update itself");
    expect(updateText(find("failed", { kind: "signature" }))).toContain("refused: its signature does not match");
    // A check that failed (often: offline) is no banner, but Settings says it.
    expect(updateText(find("failed", { kind: "check" }))).toBeNull();
    expect(checkResult(find("failed", { kind: "check" }))).toContain("Could not check for updates");
    expect(checkResult(null)).toBe("iDance Capture is up to date.");
    for (const s of STATUSES) if (s.kind !== "check") expect(updateText(s)).toBeTruthy();
  });

  it("shows and hides the banner, red for a refusal", () => {
    const b = document.getElementById("update-banner");
    showUpdate(document, find("waiting", { reason: "recording" }));
    expect(b.hidden).toBe(false);
    expect(b.getAttribute("role")).toBe("status");
    showUpdate(document, find("failed", { kind: "signature" }));
    expect(b.classList.contains("error")).toBe(true);
    showUpdate(document, null);
    expect(b.hidden).toBe(true);
  });
});
