// Keyboard and screen-reader behaviour that the window test cannot see quickly: the
// tabs pattern, names that say which file a button acts on, values of bars and
// sliders, and failures that are said out loud.
import { beforeEach, describe, expect, it } from "vitest";
import { useCatalogue } from "../app/js/i18n.js";
import { start } from "../app/js/main.js";
import { QueueView } from "../app/js/queue.js";
import { TrimDialog } from "../app/js/trim.js";
import { job, loadPage, mockTauri, tick } from "./mock.js";
import { catalogue } from "./setup.js";

const english = async () => useCatalogue("en", catalogue("en"));
const key = (el, k) => el.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));

function app(over = {}) {
  return mockTauri({
    app_info: { embedded: true, online: true, version: "0.1.0", media_base: "x:/", language: null },
    queue_view: [job({ job_id: "a", name: "salsa.mp4", state: "uploading" })],
    sessions_view: [],
    library_status: null,
    refresh_library: null,
    devices: [],
    record_status: null,
    unfinished_recordings: [],
    take_opened: [],
    update_status: null,
    recording_room: { low: false, minutes_left: null, encoder: "x" },
    get_settings: { mode: "embedded", language: null },
    ...over,
  });
}

describe("accessibility", () => {
  beforeEach(loadPage);

  it("tabs follow the WAI-ARIA pattern: panels, one tab stop, arrow keys, focus on the chosen tab", async () => {
    app();
    await start(document, { loadCatalogue: english });
    const tabs = [...document.querySelectorAll('[role="tab"]')];
    expect(tabs.map((t) => t.getAttribute("aria-controls"))).toEqual(["view-record", "view-queue", "view-sessions", "view-settings"]);
    for (const t of tabs) expect(document.getElementById(t.getAttribute("aria-controls")).getAttribute("role")).toBe("tabpanel");
    const selected = () => tabs.filter((t) => t.getAttribute("aria-selected") === "true").map((t) => t.id);
    expect(selected()).toEqual(["tab-queue"]);
    expect(tabs.map((t) => t.tabIndex)).toEqual([-1, 0, -1, -1]);
    key(document.getElementById("tab-queue"), "ArrowRight");
    expect(selected()).toEqual(["tab-sessions"]);
    expect(document.activeElement.id).toBe("tab-sessions");
    expect(document.getElementById("view-sessions").hidden).toBe(false);
    key(document.activeElement, "End");
    expect(selected()).toEqual(["tab-settings"]);
    key(document.activeElement, "ArrowRight");
    expect(selected()).toEqual(["tab-record"]);
    key(document.activeElement, "ArrowLeft");
    expect(selected()).toEqual(["tab-settings"]);
    key(document.activeElement, "Home");
    expect(selected()).toEqual(["tab-record"]);
    expect(tabs.map((t) => t.tabIndex)).toEqual([0, -1, -1, -1]);
  });

  it("a row's buttons name its file, its bar has a value, and a failed action is announced", async () => {
    mockTauri({ pause: async () => Promise.reject({ kind: "refused", message: "it is already finishing" }) });
    const said = [];
    const q = new QueueView(document, (text) => said.push(text));
    q.setJobs([job({ job_id: "a", name: "salsa.mp4", state: "uploading", bytes_done: 2_500_000, size: 10_000_000 })]);
    const row = document.querySelector('li[data-job="a"]');
    const pause = row.querySelector('button[data-action="pause"]');
    expect(pause.textContent).toBe("Pause");
    expect(pause.getAttribute("aria-label")).toBe("Pause salsa.mp4");
    const bar = row.querySelector('[role="progressbar"]');
    expect(bar.getAttribute("aria-valuenow")).toBe("25");
    expect(bar.getAttribute("aria-valuetext")).toBe("25%, Uploading");
    expect(document.getElementById(bar.getAttribute("aria-labelledby")).textContent).toBe("salsa.mp4");
    pause.click();
    await tick();
    await tick();
    expect(said).toEqual(["salsa.mp4: it is already finishing"]);
  });

  it("Pause all that fails says so in an alert that stays until dismissed", async () => {
    app({ pause: async () => Promise.reject({ kind: "queue", message: "the queue database is locked" }) });
    await start(document, { loadCatalogue: english });
    document.getElementById("pause-all").click();
    await tick();
    await tick();
    const alert = document.querySelector('#notices [role="alert"]');
    expect(alert.firstChild.textContent).toBe("the queue database is locked");
    alert.querySelector("button.dismiss").click();
    expect(document.querySelector('#notices [role="alert"]')).toBeNull();
  });

  it("the Record button's symbols are hidden from screen readers; its words are not", async () => {
    const b = document.getElementById("rec-button");
    expect(b.querySelector(".symbol").getAttribute("aria-hidden")).toBe("true");
    expect(b.querySelector(".words").getAttribute("aria-hidden")).toBeNull();
    expect(document.getElementById("rec-pause").querySelector(".symbol").getAttribute("aria-hidden")).toBe("true");
    expect(document.getElementById("rec-meter").getAttribute("role")).toBe("meter");
  });

  it("the trim sliders read as times, not seconds", async () => {
    mockTauri({ trim_view: { job_id: "a", name: "salsa.mp4", duration_secs: 95 } });
    const d = new TrimDialog(document);
    await d.open("a");
    expect(d.start.getAttribute("aria-valuetext")).toBe("0 sec");
    expect(d.end.getAttribute("aria-valuetext")).toBe("1 min 35 sec");
    expect(document.getElementById("trim-title").textContent).toBe("Trim salsa.mp4");
  });
});
