import { beforeEach, describe, expect, it } from "vitest";
import { SESSION_PAGE, SessionsView } from "../app/js/sessions.js";
import { loadPage, mockTauri, tick } from "./mock.js";

const session = (over = {}) => ({
  local_id: "s1", server_id: "srv1", title: "Salsa basics", created_at: "2026-11-26T10:00:00Z",
  duration_secs: 1800, state: "online", thumbnail_job: "j1", video_key: "sessions/u/srv1/1_a.mp4", accepts_video: false, ...over,
});

describe("sessions view", () => {
  beforeEach(loadPage);

  it("lists sessions with thumbnail, title, duration, state and a link", async () => {
    const ipc = mockTauri({ download_url: "http://127.0.0.1:1/idance/x?sig" });
    const v = new SessionsView(document);
    v.setSessions([
      session(),
      session({ local_id: "s2", title: null, state: "waiting", video_key: null, thumbnail_job: null }),
      session({ local_id: "s3", title: null, state: "empty", video_key: null, thumbnail_job: null, accepts_video: true }),
    ]);
    await tick();
    const items = document.querySelectorAll("#session-list li");
    expect(items.length).toBe(3);
    expect(items[0].querySelector(".title").textContent).toBe("Salsa basics");
    expect(items[0].querySelector(".duration").textContent).toBe("30 min");
    expect(items[0].querySelector(".state").textContent).toBe("Online");
    expect(items[0].querySelector("img").getAttribute("src")).toBe("idance-media://localhost/thumb/j1");
    expect(items[1].querySelector(".title").textContent).toBe("Untitled session");
    expect(items[1].querySelector(".state").textContent).toBe("Waiting for network");
    expect(items[1].querySelector("button[data-key]")).toBeNull();
    items[0].querySelector("button[data-key]").click();
    await tick();
    expect(ipc.called("download_url")).toEqual([{ fileKey: "sessions/u/srv1/1_a.mp4" }]);
    expect(items[0].querySelector("input.link").value).toBe("http://127.0.0.1:1/idance/x?sig");
    // Only a session without a video takes one (s2's video is waiting to upload).
    expect(v.targets()).toEqual([{ value: "s3", label: "Untitled session" }]);
  });

  it("calories can be entered before completion and are sent as a number", async () => {
    const ipc = mockTauri({ set_calories: null });
    const v = new SessionsView(document);
    v.setSessions([session({ state: "uploading", calories: null }), session({ local_id: "s2", state: "online", calories: 320 })]);
    const [open, done] = document.querySelectorAll("#session-list li");
    expect(done.querySelector("input.calories")).toBeNull();
    expect(done.querySelector(".calories-row").textContent).toBe("320 kcal");
    open.querySelector("input.calories").value = "450";
    open.querySelector("button[data-calories]").click();
    await tick();
    expect(ipc.called("set_calories")).toEqual([{ session: "s1", calories: 450 }]);
    expect(open.querySelector(".calories-msg").textContent).toContain("Saved");
    open.querySelector("input.calories").value = "-5";
    open.querySelector("button[data-calories]").click();
    await tick();
    expect(ipc.called("set_calories").length).toBe(1);
    expect(open.querySelector(".calories-msg").textContent).toContain("number of kcal");
  });

  it("calories being typed survive a redraw of the sessions", () => {
    mockTauri({});
    const v = new SessionsView(document);
    const list = [session({ state: "uploading", calories: null }), session({ local_id: "s2", state: "uploading", calories: 100 })];
    v.setSessions(list);
    const input = () => document.querySelector('li[data-session="s1"] input.calories');
    input().value = "45";
    input().focus();
    v.setSessions(list.map((s) => ({ ...s })));
    expect(input().value).toBe("45");
    expect(document.querySelector('li[data-session="s2"] input.calories').value).toBe("100");
  });

  it("a long history draws one page of cards at first", () => {
    mockTauri({});
    const v = new SessionsView(document);
    v.setSessions(Array.from({ length: 1000 }, (_, i) => session({ local_id: `s${i}`, thumbnail_job: null, state: "empty", accepts_video: true })));
    expect(document.querySelectorAll("#session-list li").length).toBe(SESSION_PAGE);
    expect(v.targets().length).toBe(30);
    document.getElementById("sessions-more").click();
    expect(document.querySelectorAll("#session-list li").length).toBe(SESSION_PAGE * 5);
  });

  it("no sessions: the empty message", () => {
    mockTauri({});
    new SessionsView(document).setSessions([]);
    expect(document.getElementById("sessions-empty").hidden).toBe(false);
  });
});

