//! The session rules across replicas, model-checked: random sequences (proptest) of
//! starts (with and without `client_ref`), completions, renames and deletes by two users,
//! sent to two server instances on one database — one after another, and in pairs at
//! the same instant (one on each instance, racing on the real database). Every answer
//! and, after every step, every session as either instance reads it must be what a
//! simple model gives (for a racing pair: the model in one order or the other):
//!
//! - one session per user and `client_ref`, whoever starts it and however often;
//! - a deleted session's `client_ref` never names a session again;
//! - a completion is made once: a repeat with the same body is a repeat, another is a
//!   conflict, and it never changes what was stored; a deleted session takes none;
//! - a session is deleted once, only by its user.
//!
//! On SQLite (two connections to one file) and Postgres (two pools on one database).
//! `PROPTEST_CASES` sets the number of sequences per database (default 24).

use super::sessions::{Completion, Deletion, Started};
use super::tests::fresh_postgres;
use super::{DatabaseConfig, Db};
use idance_contract::wire::{CompleteSessionRequest, Session, SessionStatus};
use proptest::prelude::*;

const USERS: [&str; 2] = ["ana", "bruno"];

#[derive(Debug, Clone)]
enum Op {
    Start {
        user: usize,
        client_ref: Option<u8>,
    },
    Complete {
        session: usize,
        body: u8,
    },
    Rename {
        session: usize,
        title: u8,
    },
    /// By `user`: the session's own, or another who must not reach it.
    Delete {
        session: usize,
        user: usize,
    },
}

#[derive(Debug, Clone)]
enum Step {
    /// On instance 0 or 1.
    One(usize, Op),
    /// One on each instance at the same instant.
    Together(Op, Op),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..2usize, proptest::option::of(0..3u8))
            .prop_map(|(user, client_ref)| Op::Start { user, client_ref }),
        3 => (0..8usize, 0..2u8).prop_map(|(session, body)| Op::Complete { session, body }),
        1 => (0..8usize, 0..3u8).prop_map(|(session, title)| Op::Rename { session, title }),
        2 => (0..8usize, 0..2usize).prop_map(|(session, user)| Op::Delete { session, user }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (0..2usize, op()).prop_map(|(i, o)| Step::One(i, o)),
        1 => (op(), op()).prop_map(|(a, b)| Step::Together(a, b)),
    ]
}

/// What one call answered, comparable with the model's.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    New(String),
    Existing(String),
    Deleted,
    Done,
    Repeat,
    Conflict,
    Gone,
    Renamed(String),
    NotRenamed,
    Marked,
    Already,
    Missing,
    Nothing,
}

#[derive(Debug, Clone, PartialEq)]
struct ModelSession {
    id: String,
    user: usize,
    client_ref: Option<String>,
    title: Option<String>,
    completion: Option<CompleteSessionRequest>,
    deleted: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Model {
    sessions: Vec<ModelSession>,
}

fn body(session_id: &str, user: usize, b: u8) -> CompleteSessionRequest {
    CompleteSessionRequest {
        session_id: session_id.to_string(),
        end_time: "2026-12-05T10:00:00Z".into(),
        duration_minutes: 45.0,
        calories_burned: None,
        video_url: format!(
            "https://storage/sessions/{}/{session_id}/v{b}.mp4",
            USERS[user]
        ),
        video_file_key: format!("sessions/{}/{session_id}/v{b}.mp4", USERS[user]),
        thumbnail_url: None,
        thumbnail_file_key: None,
    }
}

/// An op with the ids it needs fixed (the model and the databases see the same).
#[derive(Debug, Clone)]
enum Call {
    Start {
        user: usize,
        client_ref: Option<String>,
        new_id: String,
    },
    Complete(CompleteSessionRequest),
    Rename {
        id: String,
        user: usize,
        title: String,
    },
    Delete {
        id: String,
        user: usize,
    },
    Nothing,
}

impl Model {
    fn call(&self, op: &Op) -> Call {
        let pick =
            |n: usize| (!self.sessions.is_empty()).then(|| &self.sessions[n % self.sessions.len()]);
        match *op {
            Op::Start { user, client_ref } => Call::Start {
                user,
                client_ref: client_ref.map(|r| format!("local-{r}")),
                new_id: uuid::Uuid::new_v4().to_string(),
            },
            Op::Complete { session, body: b } => match pick(session) {
                Some(s) => Call::Complete(body(&s.id, s.user, b)),
                None => Call::Nothing,
            },
            Op::Rename { session, title } => match pick(session) {
                Some(s) => Call::Rename {
                    id: s.id.clone(),
                    user: s.user,
                    title: format!("Class {title}"),
                },
                None => Call::Nothing,
            },
            Op::Delete { session, user } => match pick(session) {
                Some(s) => Call::Delete {
                    id: s.id.clone(),
                    user,
                },
                None => Call::Nothing,
            },
        }
    }

