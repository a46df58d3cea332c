//! The durable upload queue (SQLite, WAL). Every fact the uploader depends on is
//! written here before the action it guards, so a kill at any instant loses nothing.

mod job;
mod schema;
mod store;

pub use job::{Job, JobState, LocalSession, PartChecksum, Transfer, UploadPlan};
pub use store::{Queue, QueueError, file_stamp};
