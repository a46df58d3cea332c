// A stand-in for Tauri's IPC (window.__TAURI__) and the app's page.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

export function loadPage() {
  const html = readFileSync(join(here, "..", "app", "index.html"), "utf8");
  document.body.innerHTML = html.slice(html.indexOf("<body>") + 6, html.indexOf("</body>"));
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

export function job(over = {}) {
  return { job_id: "j1", session: "s1", name: "salsa.mp4", size: 10_000_000, state: "queued", error: null, bytes_done: 0, duration_secs: 600, ...over };
}