    /// The rules, as plainly as they can be said.
    fn apply(&mut self, call: &Call) -> Answer {
        match call {
            Call::Nothing => Answer::Nothing,
            Call::Start {
                user,
                client_ref,
                new_id,
            } => {
                let same = self.sessions.iter().find(|s| {
                    client_ref.is_some() && s.user == *user && s.client_ref == *client_ref
                });
                match same {
                    Some(s) if s.deleted => Answer::Deleted,
                    Some(s) => Answer::Existing(s.id.clone()),
                    None => {
                        self.sessions.push(ModelSession {
                            id: new_id.clone(),
                            user: *user,
                            client_ref: client_ref.clone(),
                            title: None,
                            completion: None,
                            deleted: false,
                        });
                        Answer::New(new_id.clone())
                    }
                }
            }
            Call::Complete(req) => {
                let s = self.find(&req.session_id);
                if s.deleted {
                    return Answer::Gone;
                }
                match &s.completion {
                    None => {
                        s.completion = Some(req.clone());
                        Answer::Done
                    }
                    Some(done) if done == req => Answer::Repeat,
                    Some(_) => Answer::Conflict,
                }
            }
            Call::Rename { id, title, .. } => {
                let s = self.find(id);
                if s.deleted {
                    return Answer::NotRenamed;
                }
                s.title = Some(title.clone());
                Answer::Renamed(title.clone())
            }
            Call::Delete { id, user } => {
                let s = self.find(id);
                if s.user != *user {
                    Answer::Missing
                } else if s.deleted {
                    Answer::Already
                } else {
                    s.deleted = true;
                    Answer::Marked
                }
            }
        }
    }

