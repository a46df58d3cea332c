// The settings view: where uploads go (built-in, iDance server, own bucket), the
// sign-in to an iDance server, a bandwidth limit. Secrets are sent once and never
// shown back: only "saved" or not, and who is signed in.
import { LANGUAGES, t } from "./i18n.js";
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
    compress: form.querySelector('input[name="compress"]:checked')?.value || "off",
    review_recordings: !!form.elements.namedItem("review_recordings")?.checked,
    online_fast: form.querySelector('input[name="record_mode"]:checked')?.value === "online_fast",
    countdown: !!form.elements.namedItem("countdown")?.checked,
    record_shortcut: v("record_shortcut"),
  };
}

// What a refused sign-in says, by its kind (too_many_attempts says how long to wait and
// refused what is missing: the app's detail).
export function signInError(err) {
  return errorText(err);
}

// The language choices, each in its own words ("Español"), the system's first.
export function languageOptions() {
  const own = (code) => {
    const name = new Intl.DisplayNames([code], { type: "language" }).of(code);
    return name.charAt(0).toLocaleUpperCase(code) + name.slice(1);
  };
  return [{ value: "", label: t("language-system") }, ...LANGUAGES.map((code) => ({ value: code, label: own(code), lang: code }))];
}

export class SettingsView {
  constructor(doc, onSaved = () => {}, onLanguage = () => {}) {
    this.doc = doc;
    this.form = doc.getElementById("settings-form");
    this.onSaved = onSaved;
    // Applies at once, like start-at-login: a choice about this computer.
    const language = doc.getElementById("set-language");
    for (const o of languageOptions()) {
      const opt = doc.createElement("option");
      opt.value = o.value;
      opt.textContent = o.label;
      if (o.lang) opt.lang = o.lang;
      language.appendChild(opt);
    }
    language.addEventListener("change", (e) => {
      e.stopPropagation();
      Promise.resolve(onLanguage(language.value || null)).catch((err) => {
        const result = doc.getElementById("set-result");
        result.className = "error";
        result.textContent = errorText(err);
      });
    });
    this.form.addEventListener("change", () => {
      this.edited = true;
      this.showFieldsets();
    });
    this.form.addEventListener("input", () => (this.edited = true));
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.save();
    });
    // Applies at once (it is this computer's, not a choice of where uploads go).
    doc.getElementById("set-autostart").addEventListener("change", (e) => {
      e.stopPropagation();
      this.setStartAtLogin(e.target.checked);
    });
    const out = doc.getElementById("account-out");
    doc.getElementById("sign-in").addEventListener("click", () => this.signIn());
    doc.getElementById("sign-out").addEventListener("click", () => this.signOut());
    // Enter in the email or password field signs in (not Save).
    out.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        this.signIn();
      }
    });
  }

  onShow() {
    return this.refresh();
  }

  // What is typed while the saved settings are on their way is not overwritten by them.
  async refresh() {
    this.edited = false;
    const s = await invoke("get_settings");
    if (!this.edited) this.fill(s);
  }

  fill(s) {
    const d = this.doc;
    this.edited = false;
    for (const r of this.form.querySelectorAll('input[name="mode"]')) r.checked = r.value === s.mode;
    d.getElementById("set-url").value = s.server_url || "";
    d.getElementById("set-bucket").value = s.bucket || "";
    d.getElementById("set-region").value = s.region || "";
    d.getElementById("set-endpoint").value = s.endpoint || "";
    d.getElementById("set-access").value = s.access_key_id || "";
    d.getElementById("set-limit").value = s.limit ? String(s.limit / 1_000_000) : "";
    for (const r of this.form.querySelectorAll('input[name="compress"]')) r.checked = r.value === (s.compress || "off");
    d.getElementById("set-review").checked = !!s.review_recordings;
    d.getElementById(s.online_fast ? "set-online-fast" : "set-quality-first").checked = true;
    d.getElementById("set-autostart").checked = !!s.start_at_login;
    d.getElementById("set-countdown").checked = s.countdown !== false;
    d.getElementById("set-shortcut").value = s.record_shortcut || "";
    d.getElementById("set-token").value = "";
    d.getElementById("set-secret").value = "";
    d.getElementById("set-language").value = s.language || "";
    d.getElementById("set-token-state").textContent = t(s.has_token ? "token-saved" : "token-none");
    d.getElementById("set-secret-state").textContent = t(s.has_secret_key ? "secret-saved" : "secret-none");
    this.showAccount(s);
    // The saved choice could not be used at start: say so (the built-in service is on).
    const result = d.getElementById("set-result");
    if (s.problem) {
      result.className = "error";
      result.textContent = errorText(s.problem);
    }
    this.showFieldsets();
  }

  showAccount(s) {
    const d = this.doc;
    const signedIn = Boolean(s.account);
    d.getElementById("account-in").hidden = !signedIn;
    d.getElementById("account-out").hidden = signedIn;
    d.getElementById("account-email").textContent = signedIn ? s.account.email : "";
    d.getElementById("account-name").textContent = signedIn && s.account.name ? `(${s.account.name})` : "";
    const email = d.getElementById("sign-email");
    if (!email.value) email.value = s.email || "";
    d.getElementById("sign-password").value = "";
    // A pasted token in use: show that path open; a sign-in hides it.
    d.getElementById("token-path").open = !signedIn && s.has_token;
  }

  async setStartAtLogin(on) {
    const result = this.doc.getElementById("set-autostart-result");
    try {
      this.fill(await invoke("set_start_at_login", { on }));
      result.className = "hint";
      result.textContent = t(on ? "autostart-on" : "autostart-off");
    } catch (err) {
      this.doc.getElementById("set-autostart").checked = !on;
      result.className = "error";
      result.textContent = errorText(err);
    }
  }

  async signIn() {
    const d = this.doc;
    const result = d.getElementById("sign-result");
    const password = d.getElementById("sign-password");
    const input = {
      server_url: d.getElementById("set-url").value.trim(),
      email: d.getElementById("sign-email").value.trim(),
      password: password.value,
    };
    // The password lives in the page only until it is sent.
    password.value = "";
    result.className = "hint";
    result.textContent = t("signing-in");
    try {
      const s = await invoke("sign_in", { input });
      this.fill(s);
      result.textContent = "";
      const done = d.getElementById("set-result");
      done.className = "hint";
      done.textContent = t("signed-in", { server: s.server_url });
      this.onSaved(s);
    } catch (err) {
      result.className = "error";
      result.textContent = signInError(err);
      if (err && err.kind === "no_accounts") d.getElementById("token-path").open = true;
      password.focus();
    }
  }

  async signOut() {
    const d = this.doc;
    const result = d.getElementById("set-result");
    try {
      const s = await invoke("sign_out");
      this.fill(s);
      result.className = "hint";
      result.textContent = t("signed-out");
      this.onSaved(s);
    } catch (err) {
      result.className = "error";
      result.textContent = errorText(err);
    }
  }

  showFieldsets() {
    const mode = this.form.querySelector('input[name="mode"]:checked')?.value;
    for (const fs of this.form.querySelectorAll("fieldset[data-for]")) fs.hidden = fs.dataset.for !== mode;
  }

  async save() {
    const result = this.doc.getElementById("set-result");
    result.className = "hint";
    result.textContent = t("connecting");
    try {
      const s = await invoke("save_settings", { input: formToInput(this.form) });
      this.fill(s);
      result.textContent = t("saved");
      this.onSaved(s);
    } catch (err) {
      result.className = "error";
      result.textContent = errorText(err);
    }
  }
}
