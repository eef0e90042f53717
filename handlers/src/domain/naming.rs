//! Names and identities of a job: output path, key file name, CreateJob's idempotency
//! token, user metadata, and the date and hex encodings they use.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// `yyyymmddHHMMSS` in UTC for epoch seconds.
pub fn utc_compact(epoch_secs: i64) -> String {
    utc(epoch_secs).format("%Y%m%d%H%M%S").to_string()
}

/// RFC 3339 in UTC for epoch seconds.
pub fn utc_rfc3339(epoch_secs: i64) -> String {
    utc(epoch_secs).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Epoch seconds come from S3 event times and the clock, far inside chrono's range (some
/// 262,000 years); anything outside it reads as the epoch rather than failing a job.
fn utc(epoch_secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(epoch_secs, 0).unwrap_or_default()
}

/// The base name MediaConvert gives every HLS file of a job (`index.m3u8`,
/// `index_720p.m3u8`, `index_720p_00001.ts`): the job's destination ends with it, so the
/// upload's file name, which may hold `#`, `?` or `%`, never becomes a URI inside a playlist
/// (MediaConvert would otherwise name the files after the input, and a player would read
/// those characters as URL syntax).
pub const HLS_BASE_NAME: &str = "index";

/// The base name of a job's poster stills, beside its HLS files (`poster.0000001.jpg`, ...):
/// the poster group's destination ends with it, for the same reason as [`HLS_BASE_NAME`].
pub const POSTER_BASE_NAME: &str = "poster";

/// The longest key file name: 255 bytes, the file-name limit of the file systems uploads
/// come from.
pub const MAX_KEY_FILE_NAME_BYTES: usize = 255;

/// The longest prefix of `s` of at most `max_bytes` bytes that ends on a character boundary.
fn prefix_within(s: &str, max_bytes: usize) -> &str {
    let mut end = max_bytes.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The input's base name without its extension, plus `.key` (the seed's naming), cut to
/// [`MAX_KEY_FILE_NAME_BYTES`]. No hash is needed: the key folder is unique per job already.
pub fn key_file_name(input_key: &str) -> String {
    let base = input_key.rsplit('/').next().unwrap_or(input_key);
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) => stem,
        None => base,
    };
    // The name goes into every playlist as the key's URI (`URI="<name>"`): a `"` would end
    // the attribute, `#` and `?` would start a fragment or a query, `%` an escape, and a
    // space or a non-ASCII character is not a URI character at all. File names may hold all
    // of them, so anything but letters, digits, `.`, `-` and `_` becomes `_`.
    let safe: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() {
        "media.key".into()
    } else {
        let stem = prefix_within(&safe, MAX_KEY_FILE_NAME_BYTES - ".key".len());
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
/// hash, so a retry of the same event sends the same token. It is also the product's job id
/// (the API's `{jobId}`, the tables' `JobId`, the job's user metadata `job`): fixed before
/// CreateJob, so nothing that follows CreateJob depends on create-job's later writes.
pub fn client_request_token(input_key: &str, normalized_sequencer: &str) -> String {
    let h = fnv1a_128(
        input_key
            .bytes()
            .chain(std::iter::once(0))
            .chain(normalized_sequencer.bytes()),
    );
    format!("{h:032x}")
}

/// Whether `s` is a job id as [`client_request_token`] makes them: 32 lowercase hex digits.
pub fn is_job_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Where MediaConvert writes job `job_id`'s HLS files: under the prefix the playback
/// distribution serves, one folder per job.
pub fn output_path(job_id: &str) -> String {
    format!("{}{job_id}/", wiring::PLAYBACK_PREFIX)
}

/// Where job-state writes job `job_id`'s key file and `info.json`: outside what the
/// distribution serves.
pub fn key_folder(job_id: &str) -> String {
    format!("{}{job_id}/", wiring::KEY_FILE_PREFIX)
}

/// The key's URI in the playlists (`StaticKeyProvider.Url`): status-api's key endpoint for
/// the job, absolute, so a player fetches it from the API (with the user's token) and never
/// from the distribution.
pub fn key_url(api_url: &str, job_id: &str) -> String {
    format!("{}/jobs/{job_id}/key", api_url.trim_end_matches('/'))
}

/// The user metadata MediaConvert carries into every event of the job: the stack's rule
/// matches `stack`; job-state keys its writes by `job` and its metrics read `submittedAt`
/// (epoch milliseconds); nothing secret.
///
/// MediaConvert refuses a CreateJob whose metadata values are not at most 256 characters of
/// Unicode letters, digits, space and `_ . : / = + - @` (User Guide, "Adding user metadata
/// tags"), so only values built to fit go here: a stack name (CloudFormation allows letters,
/// digits and `-`), the job id (hex), a number, and an owner segment in its plain form
/// (`[A-Za-z0-9_-]{1,128}`, every Cognito user). Never the upload's key: its file name is the
/// user's (`Tom's party.mp4`). An owner in the `~` form (whose `~` does not fit) stays out,
/// and `ownerOnOutput: true` tells job-state to read it from the job's output item, keyed by
/// the job id.
pub fn user_metadata(
    stack: &str,
    job_id: &str,
    submitted_at_ms: i64,
    owner: Option<&str>,
) -> BTreeMap<String, String> {
    let mut metadata = BTreeMap::from([
        (wiring::metadata::STACK.to_string(), stack.to_string()),
        (wiring::metadata::JOB.to_string(), job_id.to_string()),
        (
            wiring::metadata::SUBMITTED_AT.to_string(),
            submitted_at_ms.to_string(),
        ),
    ]);
    match owner {
        Some(o) if owner_fits_metadata(o) => {
            metadata.insert(wiring::metadata::OWNER.to_string(), o.to_string());
        }
        Some(_) => {
            metadata.insert(
                wiring::metadata::OWNER_ON_OUTPUT.to_string(),
                "true".to_string(),
            );
        }
        None => {}
    }
    metadata
}

/// Whether an owner segment can travel as a metadata value: its plain form can; the `~`
/// form (a `sub` that is not a plain token) cannot.
pub fn owner_fits_metadata(owner: &str) -> bool {
    !owner.starts_with('~')
}

pub fn hex_encode(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// The key file holds the 16 raw key bytes. The error never echoes the value.
pub fn hex_decode_key(value: &str) -> Result<[u8; 16], String> {
    if value.len() != 32 {
        return Err(format!(
            "stored key value has {} hex digits, expected 32",
            value.len()
        ));
    }
    let mut out = [0u8; 16];
    hex::decode_to_slice(value, &mut out).map_err(|_| "stored key value is not hex")?;
    Ok(out)
}
