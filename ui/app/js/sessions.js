// The sessions view: the instructor's library on the server (from every computer)
// merged with what is still only on this one, one card per session. Play streams the
// stored video; Rename edits the title in place; Delete asks first, naming the session.
import { formatBytes, formatDate, formatDuration, libraryStatusText, sessionStateLabel } from "./format.js";
import { locale, localizeElement, t } from "./i18n.js";
import { errorText, invoke, mediaUrl } from "./ipc.js";

// Cards drawn at first; more on demand.
export const SESSION_PAGE = 50;
const THUMB_TRIES = 10;
const THUMB_RETRY_MS = 1500;
// While the window is visible the library is fetched again this often.
export const LIBRARY_EVERY_MS = 3 * 60 * 1000;

const titleOf = (s) => s.title || t("untitled");

export class SessionsView {
  constructor(doc, onChange = () => {}) {
    this.doc = doc;
    this.onChange = onChange;
    this.list = doc.getElementById("session-list");
    this.more = doc.getElementById("sessions-more");
    this.status = doc.getElementById("library-status");
    this.confirm = doc.getElementById("confirm-delete");
    this.shown = SESSION_PAGE;
    this.sessions = [];
    this.more.addEventListener("click", () => {
      this.shown += SESSION_PAGE * 4;
      this.setSessions(this.sessions);
    });
    this.list.addEventListener("click", (e) => this.onClick(e));
    this.list.addEventListener("keydown", (e) => {
      const input = e.target.closest("input.rename");
      if (!input) return;
      if (e.key === "Enter") {
        e.preventDefault();
        this.saveTitle(input.closest("li"));
      } else if (e.key === "Escape") {
        e.preventDefault();
        input.remove();
        this.setSessions(this.sessions);
      }
    });
    doc.getElementById("confirm-delete-cancel").addEventListener("click", () => close(this.confirm));
    doc.getElementById("confirm-delete-ok").addEventListener("click", () => this.deleteConfirmed());
    // The window shown again: the library may have changed on another computer.
    doc.addEventListener("visibilitychange", () => {
      if (doc.visibilityState === "visible") this.refreshLibrary();
    });
  }

