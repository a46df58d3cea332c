//! A job's life under racing callers, model-checked: random sequences of what the app,
//! `idance sync` and a second runner do at once on one real queue database (each its
//! own connection to the file) — add, lease, pause, resume, cancel, trim, part stored,
//! stored, complete, sleep past the lease, crash and restart — interleaved step by
//! step, with the invariants checked after every step:
//!
//! - a completed or cancelled job never changes again;
//! - a runner's write counts only while it holds the job's lease (one holder at a time);
//! - no part is counted twice (a job's parts never add up to more than its file);
//! - a job is `completed` only if its session was completed on the server (a video:
//!   with it);
//! - a completion never names the object of a job that is (or later gets) cancelled.
//!
//! A runner here takes the steps `Runner::run_job` takes, through the same calls
//! (`try_lease`, `lifecycle::apply_held`, `set_plan`, `record_part`, `set_stored`,
//! `lifecycle::completion`); storage and the server are a record of what reached them.
//! `PROPTEST_CASES` sets the number of sequences (default 64); a failure prints the
//! shortest sequence found.

use idance_contract::FileKind;
use idance_core::lifecycle::{self, Completion, Outcome, Transition};
use idance_core::queue::{JobState, PartChecksum, Queue, QueueError, UploadPlan};
use idance_core::{Job, WaitReason};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

const CALLERS: usize = 3;
const PARTS: u32 = 3;
/// A lease no step outlives unless the caller sleeps.
const LEASE_MS: i64 = 600_000;

#[derive(Debug, Clone)]
enum Op {
    /// A new session with a video (and maybe its thumbnail), by the app or the CLI.
    Add {
        caller: usize,
        thumbnail: bool,
    },
    Pause {
        caller: usize,
        job: usize,
    },
    Resume {
        caller: usize,
        job: usize,
    },
    Cancel {
        caller: usize,
        job: usize,
    },
    /// The first second of the video, in its place (ffmpeg; rare, it is slow).
    Trim {
        caller: usize,
        job: usize,
    },
    /// The caller's runner takes its next step.
    Step {
        caller: usize,
    },
    /// The network drops under the caller's transfer: the job waits.
    Outage {
        caller: usize,
    },
    /// The caller's computer sleeps past its lease; its runner goes on when it wakes.
    Sleep {
        caller: usize,
    },
    /// The caller is killed and started again: a new process, its lease left behind.
    Crash {
        caller: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let c = 0..CALLERS;
    let j = 0..8usize;
    prop_oneof![
        3 => (c.clone(), any::<bool>()).prop_map(|(caller, thumbnail)| Op::Add { caller, thumbnail }),
        2 => (c.clone(), j.clone()).prop_map(|(caller, job)| Op::Pause { caller, job }),
        2 => (c.clone(), j.clone()).prop_map(|(caller, job)| Op::Resume { caller, job }),
        2 => (c.clone(), j.clone()).prop_map(|(caller, job)| Op::Cancel { caller, job }),
        1 => (c.clone(), j).prop_map(|(caller, job)| Op::Trim { caller, job }),
        16 => c.clone().prop_map(|caller| Op::Step { caller }),
        1 => c.clone().prop_map(|caller| Op::Outage { caller }),
        2 => c.clone().prop_map(|caller| Op::Sleep { caller }),
        1 => c.prop_map(|caller| Op::Crash { caller }),
    ]
}

/// Where a caller's runner is in `run_job`.
#[derive(Debug, Clone)]
enum Phase {
    Leased,
    Sending {
        next_part: u32,
    },
    /// Storage holds the whole object; the queue is not told yet.
    InStorage,
    /// The queue says stored; the session is to be completed.
    Recorded,
    /// The server completed the session; the queue is not told yet.
    ServerCompleted {
        thumbnails: Vec<String>,
    },
}

#[derive(Debug)]
struct Task {
    job_id: String,
    phase: Phase,
}

struct Caller {
    queue: Queue,
    owner: String,
    /// Every process this caller has been (a crashed one's lease stays behind).
    owners: Vec<String>,
    task: Option<Task>,
    turn: usize,
}

struct World {
    db: PathBuf,
    dir: PathBuf,
    clip: PathBuf,
    callers: Vec<Caller>,
    /// The checker's own view of the file.
    raw: rusqlite::Connection,
    /// Objects storage holds: key → the job whose file it is.
    storage: HashMap<String, String>,
    /// Sessions the server completed: local session → (video key, thumbnail key).
    completed: HashMap<String, (String, Option<String>)>,
    /// Jobs once seen completed or cancelled: (state, stored key) then.
    terminal: HashMap<String, (JobState, Option<String>)>,
    files: usize,
}

fn owner(caller: usize, generation: usize) -> String {
    format!("caller{caller}-process{generation}")
}

impl World {
    fn new(dir: &Path, clip: &Path) -> Self {
        let db = dir.join("queue.db");
        let callers = (0..CALLERS)
            .map(|i| Caller {
                queue: Queue::open(&db).expect("open the queue"),
                owner: owner(i, 0),
                owners: vec![owner(i, 0)],
                task: None,
                turn: 0,
            })
            .collect();
        let raw = rusqlite::Connection::open(&db).expect("open the queue file");
        raw.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
        Self {
            db,
            dir: dir.to_path_buf(),
            clip: clip.to_path_buf(),
            callers,
            raw,
            storage: HashMap::new(),
            completed: HashMap::new(),
            terminal: HashMap::new(),
            files: 0,
        }
    }

