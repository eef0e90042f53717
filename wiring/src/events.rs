//! The push channel of job progress (AppSync Events): the namespace, the channel of a job and
//! the event job-state publishes on it.

use crate::owner::{channel_owner, sub_of_owner_segment};

/// The stack's one channel namespace: every channel is `/jobs/<owner>/<job>`.
pub const NAMESPACE: &str = "jobs";

/// The channel of `job`, owned by the caller whose owner segment (the stored `Owner`, the
/// job's `owner` user metadata) is `owner_segment`; `None` when that owner has no channel
/// form or the job id is not a channel segment (nothing is published; the page polls).
pub fn job_channel(owner_segment: &str, job: &str) -> Option<String> {
    let owner = channel_owner(&sub_of_owner_segment(owner_segment)?)?;
    let job_ok = (1..=crate::owner::MAX_CHANNEL_SEGMENT).contains(&job.len())
        && job.bytes().all(|b| b.is_ascii_alphanumeric());
    job_ok.then(|| format!("/{NAMESPACE}/{owner}/{job}"))
}

/// The fields of a published event's JSON (docs/api.md, "Pushed progress").
pub mod event {
    pub const JOB_ID: &str = "jobId";
    pub const STATUS: &str = "status";
    pub const PROGRESS: &str = "progress";
    pub const PHASE: &str = "phase";
    /// MediaConvert's event time, epoch milliseconds.
    pub const EVENT_TIME: &str = "eventTime";
    /// Increases with every stored change of the job: the client keeps the highest.
    pub const SEQUENCE: &str = "sequence";
}
