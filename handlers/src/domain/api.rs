//! The status API: input validation, errors and answer shapes.

use super::job_state::{CompleteDetails, JobState, JobStatus};
use serde::Serialize;
use std::collections::BTreeMap;

/// S3's limit on a key, and so on anything that names an input file.
pub const MAX_KEY_BYTES: usize = 1024;
/// The longest upload file name. MediaConvert names its outputs after the input's base name,
/// and a longer name would push those keys past what
/// [`MAX_OUTPUT_PATH_BYTES`](super::naming::MAX_OUTPUT_PATH_BYTES) leaves room for
/// (it is also the usual file-system limit, so no real file is refused).
pub const MAX_FILE_NAME_BYTES: usize = 255;
/// The largest object a multipart upload makes: S3's 10,000 parts of 5 GiB (48.8 TiB).
pub const MAX_UPLOAD_LIMIT_BYTES: u64 =
    super::multipart::S3_MAX_PARTS * super::multipart::S3_MAX_PART_BYTES;

/// An API error: status, a stable code and a message for people. Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status: 400,
            code,
            message: message.into(),
        }
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status: 404,
            code,
            message: message.into(),
        }
    }

    /// The request is well formed but conflicts with the upload's state (parts missing or of
    /// the wrong length when completing).
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status: 409,
            code,
            message: message.into(),
        }
    }

    pub fn body(&self) -> String {
        serde_json::json!({"error": {"code": self.code, "message": self.message}}).to_string()
    }
}

pub(crate) fn check_text(field: &str, value: &str, max_bytes: usize) -> Result<(), ApiError> {
    if value.is_empty() {
        return Err(ApiError::bad_request(
            "empty",
            format!("{field} must not be empty"),
        ));
    }
    if value.len() > max_bytes {
        return Err(ApiError::bad_request(
            "too_long",
            format!(
                "{field} is {} bytes long; the limit is {max_bytes}",
                value.len()
            ),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "control_characters",
            format!("{field} contains control characters"),
        ));
    }
    Ok(())
}

/// `inputFile` of `GET /jobs`: an S3 key, already URL-decoded by API Gateway.
pub fn validate_input_file(value: Option<&str>) -> Result<&str, ApiError> {
    let value = value.ok_or_else(|| {
        ApiError::bad_request("missing_parameter", "query parameter inputFile is required")
    })?;
    check_text("inputFile", value, MAX_KEY_BYTES)?;
    Ok(value)
}

/// `jobId` of `GET /jobs/{jobId}`: MediaConvert ids are short ASCII (`1763942400123-abc123`).
pub fn validate_job_id(value: &str) -> Result<&str, ApiError> {
    check_text("jobId", value, 128)?;
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ApiError::bad_request(
            "bad_job_id",
            "jobId may contain only letters, digits, '-' and '_'",
        ));
    }
    Ok(value)
}

/// `GET /jobs/{jobId}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    pub job_id: String,
    pub status: String,
    pub progress: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_event_time: Option<i64>,
    #[serde(flatten)]
    pub facts: VideoFacts,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playlists: Option<BTreeMap<String, String>>,
    /// The main playlist on the playback distribution (COMPLETE only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playback_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// For a documented error code, a short reason for people ([`super::error_reason`]);
    /// absent for other codes, where the message is all there is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_reason: Option<&'static str>,
    /// Whether trying the same upload again can help; present with `error_reason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retryable: Option<bool>,
}

impl JobView {
    /// `playback_base` is the distribution's base URL (`PLAYBACK_URL`), whose origin path is
    /// the output bucket's `hls/`: the job's main playlist is `<base>/<job id>/index.m3u8`.
    pub fn new(
        job_id: &str,
        state: &JobState,
        output_path: Option<String>,
        playback_base: &str,
    ) -> Self {
        let complete = state
            .complete
            .as_ref()
            .filter(|_| state.status == JobStatus::Complete);
        let error = state
            .error
            .as_ref()
            .filter(|_| state.status == JobStatus::Error);
        let known = error.and_then(|e| e.code).and_then(super::error_reason);
        JobView {
            job_id: job_id.to_string(),
            status: state.status.as_str().to_string(),
            progress: state.progress,
            last_event_time: state.last_event_time,
            facts: VideoFacts::of(job_id, state, playback_base),
            output_path: output_path.filter(|_| complete.is_some()),
            playlists: complete
                .map(|c| c.playlists.clone())
                .filter(|p| !p.is_empty()),
            playback_url: complete.map(|_| {
                playback_file_url(
                    playback_base,
                    job_id,
                    &format!("{}.m3u8", super::HLS_BASE_NAME),
                )
            }),
            error_code: error.and_then(|e| e.code),
            error_message: error.and_then(|e| e.message.clone()),
            error_reason: known.map(|r| r.reason),
            retryable: known.map(|r| r.retryable),
        }
    }
}

/// A file of job `job_id`'s folder on the playback distribution, whose origin path is the
/// output bucket's `hls/`: `<base>/<job id>/<name>`.
fn playback_file_url(playback_base: &str, job_id: &str, name: &str) -> String {
    format!("{}/{job_id}/{name}", playback_base.trim_end_matches('/'))
}

/// What tells finished videos apart without playing them, in a job's answer and in each
/// item of `GET /jobs`: COMPLETE only, each when MediaConvert reported it (a job made before
/// the template had a poster has none).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoFacts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width_px: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height_px: Option<u64>,
    /// The poster JPEG on the playback distribution, beside the playlists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poster_url: Option<String>,
}

impl VideoFacts {
    pub fn of(job_id: &str, state: &JobState, playback_base: &str) -> Self {
        let Some(c) = state
            .complete
            .as_ref()
            .filter(|_| state.status == JobStatus::Complete)
        else {
            return VideoFacts::default();
        };
        VideoFacts {
            duration_ms: c.duration_ms,
            width_px: c.width_px,
            height_px: c.height_px,
            poster_url: c
                .poster
                .as_deref()
                .map(|name| playback_file_url(playback_base, job_id, name)),
        }
    }
}

/// `GET /jobs?inputFile=KEY`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LatestJobView {
    pub input_file: String,
    pub job_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<u8>,
}

/// `POST /uploads`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadView {
    pub upload_url: String,
    pub method: &'static str,
    /// Headers the PUT must carry (the signature covers them).
    pub headers: BTreeMap<String, String>,
    /// The key to poll with `GET /jobs?inputFile=`.
    pub input_file: String,
    pub expires_at: String,
    pub expires_in_seconds: u64,
}

/// `info.json`, written beside the key file on COMPLETE (the seed's snake_case names).
pub fn info_json(details: &CompleteDetails) -> String {
    serde_json::to_string(details).expect("plain data serializes")
}