    async fn jobs(&self) -> Vec<Job> {
        self.callers[0].queue.jobs().await.expect("read the jobs")
    }

    async fn nth_job(&self, n: usize) -> Option<Job> {
        let jobs = self.jobs().await;
        (!jobs.is_empty()).then(|| jobs[n % jobs.len()].clone())
    }

    fn lease_owner(&self, job_id: &str) -> Option<String> {
        self.raw
            .query_row(
                "SELECT lease_owner FROM jobs WHERE job_id = ?1",
                [job_id],
                |r| r.get(0),
            )
            .expect("read the lease")
    }

    /// A runner's write succeeded: it must have held the lease.
    fn assert_held(&self, caller: usize, job_id: &str, what: &str) {
        let holder = self.lease_owner(job_id);
        assert_eq!(
            holder.as_deref(),
            Some(self.callers[caller].owner.as_str()),
            "{what} of job {job_id} by {} went through while the lease is {holder:?}'s",
            self.callers[caller].owner
        );
    }

    async fn apply(&mut self, op: &Op) {
        match *op {
            Op::Add { caller, thumbnail } => {
                self.files += 1;
                let video = self.dir.join(format!("class{}.mp4", self.files));
                std::fs::copy(&self.clip, &video).expect("copy the clip");
                let q = &self.callers[caller].queue;
                let s = q.create_session(None).await.expect("a session");
                if thumbnail {
                    let jpg = self.dir.join(format!("class{}.jpg", self.files));
                    std::fs::write(&jpg, b"\xFF\xD8 a thumbnail").unwrap();
                    q.enqueue(&s.local_id, &jpg, FileKind::Thumbnail, None)
                        .await
                        .expect("queue the thumbnail");
                }
                q.enqueue(&s.local_id, &video, FileKind::Video, Some(2.0))
                    .await
                    .expect("queue the video");
            }
            Op::Pause { caller, job } | Op::Resume { caller, job } | Op::Cancel { caller, job } => {
                let Some(j) = self.nth_job(job).await else {
                    return;
                };
                let q = &self.callers[caller].queue;
                let _ = match op {
                    Op::Pause { .. } => lifecycle::pause(q, &j.job_id).await,
                    Op::Resume { .. } => lifecycle::resume(q, &j.job_id).await,
                    _ => lifecycle::cancel(q, None, &j.job_id).await.map(|(o, _)| o),
                }
                .expect("a user's action");
            }
            Op::Trim { caller, job } => {
                let Some(j) = self.nth_job(job).await else {
                    return;
                };
                let thumbs = self.dir.join("thumbs");
                // Refusals (not a video, already sent) are answers, not failures.
                let _ = idance_core::trim::trim_job(
                    &self.callers[caller].queue,
                    &j.job_id,
                    0.0,
                    Some(1.0),
                    &thumbs,
                )
                .await;
            }
            Op::Step { caller } => self.step(caller).await,
            Op::Outage { caller } => {
                let c = &self.callers[caller];
                let Some(task) = &c.task else { return };
                if matches!(task.phase, Phase::Sending { .. } | Phase::Leased) {
                    let id = task.job_id.clone();
                    let out = lifecycle::apply_held(
                        &c.queue,
                        &id,
                        &c.owner,
                        Transition::Wait(WaitReason::Network),
                        Some("the network dropped".into()),
                    )
                    .await
                    .expect("wait");
                    if out.is_done() {
                        self.assert_held(caller, &id, "wait");
                    }
                    self.end_task(caller).await;
                }
            }
            Op::Sleep { caller } => {
                for o in &self.callers[caller].owners {
                    self.raw
                        .execute(
                            "UPDATE jobs SET lease_until = 0 WHERE lease_owner = ?1",
                            [o],
                        )
                        .expect("expire the lease");
                }
            }
            Op::Crash { caller } => {
                let c = &mut self.callers[caller];
                let generation = c.owners.len();
                c.owner = owner(caller, generation);
                c.owners.push(c.owner.clone());
                c.task = None;
                c.queue = Queue::open(&self.db).expect("reopen the queue");
            }
        }
    }

