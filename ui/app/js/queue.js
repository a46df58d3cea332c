// The queue view: every video job with progress, state and actions.
import { formatPercent, jobRow, queueSummary } from "./format.js";
import { localizeElement, t } from "./i18n.js";
import { errorText, invoke, mediaUrl } from "./ipc.js";
import { TrimDialog } from "./trim.js";

// Rows rendered at first; the rest on demand, so a huge queue opens at once.
export const PAGE = 200;

export class QueueView {
  constructor(doc, announce = () => {}) {
    this.doc = doc;
    // A failed row action is said out loud, never silent.
    this.announce = announce;
    this.list = doc.getElementById("queue-list");
    this.more = doc.getElementById("queue-more");
    this.jobs = [];
    this.progress = new Map();
    this.rows = new Map();
    this.shown = PAGE;
    this.online = true;
    this.trim = new TrimDialog(doc, (cut) => this.focusRow(cut || this.trimmed));
    this.more.addEventListener("click", () => {
      this.shown += PAGE * 5;
      this.render();
    });
    this.list.addEventListener("click", (e) => {
      const btn = e.target.closest("button[data-action]");
      if (btn) {
        const li = btn.closest("li");
        this.act(btn.dataset.action, li.dataset.job).catch((err) =>
          this.announce(t("action-failed", { name: li.dataset.name, reason: errorText(err) })),
        );
      }
    });
  }

  // The row changes when the app says the job changed.
  async act(action, jobId) {
    if (action === "trim") {
      this.trimmed = jobId;
      await this.trim.open(jobId);
      return;
    }
    const cmd = { retry: "resume", resume: "resume", pause: "pause", cancel: "cancel" }[action];
    await invoke(cmd, { jobId });
  }

  async refresh() {
    this.setJobs(await invoke("queue_view"));
  }

  on(e) {
    if (e.type === "progress") this.onProgress(e);
    if (e.type === "online") this.setOnline(e.online);
    if (e.type === "job_changed") this.onJobChanged(e.job_id, e.view);
  }

  // One job's new view: its row alone is redrawn. A job not shown yet is new (or the
  // list was never fetched): the whole list is fetched, once for a burst of them.
  onJobChanged(jobId, view) {
    const i = this.jobs.findIndex((j) => j.job_id === jobId);
    if (i >= 0 && view) {
      this.jobs[i] = view;
      this.updateRow(view);
      this.summarise();
    } else if (i >= 0) {
      this.jobs.splice(i, 1);
      this.render();
    } else if (view) {
      this.pending ??= setTimeout(() => {
        this.pending = null;
        this.refresh();
      }, 100);
    }
  }

  // Focus back on a row after its dialog closes (its first button, else the row); a
  // row not drawn yet (a cut's new job) takes focus when it is.
  focusRow(jobId) {
    const li = this.rows.get(jobId);
    this.wantFocus = li ? null : jobId;
    (li?.querySelector(".actions button") || li)?.focus();
  }

  // Offline, speed and time left mean nothing: they are hidden until the link is back.
  setOnline(online) {
    this.online = online;
    for (const job of this.jobs.slice(0, this.shown)) this.updateRow(job);
  }

  setJobs(jobs) {
    this.jobs = jobs;
    this.render();
  }

  onProgress(p) {
    this.progress.set(p.job_id, p);
    const job = this.jobs.find((j) => j.job_id === p.job_id);
    if (job) this.updateRow(job);
  }

  render() {
    const d = this.doc;
    const visible = this.jobs.slice(0, this.shown);
    const keep = new Set(visible.map((j) => j.job_id));
    for (const [id, li] of this.rows) {
      if (!keep.has(id)) {
        li.remove();
        this.rows.delete(id);
      }
    }
    visible.forEach((job, i) => {
      let li = this.rows.get(job.job_id);
      if (!li) {
        li = this.makeRow(job);
        this.rows.set(job.job_id, li);
      }
      if (this.list.children[i] !== li) this.list.insertBefore(li, this.list.children[i] || null);
      this.updateRow(job);
    });
    if (this.wantFocus && this.rows.has(this.wantFocus)) this.focusRow(this.wantFocus);
    const hidden = this.jobs.length - visible.length;
    this.more.hidden = hidden <= 0;
    this.more.textContent = t("show-more", { count: Math.min(hidden, PAGE * 5), total: hidden });
    this.summarise();
  }

