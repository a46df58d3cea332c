// The sessions view: what this app recorded or uploaded, kept locally.
import { formatDate, formatDuration, sessionStateLabel } from "./format.js";
import { errorText, invoke, mediaUrl } from "./ipc.js";

// Cards drawn at first; more on demand.
export const SESSION_PAGE = 50;

export class SessionsView {
  constructor(doc, onChange = () => {}) {
    this.doc = doc;
    this.onChange = onChange;
    this.list = doc.getElementById("session-list");
    this.more = doc.getElementById("sessions-more");
    this.shown = SESSION_PAGE;
    this.more.addEventListener("click", () => {
      this.shown += SESSION_PAGE * 4;
      this.setSessions(this.sessions);
    });
    this.list.addEventListener("click", async (e) => {
      const cal = e.target.closest("button[data-calories]");
      if (cal) {
        await this.saveCalories(cal.closest("li"));
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
    });
  }

  async refresh() {
    this.setSessions(await invoke("sessions_view"));
  }

  on(e) {
    if (e.type === "sessions_changed") this.refresh();
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
    this.list.innerHTML = "";
    for (const s of sessions.slice(0, this.shown)) {
      const li = d.createElement("li");
      li.className = `session state-${s.state}`;
      li.dataset.session = s.local_id;
      li.innerHTML = `
        <div class="session-thumb"><img alt="" hidden></div>
        <div class="session-main">
          <div class="title"></div>
          <div class="meta"><span class="duration"></span><span class="date"></span></div>
          <div class="state"></div>
          <div class="calories-row"></div>
          <div class="link-row"></div>
        </div>`;
      li.querySelector(".title").textContent = s.title || "Untitled session";
      li.querySelector(".duration").textContent = formatDuration(s.duration_secs);
      li.querySelector(".date").textContent = formatDate(s.created_at);
      li.querySelector(".state").textContent = sessionStateLabel(s.state);
      const calRow = li.querySelector(".calories-row");
      if (s.state === "online") {
        if (s.calories != null) calRow.textContent = `${s.calories} kcal`;
      } else {
        calRow.innerHTML = `<label>Calories burned <input class="calories" type="number" min="0" step="1" placeholder="optional"></label>
          <button type="button" data-calories="1">Save</button><span class="calories-msg hint"></span>`;
        const input = calRow.querySelector("input");
        input.value = input.dataset.saved = s.calories != null ? String(s.calories) : "";
        const typed = typing.get(s.local_id);
        if (typed) {
          input.value = typed.value;
          if (typed.focus) queueMicrotask(() => input.focus());
        }
      }
      if (s.video_key) {
        const row = li.querySelector(".link-row");
        const b = d.createElement("button");
        b.type = "button";
        b.dataset.key = s.video_key;
        b.textContent = "Get video link";
        const input = d.createElement("input");
        input.className = "link";
        input.readOnly = true;
        input.hidden = true;
        row.append(b, input);
      }
      if (s.thumbnail_job) this.loadThumb(s.thumbnail_job, li.querySelector("img"));
      this.list.appendChild(li);
    }
    d.getElementById("sessions-empty").hidden = sessions.length > 0;
    const hidden = sessions.length - Math.min(sessions.length, this.shown);
    this.more.hidden = hidden <= 0;
    this.more.textContent = `Show ${Math.min(hidden, SESSION_PAGE * 4)} more of ${hidden}`;
    this.onChange();
  }

  async saveCalories(li) {
    const input = li.querySelector("input.calories");
    const msg = li.querySelector(".calories-msg");
    const raw = input.value.trim();
    const calories = raw === "" ? null : Number(raw);
    if (calories !== null && !(calories >= 0)) {
      msg.textContent = "Enter a number of kcal, or leave it empty.";
      return;
    }
    try {
      await invoke("set_calories", { session: li.dataset.session, calories });
      input.dataset.saved = raw;
      msg.textContent = calories === null ? "No calories will be sent." : "Saved; sent when the session is completed.";
    } catch (err) {
      msg.textContent = errorText(err);
    }
  }

  loadThumb(jobId, img) {
    img.addEventListener("load", () => (img.hidden = false), { once: true });
    img.src = mediaUrl(`thumb/${jobId}`);
  }

  // Session choices for the drop zone's "Add to" select: the 30 newest that take a
  // video (one session holds one video; the app says which).
  targets() {
    return (this.sessions || [])
      .filter((s) => s.accepts_video)
      .slice(0, 30)
      .map((s) => ({ value: s.local_id, label: s.title || "Untitled session" }));
  }
}
