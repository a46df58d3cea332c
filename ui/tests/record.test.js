import { beforeEach, describe, expect, it, vi } from "vitest";
import { RecordView } from "../app/js/record.js";
import { loadPage, mockTauri, recordStatus, tick } from "./mock.js";

const devices = [
  { kind: "screen", id: ":0", name: "Screen :0", default: true },
  { kind: "mic", id: "default", name: "Built-in", default: true },
];

describe("record view", () => {
  beforeEach(loadPage);

  it("fills device lists, records, shows status, and stops", async () => {
    const ipc = mockTauri({ devices, start_recording: null, stop_recording: null });
    const v = new RecordView(document);
    await v.loadDevices();
    expect(document.getElementById("rec-screen").value).toBe(":0");
    expect(document.getElementById("rec-camera").value).toBe("");
    document.getElementById("rec-title").value = "Zumba";
    v.button.click();
    await tick();
    expect(ipc.called("start_recording")).toEqual([{ request: { screen: ":0", camera: null, mic: "default", title: "Zumba" } }]);
    expect(v.button.textContent).toBe("■ Stop");
    expect(document.getElementById("rec-screen").disabled).toBe(true);
    v.onStatus(recordStatus("recording", { elapsed_secs: 65, bytes_written: 2_500_000, audio_level_db: -30 }));
    expect(document.getElementById("rec-elapsed").textContent).toBe("00:01:05");
    expect(document.getElementById("rec-size").textContent).toBe("2.5 MB");
    expect(document.getElementById("rec-level").style.width).toBe("50%");
    // Online fast shows the cap the link allows (the fixture's recording has one).
    expect(document.getElementById("rec-quality").textContent).toBe("Online fast · 3.0 Mb/s");
    expect(document.getElementById("rec-quality-wrap").hidden).toBe(false);
    v.onStatus(recordStatus("recording", { video_kbps: null }));
    expect(document.getElementById("rec-quality-wrap").hidden).toBe(true);
    v.button.click();
    await tick();
    expect(ipc.called("stop_recording").length).toBe(1);
    v.onStatus(recordStatus("stopping"));
    expect(v.button.textContent.trim()).toBe("Stopping…");
    expect(v.button.disabled).toBe(true);
    v.onStatus(recordStatus("finishing"));
    expect(v.button.textContent.trim()).toBe("Saving…");
    expect(v.button.disabled).toBe(true);
    v.onStatus(recordStatus("finished"));
    expect(v.button.textContent).toBe("● Record");
    expect(document.getElementById("rec-screen").disabled).toBe(false);
  });

  it("choosing a camera starts a preview of it before recording", async () => {
    const cams = [...devices, { kind: "camera", id: "/dev/video0", name: "USB camera", default: false }];
    const ipc = mockTauri({ devices: cams, start_preview: null, stop_preview: null });
    const v = new RecordView(document);
    await v.loadDevices();
    const cam = document.getElementById("rec-camera");
    cam.value = "/dev/video0";
    cam.dispatchEvent(new Event("change"));
    await tick();
    expect(ipc.called("start_preview")).toEqual([{ request: { screen: ":0", camera: "/dev/video0", mic: "default", title: null } }]);
    // Each frame the app announces is fetched by a new URL (no timer of the UI's own).
    const img = document.getElementById("preview");
    v.on({ type: "preview", frame: 1 });
    expect(img.getAttribute("src")).toBe("idance-media://localhost/preview?f=1");
    v.on({ type: "preview", frame: 2 });
    expect(img.getAttribute("src")).toBe("idance-media://localhost/preview?f=2");
    img.dispatchEvent(new Event("load"));
    expect(img.hidden).toBe(false);
    await v.stopPreview();
    expect(ipc.called("stop_preview").length).toBe(1);
  });

  it("a device failure is shown in words", async () => {
    mockTauri({ devices, start_recording: null, preview: null });
    const v = new RecordView(document);
    v.setRecording(true);
    v.onStatus(recordStatus("failed", { elapsed_secs: 1, bytes_written: 0 }));
    expect(document.getElementById("rec-error").textContent).toContain("in use by another program");
    expect(document.getElementById("rec-error").hidden).toBe(false);
    expect(v.recording).toBe(false);
  });

  it("nothing to record is refused before asking Rust", async () => {
    const ipc = mockTauri({ devices: [], start_recording: null });
    const v = new RecordView(document);
    await v.loadDevices();
    v.button.click();
    await tick();
    expect(ipc.called("start_recording")).toEqual([]);
    expect(document.getElementById("rec-error").textContent).toContain("screen or a camera");
  });

  it("pauses and resumes a recording", async () => {
    const ipc = mockTauri({ devices, start_recording: null, pause_recording: null, resume_recording: null });
    const v = new RecordView(document);
    await v.loadDevices();
    const pause = document.getElementById("rec-pause");
    expect(pause.hidden).toBe(true);
    v.button.click();
    await tick();
    expect(pause.hidden).toBe(false);
    pause.click();
    await tick();
    expect(ipc.called("pause_recording").length).toBe(1);
    v.onStatus(recordStatus("paused", { elapsed_secs: 300 }));
    expect(pause.textContent).toBe("▶ Resume");
    expect(document.getElementById("rec-time-label").textContent).toBe("Paused at");
    expect(document.getElementById("rec-elapsed").textContent).toBe("00:05:00");
    expect(v.button.textContent).toBe("■ Stop");
    pause.click();
    await tick();
    expect(ipc.called("resume_recording").length).toBe(1);
    v.onStatus(recordStatus("recording", { elapsed_secs: 301 }));
    expect(pause.textContent).toBe("❚❚ Pause");
    v.onStatus(recordStatus("stopping"));
    expect(pause.disabled).toBe(true);
    v.onStatus(recordStatus("finished", { notice: null }));
    expect(pause.hidden).toBe(true);
  });

  it("shows the space left and the encoder, and warns when it is low", async () => {
    mockTauri({
      recording_room: { low: true, minutes_left: 12, encoder: "libx264 (software)" },
    });
    const v = new RecordView(document);
    await v.loadRoom();
    const room = document.getElementById("rec-room");
    expect(room.textContent).toBe(
      "Only about 12 min of recording space left on this disk: free some space before a long class. Encoder: libx264 (software).",
    );
    expect(room.classList.contains("warning")).toBe(true);
    mockTauri({
      recording_room: { low: false, minutes_left: 200, encoder: "Apple VideoToolbox (hardware)" },
    });
    await v.loadRoom();
    expect(room.textContent).toBe("About 3 h of recording space left · Encoder: Apple VideoToolbox (hardware)");
    expect(room.classList.contains("warning")).toBe(false);
  });

  it("counts down 3 seconds before recording; Record again starts at once, Escape calls it off", async () => {
    vi.useFakeTimers();
    try {
      const ipc = mockTauri({ devices, start_recording: null });
      const v = new RecordView(document);
      await v.loadDevices();
      v.setCountdown(true);
      const shown = document.getElementById("rec-countdown");
      v.shortcut();
      expect(shown.hidden).toBe(false);
      expect(shown.textContent).toBe("3");
      await vi.advanceTimersByTimeAsync(1000);
      expect(shown.textContent).toBe("2");
      expect(ipc.called("start_recording")).toEqual([]);
      await vi.advanceTimersByTimeAsync(2000);
      expect(shown.hidden).toBe(true);
      expect(ipc.called("start_recording").length).toBe(1);
      expect(v.button.textContent).toBe("■ Stop");
      v.onStatus(recordStatus("finished"));
      // Escape calls it off.
      v.button.click();
      await vi.advanceTimersByTimeAsync(0);
      document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
      await vi.advanceTimersByTimeAsync(5000);
      expect(ipc.called("start_recording").length).toBe(1);
      expect(v.button.textContent).toBe("● Record");
      // Record again during the countdown: at once.
      v.button.click();
      await vi.advanceTimersByTimeAsync(0);
      v.button.click();
      await vi.advanceTimersByTimeAsync(0);
      expect(ipc.called("start_recording").length).toBe(2);
      expect(shown.hidden).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it("warns while the microphone hears nothing, and stops warning when it does", async () => {
    mockTauri({ devices });
    const v = new RecordView(document);
    const warning = document.getElementById("rec-mic-silent");
    v.onStatus(recordStatus("recording", { audio_level_db: -90 }));
    expect(warning.hidden).toBe(true);
    v.onStatus(recordStatus("recording", { audio_level_db: -90, mic_silent: true }));
    expect(warning.hidden).toBe(false);
    expect(warning.getAttribute("role")).toBe("alert");
    v.onStatus(recordStatus("recording", { audio_level_db: -20, mic_silent: false }));
    expect(warning.hidden).toBe(true);
  });

  it("says why a recording stopped by itself", async () => {
    mockTauri({ devices, recording_room: { words: null, low: false, minutes_left: null, encoder: "libx264 (software)" } });
    const v = new RecordView(document);
    v.setRecording(true);
    v.onStatus(recordStatus("finished"));
    const n = document.getElementById("rec-notice");
    expect(n.hidden).toBe(false);
    expect(n.textContent).toContain("The disk is almost full (20 MB free)");
  });
});
