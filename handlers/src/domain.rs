//! The rules of the pipeline, with no I/O: MediaConvert's event types, the job-state merge,
//! naming of outputs and key files, error sanitizing, S3 key decoding, sequencer ordering,
//! API input validation and answer shapes. Everything here is a pure function of its inputs,
//! so the unit and property tests exercise it without any AWS endpoint.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

// ---------------------------------------------------------------------------------------
// MediaConvert "Job State Change" events
// ---------------------------------------------------------------------------------------

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

    /// What this event means for the stored job state; `None` for the statuses that are
    /// not stored (INPUT_INFORMATION, NEW_WARNING, QUEUE_HOP and anything unknown).
    pub fn to_update(&self) -> Option<StateUpdate> {
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
            job_id: d.job_id.clone(),
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

// ---------------------------------------------------------------------------------------
// Job state and its merge
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Job creation: names and identities
// ---------------------------------------------------------------------------------------

/// An S3 object key as S3 sends it in an event is URL-encoded: `+` and `%20` are spaces,
/// non-ASCII characters are percent-encoded UTF-8.
pub fn decode_s3_key(raw: &str) -> Result<String, String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                    let h = std::str::from_utf8(h).ok()?;
                    u8::from_str_radix(h, 16).ok()
                });
                match hex {
                    Some(b) => out.push(b),
                    None => {
                        return Err(format!("S3 key {raw:?} has a malformed percent escape"));
                    }
                }
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    let key =
        String::from_utf8(out).map_err(|_| format!("S3 key {raw:?} does not decode to UTF-8"))?;
    if key.is_empty() {
        return Err("S3 key is empty".into());
    }
    Ok(key)
}

/// Width every stored sequencer is padded to.
pub const SEQUENCER_WIDTH: usize = 64;

/// S3's documentation: sequencers of one key can differ in length; to compare them, right-pad
/// the shorter with zeros, then compare lexicographically. Padding every sequencer to one
/// fixed width (and one letter case) makes DynamoDB's string comparison that same order, so
/// a condition expression can compare them.
pub fn normalize_sequencer(raw: &str) -> Result<String, String> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("S3 sequencer {raw:?} is not a hexadecimal string"));
    }
    if raw.len() > SEQUENCER_WIDTH {
        return Err(format!(
            "S3 sequencer {raw:?} is longer than {SEQUENCER_WIDTH} digits"
        ));
    }
    let mut s = raw.to_ascii_uppercase();
    s.extend(std::iter::repeat_n('0', SEQUENCER_WIDTH - raw.len()));
    Ok(s)
}

/// `yyyymmddHHMMSS` in UTC for epoch seconds (civil-from-days, proleptic Gregorian).
pub fn utc_compact(epoch_secs: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil(epoch_secs);
    format!("{y:04}{m:02}{d:02}{hh:02}{mm:02}{ss:02}")
}

/// RFC 3339 in UTC for epoch seconds.
pub fn utc_rfc3339(epoch_secs: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil(epoch_secs);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

fn civil(epoch_secs: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = epoch_secs.div_euclid(86_400);
    let secs = epoch_secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, secs % 3600 / 60, secs % 60)
}

/// The most bytes an output path (a key prefix) takes. S3 keys end at 1024 bytes, and
/// MediaConvert appends its file names to the path: the input's base name, the output's name
/// modifier, a segment number and the extension. 700 leaves 324 bytes for those: a base name
/// of up to 255 bytes (the file-name limit of the file systems uploads come from) plus 69 for
/// modifier, `_00001` and `.m3u8`. The key file (`key_file_name`) fits in the same room.
pub const MAX_OUTPUT_PATH_BYTES: usize = 700;

/// The longest key file name; see [`MAX_OUTPUT_PATH_BYTES`].
pub const MAX_KEY_FILE_NAME_BYTES: usize = 255;

/// `<input key>_<UTC yyyymmddHHMMSS of the upload>_<sequencer>/`: unique per upload (S3's
/// sequencer differs between two writes of one key) and the same for every retry of one
/// event, so a retried CreateJob that MediaConvert deduplicates still matches what we stored.
///
/// A key too long for [`MAX_OUTPUT_PATH_BYTES`] is cut (on a character boundary) and followed
/// by `~` and 16 hex digits of a hash of the whole key, so two long keys that share their
/// beginning still get different paths.
pub fn output_path(input_key: &str, upload_epoch_secs: i64, raw_sequencer: &str) -> String {
    let suffix = format!(
        "_{}_{}/",
        utc_compact(upload_epoch_secs),
        raw_sequencer.to_ascii_lowercase()
    );
    if input_key.len() + suffix.len() <= MAX_OUTPUT_PATH_BYTES {
        return format!("{input_key}{suffix}");
    }
    let digest = format!("~{:016x}", fnv1a_128(input_key.bytes()) >> 64);
    let room = MAX_OUTPUT_PATH_BYTES.saturating_sub(suffix.len() + digest.len());
    format!("{}{digest}{suffix}", prefix_within(input_key, room))
}

