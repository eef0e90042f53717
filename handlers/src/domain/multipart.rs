//! Multipart uploads: the part plan a file of a declared size is cut into, the checks on the
//! part numbers a client asks URLs for, and the check that what S3 holds adds up to the
//! declared size before the API completes the upload.
//!
//! The plan is a function of the declared size alone, so every route (start, presign more,
//! complete) derives the same plan from the one stored number and no route trusts a part
//! length the client sends.

use super::ApiError;

const MIB: u64 = 1024 * 1024;
/// S3's smallest part (every part but the last).
pub const S3_MIN_PART_BYTES: u64 = 5 * MIB;
/// S3's largest part.
pub const S3_MAX_PART_BYTES: u64 = 5 * 1024 * MIB;
/// S3's most parts in one upload.
pub const S3_MAX_PARTS: u64 = 10_000;
/// The part size for files up to `S3_MAX_PARTS` times it (156 GiB). 16 MiB: a retried part
/// re-sends at most 16 MiB (13 s on a 10 Mbit/s uplink); four in flight hold 64 MiB of the
/// browser's memory at most; a GiB is 64 part requests. Smaller parts cost more requests and
/// more presigned URLs for no gain on a good link; larger ones make every blip costlier.
pub const PART_BYTES: u64 = 16 * MIB;
/// The most part URLs one request asks for: a plan's URLs come in pages, since they expire.
pub const MAX_PARTS_PER_REQUEST: usize = 100;

/// How a file of `size` bytes is cut: `count` parts of `part_bytes`, the last one shorter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartPlan {
    pub size: u64,
    pub part_bytes: u64,
    pub count: u32,
}

impl PartPlan {
    /// The plan for a file of `size` bytes (at least 1). Parts grow past [`PART_BYTES`], in
    /// whole MiB, only when a file needs more than [`S3_MAX_PARTS`] of them.
    pub fn for_size(size: u64) -> Result<PartPlan, ApiError> {
        if size == 0 {
            return Err(ApiError::bad_request(
                "bad_size",
                "a file of 0 bytes has nothing to upload",
            ));
        }
        let fitting = size.div_ceil(S3_MAX_PARTS).div_ceil(MIB) * MIB;
        let part_bytes = PART_BYTES.max(fitting);
        if part_bytes > S3_MAX_PART_BYTES {
            return Err(ApiError::bad_request(
                "too_large",
                format!("size {size} needs parts larger than S3's 5 GiB"),
            ));
        }
        let count = u32::try_from(size.div_ceil(part_bytes)).expect("at most 10,000 parts");
        Ok(PartPlan {
            size,
            part_bytes,
            count,
        })
    }

    /// Whether one PUT carries the whole file (no multipart upload needed).
    pub fn is_single_part(&self) -> bool {
        self.count == 1
    }

    /// The exact length of part `number` (1-based), the length its presigned URL signs.
    pub fn part_length(&self, number: u32) -> Option<u64> {
        if number == 0 || number > self.count {
            return None;
        }
        let start = u64::from(number - 1) * self.part_bytes;
        Some(self.part_bytes.min(self.size - start))
    }

