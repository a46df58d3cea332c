import { beforeEach, describe, expect, it } from "vitest";
import { SettingsView, formToInput, signInError } from "../app/js/settings.js";
import { loadPage, mockTauri, tick } from "./mock.js";

const stored = {
  mode: "remote", active: "remote", server_url: "https://api.example", has_token: true, account: null, email: null,
  bucket: null, region: null, endpoint: null, access_key_id: null, has_secret_key: false, limit: 2_000_000,
  compress: "auto", review_recordings: true, online_fast: true, start_at_login: true, countdown: true, record_shortcut: "Alt+F9",
};

describe("settings view", () => {
  beforeEach(loadPage);

  it("shows the stored choice without any secret, and only its fields", async () => {
    mockTauri({ get_settings: stored });
    const v = new SettingsView(document);
    await v.refresh();
    expect(document.querySelector('input[name="mode"][value="remote"]').checked).toBe(true);
    expect(document.getElementById("set-url").value).toBe("https://api.example");
    expect(document.getElementById("set-token").value).toBe("");
    expect(document.getElementById("set-token-state").textContent).toContain("A token is saved");
    expect(document.getElementById("set-limit").value).toBe("2");
    expect(document.querySelector('input[name="compress"][value="auto"]').checked).toBe(true);
    expect(document.querySelector('input[name="compress"][value="off"]').checked).toBe(false);
    expect(document.getElementById("set-review").checked).toBe(true);
    expect(document.getElementById("set-online-fast").checked).toBe(true);
    expect(document.querySelector('fieldset[data-for="remote"]').hidden).toBe(false);
    expect(document.querySelector('fieldset[data-for="direct"]').hidden).toBe(true);
  });

  it("sends what was typed; empty secrets keep the saved ones", async () => {
    const ipc = mockTauri({ get_settings: stored, save_settings: { ...stored, mode: "direct", active: "direct", has_secret_key: true } });
    let saved = null;
    const v = new SettingsView(document, (s) => (saved = s));
    await v.refresh();
    // Choosing a radio (happy-dom does not uncheck the rest of the group by itself).
    for (const r of document.querySelectorAll('input[name="mode"]')) r.checked = r.value === "direct";
    document.getElementById("set-bucket").value = " classes ";
    document.getElementById("set-access").value = "GK123";
    document.getElementById("set-secret").value = "s3cr3t";
    for (const r of document.querySelectorAll('input[name="compress"]')) r.checked = r.value === "always";
    document.getElementById("set-review").checked = false;
    for (const r of document.querySelectorAll('input[name="record_mode"]')) r.checked = r.value === "quality";
    expect(formToInput(v.form)).toEqual({
      mode: "direct", server_url: "https://api.example", token: null, bucket: "classes", region: null,
      endpoint: null, access_key_id: "GK123", secret_access_key: "s3cr3t", limit: 2_000_000, compress: "always",
      review_recordings: false, online_fast: false, countdown: true, record_shortcut: "Alt+F9",
    });
    await v.save();
    expect(ipc.called("save_settings").length).toBe(1);
    expect(saved.mode).toBe("direct");
    expect(document.getElementById("set-secret").value).toBe("");
    expect(document.getElementById("set-result").textContent).toContain("Saved");
  });

  it("start at login applies at once, and a refusal puts the switch back", async () => {
    let fail = false;
    const ipc = mockTauri({
      get_settings: stored,
      set_start_at_login: ({ on }) => {
        if (fail) throw { kind: "start_at_login", message: "cannot change the start-at-login entry /x: permission denied" };
        return { ...stored, start_at_login: on };
      },
    });
    const v = new SettingsView(document);
    await v.refresh();
    const box = document.getElementById("set-autostart");
    expect(box.checked).toBe(true);
    box.checked = false;
    box.dispatchEvent(new Event("change", { bubbles: true }));
    await tick();
    expect(ipc.called("set_start_at_login")).toEqual([{ on: false }]);
    expect(box.checked).toBe(false);
    expect(document.getElementById("set-autostart-result").textContent).toContain("will not start");
    expect(ipc.called("save_settings")).toEqual([]);
    fail = true;
    box.checked = true;
    box.dispatchEvent(new Event("change", { bubbles: true }));
    await tick();
    expect(box.checked).toBe(false);
    expect(document.getElementById("set-autostart-result").textContent).toContain("permission denied");
  });

  it("a refused choice says why and changes nothing", async () => {
    mockTauri({ get_settings: stored, save_settings: () => { throw { kind: "refused", message: "paste the sign-in token your iDance account gave you" }; } });
    let saved = false;
    const v = new SettingsView(document, () => (saved = true));
    await v.refresh();
    await v.save();
    await tick();
    expect(saved).toBe(false);
    expect(document.getElementById("set-result").textContent).toContain("sign-in token");
    expect(document.getElementById("set-result").className).toBe("error");
  });

  it("a saved choice that could not be used at start is named", async () => {
    mockTauri({ get_settings: { ...stored, problem: "the saved upload choice could not be used, so the built-in service is on: bucket" } });
    await new SettingsView(document).refresh();
    expect(document.getElementById("set-result").textContent).toContain("built-in service is on");
  });

  it("signs in with email and password: the password is sent once, then the account is shown", async () => {
    const ben = { user_id: "u1", email: "ben@studio.example", name: "Ben" };
    const ipc = mockTauri({
      get_settings: { ...stored, has_token: false },
      sign_in: { ...stored, has_token: false, account: ben, email: ben.email },
    });
    let saved = null;
    const v = new SettingsView(document, (s) => (saved = s));
    await v.refresh();
    expect(document.getElementById("account-in").hidden).toBe(true);
    expect(document.getElementById("account-out").hidden).toBe(false);
    document.getElementById("sign-email").value = " ben@studio.example ";
    document.getElementById("sign-password").value = "salsa on 2";
    // Enter in the password field signs in; it does not save the form.
    document.getElementById("sign-password").dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await tick();
    await tick();
    expect(ipc.called("save_settings").length).toBe(0);
    expect(ipc.called("sign_in")).toEqual([{ input: { server_url: "https://api.example", email: "ben@studio.example", password: "salsa on 2" } }]);
    expect(document.getElementById("sign-password").value).toBe("");
    expect(document.getElementById("account-in").hidden).toBe(false);
    expect(document.getElementById("account-out").hidden).toBe(true);
    expect(document.getElementById("account-email").textContent).toBe("ben@studio.example");
    expect(document.getElementById("account-name").textContent).toBe("(Ben)");
    expect(document.getElementById("set-result").textContent).toContain("Signed in");
    expect(saved.account.email).toBe("ben@studio.example");
  });

  it("a refused sign-in says why by its kind and forgets the password", async () => {
    let answer = { kind: "wrong_password", message: "wrong email or password" };
    mockTauri({ get_settings: { ...stored, has_token: false }, sign_in: () => { throw answer; } });
    const v = new SettingsView(document);
    await v.refresh();
    document.getElementById("sign-email").value = "ben@studio.example";
    document.getElementById("sign-password").value = "nope nope";
    await v.signIn();
    const result = document.getElementById("sign-result");
    expect(result.className).toBe("error");
    expect(result.textContent).toBe("Wrong email or password.");
    expect(document.getElementById("sign-password").value).toBe("");
    expect(document.getElementById("sign-email").value).toBe("ben@studio.example");
    expect(document.getElementById("account-in").hidden).toBe(true);
    // A server without accounts opens the token path.
    answer = { kind: "no_accounts", message: "no accounts" };
    await v.signIn();
    expect(result.textContent).toContain("sign-in token");
    expect(document.getElementById("token-path").open).toBe(true);
    expect(signInError({ kind: "too_many_attempts", message: "too many attempts; try again in 14 minutes" })).toContain("14 minutes");
    expect(signInError({ kind: "unreachable", message: "x" })).toContain("Cannot reach");
  });

  it("signs out: the form comes back with the email filled in", async () => {
    const ben = { user_id: "u1", email: "ben@studio.example", name: "" };
    const ipc = mockTauri({
      get_settings: { ...stored, has_token: false, account: ben, email: ben.email },
      sign_out: { ...stored, has_token: false, account: null, email: ben.email },
    });
    const v = new SettingsView(document);
    await v.refresh();
    expect(document.getElementById("account-name").textContent).toBe("");
    document.getElementById("sign-out").click();
    await tick();
    await tick();
    expect(ipc.called("sign_out").length).toBe(1);
    expect(document.getElementById("account-in").hidden).toBe(true);
    expect(document.getElementById("sign-email").value).toBe("ben@studio.example");
    expect(document.getElementById("set-result").textContent).toContain("Signed out");
  });
});

