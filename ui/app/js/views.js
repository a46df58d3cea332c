// The app's views in tab order: a new view is one entry here and its <section
// id="view-NAME"> in index.html. A view may have `onShow()`, `onHide()` (its tab opened
// or left) and `on(event)` (every event from Rust; it picks the ones it needs).
import { QueueView } from "./queue.js";
import { RecordView } from "./record.js";
import { SessionsView } from "./sessions.js";
import { SettingsView } from "./settings.js";

export const VIEWS = [
  { name: "record", label: "Record", make: (doc) => new RecordView(doc) },
  { name: "queue", label: "Uploads", badge: "queue-count", make: (doc) => new QueueView(doc) },
  { name: "sessions", label: "Sessions", make: (doc, shell) => new SessionsView(doc, shell.sessionsChanged) },
  { name: "settings", label: "Settings", make: (doc, shell) => new SettingsView(doc, shell.settingsSaved) },
];

// The tab bar, drawn from the list above.
export function drawTabs(doc) {
  const nav = doc.getElementById("tabs");
  nav.innerHTML = "";
  for (const v of VIEWS) {
    const b = doc.createElement("button");
    b.setAttribute("role", "tab");
    b.id = `tab-${v.name}`;
    b.dataset.view = v.name;
    b.textContent = v.label;
    if (v.badge) {
      const count = doc.createElement("span");
      count.id = v.badge;
      count.className = "count";
      b.append(" ", count);
    }
    nav.appendChild(b);
  }
}