    /// Checks the part numbers a client asks URLs for: each in `1..=count`, none twice, at
    /// most [`MAX_PARTS_PER_REQUEST`]; answers them with their lengths, in the asked order.
    pub fn check_requested(&self, numbers: &[u32]) -> Result<Vec<(u32, u64)>, ApiError> {
        if numbers.is_empty() {
            return Err(ApiError::bad_request(
                "missing_parts",
                "name at least one part number",
            ));
        }
        if numbers.len() > MAX_PARTS_PER_REQUEST {
            return Err(ApiError::bad_request(
                "too_many_parts",
                format!("ask for at most {MAX_PARTS_PER_REQUEST} parts at a time"),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        numbers
            .iter()
            .map(|&n| {
                let length = self.part_length(n).ok_or_else(|| {
                    ApiError::bad_request(
                        "bad_part_number",
                        format!(
                            "part {n} is outside this upload's parts 1 to {}",
                            self.count
                        ),
                    )
                })?;
                if !seen.insert(n) {
                    return Err(ApiError::bad_request(
                        "repeated_part_number",
                        format!("part {n} is named twice"),
                    ));
                }
                Ok((n, length))
            })
            .collect()
    }

    /// Checks the parts S3 lists for the upload against the plan before completing: every
    /// part there, each of its planned length, so the object is exactly the declared size.
    /// Answers the parts to complete with, in order.
    pub fn check_complete<'a>(
        &self,
        stored: &'a [StoredPart],
    ) -> Result<Vec<&'a StoredPart>, ApiError> {
        let mut parts: Vec<&StoredPart> = stored.iter().collect();
        parts.sort_by_key(|p| p.number);
        let mut missing = Vec::new();
        let mut next = parts.iter().peekable();
        for number in 1..=self.count {
            match next.peek() {
                Some(p) if p.number == number => {
                    let planned = self.part_length(number).expect("in range");
                    if p.size != planned {
                        return Err(ApiError::conflict(
                            "part_size_mismatch",
                            format!(
                                "part {number} holds {} bytes, {planned} were planned",
                                p.size
                            ),
                        ));
                    }
                    next.next();
                }
                _ => missing.push(number),
            }
        }
        if let Some(extra) = next.next() {
            return Err(ApiError::conflict(
                "unplanned_part",
                format!("part {} is not part of this upload's plan", extra.number),
            ));
        }
        if !missing.is_empty() {
            let shown: Vec<String> = missing.iter().take(10).map(u32::to_string).collect();
            let more = if missing.len() > 10 { ", ..." } else { "" };
            return Err(ApiError::conflict(
                "parts_missing",
                format!(
                    "{} of {} parts are not uploaded yet: {}{more}",
                    missing.len(),
                    self.count,
                    shown.join(", ")
                ),
            ));
        }
        Ok(parts)
    }
}

/// A part as S3's ListParts reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPart {
    pub number: u32,
    pub size: u64,
    pub etag: String,
}

/// The upload-id segment of a multipart upload's key: `<id>-<declared size>`. The key is the
/// API's own (S3 binds the multipart upload id to it, and the caller only repeats it), so
/// every later route reads the declared size from it: no table holds a plan, and no route
/// takes a size from the caller.
pub fn key_segment(upload_id_hex: &str, size: u64) -> String {
    format!("{upload_id_hex}-{size}")
}

/// The declared size in a multipart upload's key `<prefix><owner>/<id>-<size>/<name>`.
pub fn declared_size_of_key(key: &str) -> Option<u64> {
    let mut parts = key.rsplitn(3, '/');
    let (_name, segment) = (parts.next()?, parts.next()?);
    parts.next()?;
    let (id, size) = segment.split_once('-')?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    size.parse().ok().filter(|&s| s > 0)
}

/// S3's upload ids are opaque; this only keeps what goes back to S3 sane.
const MAX_UPLOAD_ID_BYTES: usize = 1024;

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PartsBody {
    input_file: Option<String>,
    upload_id: Option<String>,
    part_numbers: Option<Vec<serde_json::Value>>,
}

/// One multipart upload as a caller names it: its key (`inputFile`) and S3's upload id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRef {
    pub key: String,
    pub upload_id: String,
}

/// Checks the upload a caller names (from a body or a query). `owner_prefix` is the caller's
/// own `<upload prefix><owner>/`: another user's key answers like one that never existed, and
/// the key must carry a declared size (only multipart keys do).
pub fn check_upload_ref(
    input_file: Option<&str>,
    upload_id: Option<&str>,
    owner_prefix: &str,
) -> Result<(UploadRef, PartPlan), ApiError> {
    let key = input_file
        .ok_or_else(|| ApiError::bad_request("missing_field", "inputFile is required"))?;
    super::api::check_text("inputFile", key, super::MAX_KEY_BYTES)?;
    let upload_id =
        upload_id.ok_or_else(|| ApiError::bad_request("missing_field", "uploadId is required"))?;
    super::api::check_text("uploadId", upload_id, MAX_UPLOAD_ID_BYTES)?;
    if !upload_id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request(
            "bad_upload_id",
            "uploadId must be printable ASCII without spaces",
        ));
    }
    let size = declared_size_of_key(key)
        .filter(|_| key.starts_with(owner_prefix))
        .ok_or_else(no_such_upload)?;
    let plan = PartPlan::for_size(size)?;
    Ok((
        UploadRef {
            key: key.to_string(),
            upload_id: upload_id.to_string(),
        },
        plan,
    ))
}

