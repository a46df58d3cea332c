//! Benchmark (not a test) of the desktop app with a big queue:
//! - time from launch to an interactive queue view, empty queue (baseline) against
//!   10,000 queued jobs, in the same run;
//! - idle RSS of the app process, empty queue against 1,000 queued jobs.
//!
//! `cargo run --release -p idance-tests --example bench_app [JOBS_FOR_TIME] [JOBS_FOR_RSS]`
//! (the app binary: $IDANCE_APP_BIN, default the workspace's debug build; build it with
//! `cargo build --release -p idance-app` and point IDANCE_APP_BIN at it for real numbers).
//! Jobs are seeded paused, so the app sits idle with them.

use idance_contract::FileKind;
use idance_core::Queue;
use idance_tests::desktop::{tauri_driver, workspace_bin, xvfb};
use idance_tests::webdriver::Driver;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

async fn seed(data: &Path, video: &Path, jobs: usize) {
    let queue = Queue::open(&data.join("client").join("queue.db")).unwrap();
    for i in 0..jobs {
        let session = queue
            .create_session(Some(format!("Class {i}")))
            .await
            .unwrap();
        let job = queue
            .enqueue(&session.local_id, video, FileKind::Video, Some(600.0))
            .await
            .unwrap();
        idance_core::lifecycle::pause(&queue, &job.job_id)
            .await
            .unwrap();
    }
}

struct Launch {
    to_ready: Duration,
    page_ms: f64,
    rows: u64,
    rss_kib: u64,
    pss_kib: u64,
}

async fn launch(app: &Path, data: &Path, idle: Duration) -> Launch {
    let (_x, display) = xvfb();
    let env = vec![
        ("IDANCE_DATA_DIR", data.display().to_string()),
        ("XDG_DATA_HOME", data.join("xdg").display().to_string()),
        ("XDG_CONFIG_HOME", data.join("xdg").display().to_string()),
        ("XDG_CACHE_HOME", data.join("xdg").display().to_string()),
    ];
    let (_driver, base) = tauri_driver(&display, &env);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let t0 = Instant::now();
    let driver = Driver::start(&base, app).await;
    driver
        .wait_for(
            "ready",
            "return document.body.dataset.ready === 'true'",
            Duration::from_secs(120),
        )
        .await;
    let to_ready = t0.elapsed();
    let page = driver
        .exec(
            "return [performance.now(), document.querySelectorAll('#queue-list li').length]",
            serde_json::json!([]),
        )
        .await;
    tokio::time::sleep(idle).await;
    let (rss_kib, pss_kib) = app_memory_kib(app);
    driver.quit().await;
    Launch {
        to_ready,
        page_ms: page[0].as_f64().unwrap_or(0.0),
        rows: page[1].as_u64().unwrap_or(0),
        rss_kib,
        pss_kib,
    }
}

fn proc_field(pid: u64, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn pss_kib(pid: u64) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// (VmRSS of the app process, PSS of the app plus its WebKit helper processes): PSS
/// shares the WebKit libraries fairly instead of counting them in every process.
fn app_memory_kib(app: &Path) -> (u64, u64) {
    let pids: Vec<u64> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse().ok())
        .collect();
    let Some(main) = pids
        .iter()
        .copied()
        .filter(|p| std::fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|e| e == app))
        .max()
    else {
        return (0, 0);
    };
    let mut total = pss_kib(main);
    for p in &pids {
        if proc_field(*p, "PPid:") == Some(main) {
            total += pss_kib(*p);
        }
    }
    (proc_field(main, "VmRSS:").unwrap_or(0), total)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let time_jobs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let rss_jobs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let app = std::env::var_os("IDANCE_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_bin("idance-app", "idance-app"));
    let app = std::fs::canonicalize(&app).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let video = idance_tests::make_video(dir.path(), "class.mp4", 1);
    println!("app: {}", app.display());

    let empty = dir.path().join("empty");
    let base = launch(&app, &empty, Duration::from_secs(10)).await;
    let big = dir.path().join("big");
    let started = Instant::now();
    seed(&big, &video, time_jobs).await;
    println!(
        "seeded {time_jobs} jobs in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let many = launch(&app, &big, Duration::from_secs(1)).await;
    let mid = dir.path().join("mid");
    seed(&mid, &video, rss_jobs).await;
    let idle = launch(&app, &mid, Duration::from_secs(10)).await;

    println!(
        "launch → interactive queue: empty {:.2} s (page {:.0} ms) | {time_jobs} jobs {:.2} s (page {:.0} ms, {} rows drawn) | ratio {:.2}",
        base.to_ready.as_secs_f64(),
        base.page_ms,
        many.to_ready.as_secs_f64(),
        many.page_ms,
        many.rows,
        many.to_ready.as_secs_f64() / base.to_ready.as_secs_f64()
    );
    let mib = |k: u64| k as f64 / 1024.0;
    println!(
        "idle memory after 10 s, app process RSS: empty {:.1} MiB | {rss_jobs} jobs {:.1} MiB | ratio {:.2}",
        mib(base.rss_kib),
        mib(idle.rss_kib),
        idle.rss_kib as f64 / base.rss_kib.max(1) as f64
    );
    println!(
        "idle memory after 10 s, app + WebKit processes PSS: empty {:.1} MiB | {rss_jobs} jobs {:.1} MiB | ratio {:.2}",
        mib(base.pss_kib),
        mib(idle.pss_kib),
        idle.pss_kib as f64 / base.pss_kib.max(1) as f64
    );
}
