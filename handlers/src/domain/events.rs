//! MediaConvert's "Job State Change" events and what each means for a job's state.

use super::job_state::{CompleteDetails, ErrorDetails, JobStatus, StateUpdate};
use super::sanitize::sanitize_error_message;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// A "MediaConvert Job State Change" event. EventBridge delivers the full envelope; the seed's
/// own test events carry only `detail`, so every envelope field is optional.
#[derive(Debug, Clone, Deserialize)]
pub struct JobStateChange {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub time: Option<String>,
    pub detail: JobDetail,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobDetail {
    pub job_id: String,
    pub status: String,
    /// Epoch milliseconds. Events of one job can share a timestamp, so it only informs.
    #[serde(default)]
    pub timestamp: Option<i64>,
    #[serde(default)]
    pub user_metadata: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub job_progress: Option<JobProgress>,
    #[serde(default)]
    pub output_group_details: Option<Vec<OutputGroupDetail>>,
    #[serde(default)]
    pub error_code: Option<i64>,
    #[serde(default)]
    pub error_message: Option<String>,
    /// A string in the documented samples (`"000000"`), unlike `errorCode`.
    #[serde(default)]
    pub warning_code: Option<String>,
    #[serde(default)]
    pub warning_message: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobProgress {
    /// Absent while probing and null for some containers.
    #[serde(default)]
    pub job_percent_complete: Option<f64>,
    #[serde(default)]
    pub current_phase: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputGroupDetail {
    #[serde(default)]
    pub output_details: Option<Vec<OutputDetail>>,
    #[serde(default)]
    pub playlist_file_paths: Option<Vec<String>>,
    #[serde(default, rename = "type")]
    pub group_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputDetail {
    #[serde(default)]
    pub output_file_paths: Option<Vec<String>>,
    #[serde(default)]
    pub duration_in_ms: Option<i64>,
    #[serde(default)]
    pub video_details: Option<VideoDetails>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoDetails {
    #[serde(default)]
    pub width_in_px: Option<i64>,
    #[serde(default)]
    pub height_in_px: Option<i64>,
}

// Here rather than beside `CompleteDetails`: reading MediaConvert's output groups is this
// module's business, and the state model stays free of the event types.
impl CompleteDetails {
    /// Picks the HLS group when there is one (else the first group), the longest duration
    /// and the largest rendition, and the poster from a FILE group's frame capture. Zero or
    /// missing numbers stay absent: accelerated transcoding has sent a COMPLETE with no
    /// output paths and a zero duration.
    pub fn from_groups(groups: &[OutputGroupDetail]) -> Self {
        let poster = poster_of(groups);
        let group = groups
            .iter()
            .find(|g| g.group_type.as_deref() == Some("HLS_GROUP"))
            .or_else(|| groups.first());
        let Some(group) = group else {
            return Self {
                poster,
                ..Self::default()
            };
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
            poster,
        }
    }
}

/// The poster: the file name of a FILE group's `.jpg` output, which for a frame capture is
/// "the file name and path of the final captured image" (User Guide, "File group with a
/// frame capture output"). Only a plain file name is kept (letters, digits, `.`, `_`, `-`):
/// it becomes a URL path segment on the distribution, so nothing else may pass.
fn poster_of(groups: &[OutputGroupDetail]) -> Option<String> {
    groups
        .iter()
        .filter(|g| g.group_type.as_deref() == Some("FILE_GROUP"))
        .flat_map(|g| g.output_details.as_deref().unwrap_or_default())
        .flat_map(|o| o.output_file_paths.as_deref().unwrap_or_default())
        .filter_map(|path| path.rsplit('/').next())
        .find(|name| {
            name.len() > ".jpg".len()
                && name.ends_with(".jpg")
                && !name.starts_with('.')
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
        .map(str::to_string)
}

/// Why an event could not be understood. The message names the field; it never carries
/// anything secret because events hold no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadEvent(pub String);

impl fmt::Display for BadEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad MediaConvert event: {}", self.0)
    }
}

impl std::error::Error for BadEvent {}

impl JobStateChange {
    pub fn from_value(value: serde_json::Value) -> Result<Self, BadEvent> {
        let event: JobStateChange =
            serde_json::from_value(value).map_err(|e| BadEvent(e.to_string()))?;
        if event.detail.job_id.trim().is_empty() {
            return Err(BadEvent("detail.jobId is empty".into()));
        }
        Ok(event)
    }

    pub fn from_json(text: &str) -> Result<Self, BadEvent> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| BadEvent(format!("malformed JSON: {e}")))?;
        Self::from_value(value)
    }

    /// The product's job id this event belongs to: the user metadata `job` create-job set,
    /// when it is one (see [`super::is_job_id`]). `None`: not a job of this stack's
    /// create-job, nothing to store.
    pub fn job(&self) -> Option<&str> {
        self.detail
            .user_metadata
            .as_ref()?
            .get(wiring::metadata::JOB)
            .map(String::as_str)
            .filter(|id| super::is_job_id(id))
    }

    /// What this event means for the stored state of job `job_id`; `None` for the statuses
    /// that are not stored (INPUT_INFORMATION, NEW_WARNING, QUEUE_HOP and anything unknown).
    pub fn to_update(&self, job_id: &str) -> Option<StateUpdate> {
        let d = &self.detail;
        let (status, progress, complete, error) = match d.status.as_str() {
            "PROGRESSING" => (JobStatus::Progressing, None, None, None),
            "STATUS_UPDATE" => (
                JobStatus::Progressing,
                d.job_progress
                    .as_ref()
                    .and_then(|p| p.job_percent_complete)
                    .map(percent_to_progress),
                None,
                None,
            ),
            "COMPLETE" => (
                JobStatus::Complete,
                Some(100),
                Some(CompleteDetails::from_groups(
                    d.output_group_details.as_deref().unwrap_or_default(),
                )),
                None,
            ),
            "ERROR" => (
                JobStatus::Error,
                Some(100),
                None,
                Some(ErrorDetails {
                    code: d.error_code,
                    message: d.error_message.as_deref().map(sanitize_error_message),
                }),
            ),
            "CANCELED" => (JobStatus::Canceled, None, None, None),
            _ => return None,
        };
        Some(StateUpdate {
            job_id: job_id.to_string(),
            mediaconvert_job_id: Some(d.job_id.clone()),
            status,
            progress,
            event_time: d.timestamp,
            complete,
            error,
        })
    }
}

/// Progress while PROGRESSING stays within 0..=99: 100 belongs to the terminal states, so a
/// front end can treat 100 as "done".
fn percent_to_progress(p: f64) -> u8 {
    if p.is_nan() {
        return 0;
    }
    p.clamp(0.0, 99.0).floor() as u8
}
