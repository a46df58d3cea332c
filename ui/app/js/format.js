// Pure formatting and state logic shared by the views (tested with vitest). Words come
// from the catalogue (t); numbers, sizes, speeds, dates and durations from Intl in the
// catalogue's language.
import { locale, t } from "./i18n.js";

const number = (n, digits) =>
  new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n);
const unit = (n, u, digits = 0) =>
  new Intl.NumberFormat(locale(), {
    style: "unit",
    unit: u,
    unitDisplay: "short",
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  }).format(n);

// Decimal units, as file managers show them. Intl writes "byte" in full, so bytes get
// the symbol "B" by hand; the rest are Intl's (kB, MB, GB, TB).
const BYTE_UNITS = ["kilobyte", "megabyte", "gigabyte", "terabyte"];
function scaled(n) {
  let i = -1;
  while (n >= 1000 && i < BYTE_UNITS.length - 1) {
    n /= 1000;
    i++;
  }
  return { n, i, digits: n < 10 && i >= 0 ? 1 : 0 };
}

export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return "–";
  const s = scaled(n);
  return s.i < 0 ? `${number(n, 0)} B` : unit(s.n, BYTE_UNITS[s.i], s.digits);
}

export function formatSpeed(bps) {
  if (!(bps > 0)) return "";
  const s = scaled(Math.round(bps));
  return s.i < 0 ? `${number(s.n, 0)} B/s` : unit(s.n, `${BYTE_UNITS[s.i]}-per-second`, s.digits);
}

