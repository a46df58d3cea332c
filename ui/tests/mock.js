// A stand-in for Tauri's IPC (window.__TAURI__) and the app's page.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { drawTabs } from "../app/js/views.js";

const here = dirname(fileURLToPath(import.meta.url));

export function loadPage() {
  const html = readFileSync(join(here, "..", "app", "index.html"), "utf8");
  document.body.innerHTML = html.slice(html.indexOf("<body>") + 6, html.indexOf("</body>"));
  drawTabs(document);
}

export function mockTauri(handlers) {
  const calls = [];
  const listeners = {};
  window.__TAURI__ = {
    core: {
      invoke: async (cmd, args) => {
        calls.push([cmd, args]);
        if (!(cmd in handlers)) throw new Error(`unexpected command ${cmd}`);
        const h = handlers[cmd];
        return typeof h === "function" ? h(args) : h;
      },
    },
    event: {
      listen: async (event, cb) => {
        listeners[event] = cb;
        return () => {};
      },
    },
  };
  return {
    calls,
    emit: (event, payload) => listeners[event]({ payload }),
    called: (cmd) => calls.filter(([c]) => c === cmd).map(([, a]) => a),
  };
}

export const tick = () => new Promise((r) => setTimeout(r, 0));

// Job views exactly as the app sends them, one per state and wait reason, written by
// a Rust test (crates/desktop/src/views.rs): a renamed field or state fails here too.
export const JOB_VIEWS = JSON.parse(readFileSync(join(here, "fixtures", "job_views.json"), "utf8"));

// A recording's status in each state, as the app sends them (crates/desktop/src/recorder.rs).
const RECORD_STATUSES = JSON.parse(readFileSync(join(here, "fixtures", "record_statuses.json"), "utf8"));

// The app's recording status in `state`, with `over` on top.
export function recordStatus(state, over = {}) {
  const base = RECORD_STATUSES.find((s) => s.state === state);
  if (!base) throw new Error(`the app sends no recording status ${state}`);
  return { ...base, ...over };
}

// The app's view of a job in `over.state` (and `over.wait_reason`), with `over` on top.
export function job(over = {}) {
  const state = over.state || "queued";
  const base = JOB_VIEWS.find((j) => j.state === state && (state !== "waiting" || j.wait_reason === (over.wait_reason || "network")));
  if (!base) throw new Error(`the app sends no job in state ${state}`);
  return { ...base, job_id: "j1", ...over };
}
