// The settings view: where uploads go (built-in, iDance server, own bucket), a
// bandwidth limit. Secrets are sent once and never shown back: only "saved" or not.
import { errorText, invoke } from "./ipc.js";

export function formToInput(form) {
  const v = (name) => {
    const el = form.elements.namedItem(name);
    return el && el.value.trim() ? el.value.trim() : null;
  };
  const limit = v("limit");
  return {
    mode: form.querySelector('input[name="mode"]:checked')?.value || "embedded",
    server_url: v("server_url"),
    token: v("token"),
    bucket: v("bucket"),
    region: v("region"),
    endpoint: v("endpoint"),
    access_key_id: v("access_key_id"),
    secret_access_key: v("secret_access_key"),
    limit: limit ? Math.round(parseFloat(limit) * 1_000_000) : null,
  };
}

export class SettingsView {
  constructor(doc, onSaved = () => {}) {
    this.doc = doc;
    this.form = doc.getElementById("settings-form");
    this.onSaved = onSaved;
    this.form.addEventListener("change", () => this.showFieldsets());
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.save();
    });
  }

  onShow() {
    return this.refresh();
  }

  async refresh() {
    this.fill(await invoke("get_settings"));
  }

  fill(s) {
    const d = this.doc;
    for (const r of this.form.querySelectorAll('input[name="mode"]')) r.checked = r.value === s.mode;
    d.getElementById("set-url").value = s.server_url || "";
    d.getElementById("set-bucket").value = s.bucket || "";
    d.getElementById("set-region").value = s.region || "";
    d.getElementById("set-endpoint").value = s.endpoint || "";
    d.getElementById("set-access").value = s.access_key_id || "";
    d.getElementById("set-limit").value = s.limit ? String(s.limit / 1_000_000) : "";
    d.getElementById("set-token").value = "";
    d.getElementById("set-secret").value = "";
    d.getElementById("set-token-state").textContent = s.has_token ? "A token is saved; paste a new one to replace it." : "No token saved yet.";
    d.getElementById("set-secret-state").textContent = s.has_secret_key ? "A secret key is saved; type a new one to replace it." : "No secret key saved yet.";
    // The saved choice could not be used at start: say so (the built-in service is on).
    const result = d.getElementById("set-result");
    if (s.problem) {
      result.className = "error";
      result.textContent = s.problem;
    }
    this.showFieldsets();
  }

  showFieldsets() {
    const mode = this.form.querySelector('input[name="mode"]:checked')?.value;
    for (const fs of this.form.querySelectorAll("fieldset[data-for]")) fs.hidden = fs.dataset.for !== mode;
  }

  async save() {
    const result = this.doc.getElementById("set-result");
    result.className = "hint";
    result.textContent = "Connecting…";
    try {
      const s = await invoke("save_settings", { input: formToInput(this.form) });
      this.fill(s);
      result.textContent = "Saved. Uploads continue with these settings.";
      this.onSaved(s);
    } catch (err) {
      result.className = "error";
      result.textContent = errorText(err);
    }
  }
}