  async onShow() {
    await this.refreshLibrary();
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      if (this.doc.visibilityState !== "hidden") this.refreshLibrary();
    }, LIBRARY_EVERY_MS);
  }

  onHide() {
    clearInterval(this.timer);
    this.timer = null;
  }

  // Asks the server (the view redraws on the sessions_changed that follows a change).
  async refreshLibrary() {
    try {
      this.showStatus(await invoke("refresh_library"));
    } catch (err) {
      this.status.textContent = errorText(err);
    }
  }

  async refresh() {
    const [sessions, status] = await Promise.all([invoke("sessions_view"), invoke("library_status")]);
    this.showStatus(status);
    this.setSessions(sessions);
  }

  showStatus(status) {
    this.status.textContent = libraryStatusText(status);
    this.status.classList.toggle("offline", status?.source === "offline");
  }

  on(e) {
    if (e.type === "sessions_changed") this.refresh();
  }

  async onClick(e) {
    const cal = e.target.closest("button[data-calories]");
    if (cal) return this.saveCalories(cal.closest("li"));
    const act = e.target.closest("button[data-act]");
    if (act) {
      const li = act.closest("li");
      const s = this.sessions.find((x) => x.local_id === li.dataset.session);
      if (!s) return;
      if (act.dataset.act === "play") return this.play(s);
      if (act.dataset.act === "rename") return this.startRename(li, s);
      if (act.dataset.act === "save-title") return this.saveTitle(li);
      if (act.dataset.act === "delete") return this.askDelete(s);
      return;
    }
    const btn = e.target.closest("button[data-key]");
    if (!btn) return;
    const out = btn.parentElement.querySelector("input.link");
    try {
      out.value = await invoke("download_url", { fileKey: btn.dataset.key });
    } catch (err) {
      out.value = errorText(err);
    }
    out.hidden = false;
    out.select();
  }

  setSessions(sessions) {
    const d = this.doc;
    this.sessions = sessions;
    // Calories being typed survive a redraw (the views are fetched again on changes).
    const typing = new Map();
    const focused = d.activeElement;
    for (const input of this.list.querySelectorAll("input.calories")) {
      if (input === focused || input.value !== input.dataset.saved) {
        typing.set(input.closest("li").dataset.session, { value: input.value, focus: input === focused });
      }
    }
    // So are video links already shown.
    const links = new Map();
    for (const input of this.list.querySelectorAll("input.link")) {
      if (!input.hidden) links.set(input.closest("li").dataset.session, input.value);
    }
    // So is a title being renamed.
    const renaming = this.list.querySelector("input.rename");
    const renamed = renaming && { id: renaming.closest("li").dataset.session, value: renaming.value };
    this.list.innerHTML = "";
    for (const s of sessions.slice(0, this.shown)) {
      const li = d.createElement("li");
      li.className = `session state-${s.state}`;
      li.dataset.session = s.local_id;
      li.innerHTML = `
        <div class="session-thumb"><img alt="" hidden></div>
        <div class="session-main">
          <div class="title"></div>
          <div class="meta"><span class="duration"></span><span class="date"></span><span class="size"></span></div>
          <div class="state"></div>
          <div class="calories-row"></div>
          <div class="session-actions"></div>
          <div class="link-row"></div>
        </div>`;
      li.querySelector(".title").textContent = titleOf(s);
      li.querySelector(".duration").textContent = formatDuration(s.duration_secs);
      li.querySelector(".date").textContent = formatDate(s.created_at);
      li.querySelector(".size").textContent = s.size_bytes != null ? formatBytes(s.size_bytes) : "";
      const state = li.querySelector(".state");
      state.textContent = sessionStateLabel(s.state);
      if (s.on_this_computer === false) {
        const other = d.createElement("span");
        other.className = "elsewhere";
        other.textContent = ` · ${t("session-other-computer")}`;
        state.appendChild(other);
      }
      const calRow = li.querySelector(".calories-row");
      if (s.state === "online" || s.on_this_computer === false) {
        if (s.calories != null) calRow.textContent = t("calories", { kcal: s.calories });
      } else {
        calRow.innerHTML = `<label><span></span> <input class="calories" type="number" min="0" step="1"></label>
          <button type="button" data-calories="1"></button><span class="calories-msg hint" role="status"></span>`;
        localizeElement(calRow.querySelector("label span"), "calories-label");
        localizeElement(calRow.querySelector("button"), "calories-save", { title: titleOf(s) });
        const input = calRow.querySelector("input");
        localizeElement(input, "calories-input");
        input.value = input.dataset.saved = s.calories != null ? String(s.calories) : "";
        const typed = typing.get(s.local_id);
        if (typed) {
          input.value = typed.value;
          if (typed.focus) queueMicrotask(() => input.focus());
        }
      }
      this.drawActions(li, s);
      if (s.video_key) {
        const row = li.querySelector(".link-row");
        const b = d.createElement("button");
        b.type = "button";
        b.dataset.key = s.video_key;
        localizeElement(b, "video-link", { title: titleOf(s) });
        const input = d.createElement("input");
        input.className = "link";
        input.readOnly = true;
        input.hidden = true;
        localizeElement(input, "video-link-field", { title: titleOf(s) });
        if (links.has(s.local_id)) {
          input.value = links.get(s.local_id);
          input.hidden = false;
        }
        row.append(b, input);
      }
      const img = li.querySelector("img");
      if (s.thumbnail_job) this.loadThumb(mediaUrl(`thumb/${s.thumbnail_job}`), img);
      else if (s.thumbnail_key && s.server_id) this.loadThumb(mediaUrl(`library-thumb/${s.server_id}`), img);
      this.list.appendChild(li);
      if (renamed && renamed.id === s.local_id) this.startRename(li, s, renamed.value);
    }
    d.getElementById("sessions-empty").hidden = sessions.length > 0;
    const hidden = sessions.length - Math.min(sessions.length, this.shown);
    this.more.hidden = hidden <= 0;
    this.more.textContent = t("show-more", { count: Math.min(hidden, SESSION_PAGE * 4), total: hidden });
    this.onChange();
  }

  drawActions(li, s) {
    const row = li.querySelector(".session-actions");
    const add = (act) => {
      const b = this.doc.createElement("button");
      b.type = "button";
      b.dataset.act = act;
      localizeElement(b, `session-${act}`, { title: titleOf(s) });
      row.appendChild(b);
    };
    if (s.video_key && s.server_id) add("play");
    add("rename");
    if (s.server_id || s.on_this_computer !== false) add("delete");
  }

  startRename(li, s, value = s.title || "") {
    const title = li.querySelector(".title");
    title.innerHTML = "";
    const input = this.doc.createElement("input");
    input.className = "rename";
    input.maxLength = 120;
    input.value = value;
    localizeElement(input, "rename-input", { title: titleOf(s) });
    const save = this.doc.createElement("button");
    save.type = "button";
    save.dataset.act = "save-title";
    localizeElement(save, "rename-save");
    const msg = this.doc.createElement("span");
    msg.className = "rename-msg error";
    msg.setAttribute("role", "alert");
    title.append(input, " ", save, msg);
    input.focus();
    input.select();
  }

  async saveTitle(li) {
    const input = li.querySelector("input.rename");
    const title = input.value.trim();
    const msg = li.querySelector(".rename-msg");
    if (!title) {
      msg.textContent = t("rename-empty");
      return;
    }
    try {
      await invoke("rename_session", { session: li.dataset.session, title });
      // The sessions_changed that follows redraws the card with the new title.
      const s = this.sessions.find((x) => x.local_id === li.dataset.session);
      if (s) s.title = title;
      input.remove();
      li.querySelector(".title").textContent = title;
    } catch (err) {
      msg.textContent = errorText(err);
    }
  }

  // The player is a window of its own: its page may load media from the storage origin
  // of this one video (the main window's page may load none).
  async play(s) {
    try {
      await invoke("open_player", { session: s.local_id, language: locale() });
    } catch (err) {
      this.status.textContent = t("play-failed", { title: titleOf(s), reason: errorText(err) });
    }
  }

  askDelete(s) {
    this.deleting = s;
    localizeElement(this.doc.getElementById("confirm-delete-title"), "delete-title", { title: titleOf(s) });
    localizeElement(this.doc.getElementById("confirm-delete-text"), s.server_id ? "delete-text-online" : "delete-text-local");
    this.doc.getElementById("confirm-delete-error").hidden = true;
    open(this.confirm);
    this.doc.getElementById("confirm-delete-cancel").focus();
  }

  async deleteConfirmed() {
    const s = this.deleting;
    if (!s) return;
    const error = this.doc.getElementById("confirm-delete-error");
    try {
      await invoke("delete_session", { session: s.local_id });
      this.deleting = null;
      close(this.confirm);
    } catch (err) {
      error.textContent = errorText(err);
      error.hidden = false;
    }
  }

  async saveCalories(li) {
    const input = li.querySelector("input.calories");
    const msg = li.querySelector(".calories-msg");
    const raw = input.value.trim();
    const calories = raw === "" ? null : Number(raw);
    if (calories !== null && !(calories >= 0)) {
      msg.textContent = t("calories-invalid");
      return;
    }
    try {
      await invoke("set_calories", { session: li.dataset.session, calories });
      input.dataset.saved = raw;
      msg.textContent = t(calories === null ? "calories-none" : "calories-saved");
    } catch (err) {
      msg.textContent = errorText(err);
    }
  }

  // A thumbnail not made yet (or storage not reachable) answers 404: asked again a few
  // times, since a redraw may not come.
  loadThumb(url, img) {
    let tries = 0;
    img.addEventListener("load", () => (img.hidden = false), { once: true });
    img.addEventListener("error", () => {
      if (++tries <= THUMB_TRIES) setTimeout(() => (img.src = `${url}?try=${tries}`), THUMB_RETRY_MS);
    });
    img.src = url;
  }

  // Session choices for the drop zone's "Add to" select: the 30 newest that take a
  // video (one session holds one video; the app says which).
  targets() {
    return (this.sessions || [])
      .filter((s) => s.accepts_video)
      .slice(0, 30)
      .map((s) => ({ value: s.local_id, label: titleOf(s) }));
  }
}

function open(dialog) {
  if (dialog.showModal) dialog.showModal();
  else dialog.open = true;
}

function close(dialog) {
  if (dialog.close) dialog.close();
  else dialog.open = false;
}
