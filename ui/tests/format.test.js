import { describe, expect, it } from "vitest";
import * as f from "../app/js/format.js";
import { JOB_VIEWS } from "./mock.js";
import { useCatalogue } from "../app/js/i18n.js";
import { catalogue } from "./setup.js";

describe("formatting", () => {
  it("says since when the connection is gone: the time today, the date before", () => {
    const since = new Date(2026, 11, 4, 14, 32);
    const today = f.offlineSinceText(since, new Date(2026, 11, 4, 18, 0));
    const days = f.offlineSinceText(since, new Date(2026, 11, 7, 9, 0));
    expect(today).toMatch(/^since .*32/);
    expect(today).not.toMatch(/2026/);
    expect(days).toMatch(/2026/);
  });

  it("bytes, clock, durations, eta, speed", () => {
    expect(f.formatBytes(999)).toBe("999 B");
    expect(f.formatBytes(1_500_000)).toBe("1.5 MB");
    expect(f.formatBytes(350_000_000)).toBe("350 MB");
    expect(f.formatClock(3725)).toBe("01:02:05");
    expect(f.formatDuration(45)).toBe("45 sec");
    expect(f.formatDuration(600)).toBe("10 min");
    expect(f.formatDuration(4500)).toBe("1 hr 15 min");
    expect(f.formatEta(30.2)).toBe("31 sec left");
    expect(f.formatEta(600)).toBe("10 min left");
    expect(f.formatEta(null)).toBe("");
    expect(f.formatSpeed(2_000_000)).toBe("2.0 MB/s");
    expect(f.formatSpeed(0)).toBe("");
    expect(f.videoQualityText(2750)).toBe("Online fast · 2.8 Mb/s");
    expect(f.videoQualityText(null)).toBe("");
  });

  it("names every job state, telling the reasons of a wait apart by their kind", () => {
    const label = (state, wait_reason = null) => f.stateLabel({ state, wait_reason, error: "sign in token 401" });
    expect(label("queued")).toBe("Queued");
    expect(label("uploading")).toBe("Uploading");
    expect(f.stateLabel({ state: "uploading" }, false)).toBe("Waiting for network");
    expect(f.stateLabel({ state: "queued" }, false)).toBe("Waiting for network");
    expect(f.stateLabel({ state: "queued" }, true)).toBe("Queued");
    expect(f.stateLabel({ state: "paused" }, false)).toBe("Paused");
    expect(label("paused")).toBe("Paused");
    expect(label("waiting", "network")).toBe("Waiting for network");
    expect(label("waiting", "sign_in")).toBe("Sign in again");
    expect(label("waiting", "storage")).toBe("Waiting for storage");
    expect(label("waiting", "clock")).toBe("Check the clock");
    expect(label("failed")).toBe("Failed");
    expect(label("cancelled")).toBe("Cancelled");
    expect(label("uploaded")).toBe("Finishing");
    expect(label("completed")).toBe("Done");
  });

  it("has words for every state and wait reason the app sends", () => {
    for (const j of JOB_VIEWS) {
      const label = f.stateLabel(j);
      expect(label, JSON.stringify(j)).not.toBe(j.state);
    }
    const reasons = JOB_VIEWS.filter((j) => j.wait_reason).map((j) => f.stateLabel(j));
    expect(new Set(reasons).size).toBe(reasons.length);
  });

  it("offers exactly the actions the app says the job allows", () => {
    const job = { job_id: "a", name: "x.mp4", size: 1000, state: "uploaded", bytes_done: 0 };
    expect(f.jobRow({ ...job, actions: [] }).actions).toEqual([]);
    expect(f.jobRow({ ...job, state: "failed", actions: ["retry", "cancel"] }).actions).toEqual(["retry", "cancel"]);
  });

  it("a row merges the job with its latest progress", () => {
    const job = { job_id: "a", name: "x.mp4", size: 1000, state: "uploading", bytes_done: 0 };
    const row = f.jobRow(job, { bytes_done: 250, total: 1000, speed: 100, eta_secs: 7.5 });
    expect(row.percent).toBe(25);
    expect(row.speed).toBe("100 B/s");
    expect(row.eta).toBe("8 sec left");
    const offline = f.jobRow(job, { bytes_done: 250, total: 1000, speed: 100, eta_secs: 7.5 }, false);
    expect([offline.percent, offline.speed, offline.eta]).toEqual([25, "", ""]);
    const done = f.jobRow({ ...job, state: "completed" }, { bytes_done: 250, speed: 100, eta_secs: 1 });
    expect(done.percent).toBe(100);
    expect(done.speed).toBe("");
    const failed = f.jobRow({ ...job, state: "failed", error: "x.mp4 changed after it was queued" });
    expect(failed.reason).toContain("changed after it was queued");
  });

  it("meter, connection and device options", () => {
    expect(f.levelPercent(-60)).toBe(0);
    expect(f.levelPercent(-30)).toBe(50);
    expect(f.levelPercent(0)).toBe(100);
    expect(f.levelPercent(null)).toBe(0);
    expect(f.connectionLabel({ online: false, embedded: true }).text).toBe("Offline");
    expect(f.connectionLabel({ online: true, embedded: true }).text).toBe("Built-in service");
    expect(f.connectionLabel({ online: true, embedded: false }).text).toBe("Online");
    const devices = [
      { kind: "mic", id: "a", name: "Mic A", default: false },
      { kind: "mic", id: "b", name: "Mic B", default: true },
      { kind: "camera", id: "/dev/video0", name: "Cam", default: false },
    ];
    expect(f.deviceOptions(devices, "mic")).toEqual([
      { value: "", label: "None", selected: false },
      { value: "a", label: "Mic A", selected: false },
      { value: "b", label: "Mic B", selected: true },
    ]);
    expect(f.deviceOptions(devices, "camera")[0]).toEqual({ value: "", label: "None", selected: true });
    expect(f.queueSummary([{ state: "uploading" }, { state: "failed" }, { state: "completed" }]).text).toBe("1 to upload · 1 failed · 1 done");
  });

  it("speaks the chosen language: its numbers, units and plurals", () => {
    useCatalogue("es", catalogue("es"), catalogue("en"));
    expect(f.formatBytes(1_500_000)).toBe("1,5 MB");
    expect(f.formatDuration(4500)).toBe("1 h 15 min");
    expect(f.formatPercent(45)).toBe("45\u00a0%");
    expect(f.queueSummary([{ state: "failed" }]).text).toBe("1 fallido");
    expect(f.queueSummary([{ state: "failed" }, { state: "failed" }]).text).toBe("2 fallidos");
    expect(f.stateLabel({ state: "completed" })).not.toBe("Done");
    useCatalogue("pt-BR", catalogue("pt-BR"), catalogue("en"));
    expect(f.formatBytes(1_500_000)).toBe("1,5 MB");
    expect(f.queueSummary([{ state: "completed" }, { state: "completed" }]).text).toMatch(/^2 conclu/);
  });
});
