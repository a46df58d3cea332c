import { beforeEach, describe, expect, it } from "vitest";
import { QueueView } from "../app/js/queue.js";
import { job, loadPage, mockTauri, tick } from "./mock.js";

const view = { job_id: "b", name: "salsa.mp4", duration_secs: 600 };

describe("trim panel", () => {
  beforeEach(loadPage);

  it("Trim… opens the strip of the job, the ends never cross, Cut sends them", async () => {
    const ipc = mockTauri({ trim_view: view, trim_job: "c" });
    const q = new QueueView(document);
    q.setJobs([job({ job_id: "b", state: "paused" })]);
    await tick();
    const trim = [...document.querySelectorAll('li[data-job="b"] button')].find((b) => b.textContent === "Trim…");
    trim.click();
    await tick();
    expect(ipc.called("trim_view")).toEqual([{ jobId: "b" }]);
    const d = document.getElementById("trim-dialog");
    expect(d.open).toBe(true);
    expect(document.getElementById("trim-title").textContent).toBe("Trim salsa.mp4");
    expect(document.getElementById("trim-strip").getAttribute("src")).toBe("idance-media://localhost/strip/b");
    const start = document.getElementById("trim-start");
    const end = document.getElementById("trim-end");
    expect(document.getElementById("trim-end-at").textContent).toBe("00:10:00");
    start.value = "120";
    start.dispatchEvent(new Event("input"));
    end.value = "540";
    end.dispatchEvent(new Event("input"));
    expect(document.getElementById("trim-length").textContent).toBe("Keeps 00:07:00 of 00:10:00.");
    expect(document.getElementById("trim-keep").style.left).toBe("20%");
    expect(document.getElementById("trim-keep").style.width).toBe("70%");
    // Dragging the end before the start pushes the start back.
    end.value = "60";
    end.dispatchEvent(new Event("input"));
    expect(parseFloat(start.value)).toBeLessThan(parseFloat(end.value));
    end.value = "540";
    end.dispatchEvent(new Event("input"));
    start.value = "120";
    start.dispatchEvent(new Event("input"));
    document.getElementById("trim-cut").click();
    await tick();
    expect(ipc.called("trim_job")).toEqual([{ jobId: "b", start: 120, end: 540 }]);
    expect(d.open).toBe(false);
  });

  it("a refused cut is shown in words and the panel stays", async () => {
    mockTauri({
      trim_view: view,
      trim_job: () => {
        throw { kind: "refused", message: "job b: part of it was sent already" };
      },
    });
    const q = new QueueView(document);
    await q.trim.open("b");
    document.getElementById("trim-cut").click();
    await tick();
    expect(document.getElementById("trim-error").textContent).toBe("job b: part of it was sent already");
    expect(document.getElementById("trim-dialog").open).toBe(true);
  });
});