describe("the library", () => {
  beforeEach(loadPage);

  it("marks another computer's session, and says when it shows the library offline", async () => {
    mockTauri({
      sessions_view: [session({ local_id: "srv9", server_id: "srv9", on_this_computer: false, thumbnail_job: null, thumbnail_key: "thumbnails/u/srv9/t.jpg", size_bytes: 5_200_000 })],
      library_status: { source: "offline", fetched_at: "2026-12-04T10:00:00Z" },
    });
    const v = new SessionsView(document);
    await v.refresh();
    const li = document.querySelector("#session-list li");
    expect(li.querySelector(".state").textContent).toContain("another computer");
    expect(li.querySelector("img").getAttribute("src")).toBe("idance-media://localhost/library-thumb/srv9");
    expect(li.querySelector(".size").textContent).toBe("5.2 MB");
    expect(li.querySelector("input.calories")).toBeNull();
    expect(document.getElementById("library-status").textContent).toContain("Offline: showing your library as of");
  });

  it("says the library is this computer's when the server keeps none", async () => {
    mockTauri({ sessions_view: [], library_status: { source: "local_only", fetched_at: null } });
    await new SessionsView(document).refresh();
    expect(document.getElementById("library-status").textContent).toContain("keeps no library");
  });

  it("plays a stored session in the player window", async () => {
    const ipc = mockTauri({ open_player: null });
    const v = new SessionsView(document);
    v.setSessions([session()]);
    document.querySelector("button[data-act=play]").click();
    await tick();
    expect(ipc.called("open_player")).toEqual([{ session: "s1", language: "en" }]);
  });

  it("renames in place with Enter, and Escape gives up", async () => {
    const ipc = mockTauri({ rename_session: null });
    const v = new SessionsView(document);
    v.setSessions([session()]);
    document.querySelector("button[data-act=rename]").click();
    const input = document.querySelector("input.rename");
    expect(input.value).toBe("Salsa basics");
    input.value = "Salsa, week 2";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await tick();
    expect(ipc.called("rename_session")).toEqual([{ session: "s1", title: "Salsa, week 2" }]);
    expect(document.querySelector("#session-list .title").textContent).toBe("Salsa, week 2");
    document.querySelector("button[data-act=rename]").click();
    document.querySelector("input.rename").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(document.querySelector("input.rename")).toBeNull();
    expect(ipc.called("rename_session").length).toBe(1);
  });

  it("deletes only after a confirmation that names the session", async () => {
    const ipc = mockTauri({ delete_session: null });
    const v = new SessionsView(document);
    v.setSessions([session()]);
    document.querySelector("button[data-act=delete]").click();
    expect(document.getElementById("confirm-delete-title").textContent).toBe("Delete “Salsa basics”?");
    expect(ipc.called("delete_session")).toEqual([]);
    document.getElementById("confirm-delete-cancel").click();
    expect(ipc.called("delete_session")).toEqual([]);
    document.querySelector("button[data-act=delete]").click();
    document.getElementById("confirm-delete-ok").click();
    await tick();
    expect(ipc.called("delete_session")).toEqual([{ session: "s1" }]);
  });
});

describe("redraws", () => {
  beforeEach(loadPage);

  it("keep a video link already shown (a library refresh redraws the cards)", async () => {
    mockTauri({ download_url: "http://127.0.0.1:1/idance/x?sig" });
    const v = new SessionsView(document);
    v.setSessions([session()]);
    const first = document.querySelector("#session-list li");
    first.querySelector("button[data-key]").click();
    await tick();
    v.setSessions([session({ size_bytes: 42 })]);
    const link = document.querySelector("#session-list input.link");
    expect(link.hidden).toBe(false);
    expect(link.value).toBe("http://127.0.0.1:1/idance/x?sig");
  });
});