    fn find(&mut self, id: &str) -> &mut ModelSession {
        self.sessions
            .iter_mut()
            .find(|s| s.id == id)
            .expect("the model made every id it is asked about")
    }
}

async fn run(db: &Db, call: &Call) -> Answer {
    let at = chrono::Utc::now().to_rfc3339();
    match call.clone() {
        Call::Nothing => Answer::Nothing,
        Call::Start {
            user,
            client_ref,
            new_id,
        } => match db
            .start_session(USERS[user].into(), None, client_ref, new_id, at)
            .await
            .expect("start")
        {
            Started::New(s) => Answer::New(s.session_id),
            Started::Existing(s) => Answer::Existing(s.session_id),
            Started::Deleted => Answer::Deleted,
        },
        Call::Complete(req) => match db
            .complete_session(req, at, Some(1))
            .await
            .expect("complete")
        {
            Completion::Done(_) => Answer::Done,
            Completion::Repeat(_) => Answer::Repeat,
            Completion::Conflict => Answer::Conflict,
            Completion::Gone => Answer::Gone,
        },
        Call::Rename { id, user, title } => {
            match db
                .update_session(id, USERS[user].into(), Some(title), None)
                .await
                .expect("rename")
            {
                Some(s) => Answer::Renamed(s.title.unwrap_or_default()),
                None => Answer::NotRenamed,
            }
        }
        Call::Delete { id, user } => match db
            .mark_deleted(id, USERS[user].into(), at)
            .await
            .expect("delete")
        {
            Deletion::Marked(_) => Answer::Marked,
            Deletion::Already(_) => Answer::Already,
            Deletion::Missing => Answer::Missing,
        },
    }
}

/// Every session as `db` reads it, against the model.
async fn same_as_model(db: &Db, model: &Model) -> Result<(), String> {
    for m in &model.sessions {
        let got: Option<Session> = db.session(m.id.clone()).await.expect("read");
        let want = (!m.deleted).then_some(());
        match (got, want) {
            (None, None) => {}
            (Some(s), Some(())) => {
                let status = if m.completion.is_some() {
                    SessionStatus::Completed
                } else {
                    SessionStatus::Active
                };
                let key = m.completion.as_ref().map(|c| c.video_file_key.clone());
                if s.status != status
                    || s.video_file_key != key
                    || s.title != m.title
                    || s.user_id != USERS[m.user]
                    || s.client_ref != m.client_ref
                {
                    return Err(format!(
                        "session {} reads {s:?}, the model says {m:?}",
                        m.id
                    ));
                }
            }
            (got, _) => {
                return Err(format!(
                    "session {}: read {got:?}, the model says {m:?}",
                    m.id
                ));
            }
        }
    }
    for (u, user) in USERS.iter().enumerate() {
        let page = db
            .library((*user).into(), None, None, 1000)
            .await
            .expect("library");
        let mut listed: Vec<String> = page.sessions.into_iter().map(|s| s.session_id).collect();
        let mut live: Vec<String> = model
            .sessions
            .iter()
            .filter(|s| s.user == u && !s.deleted)
            .map(|s| s.id.clone())
            .collect();
        listed.sort();
        live.sort();
        if listed != live {
            return Err(format!(
                "{user}'s library lists {listed:?}, the model {live:?}"
            ));
        }
    }
    Ok(())
}

/// Both instances read what the model holds.
async fn agrees(instances: &[Db; 2], model: &Model) -> Result<(), String> {
    for (i, db) in instances.iter().enumerate() {
        same_as_model(db, model)
            .await
            .map_err(|e| format!("instance {i}: {e}"))?;
    }
    Ok(())
}

async fn check(instances: &[Db; 2], steps: &[Step]) -> Result<(), String> {
    let mut model = Model::default();
    for (n, step) in steps.iter().enumerate() {
        match step {
            Step::One(i, op) => {
                let call = model.call(op);
                let want = model.apply(&call);
                let got = run(&instances[*i], &call).await;
                if got != want {
                    return Err(format!(
                        "step {n} {op:?} on instance {i}: answered {got:?}, the model {want:?}"
                    ));
                }
            }
            Step::Together(a, b) => {
                let (ca, cb) = (model.call(a), model.call(b));
                let (ga, gb) = tokio::join!(run(&instances[0], &ca), run(&instances[1], &cb));
                // Linearizable: the pair is what one order or the other gives.
                let orders = [(&ca, &cb, false), (&cb, &ca, true)].map(|(x, y, swapped)| {
                    let mut m = model.clone();
                    let (ax, ay) = (m.apply(x), m.apply(y));
                    let (wa, wb) = if swapped { (ay, ax) } else { (ax, ay) };
                    (m, wa, wb)
                });
                // (Two renames answer alike in either order: what is stored tells.)
                let mut last = format!(
                    "step {n}: {a:?} and {b:?} at once answered {ga:?} and {gb:?}, which no order gives"
                );
                let mut found = None;
                for (m, wa, wb) in orders {
                    if wa != ga || wb != gb {
                        continue;
                    }
                    match agrees(instances, &m).await {
                        Ok(()) => {
                            found = Some(m);
                            break;
                        }
                        Err(e) => last = format!("after step {n} {step:?}: {e}"),
                    }
                }
                model = found.ok_or(last)?;
                continue;
            }
        }
        agrees(instances, &model)
            .await
            .map_err(|e| format!("after step {n} {step:?}: {e}"))?;
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

fn model_check(open: impl Fn(&tempfile::TempDir) -> DatabaseConfig) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(steps in proptest::collection::vec(step(), 1..40))| {
        let dir = tempfile::tempdir().unwrap();
        let config = open(&dir);
        let result = rt.block_on(async {
            let a = Db::open(&config).await.expect("instance 0 opens");
            let b = Db::open(&config).await.expect("instance 1 opens");
            check(&[a, b], &steps).await
        });
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
    });
}

#[test]
fn two_instances_on_one_sqlite_file_keep_the_session_rules() {
    model_check(|dir| DatabaseConfig::Sqlite(dir.path().join("sessions.db")));
}

#[test]
fn two_instances_on_one_postgres_keep_the_session_rules() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    model_check(|_| DatabaseConfig::Postgres(rt.block_on(fresh_postgres())));
}
