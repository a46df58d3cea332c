// What the app says about an update, by its state (the app sends states, not words).
import { formatPercent } from "./format.js";
import { t } from "./i18n.js";

// The banner's text for an update status; null when nothing is worth a banner (a
// failed check: the computer is often offline, and the next check comes by itself).
export function updateText(s) {
  if (!s) return null;
  const notes = s.notes ? ` ${t("update-notes", { notes: s.notes })}` : "";
  const version = s.version || "";
  switch (s.state) {
    case "available":
    case "not_installable":
    case "installed":
      return t(`update-${s.state}`, { version }) + notes;
    case "downloading":
      return t(s.percent == null ? "update-downloading" : "update-downloading-percent", {
        version,
        percent: formatPercent(s.percent ?? 0),
      }) + notes;
    case "waiting":
      return t("update-waiting", { version, reason: s.reason === "recording" ? "recording" : "uploading" }) + notes;
    case "failed":
      return ["signature", "download", "install"].includes(s.kind)
        ? t(`update-failed-${s.kind}`, { version, detail: s.detail || "" })
        : null;
    default:
      return null;
  }
}

// What Settings says after "Check for updates".
export function checkResult(s) {
  if (!s) return t("update-none");
  if (s.state === "failed" && s.kind === "check") return t("update-check-failed", { detail: s.detail || "" });
  return updateText(s);
}

export function showUpdate(doc, s) {
  const b = doc.getElementById("update-banner");
  const text = updateText(s);
  b.textContent = text || "";
  b.hidden = !text;
  b.classList.toggle("error", s?.state === "failed");
}
