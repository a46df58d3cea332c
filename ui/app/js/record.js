// The record screen: devices, title, preview, Record/Stop with time, size and level.
import { deviceOptions, formatBytes, formatClock, levelPercent, videoQualityText } from "./format.js";
import { locale, localizeElement, t } from "./i18n.js";
import { errorText, invoke, mediaUrl } from "./ipc.js";

// The Record button's faces: a symbol hidden from screen readers, and words.
const FACES = {
  record: ["●", "rec-record"],
  stop: ["■", "rec-stop"],
  now: ["●", "rec-start-now"],
  stopping: ["", "rec-stopping"],
  saving: ["", "rec-saving"],
  pause: ["❚❚", "rec-pause"],
  resume: ["▶", "rec-resume"],
};
function face(button, which) {
  const [symbol, id] = FACES[which];
  button.querySelector(".symbol").textContent = symbol;
  localizeElement(button.querySelector(".words"), id);
  button.dataset.face = which;
}

export class RecordView {
  constructor(doc, announce = () => {}) {
    this.doc = doc;
    this.announce = announce;
    this.recording = false;
    this.form = doc.getElementById("record-form");
    this.button = doc.getElementById("rec-button");
    this.pauseButton = doc.getElementById("rec-pause");
    this.paused = false;
    this.pauseButton.addEventListener("click", () => this.togglePause());
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.toggle();
    });
    this.frame = 0;
    this.previewing = false;
    // The 3-second countdown before recording (Settings; the app says at start).
    this.countdownOn = false;
    this.counting = null;
    doc.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.counting) this.endCountdown();
    });
    for (const id of ["rec-screen", "rec-camera"]) {
      doc.getElementById(id).addEventListener("change", () => this.startPreview());
    }
  }

  onShow() {
    this.loadRoom().catch((err) => this.showError(errorText(err)));
    return this.startPreview();
  }

  // Before Record: the space left on the recordings' disk (a warning when it is low)
  // and the encoder this computer records with.
  async loadRoom() {
    const r = await invoke("recording_room");
    const el = this.doc.getElementById("rec-room");
    el.classList.toggle("warning", r.low);
    const m = r.minutes_left;
    const space =
      m == null ? null
      : m < 1 ? t("space-under-minute")
      : m < 120 ? t("space-minutes", { minutes: Math.round(m) })
      : t("space-hours", { hours: Math.floor(m / 60) });
    const args = { space, encoder: r.encoder };
    // Alone at the start of the line, the space's words begin with a capital.
    const first = space && space.charAt(0).toLocaleUpperCase(locale()) + space.slice(1);
    el.textContent = r.low ? t("room-low", args) : space ? t("room", { ...args, space: first }) : t("room-encoder", args);
  }

  onHide() {
    return this.stopPreview();
  }

  // A new preview frame is announced by the app: before recording by `preview`
  // events, while recording with each status.
  on(e) {
    if (e.type === "record") this.onStatus(e);
    if (e.type === "preview" && this.previewing) this.loadPreview();
  }

  // While the Record screen is shown and nothing records: a live preview of the chosen
  // screen/camera, so the instructor can frame the camera before pressing Record.
  async startPreview() {
    if (this.recording) return;
    const req = this.request();
    if (!req.screen && !req.camera) {
      await this.stopPreview();
      return;
    }
    try {
      await invoke("start_preview", { request: req });
      this.previewing = true;
    } catch (err) {
      this.showError(errorText(err));
    }
  }

  async stopPreview() {
    if (this.previewing && !this.recording) {
      this.previewing = false;
      await invoke("stop_preview");
    }
  }

  async loadDevices() {
    const devices = await invoke("devices");
    this.fill("rec-screen", deviceOptions(devices, "screen"));
    this.fill("rec-camera", deviceOptions(devices, "camera"));
    this.fill("rec-mic", deviceOptions(devices, "mic"));
  }

  fill(id, options) {
    const sel = this.doc.getElementById(id);
    sel.innerHTML = "";
    for (const o of options) {
      const opt = this.doc.createElement("option");
      opt.value = o.value;
      opt.textContent = o.label;
      opt.selected = o.selected;
      sel.appendChild(opt);
    }
  }

  request() {
    const v = (id) => this.doc.getElementById(id).value || null;
    return { screen: v("rec-screen"), camera: v("rec-camera"), mic: v("rec-mic"), title: v("rec-title") };
  }

  async togglePause() {
    this.showError("");
    try {
      await invoke(this.paused ? "resume_recording" : "pause_recording");
    } catch (err) {
      this.showError(errorText(err));
    }
  }

  setCountdown(on) {
    this.countdownOn = on;
  }

  // The global Record/Stop shortcut: as the button, unless a stop is being saved.
  shortcut() {
    if (!this.button.disabled) this.toggle();
  }

  async toggle() {
    this.showError("");
    this.showNotice(null);
    // Pressed again during the countdown: start now.
    if (this.counting) {
      this.endCountdown();
      return this.begin();
    }
    try {
      if (this.recording) {
        await invoke("stop_recording");
        this.button.disabled = true;
        face(this.button, "stopping");
      } else {
        const req = this.request();
        if (!req.screen && !req.camera) {
          this.showError(t("rec-choose-source"));
          return;
        }
        if (this.countdownOn) this.startCountdown(3);
        else await this.begin();
      }
    } catch (err) {
      this.showError(errorText(err));
    }
  }

  // 3, 2, 1 over the preview; Record again starts at once, Escape calls it off.
  startCountdown(seconds) {
    const el = this.doc.getElementById("rec-countdown");
    let left = seconds;
    el.textContent = String(left);
    el.hidden = false;
    face(this.button, "now");
    this.counting = setInterval(() => {
      left -= 1;
      if (left > 0) {
        el.textContent = String(left);
        return;
      }
      this.endCountdown();
      this.begin();
    }, 1000);
  }

  endCountdown() {
    clearInterval(this.counting);
    this.counting = null;
    this.doc.getElementById("rec-countdown").hidden = true;
    if (!this.recording) face(this.button, "record");
  }

  async begin() {
    try {
      this.previewing = false;
      await invoke("start_recording", { request: this.request() });
      this.setRecording(true);
    } catch (err) {
      this.showError(errorText(err));
    }
  }

  setRecording(on) {
    this.recording = on;
    this.button.disabled = false;
    face(this.button, on ? "stop" : "record");
    this.button.classList.toggle("stop", on);
    this.pauseButton.hidden = !on;
    this.pauseButton.disabled = false;
    if (!on) this.setPaused(false);
    for (const id of ["rec-screen", "rec-camera", "rec-mic", "rec-title"]) this.doc.getElementById(id).disabled = on;
  }

  // The frame's number only makes the URL new, so the picture is fetched again.
  loadPreview() {
    const img = this.doc.getElementById("preview");
    img.onload = () => {
      img.hidden = false;
      this.doc.getElementById("preview-empty").hidden = true;
    };
    img.src = mediaUrl(`preview?f=${++this.frame}`);
  }

  setPaused(paused) {
    this.paused = paused;
    face(this.pauseButton, paused ? "resume" : "pause");
    this.doc.getElementById("rec-elapsed").classList.toggle("paused", paused);
    localizeElement(this.doc.getElementById("rec-time-label"), paused ? "rec-paused-at" : "rec-time");
  }

  showNotice(text) {
    const n = this.doc.getElementById("rec-notice");
    n.textContent = text || "";
    n.hidden = !text;
  }

  onStatus(s) {
    const d = this.doc;
    if (s.state === "recording") this.loadPreview();
    d.getElementById("rec-elapsed").textContent = formatClock(s.elapsed_secs);
    d.getElementById("rec-size").textContent = formatBytes(s.bytes_written);
    const quality = videoQualityText(s.video_kbps);
    d.getElementById("rec-quality").textContent = quality;
    d.getElementById("rec-quality-wrap").hidden = !quality;
    d.getElementById("rec-level").style.width = `${levelPercent(s.audio_level_db)}%`;
    const db = Number.isFinite(s.audio_level_db) ? Math.max(-60, Math.min(0, Math.round(s.audio_level_db))) : -60;
    const meter = d.getElementById("rec-meter");
    meter.setAttribute("aria-valuenow", String(db));
    meter.setAttribute("aria-valuetext", t("rec-level", { db }));
    d.getElementById("rec-mic-silent").hidden = !(s.mic_silent && s.state === "recording");
    if (s.error) this.showError(recordText(s.error));
    if (s.notice) this.showNotice(recordText(s.notice));
    if (s.state === "finished" || s.state === "failed") {
      this.setRecording(false);
      if (this.doc.body.dataset.view === "record") {
        this.startPreview();
        this.loadRoom().catch(() => {});
      }
    }
    else {
      if (!this.recording) this.setRecording(true);
      this.setPaused(s.state === "paused");
      // Stop was pressed: ffmpeg finishes the file, then it is queued; no second Stop.
      const after = { stopping: "stopping", finishing: "saving" }[s.state];
      if (after) {
        this.button.disabled = true;
        face(this.button, after);
        this.pauseButton.disabled = true;
      }
    }
  }

  showError(text) {
    const e = this.doc.getElementById("rec-error");
    e.textContent = text;
    e.hidden = !text;
  }
}

// What a recording's status says (an error or a notice): its kind in the catalogue with
// its parameters; a message the app sent without a kind as it is.
export function recordText(m) {
  if (m && typeof m === "object") {
    return t(`record-${m.kind}`, { detail: m.detail, free: formatBytes(m.free_bytes ?? NaN) });
  }
  return String(m);
}