/// The longest prefix of `s` of at most `max_bytes` bytes that ends on a character boundary.
fn prefix_within(s: &str, max_bytes: usize) -> &str {
    let mut end = max_bytes.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The input's base name without its extension, plus `.key` (the seed's naming), cut to
/// [`MAX_KEY_FILE_NAME_BYTES`]. No hash is needed: the output path is unique per job already.
pub fn key_file_name(input_key: &str) -> String {
    let base = input_key.rsplit('/').next().unwrap_or(input_key);
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) => stem,
        None => base,
    };
    if stem.is_empty() {
        "media.key".into()
    } else {
        let stem = prefix_within(stem, MAX_KEY_FILE_NAME_BYTES - ".key".len());
        format!("{stem}.key")
    }
}

/// FNV-1a, 128 bits: stable across builds and platforms, which `std`'s hasher is not.
fn fnv1a_128(bytes: impl IntoIterator<Item = u8>) -> u128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    bytes
        .into_iter()
        .fold(OFFSET, |h, b| (h ^ u128::from(b)).wrapping_mul(PRIME))
}

/// CreateJob's idempotency token from the object's identity (key and sequencer): a stable
/// hash, so a retry of the same event sends the same token.
pub fn client_request_token(input_key: &str, normalized_sequencer: &str) -> String {
    let h = fnv1a_128(
        input_key
            .bytes()
            .chain(std::iter::once(0))
            .chain(normalized_sequencer.bytes()),
    );
    format!("{h:032x}")
}

/// The user metadata MediaConvert carries into every event of the job: the stack's rule
/// matches `stack`; job-state's metrics read `submittedAt` (epoch milliseconds); nothing
/// secret.
pub fn user_metadata(
    stack: &str,
    input_key: &str,
    submitted_at_ms: i64,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("stack".to_string(), stack.to_string()),
        ("inputFile".to_string(), input_key.to_string()),
        ("submittedAt".to_string(), submitted_at_ms.to_string()),
    ])
}

pub fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The key file holds the 16 raw key bytes. The error never echoes the value.
pub fn hex_decode_key(hex: &str) -> Result<[u8; 16], String> {
    let bytes = hex.as_bytes();
    if bytes.len() != 32 {
        return Err(format!(
            "stored key value has {} hex digits, expected 32",
            bytes.len()
        ));
    }
    let mut out = [0u8; 16];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let s = std::str::from_utf8(pair).map_err(|_| "stored key value is not hex")?;
        out[i] = u8::from_str_radix(s, 16).map_err(|_| "stored key value is not hex")?;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Error sanitizing
// ---------------------------------------------------------------------------------------

/// Drops every `s3://bucket/` prefix (bucket names never reach the front end) and every
/// 12-digit account id (as in ARNs), keeping the rest of the message readable.
pub fn sanitize_error_message(message: &str) -> String {
    let mut without_buckets = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("s3://") {
        without_buckets.push_str(&rest[..at]);
        let after = &rest[at + 5..];
        let bucket_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_'))
            .unwrap_or(after.len());
        rest = &after[bucket_len..];
        if let Some(stripped) = rest.strip_prefix('/') {
            rest = stripped;
        }
    }
    without_buckets.push_str(rest);

    let mut out = String::with_capacity(without_buckets.len());
    let mut digits = String::new();
    for c in without_buckets.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if digits.len() != 12 {
            out.push_str(&digits);
        }
        digits.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Status API: validation and answer shapes
// ---------------------------------------------------------------------------------------

/// S3's limit on a key, and so on anything that names an input file.
pub const MAX_KEY_BYTES: usize = 1024;
/// The longest upload file name. MediaConvert names its outputs after the input's base name,
/// and a longer name would push those keys past what [`MAX_OUTPUT_PATH_BYTES`] leaves room for
/// (it is also the usual file-system limit, so no real file is refused).
pub const MAX_FILE_NAME_BYTES: usize = 255;
/// A single PUT (what a presigned URL allows) is limited to 5 GiB.
pub const MAX_SINGLE_PUT_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// An API error: status, a stable code and a message for people. Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// For 405: the method the resource allows (the `Allow` header).
    pub allow: Option<&'static str>,
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status: 400,
            code,
            message: message.into(),
            allow: None,
        }
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status: 404,
            code,
            message: message.into(),
            allow: None,
        }
    }

    pub fn method_not_allowed(method: &str, allowed: &'static str) -> Self {
        ApiError {
            status: 405,
            code: "method_not_allowed",
            message: format!("method {method} is not allowed here; use {allowed}"),
            allow: Some(allowed),
        }
    }

    pub fn body(&self) -> String {
        serde_json::json!({"error": {"code": self.code, "message": self.message}}).to_string()
    }
}

