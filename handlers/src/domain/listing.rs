//! `GET /jobs` without `inputFile`: the caller's uploads and their jobs, newest first, a page
//! at a time. The cursor is opaque to clients but checked here on the way in.

use super::ApiError;
use base64::Engine;
use serde::{Deserialize, Serialize};

pub const DEFAULT_PAGE_SIZE: u32 = 20;
pub const MAX_PAGE_SIZE: u32 = 50;

/// `limit`: 1..=50, 20 when absent.
pub fn parse_limit(raw: Option<&str>) -> Result<u32, ApiError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_PAGE_SIZE);
    };
    match raw.parse::<u32>() {
        Ok(n) if raw.bytes().all(|b| b.is_ascii_digit()) && (1..=MAX_PAGE_SIZE).contains(&n) => {
            Ok(n)
        }
        _ => Err(ApiError::bad_request(
            "bad_limit",
            format!("limit must be a whole number from 1 to {MAX_PAGE_SIZE}"),
        )),
    }
}

/// Where the previous page ended (the owner index's LastEvaluatedKey).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cursor {
    #[serde(rename = "o")]
    pub owner: String,
    #[serde(rename = "t")]
    pub creation_time: i64,
    #[serde(rename = "k")]
    pub input_file: String,
}

/// base64url (no padding) of the cursor's JSON.
pub fn encode_cursor(cursor: &Cursor) -> String {
    let json = serde_json::to_vec(cursor).expect("plain data serializes");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// The cursor a previous page of `owner`'s listing gave. One that does not decode, or that
/// belongs to another owner's listing, is refused the same way (it never reaches the store).
pub fn decode_cursor(raw: &str, owner: &str) -> Result<Cursor, ApiError> {
    let bad = || {
        ApiError::bad_request(
            "bad_cursor",
            "cursor is not one a previous page of your listing gave",
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw.as_bytes())
        .map_err(|_| bad())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if cursor.owner != owner {
        return Err(bad());
    }
    Ok(cursor)
}

/// One upload of the listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedJob {
    /// Absent until the upload's job is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    pub input_file: String,
    pub file_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<u8>,
    pub created_at: String,
    #[serde(flatten)]
    pub facts: super::VideoFacts,
}

/// `GET /jobs`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobListView {
    pub jobs: Vec<ListedJob>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The file name of an upload key (its last segment).
pub fn file_name_of(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}
