// Pure formatting and state logic shared by the views (tested with vitest).

export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatClock(secs) {
  const s = Math.max(0, Math.floor(secs || 0));
  const pad = (v) => String(v).padStart(2, "0");
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

export function formatDuration(secs) {
  if (secs == null || !Number.isFinite(secs)) return "";
  const m = Math.round(secs / 60);
  if (secs < 60) return `${Math.round(secs)} s`;
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatEta(secs) {
  if (secs == null || !Number.isFinite(secs)) return "";
  if (secs < 1) return "less than a second left";
  if (secs < 60) return `${Math.ceil(secs)} s left`;
  if (secs < 3600) return `${Math.ceil(secs / 60)} min left`;
  return `${Math.floor(secs / 3600)} h ${Math.ceil((secs % 3600) / 60)} min left`;
}

export function formatSpeed(bps) {
  return bps > 0 ? `${formatBytes(Math.round(bps))}/s` : "";
}

// The video's quality in Online fast: its bitrate cap (kbit/s) as the link allows.
export function videoQualityText(kbps) {
  return kbps ? `Online fast · ${(kbps / 1000).toFixed(1)} Mbit/s` : "";
}

export function formatDate(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

// "since 14:32" for an outage that began today; with the date when it began earlier.
export function offlineSinceText(since, now) {
  const sameDay = since.toDateString() === now.toDateString();
  const opts = sameDay ? { timeStyle: "short" } : { dateStyle: "medium", timeStyle: "short" };
  return `since ${since.toLocaleString(undefined, opts)}`;
}

// Why a waiting job waits, by the reason the app sends (never by parsing words).
const WAITING = {
  network: "Waiting for network",
  sign_in: "Sign in again",
  storage: "Waiting for storage",
  clock: "Check the clock",
};

// What a job's state is called in the UI. Offline, a job that was being sent or is
// next in line waits for the network (the service cannot be reached), whatever the
// last state said: the runner puts a job cut off mid-round back in line as queued.
export function stateLabel(job, online = true) {
  switch (job.state) {
    case "queued": return online ? "Queued" : WAITING.network;
    case "uploading": return online ? "Uploading" : WAITING.network;
    case "paused": return "Paused";
    case "waiting": return WAITING[job.wait_reason] || WAITING.network;
    case "failed": return "Failed";
    case "cancelled": return "Cancelled";
    case "uploaded": return "Finishing";
    case "completed": return "Done";
    default: return job.state;
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
    label: optimizing ? `Optimizing ${job.optimizing} %` : stateLabel(job, online),
    reason: job.state === "failed" || job.state === "waiting" ? job.error || "" : "",
    speed: p && online && job.state === "uploading" ? formatSpeed(p.speed) : "",
    eta: p && online && job.state === "uploading" ? formatEta(p.eta_secs) : "",
    // The app says which actions the job's state allows (its lifecycle decides).
    actions: job.actions || [],
  };
}

export function queueSummary(jobs) {
  const count = (s) => jobs.filter((j) => j.state === s).length;
  const active = jobs.filter((j) => ["queued", "uploading", "waiting", "uploaded"].includes(j.state)).length;
  const parts = [];
  if (active) parts.push(`${active} to upload`);
  if (count("paused")) parts.push(`${count("paused")} paused`);
  if (count("failed")) parts.push(`${count("failed")} failed`);
  if (count("completed")) parts.push(`${count("completed")} done`);
  return { active, text: parts.join(" · ") };
}

export function sessionStateLabel(state) {
  return {
    online: "Online",
    uploading: "Uploading",
    waiting: "Waiting for network",
    failed: "Needs attention",
    paused: "Paused",
    cancelled: "Cancelled",
    empty: "No video",
    elsewhere: "Being sent from another computer",
  }[state] || state;
}

// dBFS (-90..0) to a meter width in percent; speech sits around -30..-10.
export function levelPercent(db) {
  if (db == null || !Number.isFinite(db)) return 0;
  return Math.round(Math.min(100, Math.max(0, ((db + 60) / 60) * 100)));
}

export function connectionLabel(info) {
  if (!info) return { text: "Starting…", cls: "" };
  if (!info.online) return { text: "Offline", cls: "bad" };
  return info.embedded ? { text: "Built-in service", cls: "good" } : { text: "Online", cls: "good" };
}

// Options for a device <select>: "None" first, the default device preselected.
export function deviceOptions(devices, kind, allowNone = true) {
  const list = devices.filter((d) => d.kind === kind);
  const opts = list.map((d) => ({ value: d.id, label: d.name, selected: d.default }));
  if (allowNone) opts.unshift({ value: "", label: "None", selected: !list.some((d) => d.default) });
  return opts;
}

// What the Sessions view says about where its list comes from (library_status).
export function libraryStatusText(status) {
  if (!status) return "";
  if (status.source === "local_only") {
    return "This server keeps no library: these are the sessions of this computer.";
  }
  if (status.source === "offline") {
    if (!status.fetched_at) return "Offline: showing this computer's sessions.";
    return `Offline: showing your library as of ${formatDate(status.fetched_at)}.`;
  }
  return "";
}