fn check_text(field: &str, value: &str, max_bytes: usize) -> Result<(), ApiError> {
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

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UploadRequest {
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size: Option<u64>,
}

/// A validated upload: the key under a fresh prefix and the optional content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPlan {
    pub key: String,
    pub content_type: Option<String>,
}

/// Checks `POST /uploads`'s body. The key is `<upload_prefix><prefix_token>/<fileName>`;
/// `prefix_token` is fresh randomness from the caller, so two uploads of one file name never
/// share a key.
pub fn plan_upload(
    body: Option<&str>,
    suffixes: &[String],
    upload_prefix: &str,
    prefix_token: &str,
) -> Result<UploadPlan, ApiError> {
    let body = body.filter(|b| !b.trim().is_empty()).ok_or_else(|| {
        ApiError::bad_request("missing_body", "a JSON body with fileName is required")
    })?;
    let req: UploadRequest = serde_json::from_str(body)
        .map_err(|e| ApiError::bad_request("malformed_body", format!("body is not valid: {e}")))?;
    let name = req
        .file_name
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("missing_field", "fileName is required"))?;
    let key = format!("{upload_prefix}{prefix_token}/{name}");
    check_text(
        "fileName",
        name,
        MAX_FILE_NAME_BYTES.min(MAX_KEY_BYTES - (key.len() - name.len())),
    )?;
    if name.contains('/') || name.contains('\\') || name == "." || name == ".." {
        return Err(ApiError::bad_request(
            "bad_file_name",
            "fileName must be a plain file name without '/' or '\\'",
        ));
    }
    // The S3 trigger's suffix filter is case-sensitive, so this check is too: an upload it
    // would not see must not be accepted.
    if !suffixes.iter().any(|s| name.ends_with(s.as_str())) {
        return Err(ApiError::bad_request(
            "bad_extension",
            format!("fileName must end with one of {}", suffixes.join(", ")),
        ));
    }
    if let Some(ct) = req.content_type.as_deref() {
        check_text("contentType", ct, 255)?;
        if !ct.is_ascii() {
            return Err(ApiError::bad_request(
                "bad_content_type",
                "contentType must be ASCII",
            ));
        }
    }
    if let Some(size) = req.size
        && (size == 0 || size > MAX_SINGLE_PUT_BYTES)
    {
        return Err(ApiError::bad_request(
            "bad_size",
            format!("size must be between 1 and {MAX_SINGLE_PUT_BYTES} bytes"),
        ));
    }
    Ok(UploadPlan {
        key,
        content_type: req.content_type,
    })
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width_px: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height_px: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playlists: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

impl JobView {
    pub fn new(job_id: &str, state: &JobState, output_path: Option<String>) -> Self {
        let complete = state
            .complete
            .as_ref()
            .filter(|_| state.status == JobStatus::Complete);
        let error = state
            .error
            .as_ref()
            .filter(|_| state.status == JobStatus::Error);
        JobView {
            job_id: job_id.to_string(),
            status: state.status.as_str().to_string(),
            progress: state.progress,
            last_event_time: state.last_event_time,
            duration_ms: complete.and_then(|c| c.duration_ms),
            width_px: complete.and_then(|c| c.width_px),
            height_px: complete.and_then(|c| c.height_px),
            output_path: output_path.filter(|_| complete.is_some()),
            playlists: complete
                .map(|c| c.playlists.clone())
                .filter(|p| !p.is_empty()),
            error_code: error.and_then(|e| e.code),
            error_message: error.and_then(|e| e.message.clone()),
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

/// `info.json`, written next to the output on COMPLETE (the seed's snake_case names).
pub fn info_json(details: &CompleteDetails) -> String {
    serde_json::to_string(details).expect("plain data serializes")
}
