// Wires the views to Rust's events and commands.
import { connectionLabel, offlineSinceText } from "./format.js";
import { localize, localizeElement, loadLanguage, pickLanguage, t } from "./i18n.js";
import { invoke, listen, errorText, setMediaBase } from "./ipc.js";
import { VIEWS, drawTabs, tabAfterKey } from "./views.js";
import { checkResult, showUpdate } from "./update.js";

// How long a notice stays; an error stays until it is dismissed.
const NOTICE_MS = 8000;

export async function start(doc = document, { loadCatalogue = loadLanguage, systemLanguages = navigator.languages } = {}) {
  const info = { online: true, embedded: true };
  // The language first: nothing is drawn before its words are known.
  const app = await invoke("app_info");
  await loadCatalogue(pickLanguage(app.language, systemLanguages));
  localize(doc);
  const shell = {
    sessionsChanged: () => refreshTargets(),
    settingsSaved: async () => {
      Object.assign(info, await invoke("app_info"));
      record.setCountdown(info.countdown);
      setOnline(info.online);
      await refresh();
    },
    // A new language redraws the whole page on the view it was on (the state is the
    // app's: the page fetches it again).
    languageChosen: async (language) => {
      await invoke("set_language", { language });
      sessionStorage.setItem("idance.view", current);
      location.reload();
    },
    announce: (text) => notice(text, "error"),
  };
  drawTabs(doc);
  const views = Object.fromEntries(VIEWS.map((v) => [v.name, v.make(doc, shell)]));
  const { queue, sessions, record, settings } = views;

  let current = null;
  // `focus`: the person chose the view (a tab, a key), so focus goes to it.
  const show = (name, { focus = false } = {}) => {
    for (const v of VIEWS) {
      doc.getElementById(`view-${v.name}`).hidden = v.name !== name;
      const tab = doc.getElementById(`tab-${v.name}`);
      tab.setAttribute("aria-selected", String(v.name === name));
      tab.tabIndex = v.name === name ? 0 : -1;
    }
    doc.body.dataset.view = name;
    if (focus) doc.getElementById(`tab-${name}`).focus();
    if (current === name) return;
    const was = views[current];
    current = name;
    Promise.resolve(was?.onHide?.()).catch((err) => notice(errorText(err), "error"));
    Promise.resolve(views[name].onShow?.()).catch((err) => notice(errorText(err), "error"));
  };
  for (const tab of doc.querySelectorAll(".tabs button")) {
    tab.addEventListener("click", () => show(tab.dataset.view, { focus: true }));
  }
  doc.getElementById("tabs").addEventListener("keydown", (e) => {
    const to = tabAfterKey(current, e.key);
    if (!to) return;
    e.preventDefault();
    show(to, { focus: true });
  });

  // When the connection went away, for "offline since" (an outage may last days).
  let offlineSince = null;
  const setOnline = (online) => {
    info.online = online;
    if (online) offlineSince = null;
    else if (!offlineSince) offlineSince = new Date();
    const banner = doc.getElementById("offline-banner");
    banner.hidden = online;
    if (offlineSince) banner.textContent = t("offline-banner", { since: offlineSinceText(offlineSince, new Date()) });
    const c = connectionLabel(info);
    const pill = doc.getElementById("connection");
    pill.textContent = c.text;
    pill.className = `pill ${c.cls}`;
  };

  // Notices sit above the views, never over a control. An error is announced at once
  // and stays until dismissed; others are read politely and go by themselves.
  const notice = (text, kind = "info") => {
    const n = doc.createElement("div");
    n.className = `notice ${kind}`;
    const words = doc.createElement("span");
    words.textContent = text;
    n.append(words);
    if (kind === "error") {
      n.setAttribute("role", "alert");
      const close = doc.createElement("button");
      close.type = "button";
      close.className = "dismiss";
      localizeElement(close, "notice-dismiss");
      close.addEventListener("click", () => n.remove());
      n.append(close);
    } else {
      setTimeout(() => n.remove(), NOTICE_MS);
    }
    doc.getElementById("notices").appendChild(n);
  };
  // A command that fails says so (never silently).
  const run = (p) => Promise.resolve(p).catch((err) => notice(errorText(err), "error"));

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
      if (r.error) notice(t("file-not-added", { name: r.name, reason: errorText(r.error) }), "error");
      else notice(t("file-queued", { name: r.name }));
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
    out.textContent = t("update-checking");
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

  doc.getElementById("pick-files").addEventListener("click", () => run(invoke("pick_files").then(addFiles)));
  doc.getElementById("pause-all").addEventListener("click", () => run(invoke("pause", { jobId: null })));
  doc.getElementById("resume-all").addEventListener("click", () => run(invoke("resume", { jobId: null })));

  // Every event goes to every view; the shell keeps the connection and the notices.
  await listen("idance", (e) => {
    if (e.type === "online") setOnline(e.online);
    if (e.type === "notice") notice(noticeText(e), "good");
    if (e.type === "opened") takeOpened();
    if (e.type === "update") showUpdate(doc, e);
    for (const v of Object.values(views)) v.on?.(e);
  });
  await listen("dropped", addFiles);
  await listen("record-shortcut", () => record.shortcut());
  await listen("drag", (over) => {
    doc.getElementById("drop-overlay").hidden = !over;
  });

  Object.assign(info, app);
  setMediaBase(app.media_base);
  record.setCountdown(app.countdown);
  localizeElement(doc.getElementById("update-about"), "update-about", { version: app.version });
  showUpdate(doc, await invoke("update_status"));
  setOnline(app.online);
  // After a language change the page comes back on the view it was on.
  const back = sessionStorage.getItem("idance.view");
  sessionStorage.removeItem("idance.view");
  show(VIEWS.some((v) => v.name === back) ? back : "queue");
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
    notice(r.error ? t("recover-failed", { name: r.name, reason: errorText(r.error) }) : t("recovered", { name: r.name }), r.error ? "error" : "good");
    showUnfinished(doc, await invoke("unfinished_recordings"), () => {});
  });
  return { ...views, show };
}

// What the app tells the instructor (a session online, a silent microphone): by kind.
export function noticeText(e) {
  return t(`notice-${e.kind}`, { title: e.title || t("untitled") });
}

function showUnfinished(doc, list, recover) {
  const b = doc.getElementById("recover-banner");
  b.innerHTML = "";
  b.hidden = list.length === 0;
  for (const u of list) {
    const row = doc.createElement("div");
    row.textContent = t("unfinished", { name: u.title || u.name });
    const btn = doc.createElement("button");
    btn.type = "button";
    localizeElement(btn, "recover", { name: u.title || u.name });
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
