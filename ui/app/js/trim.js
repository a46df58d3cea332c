// The trim panel: frames across a queued video, a start and an end over them, Cut.
// The cut (a new file) takes the video's place in the queue; Rust does all file work.
import { formatClock, formatPosition } from "./format.js";
import { localizeElement, t } from "./i18n.js";
import { errorText, invoke, mediaUrl } from "./ipc.js";

export class TrimDialog {
  constructor(doc, onClosed = () => {}) {
    this.doc = doc;
    this.dialog = doc.getElementById("trim-dialog");
    this.start = doc.getElementById("trim-start");
    this.end = doc.getElementById("trim-end");
    // The two ends never cross: the one moved pushes the other.
    this.start.addEventListener("input", () => this.moved("start"));
    this.end.addEventListener("input", () => this.moved("end"));
    doc.getElementById("trim-cancel").addEventListener("click", () => this.close());
    doc.getElementById("trim-cut").addEventListener("click", () => this.cut());
    // However it closes (Cancel, Cut, Escape), focus goes back to the job's row (the
    // cut's own row after a Cut: it took the job's place).
    this.dialog.addEventListener("close", () => onClosed(this.cutJob));
  }

  // A job that cannot be trimmed (it started meanwhile) opens the panel with why.
  async open(jobId) {
    this.cutJob = null;
    this.showError("");
    try {
      const v = await invoke("trim_view", { jobId });
      this.job = v.job_id;
      this.duration = v.duration_secs;
      localizeElement(this.doc.getElementById("trim-title"), "trim-title", { name: v.name });
      this.doc.getElementById("trim-strip").src = mediaUrl(`strip/${v.job_id}`);
      for (const r of [this.start, this.end]) r.max = String(v.duration_secs);
      this.start.value = "0";
      this.end.value = String(v.duration_secs);
      this.moved();
    } catch (err) {
      this.job = null;
      localizeElement(this.doc.getElementById("trim-title"), "trim-title", { name: "" });
      this.showError(errorText(err));
    }
    this.doc.getElementById("trim-cut").disabled = !this.job;
    if (this.dialog.showModal) this.dialog.showModal();
    else this.dialog.open = true;
  }

  close() {
    if (this.dialog.close) this.dialog.close();
    else this.dialog.open = false;
  }

  moved(which) {
    let s = parseFloat(this.start.value);
    let e = parseFloat(this.end.value);
    if (e - s < 1) {
      if (which === "start") e = Math.min(this.duration, s + 1);
      else s = Math.max(0, e - 1);
      this.start.value = String(s);
      this.end.value = String(e);
    }
    const d = this.doc;
    d.getElementById("trim-start-at").textContent = formatClock(s);
    d.getElementById("trim-end-at").textContent = formatClock(e);
    // A slider's value read as a time, not as raw seconds.
    this.start.setAttribute("aria-valuetext", formatPosition(s));
    this.end.setAttribute("aria-valuetext", formatPosition(e));
    d.getElementById("trim-length").textContent = t("trim-keeps", { kept: formatClock(e - s), total: formatClock(this.duration) });
    const keep = d.getElementById("trim-keep");
    keep.style.left = `${(100 * s) / this.duration}%`;
    keep.style.width = `${(100 * (e - s)) / this.duration}%`;
  }

  async cut() {
    const btn = this.doc.getElementById("trim-cut");
    btn.disabled = true;
    localizeElement(btn, "trim-cutting");
    try {
      this.cutJob = await invoke("trim_job", { jobId: this.job, start: parseFloat(this.start.value), end: parseFloat(this.end.value) });
      this.close();
    } catch (err) {
      this.showError(errorText(err));
    } finally {
      btn.disabled = false;
      localizeElement(btn, "trim-cut");
    }
  }

  showError(text) {
    const e = this.doc.getElementById("trim-error");
    e.textContent = text;
    e.hidden = !text;
  }
}