describe("settings typed early", () => {
  beforeEach(loadPage);

  it("are not overwritten by the saved settings arriving after", async () => {
    let answer;
    const late = new Promise((r) => (answer = r));
    mockTauri({ get_settings: () => late });
    const v = new SettingsView(document);
    const shown = v.refresh();
    document.getElementById("set-url").value = "https://idance.example";
    document.getElementById("settings-form").dispatchEvent(new Event("input"));
    answer({ mode: "embedded", server_url: "" });
    await shown;
    expect(document.getElementById("set-url").value).toBe("https://idance.example");
  });
});

describe("language", () => {
  beforeEach(loadPage);

  it("offers the system's language and each shipped one in its own words; a choice applies at once", async () => {
    mockTauri({ get_settings: { ...stored, language: "es" } });
    const chosen = [];
    const v = new SettingsView(document, () => {}, (l) => chosen.push(l));
    await v.refresh();
    const select = document.getElementById("set-language");
    expect([...select.options].map((o) => o.textContent)).toEqual(["As the system", "English", "Español", "Português (Brasil)"]);
    expect(select.value).toBe("es");
    select.value = "pt-BR";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    select.value = "";
    select.dispatchEvent(new Event("change", { bubbles: true }));
    expect(chosen).toEqual(["pt-BR", null]);
    // A language choice is not an edit of the form that Save would send.
    expect(v.edited).toBe(false);
  });
});
