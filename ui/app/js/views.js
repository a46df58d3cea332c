// The app's views in tab order: a new view is one entry here and its <section
// id="view-NAME"> in index.html. A view may have `onShow()`, `onHide()` (its tab opened
// or left) and `on(event)` (every event from Rust; it picks the ones it needs).
import { QueueView } from "./queue.js";
import { RecordView } from "./record.js";
import { SessionsView } from "./sessions.js";
import { SettingsView } from "./settings.js";
import { localizeElement } from "./i18n.js";

export const VIEWS = [
  { name: "record", make: (doc, shell) => new RecordView(doc, shell.announce) },
  { name: "queue", badge: "queue-count", make: (doc, shell) => new QueueView(doc, shell.announce) },
  { name: "sessions", make: (doc, shell) => new SessionsView(doc, shell.sessionsChanged) },
  { name: "settings", make: (doc, shell) => new SettingsView(doc, shell.settingsSaved, shell.languageChosen) },
];

// The tab bar, drawn from the list above (WAI-ARIA tabs: each tab controls its panel;
// only the selected tab is in the Tab order, arrow keys move between tabs).
export function drawTabs(doc) {
  const nav = doc.getElementById("tabs");
  nav.innerHTML = "";
  for (const v of VIEWS) {
    const b = doc.createElement("button");
    b.type = "button";
    b.setAttribute("role", "tab");
    b.id = `tab-${v.name}`;
    b.dataset.view = v.name;
    b.setAttribute("aria-controls", `view-${v.name}`);
    b.setAttribute("aria-selected", "false");
    b.tabIndex = -1;
    const label = doc.createElement("span");
    localizeElement(label, `tab-${v.name}`);
    b.append(label);
    if (v.badge) {
      const count = doc.createElement("span");
      count.id = v.badge;
      count.className = "count";
      b.append(" ", count);
    }
    nav.appendChild(b);
  }
}

// The tab that arrow keys, Home and End lead to from `name`, or null for other keys.
export function tabAfterKey(name, key) {
  const i = VIEWS.findIndex((v) => v.name === name);
  const n = VIEWS.length;
  const to = { ArrowRight: i + 1, ArrowLeft: i - 1 + n, Home: 0, End: n - 1 }[key];
  return to == null ? null : VIEWS[to % n].name;
}
