// Wires the views to Rust's events and commands.
import { connectionLabel } from "./format.js";
import { invoke, listen, errorText } from "./ipc.js";
import { QueueView } from "./queue.js";
import { RecordView } from "./record.js";
import { SessionsView } from "./sessions.js";
import { SettingsView } from "./settings.js";

export async function start(doc = document) {
  const queue = new QueueView(doc);
  const sessions = new SessionsView(doc);
  const record = new RecordView(doc);
  const info = { online: true, embedded: true };
  const settings = new SettingsView(doc, async () => {
    Object.assign(info, await invoke("app_info"));
    setOnline(info.online);
    await refresh();
  });

  const show = (name) => {
    for (const v of ["record", "queue", "sessions", "settings"]) {
      doc.getElementById(`view-${v}`).hidden = v !== name;
      doc.getElementById(`tab-${v}`).setAttribute("aria-selected", String(v === name));
    }
    doc.body.dataset.view = name;
  };
  for (const tab of doc.querySelectorAll(".tabs button")) {
    tab.addEventListener("click", () => {
      show(tab.dataset.view);
      if (tab.dataset.view === "settings") settings.refresh().catch((err) => notice(errorText(err), "error"));
      if (tab.dataset.view === "record") record.startPreview();
      else record.stopPreview();
    });
  }

  const setOnline = (online) => {
    info.online = online;
    doc.getElementById("offline-banner").hidden = online;
    const c = connectionLabel(info);
    const pill = doc.getElementById("connection");
    pill.textContent = c.text;
    pill.className = `pill ${c.cls}`;
  };

  const notice = (text, kind = "info") => {
    const n = doc.createElement("div");
    n.className = `notice ${kind}`;
    n.textContent = text;
    doc.getElementById("notices").appendChild(n);
    setTimeout(() => n.remove(), kind === "error" ? 12000 : 6000);
  };

  const refreshTargets = () => {
    const sel = doc.getElementById("drop-target");
    const keep = sel.value;
    while (sel.options.length > 1) sel.remove(1);
    for (const t of sessions.targets()) {
      const o = doc.createElement("option");
      o.value = t.value;
      o.textContent = t.label;
      sel.appendChild(o);
    }
    sel.value = keep;
  };

  const refresh = async () => {
    await Promise.all([queue.refresh(), sessions.refresh()]);
    refreshTargets();
  };

  const addFiles = async (refs) => {
    doc.getElementById("drop-overlay").hidden = true;
    if (!refs.length) return;
    show("queue");
    const session = doc.getElementById("drop-target").value || null;
    const results = await invoke("add_files", { ids: refs.map((r) => r.id), session });
    for (const r of results) {
      if (r.error) notice(`${r.name} was not added: ${r.error}`, "error");
      else notice(`${r.name} queued`);
    }
    await refresh();
  };

  doc.getElementById("pick-files").addEventListener("click", async () => addFiles(await invoke("pick_files")));
  doc.getElementById("pause-all").addEventListener("click", async () => {
    await invoke("pause", { jobId: null });
    await refresh();
  });
  doc.getElementById("resume-all").addEventListener("click", async () => {
    await invoke("resume", { jobId: null });
    await refresh();
  });

  let pending = null;
  const refreshSoon = () => {
    pending ??= setTimeout(async () => {
      pending = null;
      await refresh();
    }, 200);
  };

  await listen("idance", (e) => {
    switch (e.type) {
      case "progress": queue.onProgress(e); break;
      case "changed": refreshSoon(); break;
      case "online": setOnline(e.online); queue.setOnline(e.online); break;
      case "record": record.onStatus(e); break;
      case "notice": notice(`${e.title}: ${e.body}`, "good"); break;
    }
  });
  await listen("dropped", addFiles);
  await listen("drag", (over) => {
    doc.getElementById("drop-overlay").hidden = !over;
  });

  const app = await invoke("app_info");
  Object.assign(info, app);
  setOnline(app.online);
  show("queue");
  // The queue first: the window is usable as soon as it is drawn.
  await queue.refresh();
  doc.body.dataset.ready = "true";
  await sessions.refresh();
  refreshTargets();

  // Things that may take a moment come after the queue is interactive.
  record.loadDevices().catch((err) => record.showError(errorText(err)));
  const status = await invoke("record_status");
  if (status) record.onStatus(status);
  const unfinished = await invoke("unfinished_recordings");
  showUnfinished(doc, unfinished, async (index) => {
    const r = await invoke("recover", { index });
    notice(r.error ? `${r.name}: ${r.error}` : `${r.name} recovered and queued`, r.error ? "error" : "good");
    showUnfinished(doc, await invoke("unfinished_recordings"), () => {});
    await refresh();
  });
  return { queue, sessions, record, settings, show };
}

function showUnfinished(doc, list, recover) {
  const b = doc.getElementById("recover-banner");
  b.innerHTML = "";
  b.hidden = list.length === 0;
  for (const u of list) {
    const row = doc.createElement("div");
    row.textContent = `A recording did not finish (${u.title || u.name}). It is kept and plays up to where it stopped. `;
    const btn = doc.createElement("button");
    btn.type = "button";
    btn.textContent = "Recover and upload";
    btn.addEventListener("click", () => recover(u.index));
    row.appendChild(btn);
    b.appendChild(row);
  }
}

if (typeof window !== "undefined" && window.__TAURI__) {
  start().catch((err) => {
    document.body.dataset.error = errorText(err);
    console.error(err);
  });
}
