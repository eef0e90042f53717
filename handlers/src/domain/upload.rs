//! `POST /uploads` rules: the request body, the file name, the size and content type signed
//! into the presigned PUT, and the daily upload quota's counter key and clock.

use super::api::check_text;
use super::multipart::{PartPlan, key_segment};
use super::{ApiError, MAX_FILE_NAME_BYTES, MAX_KEY_BYTES, MAX_UPLOAD_LIMIT_BYTES, utc_rfc3339};
use serde::Deserialize;

/// The content types an upload may declare, by file name suffix (lower case). The presigned
/// PUT signs the type, so S3 refuses a PUT that sends another.
pub const VIDEO_CONTENT_TYPES: [(&str, &str); 5] = [
    (".mp4", "video/mp4"),
    (".mov", "video/quicktime"),
    (".m4v", "video/x-m4v"),
    (".mkv", "video/x-matroska"),
    (".webm", "video/webm"),
];

/// The content type that goes with a file name's suffix, if it is a known video suffix.
pub fn content_type_for(file_name: &str) -> Option<&'static str> {
    let lower = file_name.to_ascii_lowercase();
    VIDEO_CONTENT_TYPES
        .iter()
        .find(|(suffix, _)| lower.ends_with(suffix))
        .map(|(_, ct)| *ct)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UploadBody {
    file_name: Option<String>,
    content_type: Option<String>,
    /// Kept as JSON to tell a missing, fractional, negative or string size apart.
    size: Option<serde_json::Value>,
}

/// A validated upload: where it goes, the type and length the URL signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPlan {
    pub key: String,
    pub content_type: String,
    pub size: u64,
    /// How the file is cut; one part is a single PUT.
    pub parts: PartPlan,
}

/// Unicode's directional formatting characters: in a file name they make a list show
/// `evil\u{202E}4pm.exe` as `evilexe.mp4`.
pub const BIDI_CONTROLS: [char; 12] = [
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
];

/// Checks `POST /uploads`'s body: `{fileName, contentType?, size}`. The key is
/// `<upload_prefix><owner>/<upload_id>/<fileName>`: the owner segment keeps users apart and the
/// fresh `upload_id` keeps two uploads of one name apart.
///
/// File names keep `"`, `#`, `?` and `%`: they are plain key characters (the presigned URL and
/// S3's event notification encode them, and they never go into a playlist: the HLS files are
/// named [`crate::domain::HLS_BASE_NAME`], the key file's URI is sanitized). Names that could
/// climb out of their folder (`..`, `/`, `\`), overlong ones, control and bidi characters are
/// refused.
pub fn plan_upload(
    body: Option<&str>,
    suffixes: &[String],
    upload_prefix: &str,
    owner: &str,
    upload_id: &str,
    max_bytes: u64,
) -> Result<UploadPlan, ApiError> {
    let body = body.filter(|b| !b.trim().is_empty()).ok_or_else(|| {
        ApiError::bad_request(
            "missing_body",
            "a JSON body with fileName and size is required",
        )
    })?;
    let req: UploadBody = serde_json::from_str(body)
        .map_err(|e| ApiError::bad_request("malformed_body", format!("body is not valid: {e}")))?;
    let name = req
        .file_name
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("missing_field", "fileName is required"))?;
    let size = check_size(req.size.as_ref(), max_bytes);
    // A multipart upload's key carries its declared size (see `multipart::key_segment`).
    let parts = size
        .as_ref()
        .ok()
        .map(|&s| PartPlan::for_size(s))
        .transpose()?;
    let segment = match parts {
        Some(p) if !p.is_single_part() => key_segment(upload_id, p.size),
        _ => upload_id.to_string(),
    };
    let key = format!("{upload_prefix}{owner}/{segment}/{name}");
    check_file_name(name, MAX_KEY_BYTES - (key.len() - name.len()))?;
    // The S3 trigger's suffix filter is case-sensitive, so this check is too: an upload it
    // would not see must not be accepted.
    if !suffixes.iter().any(|s| name.ends_with(s.as_str())) {
        return Err(ApiError::bad_request(
            "bad_extension",
            format!("fileName must end with one of {}", suffixes.join(", ")),
        ));
    }
    let size = size?;
    let fitting = content_type_for(name).ok_or_else(|| {
        ApiError::bad_request(
            "bad_content_type",
            "no video content type is known for this fileName's suffix",
        )
    })?;
    if let Some(given) = req.content_type.as_deref()
        && !given.eq_ignore_ascii_case(fitting)
    {
        let allowed: Vec<&str> = VIDEO_CONTENT_TYPES.iter().map(|(_, ct)| *ct).collect();
        let why = if allowed.iter().any(|ct| given.eq_ignore_ascii_case(ct)) {
            format!("contentType does not fit the fileName's suffix: expected {fitting}")
        } else {
            format!("contentType must be one of {}", allowed.join(", "))
        };
        return Err(ApiError::bad_request("bad_content_type", why));
    }
    Ok(UploadPlan {
        key,
        content_type: fitting.to_string(),
        size,
        parts: parts.expect("the size was checked"),
    })
}