    async fn end_task(&mut self, caller: usize) {
        let c = &mut self.callers[caller];
        if let Some(task) = c.task.take() {
            c.queue
                .release(task.job_id, c.owner.clone())
                .await
                .expect("release");
        }
    }

    /// One step of `Runner::run_job` / `drive` for `caller`.
    async fn step(&mut self, caller: usize) {
        let Some(task) = self.callers[caller].task.take() else {
            return self.lease_next(caller).await;
        };
        let (q, me) = (
            self.callers[caller].queue.clone(),
            self.callers[caller].owner.clone(),
        );
        let id = task.job_id.clone();
        let job = q.job(id.clone()).await.expect("read the job");
        let next = match task.phase {
            // Nothing to do for it any more (paused, cancelled, done meanwhile).
            Phase::Leased if !lifecycle::is_pending(job.state) => None,
            Phase::Leased => {
                if job.stored().is_some() {
                    Some(Phase::Recorded)
                } else {
                    let out = lifecycle::apply_held(&q, &id, &me, Transition::Start, None)
                        .await
                        .expect("start");
                    if out.is_done() {
                        self.assert_held(caller, &id, "start");
                        let plan = UploadPlan {
                            upload_id: format!("upload-{id}-{me}"),
                            file_key: format!("sessions/{id}"),
                            file_url: format!("https://storage/sessions/{id}"),
                            part_size: job.size.div_ceil(u64::from(PARTS)),
                            checksum: PartChecksum::Crc32c,
                        };
                        match job.plan() {
                            Some(_) => Some(Phase::Sending { next_part: 1 }),
                            None => {
                                match q.set_plan(id.clone(), Some(me.clone()), Some(plan)).await {
                                    Ok(()) => {
                                        self.assert_held(caller, &id, "a new upload");
                                        Some(Phase::Sending { next_part: 1 })
                                    }
                                    Err(QueueError::LeaseLost(_)) => None,
                                    Err(e) => panic!("set_plan: {e}"),
                                }
                            }
                        }
                    } else {
                        // Paused or cancelled since it was read, or taken over: the
                        // runner puts back what it may (a pause or cancel stays).
                        self.requeue(caller, &id).await;
                        None
                    }
                }
            }
            Phase::Sending { next_part } if next_part > PARTS => Some(Phase::InStorage),
            Phase::Sending { next_part } => {
                let Some(plan) = job.plan().cloned() else {
                    // Another process started the upload afresh; this one stops.
                    self.requeue(caller, &id).await;
                    return self.end_task(caller).await;
                };
                let size = plan.part_size.min(
                    job.size
                        .saturating_sub(plan.part_size * u64::from(next_part - 1)),
                );
                match q
                    .record_part(
                        id.clone(),
                        Some(me.clone()),
                        next_part,
                        format!("etag{next_part}"),
                        size,
                    )
                    .await
                {
                    Ok(()) => {
                        self.assert_held(caller, &id, "a part");
                        if next_part == PARTS {
                            self.storage.insert(plan.file_key.clone(), id.clone());
                        }
                        Some(Phase::Sending {
                            next_part: next_part + 1,
                        })
                    }
                    Err(QueueError::LeaseLost(_)) => None,
                    Err(e) => panic!("record_part: {e}"),
                }
            }
            Phase::InStorage => {
                let key = format!("sessions/{id}");
                let out = q
                    .set_stored(
                        id.clone(),
                        Some(me.clone()),
                        key.clone(),
                        format!("https://storage/{key}"),
                    )
                    .await
                    .expect("set_stored");
                if out == Outcome::Done {
                    self.assert_held(caller, &id, "stored");
                    Some(Phase::Recorded)
                } else {
                    self.requeue(caller, &id).await;
                    None
                }
            }
            Phase::Recorded if job.kind == FileKind::Thumbnail => None,
            Phase::Recorded => match lifecycle::completion(&q, &job).await.expect("completion") {
                Completion::Later => None,
                Completion::Ready {
                    video,
                    thumbnail,
                    thumbnails,
                } => {
                    let (key, _) = video.stored().expect("a ready video is stored");
                    let thumb_key = thumbnail
                        .as_ref()
                        .and_then(|t| t.stored().map(|s| s.0.to_string()));
                    // The server's completion: idempotent with the same body.
                    let prev = self.completed.insert(
                        video.local_session.clone(),
                        (key.to_string(), thumb_key.clone()),
                    );
                    if let Some(prev) = prev {
                        assert_eq!(
                            prev,
                            (key.to_string(), thumb_key.clone()),
                            "a session completed twice with different files"
                        );
                    }
                    Some(Phase::ServerCompleted { thumbnails })
                }
            },
            Phase::ServerCompleted { ref thumbnails } => {
                for t in thumbnails {
                    lifecycle::apply(&q, t, Transition::Complete, None)
                        .await
                        .expect("complete the thumbnail");
                }
                let out = lifecycle::apply_held(&q, &id, &me, Transition::Complete, None)
                    .await
                    .expect("complete");
                if out.is_done() {
                    self.assert_held(caller, &id, "complete");
                }
                None
            }
        };
        match next {
            Some(phase) => self.callers[caller].task = Some(Task { job_id: id, phase }),
            None => q.release(id, me).await.expect("release"),
        }
    }

