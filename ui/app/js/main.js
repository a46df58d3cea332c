// Wires the views to Rust's events and commands.
import { connectionLabel, offlineSinceText } from "./format.js";
import { invoke, listen, errorText, setMediaBase } from "./ipc.js";
import { VIEWS, drawTabs } from "./views.js";
import { checkResult, showUpdate } from "./update.js";

export async function start(doc = document) {
  const info = { online: true, embedded: true };
  const shell = {
    sessionsChanged: () => refreshTargets(),
    settingsSaved: async () => {
      Object.assign(info, await invoke("app_info"));
      record.setCountdown(info.countdown);
      setOnline(info.online);
      await refresh();
    },
  };
  drawTabs(doc);
  const views = Object.fromEntries(VIEWS.map((v) => [v.name, v.make(doc, shell)]));
  const { queue, sessions, record, settings } = views;

  let current = null;
  const show = (name) => {
    for (const v of VIEWS) {
      doc.getElementById(`view-${v.name}`).hidden = v.name !== name;
      doc.getElementById(`tab-${v.name}`).setAttribute("aria-selected", String(v.name === name));
    }
    doc.body.dataset.view = name;
    if (current === name) return;
    const was = views[current];
    current = name;
    Promise.resolve(was?.onHide?.()).catch((err) => notice(errorText(err), "error"));
    Promise.resolve(views[name].onShow?.()).catch((err) => notice(errorText(err), "error"));
  };
  for (const tab of doc.querySelectorAll(".tabs button")) {
    tab.addEventListener("click", () => show(tab.dataset.view));
  }

  // When the connection went away, for "offline since" (an outage may last days).
  let offlineSince = null;
  const setOnline = (online) => {
    info.online = online;
    if (online) offlineSince = null;
    else if (!offlineSince) offlineSince = new Date();
    doc.getElementById("offline-banner").hidden = online;
    if (offlineSince) doc.getElementById("offline-since").textContent = offlineSinceText(offlineSince, new Date());
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
  };

  // Files opened with the app (its command line, a second launch, the OS): as a drop.
  const takeOpened = async () => {
    try {
      await addFiles(await invoke("take_opened"));
    } catch (err) {
      notice(errorText(err), "error");
    }
  };

  doc.getElementById("check-update").addEventListener("click", async () => {
    const out = doc.getElementById("update-result");
    out.className = "hint";
    out.textContent = "Checking…";
    try {
      await invoke("check_update");
      const s = await invoke("update_status");
      showUpdate(doc, s);
      out.textContent = checkResult(s);
    } catch (err) {
      out.className = "error";
      out.textContent = errorText(err);
    }
  });

  doc.getElementById("pick-files").addEventListener("click", async () => addFiles(await invoke("pick_files")));
  doc.getElementById("pause-all").addEventListener("click", () => invoke("pause", { jobId: null }));
  doc.getElementById("resume-all").addEventListener("click", () => invoke("resume", { jobId: null }));

  // Every event goes to every view; the shell keeps the connection and the notices.
  await listen("idance", (e) => {
    if (e.type === "online") setOnline(e.online);
    if (e.type === "notice") notice(`${e.title}: ${e.body}`, "good");
    if (e.type === "opened") takeOpened();
    if (e.type === "update") showUpdate(doc, e);
    for (const v of Object.values(views)) v.on?.(e);
  });
  await listen("dropped", addFiles);
  await listen("record-shortcut", () => record.shortcut());
  await listen("drag", (over) => {
    doc.getElementById("drop-overlay").hidden = !over;
  });

  const app = await invoke("app_info");
  Object.assign(info, app);
  setMediaBase(app.media_base);
  record.setCountdown(app.countdown);
  doc.getElementById("app-version").textContent = app.version;
  showUpdate(doc, await invoke("update_status"));
  setOnline(app.online);
  show("queue");
  // The queue first: the window is usable as soon as it is drawn.
  await queue.refresh();
  doc.body.dataset.ready = "true";
  await takeOpened();
  await sessions.refresh();
  // The library from the server (other computers' sessions) comes after.
  sessions.refreshLibrary();

  // Things that may take a moment come after the queue is interactive.
  record.loadDevices().catch((err) => record.showError(errorText(err)));
  const status = await invoke("record_status");
  if (status) record.onStatus(status);
  const unfinished = await invoke("unfinished_recordings");
  showUnfinished(doc, unfinished, async (index) => {
    const r = await invoke("recover", { index });
    notice(r.error ? `${r.name}: ${r.error}` : `${r.name} recovered and queued`, r.error ? "error" : "good");
    showUnfinished(doc, await invoke("unfinished_recordings"), () => {});
  });
  return { ...views, show };
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
