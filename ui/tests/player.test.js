import { beforeEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { start } from "../app/js/player.js";

const here = dirname(fileURLToPath(import.meta.url));

describe("player window", () => {
  beforeEach(() => {
    const html = readFileSync(join(here, "..", "app", "player.html"), "utf8");
    document.body.innerHTML = html.slice(html.indexOf("<body>") + 6, html.indexOf("</body>"));
  });

  it("streams the link from its fragment", () => {
    const link = "http://127.0.0.1:3900/idance/sessions/u/s/v.mp4?X-Amz-Signature=a%2Bb&X-Amz-Date=1";
    const encoded = encodeURIComponent(link);
    const video = start(document, `#${encoded}`);
    expect(video.getAttribute("src")).toBe(link);
    expect(document.getElementById("error").hidden).toBe(true);
  });

  it("refuses anything but an http(s) link", () => {
    const video = start(document, `#${encodeURIComponent("javascript:alert(1)")}`);
    expect(video.getAttribute("src")).toBeNull();
    expect(document.getElementById("error").hidden).toBe(false);
  });
});