export function formatClock(secs) {
  const s = Math.max(0, Math.floor(secs || 0));
  const pad = (v) => String(v).padStart(2, "0");
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

// "1 hr 15 min", "1 h 15 min", "45 s": Intl's units joined as the language joins units.
function hoursMinutes(h, m) {
  const parts = [];
  if (h) parts.push(unit(h, "hour"));
  if (m || !h) parts.push(unit(m, "minute"));
  return new Intl.ListFormat(locale(), { type: "unit", style: "narrow" }).format(parts);
}

export function formatDuration(secs) {
  if (secs == null || !Number.isFinite(secs)) return "";
  if (secs < 60) return unit(Math.round(secs), "second");
  const m = Math.round(secs / 60);
  return hoursMinutes(Math.floor(m / 60), m % 60);
}

// A position in a video, for a screen reader ("1 min 30 s").
export function formatPosition(secs) {
  const s = Math.max(0, Math.round(secs || 0));
  const parts = [];
  if (s >= 3600) parts.push(unit(Math.floor(s / 3600), "hour"));
  if (s >= 60) parts.push(unit(Math.floor(s / 60) % 60, "minute"));
  parts.push(unit(s % 60, "second"));
  return new Intl.ListFormat(locale(), { type: "unit", style: "narrow" }).format(parts);
}

export function formatEta(secs) {
  if (secs == null || !Number.isFinite(secs)) return "";
  if (secs < 1) return t("eta-now");
  if (secs < 60) return t("eta", { time: unit(Math.ceil(secs), "second") });
  if (secs < 3600) return t("eta", { time: unit(Math.ceil(secs / 60), "minute") });
  return t("eta", { time: hoursMinutes(Math.floor(secs / 3600), Math.ceil((secs % 3600) / 60)) });
}

export function formatPercent(p) {
  return new Intl.NumberFormat(locale(), { style: "percent" }).format(p / 100);
}

// The video's quality in Online fast: its bitrate cap (kbit/s) as the link allows.
export function videoQualityText(kbps) {
  return kbps ? t("video-quality", { speed: unit(kbps / 1000, "megabit-per-second", 1) }) : "";
}

export function formatDate(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString(locale(), { dateStyle: "medium", timeStyle: "short" });
}

// "since 14:32" for an outage that began today; with the date when it began earlier.
export function offlineSinceText(since, now) {
  const sameDay = since.toDateString() === now.toDateString();
  const opts = sameDay ? { timeStyle: "short" } : { dateStyle: "medium", timeStyle: "short" };
  return t(sameDay ? "offline-since-time" : "offline-since-date", { when: since.toLocaleString(locale(), opts) });
}

// What a job's state is called in the UI. Offline, a job that was being sent or is
// next in line waits for the network (the service cannot be reached), whatever the
// last state said: the runner puts a job cut off mid-round back in line as queued.
// A waiting job says why, by the reason the app sends (never by parsing words).
const WAIT_REASONS = ["network", "sign_in", "storage", "clock"];
export function stateLabel(job, online = true) {
  const waiting = (reason) => t(`wait-${WAIT_REASONS.includes(reason) ? reason : "network"}`);
  switch (job.state) {
    case "queued":
    case "uploading":
      return online ? t(`job-${job.state}`) : waiting("network");
    case "waiting":
      return waiting(job.wait_reason);
    case "paused":
    case "failed":
    case "cancelled":
    case "uploaded":
    case "completed":
      return t(`job-${job.state}`);
    default:
      return job.state;
  }
}

// A queue row: the stored job plus its latest progress event. Offline, the bar stays
// where it was but speed and time left are not shown.
export function jobRow(job, progress, online = true) {
  const done = job.state === "completed" || job.state === "uploaded";
  const p = progress && !done ? progress : null;
  const bytes = done ? job.size : Math.max(job.bytes_done || 0, p ? p.bytes_done : 0);
  // While its compressed copy is encoded (and sent as it grows), the bar is the encode.
  const optimizing = job.optimizing != null && ["queued", "uploading", "waiting"].includes(job.state);
  const percent = optimizing
    ? job.optimizing
    : job.size > 0 ? Math.min(100, Math.floor((bytes / job.size) * 100)) : 0;
  return {
    id: job.job_id,
    name: job.name,
    size: optimizing ? "" : formatBytes(job.size),
    percent,
    state: job.state,
    label: optimizing ? t("job-optimizing", { percent: formatPercent(job.optimizing) }) : stateLabel(job, online),
    // A waiting job's state says why (by kind); a failed one's reason is the app's.
    reason: job.state === "failed" ? jobReason(job) : "",
    speed: p && online && job.state === "uploading" ? formatSpeed(p.speed) : "",
    eta: p && online && job.state === "uploading" ? formatEta(p.eta_secs) : "",
    // The app says which actions the job's state allows (its lifecycle decides).
    actions: job.actions || [],
  };
}

// Why a job failed: the app's words (kept in the queue as it wrote them).
export function jobReason(job) {
  return job.error || "";
}

export function queueSummary(jobs) {
  const count = (s) => jobs.filter((j) => j.state === s).length;
  const active = jobs.filter((j) => ["queued", "uploading", "waiting", "uploaded"].includes(j.state)).length;
  const parts = [];
  if (active) parts.push(t("summary-active", { count: active }));
  if (count("paused")) parts.push(t("summary-paused", { count: count("paused") }));
  if (count("failed")) parts.push(t("summary-failed", { count: count("failed") }));
  if (count("completed")) parts.push(t("summary-done", { count: count("completed") }));
  return { active, text: parts.join(" · ") };
}

const SESSION_STATES = ["online", "uploading", "waiting", "failed", "paused", "cancelled", "empty", "elsewhere"];
export function sessionStateLabel(state) {
  return SESSION_STATES.includes(state) ? t(`session-${state}`) : state;
}

// dBFS (-90..0) to a meter width in percent; speech sits around -30..-10.
export function levelPercent(db) {
  if (db == null || !Number.isFinite(db)) return 0;
  return Math.round(Math.min(100, Math.max(0, ((db + 60) / 60) * 100)));
}

export function connectionLabel(info) {
  if (!info) return { text: t("connection-starting"), cls: "" };
  if (!info.online) return { text: t("connection-offline"), cls: "bad" };
  return info.embedded
    ? { text: t("connection-built-in"), cls: "good" }
    : { text: t("connection-online"), cls: "good" };
}

// Options for a device <select>: "None" first, the default device preselected.
export function deviceOptions(devices, kind, allowNone = true) {
  const list = devices.filter((d) => d.kind === kind);
  const opts = list.map((d) => ({ value: d.id, label: d.name, selected: d.default }));
  if (allowNone) opts.unshift({ value: "", label: t("device-none"), selected: !list.some((d) => d.default) });
  return opts;
}

// What the Sessions view says about where its list comes from (library_status).
export function libraryStatusText(status) {
  if (!status) return "";
  if (status.source === "local_only") return t("library-local-only");
  if (status.source === "offline") {
    if (!status.fetched_at) return t("library-offline");
    return t("library-offline-since", { when: formatDate(status.fetched_at) });
  }
  return "";
}

// What a failed command says: its kind's words when the catalogue has them (with the
// app's detail as a parameter), else the app's own message.
export function errorMessage(err) {
  const kind = err && typeof err === "object" ? err.kind : null;
  const detail = err && typeof err === "object" && "message" in err ? String(err.message) : String(err);
  return kind && ERROR_KINDS.has(kind) ? t(`error-${kind}`, { detail }) : detail;
}
// The kinds the catalogue words itself (others carry a detail only the app can write).
const ERROR_KINDS = new Set([
  "recording_running",
  "recording_saving",
  "not_recording",
  "unreachable",
  "no_library",
  "wrong_password",
  "account_disabled",
  "no_accounts",
  "not_video",
  "unreadable",
  "probe_timeout",
  "no_ffmpeg",
  "file_gone",
]);
