// The pseudo-locale: every catalogue string comes out bracketed and accented, so any
// words left plain in the rendered window bypassed the catalogue. Every view is drawn
// with the app's payloads in every state, with dialogs, notices and errors shown.
import { beforeEach, describe, expect, it } from "vitest";
import { PSEUDO, localize, useCatalogue } from "../app/js/i18n.js";
import { formatDate } from "../app/js/format.js";
import { start } from "../app/js/main.js";
import { JOB_VIEWS, loadPage, mockTauri, recordStatus, tick } from "./mock.js";
import { catalogue } from "./setup.js";

// What the app sends as data (names, titles, devices, addresses): not words to translate.
const DATA = [
  "salsa.mp4", "Salsa basics", "Bachata", "Screen 1", "Webcam", "Built-in microphone", "libx264 (software)",
  "iDance Capture", "https://api.idance.example", "you@studio.example", "us-east-1", "https://s3.example.com",
  "CmdOrCtrl+Shift+R", "Alt+F9", "https://api.example", "0.1.0", "0.2.0", "Faster uploads", "ana@studio.example",
  "Ana", "class.mp4", "Español", "Português (Brasil)", "English",
  // ffmpeg's own line, which the app passes on as the detail of a kind.
  "/dev/video0: Device or resource busy", "Invalid data found",
];
// Intl's dates, made for the language.
const DATES = ["2026-11-26T10:00:00Z", "2026-12-04T10:00:00Z"];
// Intl's numbers with units ("1.5 MB", "30 min", "2.8 Mb/s"), made for the language.
const UNITS = /\d[\d.,]*\s?(?:B|kB|MB|GB|TB|sec|min|hr|Mb\/s|[kMG]?B\/s|kcal|%)(?![A-Za-z])/g;

// The plain words left in `text` once the catalogue's (bracketed) words, the data and
// Intl's units are taken out.
function plain(text) {
  let t = text;
  for (;;) {
    const next = t.replace(/⟦[^⟦⟧]*⟧/g, " ");
    if (next === t) break;
    t = next;
  }
  for (const d of [...DATA, ...DATES.map(formatDate)]) t = t.split(d).join(" ");
  t = t.replace(UNITS, " ");
  return t.match(/[A-Za-z]{2,}/g) || [];
}

function findPlain(root) {
  const found = [];
  const visit = (node) => {
    if (node.nodeType === 3) {
      const el = node.parentElement;
      if (plain(node.textContent).length) found.push(`${el.id || el.className || el.tagName}: "${node.textContent.trim()}"`);
    } else if (node.nodeType === 1 && !["SCRIPT", "STYLE"].includes(node.tagName)) {
      for (const c of node.childNodes) visit(c);
    }
  };
  visit(root);
  for (const el of root.querySelectorAll("*")) {
    for (const a of ["aria-label", "placeholder", "title", "alt", "aria-valuetext"]) {
      const v = el.getAttribute(a);
      if (v && plain(v).length) found.push(`${el.id || el.className || el.tagName}[${a}]: "${v}"`);
    }
  }
  return found;
}

const session = (over = {}) => ({
  local_id: "s1", server_id: "srv1", title: "Salsa basics", created_at: "2026-11-26T10:00:00Z", duration_secs: 1800,
  state: "online", thumbnail_job: null, video_key: "sessions/u/srv1/1_a.mp4", accepts_video: false, size_bytes: 1_500_000,
  on_this_computer: true, calories: 320, ...over,
});

function app() {
  const jobs = JOB_VIEWS.map((j, i) => ({ ...j, job_id: `${j.job_id}-${i}` }));
  return mockTauri({
    app_info: { embedded: false, online: true, version: "0.1.0", media_base: "http://idance-media.localhost/", language: PSEUDO },
    queue_view: jobs,
    sessions_view: [
      session(),
      session({ local_id: "s2", server_id: null, title: null, state: "waiting", video_key: null, calories: null }),
      session({ local_id: "s3", title: "Bachata", state: "elsewhere", on_this_computer: false }),
      ...["uploading", "failed", "paused", "cancelled", "empty"].map((state, i) =>
        session({ local_id: `x${i}`, server_id: null, state, video_key: null, calories: null })),
    ],
    library_status: { source: "offline", fetched_at: "2026-12-04T10:00:00Z" },
    refresh_library: { source: "offline", fetched_at: "2026-12-04T10:00:00Z" },
    devices: [
      { kind: "screen", id: "s", name: "Screen 1", default: true },
      { kind: "camera", id: "c", name: "Webcam", default: false },
      { kind: "mic", id: "m", name: "Built-in microphone", default: true },
    ],
    record_status: null,
    recording_room: { low: true, minutes_left: 12, encoder: "libx264 (software)" },
    unfinished_recordings: [{ index: 0, name: "class.mp4", title: null, started_at: null }],
    take_opened: [],
    update_status: { state: "waiting", version: "0.2.0", reason: "uploading", notes: "Faster uploads" },
    get_settings: {
      mode: "remote", active: "remote", server_url: "https://api.example", has_token: false,
      account: { email: "ana@studio.example", name: "Ana" }, email: null, bucket: null, region: null, endpoint: null,
      access_key_id: null, has_secret_key: false, limit: null, compress: "auto", review_recordings: false,
      online_fast: true, start_at_login: true, countdown: true, record_shortcut: "Alt+F9", language: null,
    },
    trim_view: { job_id: "paused-3", name: "salsa.mp4", duration_secs: 95 },
    start_preview: null,
    stop_preview: null,
    add_files: [{ name: "class.mp4", job_id: null, error: { kind: "not_video", message: "Invalid data found" } }],
  });
}

describe("pseudo-locale", () => {
  beforeEach(loadPage);

  it("finds no words outside the catalogue on any view, dialog, notice or error", async () => {
    const ipc = app();
    const shell = await start(document, { loadCatalogue: async (l) => useCatalogue(l, catalogue("en")) });
    expect(document.documentElement.lang).toBe("en");
    // Notices, the offline banner, a recording with an error and a notice.
    ipc.emit("idance", { type: "online", online: false });
    ipc.emit("idance", { type: "notice", kind: "session_online", title: "Salsa basics" });
    ipc.emit("idance", { type: "notice", kind: "mic_silent", title: null });
    ipc.emit("dropped", [{ id: "f1" }]);
    for (const view of ["record", "queue", "sessions", "settings"]) {
      shell.show(view);
      await tick();
    }
    shell.record.onStatus(recordStatus("recording", { video_kbps: 2800, audio_level_db: -20 }));
    shell.record.onStatus(recordStatus("failed"));
    shell.record.onStatus(recordStatus("finished"));
    await shell.record.loadRoom();
    await shell.queue.trim.open("paused-3");
    shell.sessions.askDelete(shell.sessions.sessions[0]);
    document.querySelector('#session-list button[data-act="rename"]').click();
    await tick();
    // Every view is drawn at once, as a screen reader may reach any of them.
    for (const s of document.querySelectorAll("section.view")) s.hidden = false;
    expect(findPlain(document.body)).toEqual([]);
    // And the pseudo words are there: the check is not looking at an empty page.
    expect(document.getElementById("queue-summary").textContent).toMatch(/⟦/);
  });

  it("the check itself sees a word that bypasses the catalogue", () => {
    useCatalogue(PSEUDO, catalogue("en"));
    localize(document);
    expect(findPlain(document.body)).toEqual([]);
    const p = document.createElement("p");
    p.textContent = "⟦Ƥȧȧŭŭşḗḗ⟧ Cancel";
    document.body.append(p);
    expect(findPlain(document.body).join()).toContain("Cancel");
  });
});
