//! A job's state (status, progress, details) and the order-independent merge of updates.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    Submitted,
    Progressing,
    Complete,
    Error,
    Canceled,
    /// The tombstone `DELETE /jobs/{jobId}` writes: it outranks every MediaConvert status, so
    /// no late or redelivered event of a deleted job brings it back.
    Deleted,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Submitted => "SUBMITTED",
            JobStatus::Progressing => "PROGRESSING",
            JobStatus::Complete => "COMPLETE",
            JobStatus::Error => "ERROR",
            JobStatus::Canceled => "CANCELED",
            JobStatus::Deleted => "DELETED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "SUBMITTED" => JobStatus::Submitted,
            "PROGRESSING" => JobStatus::Progressing,
            "COMPLETE" => JobStatus::Complete,
            "ERROR" => JobStatus::Error,
            "CANCELED" => JobStatus::Canceled,
            "DELETED" => JobStatus::Deleted,
            _ => return None,
        })
    }

    /// All terminal states share one rank: a job's terminal state is never replaced by a
    /// non-terminal one. The delete tombstone ranks above them all.
    pub fn rank(self) -> u8 {
        match self {
            JobStatus::Submitted => 1,
            JobStatus::Progressing => 2,
            JobStatus::Complete | JobStatus::Error | JobStatus::Canceled => 3,
            JobStatus::Deleted => 4,
        }
    }

    /// Nothing more will happen to the job: it ended (or was deleted).
    pub fn is_terminal(self) -> bool {
        self.rank() >= 3
    }

    /// The progress an update in this status stands for: terminal states are 100 (done,
    /// whichever way), the others what the event said, 0 without a percent.
    pub fn progress_of(self, progress: Option<u8>) -> u8 {
        if self.is_terminal() {
            100
        } else {
            progress.unwrap_or(0)
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CompleteDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width_px: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height_px: Option<u64>,
    /// Playlist extension -> file name, as the seed stored it (`{"m3u8": "name.m3u8"}`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub playlists: BTreeMap<String, String>,
    /// The poster's file name beside the HLS files (`poster.0000005.jpg`): the frame
    /// capture's final image, as COMPLETE names it. Absent for jobs made before the template
    /// had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poster: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorDetails {
    pub code: Option<i64>,
    /// Already sanitized.
    pub message: Option<String>,
}

/// One event's contribution to a job's state: a status, maybe a progress, its timestamp and
/// the details that travel with a terminal status. `job_id` is the product's job id (the
/// client request token create-job fixed before CreateJob); `mediaconvert_job_id` is the
/// MediaConvert job the event came from (two of them may share one job id, see
/// `entrypoints::CreateJob::record`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateUpdate {
    pub job_id: String,
    pub mediaconvert_job_id: Option<String>,
    pub status: JobStatus,
    pub progress: Option<u8>,
    pub event_time: Option<i64>,
    pub complete: Option<CompleteDetails>,
    pub error: Option<ErrorDetails>,
}

/// Digits of the event time in [`StateUpdate::order`]: epoch milliseconds stay below 10^13
/// until the year 2286.
const TIME_DIGITS: usize = 13;

impl StateUpdate {
    /// What create-job records right after CreateJob: MediaConvert emits no SUBMITTED event.
    pub fn submitted(job_id: &str, mediaconvert_job_id: Option<&str>) -> Self {
        StateUpdate {
            job_id: job_id.to_string(),
            mediaconvert_job_id: mediaconvert_job_id.map(str::to_string),
            status: JobStatus::Submitted,
            progress: Some(0),
            event_time: None,
            complete: None,
            error: None,
        }
    }

    /// The tombstone of a deleted job, at `now_ms` (epoch milliseconds): the greatest update
    /// a job can have, so the merge keeps it whatever MediaConvert sends afterwards.
    pub fn deleted(job_id: &str, now_ms: i64) -> Self {
        StateUpdate {
            job_id: job_id.to_string(),
            mediaconvert_job_id: None,
            status: JobStatus::Deleted,
            progress: None,
            event_time: Some(now_ms),
            complete: None,
            error: None,
        }
    }

    /// The update's place in the merge's total order, as a string whose byte order is that
    /// order (DynamoDB compares strings by their UTF-8 bytes, so one condition `order < :new`
    /// enforces it): status rank, then progress, then event time, each zero-padded; then the
    /// status name and the MediaConvert job id, so two different updates never tie (equal
    /// orders are the same update delivered twice).
    pub fn order(&self) -> String {
        let time = self
            .event_time
            .unwrap_or(0)
            .clamp(0, 10i64.pow(TIME_DIGITS as u32) - 1);
        format!(
            "{}.{:03}.{time:0width$}.{}.{}",
            self.status.rank(),
            self.status.progress_of(self.progress),
            self.status.as_str(),
            self.mediaconvert_job_id.as_deref().unwrap_or(""),
            width = TIME_DIGITS,
        )
    }

    /// The state this update alone stands for.
    pub fn state(&self) -> JobState {
        JobState {
            status: self.status,
            progress: self.status.progress_of(self.progress),
            last_event_time: self.event_time,
            complete: self.complete.clone(),
            error: self.error.clone(),
        }
    }
}

/// The stored state of one job: the state of the greatest update seen (see [`merge`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobState {
    pub status: JobStatus,
    pub progress: u8,
    /// The time of the event the state comes from (not necessarily the latest event seen:
    /// a late event without a percent does not replace one with a higher percent).
    pub last_event_time: Option<i64>,
    pub complete: Option<CompleteDetails>,
    pub error: Option<ErrorDetails>,
}

/// The merge: the state is that of the greatest update seen in [`StateUpdate::order`], the
/// lexicographic order over (status rank, progress, event time). A maximum over a total order
/// is commutative, associative and idempotent, so the result depends neither on the order nor
/// on the repetition of the updates; and since terminal states rank highest and carry 100,
/// a job never moves backwards: SUBMITTED never overwrites, a terminal state is final (only
/// another terminal update of the same job id with a later time replaces it: the second
/// MediaConvert job of a retried upload, writing the same files), progress never goes down;
/// and a delete's tombstone ([`StateUpdate::deleted`]) outranks everything. The store enforces it with one conditional write per update.
pub fn merge(state: Option<(String, JobState)>, update: &StateUpdate) -> (String, JobState) {
    let order = update.order();
    match state {
        Some((current, state)) if current >= order => (current, state),
        _ => (order, update.state()),
    }
}

/// The state after a whole history, in the order given.
pub fn fold<'a>(updates: impl IntoIterator<Item = &'a StateUpdate>) -> Option<JobState> {
    updates
        .into_iter()
        .fold(None, |state, u| Some(merge(state, u)))
        .map(|(_, state)| state)
}