    /// The runner stopped mid-job (`Requeue`: a pause or cancel keeps its state).
    async fn requeue(&mut self, caller: usize, id: &str) {
        let c = &self.callers[caller];
        let out = lifecycle::apply_held(&c.queue, id, &c.owner, Transition::Requeue, None)
            .await
            .expect("requeue");
        if out.is_done() {
            self.assert_held(caller, id, "requeue");
        }
    }

    /// A runner's round: the next pending job it can lease.
    async fn lease_next(&mut self, caller: usize) {
        let pending: Vec<Job> = self
            .jobs()
            .await
            .into_iter()
            .filter(lifecycle::is_runner_work)
            .collect();
        if pending.is_empty() {
            return;
        }
        let c = &mut self.callers[caller];
        c.turn += 1;
        let job = &pending[c.turn % pending.len()];
        let leased = c
            .queue
            .try_lease(job.job_id.clone(), c.owner.clone(), LEASE_MS)
            .await
            .expect("lease");
        if leased {
            c.task = Some(Task {
                job_id: job.job_id.clone(),
                phase: Phase::Leased,
            });
        }
    }

    /// The invariants, after every step.
    async fn check(&mut self, after: &Op) {
        let jobs = self.jobs().await;
        let by_id: BTreeMap<&str, &Job> = jobs.iter().map(|j| (j.job_id.as_str(), j)).collect();
        for j in &jobs {
            let now = (j.state, j.stored().map(|s| s.0.to_string()));
            if let Some(then) = self.terminal.get(&j.job_id) {
                assert_eq!(
                    &now, then,
                    "job {} changed after {:?} ({after:?})",
                    j.job_id, then.0
                );
            } else if matches!(j.state, JobState::Completed | JobState::Cancelled) {
                self.terminal.insert(j.job_id.clone(), now);
            }
            let parts = self.callers[0]
                .queue
                .parts(j.job_id.clone())
                .await
                .expect("parts");
            let total: u64 = parts.iter().map(|p| p.2).sum();
            assert!(
                total <= j.size,
                "job {}: parts add up to {total} bytes of a {}-byte file ({after:?})",
                j.job_id,
                j.size
            );
            if j.state == JobState::Completed {
                assert!(
                    j.stored().is_some(),
                    "job {} is completed, not stored",
                    j.job_id
                );
                let named = self.completed.get(&j.local_session).is_some_and(|(v, _)| {
                    j.kind == FileKind::Thumbnail || j.stored().is_some_and(|s| s.0 == v)
                });
                assert!(
                    named,
                    "job {} is completed but its session was not completed with it ({after:?})",
                    j.job_id
                );
            }
            if let Some((key, _)) = j.stored() {
                assert!(
                    self.storage.get(key) == Some(&j.job_id),
                    "job {} says stored at {key}, which storage does not hold",
                    j.job_id
                );
            }
        }
        for (session, (video, thumb)) in &self.completed {
            for key in std::iter::once(video).chain(thumb) {
                let owner = by_id.values().find(|j| {
                    j.stored().is_some_and(|s| s.0 == key)
                        || format!("sessions/{}", j.job_id) == *key
                });
                if let Some(j) = owner {
                    assert_ne!(
                        j.state,
                        JobState::Cancelled,
                        "session {session}'s completion names {key}, the object of cancelled job {} ({after:?})",
                        j.job_id
                    );
                }
            }
        }
    }
}

/// A real 2-second clip (trim cuts it with ffmpeg).
fn clip(dir: &Path) -> PathBuf {
    let out = dir.join("clip.mp4");
    let ok = std::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg("testsrc=size=64x48:rate=10")
        .args([
            "-t",
            "2",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "5",
        ])
        .arg(&out)
        .status()
        .expect("ffmpeg runs")
        .success();
    assert!(ok, "ffmpeg made no clip");
    out
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

#[test]
fn a_jobs_life_keeps_its_invariants_whatever_the_callers_interleave() {
    let shared = tempfile::tempdir().unwrap();
    let clip = clip(shared.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = ProptestConfig {
        cases: cases(),
        // The shortest failing sequence is worth the wait.
        max_shrink_iters: 2048,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(ops in proptest::collection::vec(op(), 1..80))| {
        let dir = tempfile::tempdir().unwrap();
        rt.block_on(async {
            let mut world = World::new(dir.path(), &clip);
            for op in &ops {
                world.apply(op).await;
                world.check(op).await;
            }
            // Then every lease runs out (the crashed processes' too) and the runners go
            // on undisturbed: every job still pending must reach its end.
            for caller in 0..CALLERS {
                world.apply(&Op::Sleep { caller }).await;
            }
            for round in 0..600 {
                let caller = round % CALLERS;
                world.step(caller).await;
                world.check(&Op::Step { caller }).await;
                let busy = world.callers.iter().any(|c| c.task.is_some());
                if !busy && !world.jobs().await.iter().any(lifecycle::is_runner_work) {
                    break;
                }
            }
            let stuck: Vec<String> = world
                .jobs()
                .await
                .into_iter()
                .filter(lifecycle::is_runner_work)
                .map(|j| format!("{} {:?} stored={}", j.job_id, j.state, j.stored().is_some()))
                .collect();
            assert!(stuck.is_empty(), "jobs never ended: {stuck:?}");
        });
    });
}
