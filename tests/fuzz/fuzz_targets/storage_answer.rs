//! What storage answered to a presigned PUT (crates/core/src/upload/storage_answer.rs,
//! compiled here on its own). Whatever the status and body: no panic, and a storage
//! server's own failure (5xx) or a throttle (429) is never a reason to give up.
#![no_main]

#[path = "../../../crates/core/src/upload/storage_answer.rs"]
#[allow(dead_code)]
mod storage_answer;

use libfuzzer_sys::fuzz_target;
use storage_answer::{Verdict, judge};

fuzz_target!(|input: (u16, &str)| {
    let (status, body) = input;
    let verdict = judge(status, body);
    if matches!(status, 429 | 500..=599) {
        assert_ne!(verdict, Verdict::Refuse, "{status} {body:?}");
    }
});
