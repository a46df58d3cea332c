//! What to do after storage refused or dropped a presigned PUT, shared by the multipart
//! parts and the single PUT. Every path is bounded: re-signs are counted and backed
//! off, failures stop at the outage limit, and a link refused as expired right after it
//! was signed is a clock problem, not a reason to sign again.

use super::UploadError;
use super::storage_answer::Verdict;
use std::time::{Duration, Instant};

/// Expired links re-signed for one PUT before giving up on it (then the job waits).
pub const MAX_RESIGNS: u32 = 4;
/// A link used within this long of its signing (or within half its lifetime, if that is
/// shorter) should not be expired; if storage says it is, the clocks disagree.
const FRESH: Duration = Duration::from_secs(30);

/// Counts one PUT's attempts.
pub struct PutPolicy {
    what: String,
    started: Instant,
    max_outage: Duration,
    resigns: u32,
    failures: u32,
}

/// The next step after a refusal.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Sign the link again, after this pause.
    Resign(Duration),
    /// Send again with the same link, after this pause.
    Retry(Duration),
}

impl PutPolicy {
    /// `what` names the PUT in messages ("part 3", "class.mp4").
    pub fn new(what: impl Into<String>, max_outage: Duration) -> Self {
        Self {
            what: what.into(),
            started: Instant::now(),
            max_outage,
            resigns: 0,
            failures: 0,
        }
    }

    /// `verdict` of storage's answer (None: no answer, the connection failed) to a PUT of
    /// `url`, which was signed `age` before the PUT was sent.
    pub fn after(
        &mut self,
        verdict: Option<Verdict>,
        url: &str,
        age: Duration,
    ) -> Result<Next, UploadError> {
        match verdict {
            Some(Verdict::Resign) => {
                if age < fresh_window(url) {
                    return Err(UploadError::Clock(format!(
                        "storage refused the link for {} as expired {} s after it was signed: the clock of this computer, the upload service or storage is off; set it to the right time (automatic time) and the upload goes on by itself",
                        self.what,
                        age.as_secs()
                    )));
                }
                self.resigns += 1;
                if self.resigns > MAX_RESIGNS {
                    return Err(UploadError::Storage(format!(
                        "the upload links for {} expired {} times before it could be sent: the connection is too slow for the service's link lifetime; a bandwidth limit, if set, may be too low",
                        self.what, self.resigns
                    )));
                }
                // The first re-sign at once (an ordinary expiry on a slow link); then
                // back off, in case the service keeps signing stale links.
                let wait = if self.resigns == 1 {
                    Duration::ZERO
                } else {
                    super::retry::backoff(self.resigns - 2)
                };
                Ok(Next::Resign(wait))
            }
            Some(Verdict::UploadGone) => Err(UploadError::UploadGone),
            Some(Verdict::Refuse) => Err(UploadError::Rejected(format!(
                "storage refused {}",
                self.what
            ))),
            answered @ (Some(Verdict::Retry) | None) => {
                if self.started.elapsed() > self.max_outage {
                    let why = format!("{} could not be stored", self.what);
                    return Err(if answered.is_some() {
                        UploadError::Storage(format!("{why}: storage keeps failing"))
                    } else {
                        UploadError::Offline(format!("{why}: storage cannot be reached"))
                    });
                }
                let wait = super::retry::backoff(self.failures);
                self.failures += 1;
                Ok(Next::Retry(wait))
            }
        }
    }
}

/// How soon after signing an expiry means the clocks disagree: half the link's own
/// lifetime (`X-Amz-Expires`), at most [`FRESH`].
fn fresh_window(url: &str) -> Duration {
    let expires = url::Url::parse(url).ok().and_then(|u| {
        u.query_pairs()
            .find(|(k, _)| k.eq_ignore_ascii_case("X-Amz-Expires"))
            .and_then(|(_, v)| v.parse::<u64>().ok())
    });
    match expires {
        Some(secs) => Duration::from_secs(secs).div_f64(2.0).min(FRESH),
        None => FRESH,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str =
        "http://s3/b/k?X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-Signature=x";

    #[test]
    fn a_link_expired_right_after_signing_is_a_clock_problem() {
        let mut p = PutPolicy::new("part 1", Duration::from_secs(60));
        let e = p
            .after(Some(Verdict::Resign), URL, Duration::from_secs(1))
            .unwrap_err();
        assert!(
            matches!(e, UploadError::Clock(ref m) if m.contains("clock")),
            "{e}"
        );
    }

    #[test]
    fn re_signing_an_old_link_is_bounded_and_backed_off() {
        let mut p = PutPolicy::new("part 1", Duration::from_secs(60));
        let old = Duration::from_secs(3000);
        assert_eq!(
            p.after(Some(Verdict::Resign), URL, old).unwrap(),
            Next::Resign(Duration::ZERO)
        );
        for _ in 1..MAX_RESIGNS {
            assert!(matches!(
                p.after(Some(Verdict::Resign), URL, old).unwrap(),
                Next::Resign(d) if d > Duration::ZERO
            ));
        }
        let e = p.after(Some(Verdict::Resign), URL, old).unwrap_err();
        assert!(matches!(e, UploadError::Storage(_)), "{e}");
    }

    #[test]
    fn the_fresh_window_follows_the_link_lifetime() {
        assert_eq!(fresh_window(URL), FRESH);
        assert_eq!(
            fresh_window("http://s/b/k?X-Amz-Expires=2"),
            Duration::from_secs(1)
        );
        assert_eq!(fresh_window("not a url"), FRESH);
    }

    #[test]
    fn failures_stop_at_the_outage_limit_with_the_cause() {
        let mut p = PutPolicy::new("part 2", Duration::ZERO);
        std::thread::sleep(Duration::from_millis(2));
        assert!(matches!(
            p.after(None, URL, Duration::ZERO),
            Err(UploadError::Offline(_))
        ));
        assert!(matches!(
            p.after(Some(Verdict::Retry), URL, Duration::ZERO),
            Err(UploadError::Storage(_))
        ));
        assert!(matches!(
            p.after(Some(Verdict::Refuse), URL, Duration::ZERO),
            Err(UploadError::Rejected(_))
        ));
    }
}
