import { beforeEach, describe, expect, it } from "vitest";
import { PAGE, QueueView } from "../app/js/queue.js";
import { job, loadPage, mockTauri, tick } from "./mock.js";

describe("queue view", () => {
  beforeEach(loadPage);

  it("shows each state with its label, reason and buttons", async () => {
    const ipc = mockTauri({});
    const q = new QueueView(document);
    q.setJobs([
      job({ job_id: "a", state: "uploading" }),
      job({ job_id: "b", state: "paused" }),
      job({ job_id: "c", state: "waiting", wait_reason: "network", error: "waiting for the network: connection refused" }),
      job({ job_id: "d", state: "failed", error: "salsa.mp4 changed after it was queued" }),
      job({ job_id: "e", state: "completed" }),
    ]);
    await tick();
    const row = (id) => document.querySelector(`li[data-job="${id}"]`);
    const buttons = (id) => [...row(id).querySelectorAll("button")].map((b) => b.textContent);
    expect(row("a").querySelector(".state").textContent).toBe("Uploading");
    expect(buttons("a")).toEqual(["Pause", "Cancel"]);
    expect(buttons("b")).toEqual(["Resume", "Cancel", "Trim…"]);
    expect(row("c").querySelector(".state").textContent).toBe("Waiting for network");
    expect(row("d").querySelector(".reason").textContent).toBe("salsa.mp4 changed after it was queued");
    expect(buttons("d")).toEqual(["Retry", "Cancel", "Trim…"]);
    expect(buttons("e")).toEqual([]);
    expect(row("e").querySelector(".bar-fill").style.width).toBe("100%");
    expect(document.getElementById("queue-summary").textContent).toBe("2 to upload · 1 paused · 1 failed · 1 done");
    expect(document.getElementById("queue-empty").hidden).toBe(true);
    expect(document.querySelectorAll("img.thumb[src]").length).toBe(5);
  });

  it("a job's change redraws its row alone; a job not shown yet fetches the list", async () => {
    const ipc = mockTauri({ queue_view: [job({ job_id: "a", state: "paused" }), job({ job_id: "n" })] });
    const q = new QueueView(document);
    q.setJobs([job({ job_id: "a", state: "uploading" }), job({ job_id: "b", state: "queued" })]);
    const row = (id) => document.querySelector(`li[data-job="${id}"]`);
    const b = row("b");
    q.on({ type: "job_changed", job_id: "a", view: job({ job_id: "a", state: "paused" }) });
    expect(row("a").querySelector(".state").textContent).toBe("Paused");
    expect(document.getElementById("queue-summary").textContent).toContain("1 paused");
    expect(row("b")).toBe(b);
    expect(ipc.called("queue_view").length).toBe(0);
    q.on({ type: "job_changed", job_id: "n", view: job({ job_id: "n" }) });
    q.on({ type: "job_changed", job_id: "n", view: job({ job_id: "n" }) });
    await new Promise((r) => setTimeout(r, 150));
    expect(ipc.called("queue_view").length).toBe(1);
    expect(row("n")).not.toBeNull();
  });

  it("progress events move the bar and show speed and time left", async () => {
    mockTauri({});
    const q = new QueueView(document);
    q.setJobs([job({ job_id: "a", state: "uploading", size: 1000 })]);
    q.onProgress({ job_id: "a", bytes_done: 400, total: 1000, speed: 200, eta_secs: 3 });
    const li = document.querySelector('li[data-job="a"]');
    expect(li.querySelector(".bar-fill").style.width).toBe("40%");
    expect(li.querySelector(".speed").textContent).toBe("200 B/s");
    expect(li.querySelector(".eta").textContent).toBe("3 sec left");
  });

  it("buttons call the matching command with the job id", async () => {
    const jobs = [job({ job_id: "a", state: "uploading" }), job({ job_id: "d", state: "failed" })];
    const ipc = mockTauri({ pause: null, resume: null, cancel: null, queue_view: jobs });
    const q = new QueueView(document);
    q.setJobs(jobs);
    document.querySelector('li[data-job="a"] button[data-action="pause"]').click();
    await tick();
    document.querySelector('li[data-job="d"] button[data-action="retry"]').click();
    await tick();
    expect(ipc.called("pause")).toEqual([{ jobId: "a" }]);
    expect(ipc.called("resume")).toEqual([{ jobId: "d" }]);
  });

  it("a queue of 10,000 renders one page at first and more on demand", async () => {
    mockTauri({});
    const q = new QueueView(document);
    const many = Array.from({ length: 10_000 }, (_, i) => job({ job_id: `j${i}` }));
    q.setJobs(many);
    expect(document.querySelectorAll("#queue-list li").length).toBe(PAGE);
    const more = document.getElementById("queue-more");
    expect(more.hidden).toBe(false);
    more.click();
    expect(document.querySelectorAll("#queue-list li").length).toBe(PAGE * 6);
  });

  it("a recording's row shows its thumbnail by URL once one exists", async () => {
    mockTauri({});
    const q = new QueueView(document);
    q.setJobs([job({ job_id: "r", state: "uploading", has_thumbnail: false })]);
    const img = () => document.querySelector('li[data-job="r"] img.thumb');
    expect(img().getAttribute("src")).toBeNull();
    // Stopped: the thumbnail is made and the app says so.
    q.setJobs([job({ job_id: "r", state: "uploading", has_thumbnail: true })]);
    expect(img().getAttribute("src")).toBe("idance-media://localhost/thumb/r");
    expect(img().hidden).toBe(true);
    // A load that failed is tried again with the job's next change.
    img().dispatchEvent(new Event("error"));
    img().removeAttribute("src");
    q.setJobs([job({ job_id: "r", state: "uploading", has_thumbnail: true })]);
    expect(img().getAttribute("src")).toBe("idance-media://localhost/thumb/r");
    img().dispatchEvent(new Event("load"));
    expect(img().hidden).toBe(false);
    expect(document.querySelector('li[data-job="r"] .thumb.placeholder').hidden).toBe(true);
    // Loaded once; a later change does not load it again (a failed load would).
    img().removeAttribute("src");
    q.setJobs([job({ job_id: "r", state: "completed" })]);
    expect(img().getAttribute("src")).toBeNull();
  });

  it("an empty queue says so", () => {
    mockTauri({});
    new QueueView(document).setJobs([]);
    expect(document.getElementById("queue-empty").hidden).toBe(false);
  });

  it("a video being compressed reads Optimizing N % with the encode as its bar", async () => {
    mockTauri({});
    const q = new QueueView(document);
    q.setJobs([job({ job_id: "o", state: "uploading", optimizing: 45, size: 0 })]);
    await tick();
    const row = document.querySelector('li[data-job="o"]');
    expect(row.querySelector(".state").textContent).toBe("Optimizing 45%");
    expect(row.querySelector(".bar-fill").style.width).toBe("45%");
    expect(row.querySelector(".size").textContent).toBe("");
    q.onJobChanged("o", job({ job_id: "o", state: "uploading", optimizing: null, size: 10_000_000 }));
    expect(row.querySelector(".state").textContent).toBe("Uploading");
  });
});