/// An upload that is not the caller's, was never started, or is finished (completed or
/// aborted): all read the same, so nobody learns of another user's uploads.
pub fn no_such_upload() -> ApiError {
    ApiError::not_found(
        "no_such_upload",
        "no multipart upload in progress with this inputFile and uploadId",
    )
}

/// The body of the routes that name an upload: `{inputFile, uploadId, partNumbers?}`.
/// Answers the upload, its plan and the part numbers (empty when none were given).
pub fn parse_parts_body(
    body: Option<&str>,
    owner_prefix: &str,
) -> Result<(UploadRef, PartPlan, Vec<u32>), ApiError> {
    let body = body.filter(|b| !b.trim().is_empty()).ok_or_else(|| {
        ApiError::bad_request(
            "missing_body",
            "a JSON body with inputFile and uploadId is required",
        )
    })?;
    let req: PartsBody = serde_json::from_str(body)
        .map_err(|e| ApiError::bad_request("malformed_body", format!("body is not valid: {e}")))?;
    let numbers = req
        .part_numbers
        .unwrap_or_default()
        .iter()
        .map(|v| {
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "bad_part_number",
                        format!("part number {v} is not a whole number from 1 to {S3_MAX_PARTS}"),
                    )
                })
        })
        .collect::<Result<Vec<u32>, ApiError>>()?;
    let (upload, plan) = check_upload_ref(
        req.input_file.as_deref(),
        req.upload_id.as_deref(),
        owner_prefix,
    )?;
    Ok((upload, plan, numbers))
}

/// The first part numbers a plan's start answers with URLs for, and so what a client asks
/// for next: a few more than it sends at once, so the next URLs are there when a part ends.
pub const FIRST_PARTS: u32 = 8;

/// The part numbers the start of an upload presigns.
pub fn first_parts(plan: &PartPlan) -> Vec<u32> {
    (1..=plan.count.min(FIRST_PARTS)).collect()
}

/// A presigned `UploadPart`: the part's number, its exact length (signed in as
/// `Content-Length`) and the headers the PUT must carry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartUrl {
    pub part_number: u32,
    pub length: u64,
    pub url: String,
    pub headers: std::collections::BTreeMap<String, String>,
}

/// `POST /uploads` for a file of more than one part.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MultipartView {
    pub method: &'static str,
    pub input_file: String,
    pub upload_id: String,
    pub size: u64,
    pub part_bytes: u64,
    pub part_count: u32,
    /// URLs for the first parts; `POST /uploads/parts` presigns the others.
    pub parts: Vec<PartUrl>,
    pub expires_at: String,
    pub expires_in_seconds: u64,
}

/// `POST /uploads/parts`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartUrlsView {
    pub parts: Vec<PartUrl>,
    pub expires_at: String,
    pub expires_in_seconds: u64,
}

/// One part S3 holds, as `GET /uploads/parts` answers it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldPart {
    pub part_number: u32,
    pub size: u64,
}

/// `GET /uploads/parts`: what a resuming client need not send again.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldPartsView {
    pub input_file: String,
    pub upload_id: String,
    pub size: u64,
    pub part_bytes: u64,
    pub part_count: u32,
    /// Only parts of their planned length: any other could not be completed with.
    pub parts: Vec<HeldPart>,
}

impl HeldPartsView {
    pub fn new(upload: &UploadRef, plan: &PartPlan, stored: &[StoredPart]) -> Self {
        let mut parts: Vec<HeldPart> = stored
            .iter()
            .filter(|p| plan.part_length(p.number) == Some(p.size))
            .map(|p| HeldPart {
                part_number: p.number,
                size: p.size,
            })
            .collect();
        parts.sort_by_key(|p| p.part_number);
        HeldPartsView {
            input_file: upload.key.clone(),
            upload_id: upload.upload_id.clone(),
            size: plan.size,
            part_bytes: plan.part_bytes,
            part_count: plan.count,
            parts,
        }
    }
}