  summarise() {
    const d = this.doc;
    d.getElementById("queue-empty").hidden = this.jobs.length > 0;
    const summary = queueSummary(this.jobs);
    d.getElementById("queue-summary").textContent = summary.text;
    d.getElementById("queue-count").textContent = summary.active ? String(summary.active) : "";
  }

  makeRow(job) {
    const d = this.doc;
    const li = d.createElement("li");
    li.className = "job";
    li.dataset.job = job.job_id;
    li.tabIndex = -1;
    const name = `job-name-${job.job_id}`;
    li.innerHTML = `
      <img class="thumb" alt="" hidden><div class="thumb placeholder"></div>
      <div class="job-main">
        <div class="job-top"><span class="name" id="${name}"></span><span class="size"></span></div>
        <div class="bar" role="progressbar" aria-labelledby="${name}" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><div class="bar-fill"></div></div>
        <div class="job-bottom"><span class="state"></span><span class="reason"></span><span class="speed"></span><span class="eta"></span></div>
      </div>
      <div class="actions"></div>`;
    li.setAttribute("aria-labelledby", name);
    return li;
  }

  // Loaded once the app says it exists (a recording has none until it is stopped);
  // the placeholder stays if it cannot be loaded, and the job's next change asks again.
  loadThumb(jobId, li) {
    const img = li.querySelector("img.thumb");
    img.onload = () => {
      img.hidden = false;
      li.querySelector(".thumb.placeholder").hidden = true;
    };
    img.onerror = () => delete li.dataset.thumbAsked;
    img.src = mediaUrl(`thumb/${jobId}`);
  }

  updateRow(job) {
    const li = this.rows.get(job.job_id);
    if (!li) return;
    const r = jobRow(job, this.progress.get(job.job_id), this.online);
    if (job.has_thumbnail && !li.dataset.thumbAsked) {
      li.dataset.thumbAsked = "1";
      this.loadThumb(job.job_id, li);
    }
    li.className = `job state-${r.state}`;
    li.dataset.name = r.name;
    li.querySelector(".name").textContent = r.name;
    li.querySelector(".size").textContent = r.size;
    li.querySelector(".bar-fill").style.width = `${r.percent}%`;
    const bar = li.querySelector(".bar");
    bar.setAttribute("aria-valuenow", String(r.percent));
    bar.setAttribute("aria-valuetext", `${formatPercent(r.percent)}, ${r.label}`);
    li.querySelector(".state").textContent = r.label;
    li.querySelector(".reason").textContent = r.reason;
    li.querySelector(".speed").textContent = r.speed;
    li.querySelector(".eta").textContent = r.eta;
    const actions = li.querySelector(".actions");
    const want = `${r.actions.join(",")}/${r.name}`;
    if (actions.dataset.have !== want) {
      // The button that had focus keeps it when the row's buttons are redrawn.
      const had = actions.contains(this.doc.activeElement) ? this.doc.activeElement.dataset.action : null;
      actions.dataset.have = want;
      actions.innerHTML = "";
      for (const a of r.actions) {
        const b = this.doc.createElement("button");
        b.type = "button";
        b.dataset.action = a;
        // Its words on screen; for a screen reader, the file it acts on too.
        localizeElement(b, `job-action-${a}`, { name: r.name });
        actions.appendChild(b);
      }
      const again = had && (actions.querySelector(`[data-action="${had}"]`) || actions.querySelector("button"));
      if (had) (again || li).focus();
    }
  }
}
