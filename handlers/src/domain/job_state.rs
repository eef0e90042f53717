//! A job's state (status, progress, details) and the order-independent merge of updates.

use super::events::OutputGroupDetail;
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
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Submitted => "SUBMITTED",
            JobStatus::Progressing => "PROGRESSING",
            JobStatus::Complete => "COMPLETE",
            JobStatus::Error => "ERROR",
            JobStatus::Canceled => "CANCELED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "SUBMITTED" => JobStatus::Submitted,
            "PROGRESSING" => JobStatus::Progressing,
            "COMPLETE" => JobStatus::Complete,
            "ERROR" => JobStatus::Error,
            "CANCELED" => JobStatus::Canceled,
            _ => return None,
        })
    }

    /// All terminal states share one rank: a terminal state is never replaced, not even by
    /// another terminal one (a job has exactly one).
    pub fn rank(self) -> u8 {
        match self {
            JobStatus::Submitted => 1,
            JobStatus::Progressing => 2,
            JobStatus::Complete | JobStatus::Error | JobStatus::Canceled => 3,
        }
    }

    pub fn is_terminal(self) -> bool {
        self.rank() == 3
    }

    /// The progress to show for a stored item. Status and progress are separate conditional
    /// writes, so a reader can see COMPLETE or ERROR before the 100 that comes with them
    /// lands; the status alone already says the job is done.
    pub fn progress_shown(self, stored: u8) -> u8 {
        match self {
            JobStatus::Complete | JobStatus::Error => 100,
            _ => stored,
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
}

impl CompleteDetails {
    /// Picks the HLS group when there is one (else the first group), the longest duration
    /// and the largest rendition. Zero or missing numbers stay absent: accelerated
    /// transcoding has sent a COMPLETE with no output paths and a zero duration.
    pub fn from_groups(groups: &[OutputGroupDetail]) -> Self {
        let group = groups
            .iter()
            .find(|g| g.group_type.as_deref() == Some("HLS_GROUP"))
            .or_else(|| groups.first());
        let Some(group) = group else {
            return Self::default();
        };
        let outputs = group.output_details.as_deref().unwrap_or_default();
        let positive = |v: Option<i64>| v.filter(|n| *n > 0).map(|n| n as u64);
        let duration_ms = outputs
            .iter()
            .filter_map(|o| positive(o.duration_in_ms))
            .max();
        let size = outputs
            .iter()
            .filter_map(|o| {
                let v = o.video_details.as_ref()?;
                Some((positive(v.width_in_px)?, positive(v.height_in_px)?))
            })
            .max_by_key(|(w, h)| w * h);
        let playlists = group
            .playlist_file_paths
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter_map(|path| {
                let name = path.rsplit('/').next().filter(|n| !n.is_empty())?;
                let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
                Some((ext.to_string(), name.to_string()))
            })
            .collect();
        CompleteDetails {
            duration_ms,
            width_px: size.map(|s| s.0),
            height_px: size.map(|s| s.1),
            playlists,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorDetails {
    pub code: Option<i64>,
    /// Already sanitized.
    pub message: Option<String>,
}

/// One event's contribution to a job's state: a status (the rank component), maybe a
/// progress (the progress component) and its timestamp (kept as information).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateUpdate {
    pub job_id: String,
    pub status: JobStatus,
    pub progress: Option<u8>,
    pub event_time: Option<i64>,
    pub complete: Option<CompleteDetails>,
    pub error: Option<ErrorDetails>,
}

impl StateUpdate {
    /// What create-job records right after CreateJob: MediaConvert emits no SUBMITTED event.
    pub fn submitted(job_id: &str) -> Self {
        StateUpdate {
            job_id: job_id.to_string(),
            status: JobStatus::Submitted,
            progress: Some(0),
            event_time: None,
            complete: None,
            error: None,
        }
    }
}

/// The stored state of one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobState {
    pub status: JobStatus,
    pub progress: u8,
    pub last_event_time: Option<i64>,
    pub complete: Option<CompleteDetails>,
    pub error: Option<ErrorDetails>,
}

/// The merge: the state is the join of the updates seen, component by component.
/// - status: the update of the highest rank wins, and only a strictly higher rank replaces
///   (so SUBMITTED never overwrites, a terminal state is final, a duplicate changes nothing);
///   the COMPLETE/ERROR details travel with their status;
/// - progress: the maximum seen (never goes down; an update without one keeps it), so a
///   CANCELED job keeps the progress it had;
/// - last event time: the maximum seen, as information only (timestamps can tie).
///
/// Each component is a max over a total order, so the result does not depend on the order
/// or the repetition of the updates. The store enforces each component with its own
/// DynamoDB condition expression.
pub fn merge(state: Option<JobState>, update: &StateUpdate) -> JobState {
    let mut next = match state {
        Some(s) => s,
        None => JobState {
            status: update.status,
            progress: 0,
            last_event_time: None,
            complete: update.complete.clone(),
            error: update.error.clone(),
        },
    };
    if update.status.rank() > next.status.rank() {
        next.status = update.status;
        next.complete = update.complete.clone();
        next.error = update.error.clone();
    }
    if let Some(p) = update.progress {
        next.progress = next.progress.max(p);
    }
    next.last_event_time = match (next.last_event_time, update.event_time) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    next
}

/// The state after a whole history, in the order given.
pub fn fold<'a>(updates: impl IntoIterator<Item = &'a StateUpdate>) -> Option<JobState> {
    updates
        .into_iter()
        .fold(None, |state, u| Some(merge(state, u)))
}
