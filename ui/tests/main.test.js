import { catalogue } from "./setup.js";
import { useCatalogue } from "../app/js/i18n.js";
import { beforeEach, describe, expect, it } from "vitest";
import { start } from "../app/js/main.js";
import { VIEWS } from "../app/js/views.js";
import { job, loadPage, mockTauri, tick } from "./mock.js";

function app(over = {}) {
  return mockTauri({
    app_info: { embedded: false, online: true, version: "0.1.0", media_base: "http://idance-media.localhost/" },
    queue_view: [job({ job_id: "a", state: "uploading" })],
    sessions_view: [],
    library_status: { source: "unknown", fetched_at: null },
    refresh_library: { source: "live", fetched_at: "2026-12-04T10:00:00Z" },
    devices: [],
    record_status: null,
    unfinished_recordings: [],
    take_opened: [],
    update_status: null,
    ...over,
  });
}

const english = async () => useCatalogue("en", catalogue("en"));

describe("app shell", () => {
  beforeEach(loadPage);

  it("opens on the queue, and the offline banner follows the connection", async () => {
    const ipc = app();
    await start(document, { loadCatalogue: english });
    expect(document.body.dataset.ready).toBe("true");
    expect(document.getElementById("view-queue").hidden).toBe(false);
    expect(document.getElementById("offline-banner").hidden).toBe(true);
    ipc.emit("idance", { type: "online", online: false });
    expect(document.getElementById("offline-banner").hidden).toBe(false);
    expect(document.getElementById("connection").textContent).toBe("Offline");
    // It says since when (a second "offline" keeps the first time).
    const since = document.getElementById("offline-banner").textContent;
    expect(since).toMatch(/^You are offline since \d/);
    ipc.emit("idance", { type: "online", online: false });
    expect(document.getElementById("offline-banner").textContent).toBe(since);
    ipc.emit("idance", { type: "online", online: true });
    expect(document.getElementById("offline-banner").hidden).toBe(true);
  });

  it("draws a tab per registered view and tells a view when it is opened", async () => {
    const ipc = app({ get_settings: { mode: "embedded", problem: null } });
    await start(document, { loadCatalogue: english });
    const tabs = [...document.querySelectorAll(".tabs button")].map((b) => b.dataset.view);
    expect(tabs).toEqual(VIEWS.map((v) => v.name));
    for (const name of tabs) expect(document.getElementById(`view-${name}`)).not.toBeNull();
    document.getElementById("tab-settings").click();
    await tick();
    expect(document.getElementById("view-settings").hidden).toBe(false);
    expect(ipc.called("get_settings").length).toBe(1);
    ipc.emit("idance", { type: "sessions_changed" });
    expect(ipc.called("sessions_view").length).toBe(2);
  });

  it("dropped files are added by id and refusals name the file and the reason", async () => {
    const ipc = app({
      add_files: [
        { name: "class.mp4", job_id: "x", error: null },
        { name: "notes.txt", job_id: null, error: "not a readable video (notes.txt: Invalid data found when processing input)" },
      ],
    });
    await start(document, { loadCatalogue: english });
    ipc.emit("dropped", [{ id: "f1", name: "class.mp4" }, { id: "f2", name: "notes.txt" }]);
    await tick();
    await tick();
    expect(ipc.called("add_files")).toEqual([{ ids: ["f1", "f2"], session: null }]);
    const notices = [...document.querySelectorAll(".notice")].map((n) => n.firstChild.textContent);
    expect(notices).toContain("class.mp4 queued");
    expect(notices).toContain("notes.txt was not added: not a readable video (notes.txt: Invalid data found when processing input)");
  });

  it("files opened with the app are queued as a drop, at start and when told", async () => {
    let opened = [[{ id: "o1", name: "warm-up.mp4" }], [{ id: "o2", name: "cool-down.mov" }, { id: "o3", name: "notes.txt" }]];
    const ipc = app({
      take_opened: () => opened.shift() || [],
      add_files: ({ ids }) => ids.map((id) => (id === "o3"
        ? { name: "notes.txt", job_id: null, error: "not a readable video" }
        : { name: id, job_id: id, error: null })),
    });
    await start(document, { loadCatalogue: english });
    expect(ipc.called("add_files")).toEqual([{ ids: ["o1"], session: null }]);
    ipc.emit("idance", { type: "opened" });
    await tick();
    await tick();
    expect(ipc.called("add_files")[1]).toEqual({ ids: ["o2", "o3"], session: null });
    const notices = [...document.querySelectorAll(".notice")].map((n) => n.firstChild.textContent);
    expect(notices).toContain("notes.txt was not added: not a readable video");
    expect(document.getElementById("view-queue").hidden).toBe(false);
  });

  it("offers unfinished recordings for recovery", async () => {
    const ipc = app({
      unfinished_recordings: [{ index: 0, name: "2026-11-26_10-00-00.mp4", title: "Hip hop", started_at: null }],
      recover: { name: "2026-11-26_10-00-00.mp4", job_id: "r", error: null },
    });
    await start(document, { loadCatalogue: english });
    const banner = document.getElementById("recover-banner");
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toContain("Hip hop");
    banner.querySelector("button").click();
    await tick();
    expect(ipc.called("recover")).toEqual([{ index: 0 }]);
  });
});
