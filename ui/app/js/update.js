// What the app says about an update, by its state (the app sends states, not words).
const BUSY = {
  recording: "It installs when the recording ends.",
  uploading: "It installs when the uploads in progress finish.",
};

// The banner's text for an update status; null when nothing is worth a banner (a
// failed check: the computer is often offline, and the next check comes by itself).
export function updateText(s) {
  if (!s) return null;
  const notes = s.notes ? ` What's new: ${s.notes}` : "";
  switch (s.state) {
    case "available":
      return `iDance Capture ${s.version} is available and downloading.${notes}`;
    case "downloading":
      return `iDance Capture ${s.version} is downloading${s.percent == null ? "" : ` (${s.percent} %)`}.${notes}`;
    case "waiting":
      return `iDance Capture ${s.version} is downloaded and checked. ${BUSY[s.reason] || ""}${notes}`;
    case "not_installable":
      return `iDance Capture ${s.version} was downloaded and checked, but this copy cannot update itself: install the new version from iDance's website.`;
    case "installed":
      return `iDance Capture ${s.version} is installed: it runs the next time the app starts.`;
    case "failed":
      switch (s.kind) {
        case "signature":
          return `The update ${s.version || ""} was refused: its signature does not match iDance's key, so it may have been tampered with. Nothing was installed.`.replace("  ", " ");
        case "download":
          return `The update ${s.version || ""} could not be downloaded (${s.detail}); it is tried again later.`.replace("  ", " ");
        case "install":
          return `The update ${s.version || ""} could not be installed (${s.detail}); this version keeps running.`.replace("  ", " ");
        default:
          return null;
      }
    default:
      return null;
  }
}

// What Settings says after "Check for updates".
export function checkResult(s) {
  if (!s) return "iDance Capture is up to date.";
  if (s.state === "failed" && s.kind === "check") return `Could not check for updates (${s.detail}). Check your connection; the app checks again by itself.`;
  return updateText(s);
}

export function showUpdate(doc, s) {
  const b = doc.getElementById("update-banner");
  const text = updateText(s);
  b.textContent = text || "";
  b.hidden = !text;
  b.classList.toggle("error", s?.state === "failed");
}