fn check_file_name(name: &str, room_in_key: usize) -> Result<(), ApiError> {
    check_text("fileName", name, MAX_FILE_NAME_BYTES.min(room_in_key))?;
    if name.chars().any(|c| BIDI_CONTROLS.contains(&c)) {
        return Err(ApiError::bad_request(
            "bidi_characters",
            "fileName contains Unicode directional formatting characters",
        ));
    }
    if name.contains('/') || name.contains('\\') || name.contains("..") || name == "." {
        return Err(ApiError::bad_request(
            "bad_file_name",
            "fileName must be a plain file name without '/', '\\' or '..'",
        ));
    }
    Ok(())
}

fn check_size(size: Option<&serde_json::Value>, max_bytes: u64) -> Result<u64, ApiError> {
    let bad = || {
        ApiError::bad_request(
            "bad_size",
            format!("size must be a whole number of bytes from 1 to {max_bytes}"),
        )
    };
    match size {
        None | Some(serde_json::Value::Null) => Err(ApiError::bad_request(
            "missing_field",
            "size (the file's length in bytes) is required",
        )),
        Some(serde_json::Value::Number(n)) => match n.as_u64() {
            Some(v) if (1..=max_bytes).contains(&v) => Ok(v),
            _ => Err(bad()),
        },
        Some(_) => Err(bad()),
    }
}

/// The upload limit a stage may set: at most what S3's multipart limits make one object.
pub fn valid_max_upload_bytes(n: u64) -> bool {
    (1..=MAX_UPLOAD_LIMIT_BYTES).contains(&n)
}

// ---------------------------------------------------------------------------------------
// Daily quota
// ---------------------------------------------------------------------------------------

const DAY: i64 = 86_400;

/// The quota counter of `owner` for the UTC day of `now`: `<owner>#<yyyy-mm-dd>`.
pub fn quota_key(owner: &str, now: i64) -> String {
    let date = &utc_rfc3339(now)[..10];
    format!("{owner}#{date}")
}

/// When the counter item may go: one day after its day ends (TTL deletion lags, and a
/// counter deleted early would only allow more uploads, so the margin errs on the safe side).
pub fn quota_expiry(now: i64) -> i64 {
    (now.div_euclid(DAY) + 2) * DAY
}

/// Seconds until the next UTC midnight, when a new day's quota starts (at least 1).
pub fn seconds_to_next_day(now: i64) -> i64 {
    ((now.div_euclid(DAY) + 1) * DAY - now).max(1)
}

/// The owner segment of an upload key `<prefix><owner>/<upload id>/<file name>`, if the key
/// has that shape (create-job has no upload prefix to go by: the file name and upload id hold
/// no `/`, so the owner is the third segment from the end). Keys that do not come from
/// `POST /uploads` have none, and their jobs belong to nobody.
pub fn owner_of_key(key: &str) -> Option<&str> {
    let mut parts = key.rsplitn(3, '/');
    let (_name, _id, rest) = (parts.next()?, parts.next()?, parts.next()?);
    let owner = rest.rsplit('/').next()?;
    let body = owner.strip_prefix('~').unwrap_or(owner);
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    (token(body) && (body.len() <= 128 || owner.starts_with('~'))).then_some(owner)
}
