//! S3 and MediaConvert calls, each a thin translation from the domain's values to one SDK
//! request. Errors name the call and the object, never the key value.

use aws_sdk_s3::error::ProvideErrorMetadata;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::Duration;

#[derive(Debug)]
pub struct AdapterError(pub String);

impl fmt::Display for AdapterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AdapterError {}

// ---------------------------------------------------------------------------------------
// S3
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Storage {
    client: aws_sdk_s3::Client,
}

/// A presigned PUT: the URL and the headers its signature covers.
#[derive(Debug, Clone)]
pub struct PresignedPut {
    pub url: String,
    pub headers: BTreeMap<String, String>,
}

impl Storage {
    pub fn new(client: aws_sdk_s3::Client) -> Self {
        Storage { client }
    }

    pub async fn put(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<(), AdapterError> {
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type(content_type)
            .body(body.into())
            .send()
            .await
            .map_err(|e| {
                AdapterError(format!(
                    "PutObject of {key:?} to bucket {bucket} failed: {}",
                    aws_sdk_s3::error::DisplayErrorContext(e)
                ))
            })?;
        Ok(())
    }

    /// Deletes every version (and delete marker) of the objects under `prefix`; with
    /// `exact`, of the object named `prefix` only. S3 lists at most 1,000 versions a page
    /// and DeleteObjects takes as many, so each page is one delete. Returns how many
    /// versions went. Nothing left is no error: a repeated delete finds nothing.
    pub async fn delete_all_versions(
        &self,
        bucket: &str,
        prefix: &str,
        exact: bool,
    ) -> Result<usize, AdapterError> {
        use aws_sdk_s3::types::{Delete, ObjectIdentifier};
        let failed = |what: &str, e: String| {
            AdapterError(format!(
                "{what} under {prefix:?} in bucket {bucket} failed: {e}"
            ))
        };
        let mut deleted = 0;
        let mut key_marker: Option<String> = None;
        let mut version_marker: Option<String> = None;
        loop {
            let page = self
                .client
                .list_object_versions()
                .bucket(bucket)
                .prefix(prefix)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await
                .map_err(|e| {
                    failed(
                        "ListObjectVersions",
                        aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
                    )
                })?;
            let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
            let markers = page
                .delete_markers()
                .iter()
                .map(|m| (m.key(), m.version_id()));
            let objects = versions
                .chain(markers)
                .filter_map(|(key, version)| {
                    let key = key?;
                    if exact && key != prefix {
                        return None;
                    }
                    ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(version.map(str::to_string))
                        .build()
                        .ok()
                })
                .collect::<Vec<_>>();
            if !objects.is_empty() {
                let count = objects.len();
                let delete = Delete::builder()
                    .set_objects(Some(objects))
                    .quiet(true)
                    .build()
                    .map_err(|e| failed("DeleteObjects request", e.to_string()))?;
                let out = self
                    .client
                    .delete_objects()
                    .bucket(bucket)
                    .delete(delete)
                    .send()
                    .await
                    .map_err(|e| {
                        failed(
                            "DeleteObjects",
                            aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
                        )
                    })?;
                if let Some(error) = out.errors().first() {
                    return Err(failed(
                        "DeleteObjects",
                        format!(
                            "{} of {count} versions not deleted, first {:?}: {}",
                            out.errors().len(),
                            error.key().unwrap_or_default(),
                            error.message().unwrap_or_default()
                        ),
                    ));
                }
                deleted += count;
            }
            if page.is_truncated() != Some(true) {
                return Ok(deleted);
            }
            key_marker = page.next_key_marker().map(str::to_string);
            version_marker = page.next_version_id_marker().map(str::to_string);
        }
    }

    /// Presigning is local (no request is sent): it signs with the function's credentials.
    ///
    /// The body's length (`content-length`) and, when given, the content type are signed, so
    /// S3 refuses a PUT whose body has another length or type: the signature covers the
    /// values the client sends, and a client cannot send a body of another length under the
    /// signed `Content-Length`. An unsigned length would let one URL take up to 5 GiB.
    pub async fn presign_put(
        &self,
        bucket: &str,
        key: &str,
        content_type: Option<&str>,
        size: u64,
        expires_in: Duration,
    ) -> Result<PresignedPut, AdapterError> {
        let size = i64::try_from(size).map_err(|_| {
            AdapterError(format!(
                "presigning a PUT of {key:?}: size {size} is too large"
            ))
        })?;
        let config = aws_sdk_s3::presigning::PresigningConfig::expires_in(expires_in)
            .map_err(|e| AdapterError(format!("presigning configuration: {e}")))?;
        let request = self
            .client
            .put_object()
            .bucket(bucket)
            .key(key)
            .set_content_type(content_type.map(str::to_string))
            .content_length(size)
            .presigned(config)
            .await
            .map_err(|e| {
                AdapterError(format!(
                    "presigning a PUT of {key:?} failed: {}",
                    aws_sdk_s3::error::DisplayErrorContext(e)
                ))
            })?;
        let url = request.uri().to_string();
        let headers = signed_headers_to_send(&url, request.headers())?;
        Ok(PresignedPut { url, headers })
    }
}

/// A multipart call's failure: the upload is gone (completed, aborted, never started or
/// started for another key), or S3 could not be reached.
#[derive(Debug)]
pub enum MultipartError {
    NoSuchUpload,
    Failed(AdapterError),
}

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MultipartError::NoSuchUpload => f.write_str("no such multipart upload"),
            MultipartError::Failed(e) => e.fmt(f),
        }
    }
}

fn multipart_error<E, R>(
    call: &str,
    key: &str,
    e: aws_sdk_s3::error::SdkError<E, R>,
) -> MultipartError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    if e.as_service_error().and_then(|s| s.code()) == Some("NoSuchUpload") {
        return MultipartError::NoSuchUpload;
    }
    MultipartError::Failed(AdapterError(format!(
        "{call} of {key:?} failed: {}",
        aws_sdk_s3::error::DisplayErrorContext(e)
    )))
}

impl Storage {
    /// Starts a multipart upload of `key` with the type every part is stored under.
    pub async fn create_multipart(
        &self,
        bucket: &str,
        key: &str,
        content_type: &str,
    ) -> Result<String, AdapterError> {
        let out = self
            .client
            .create_multipart_upload()
            .bucket(bucket)
            .key(key)
            .content_type(content_type)
            .send()
            .await
            .map_err(|e| {
                AdapterError(format!(
                    "CreateMultipartUpload of {key:?} failed: {}",
                    aws_sdk_s3::error::DisplayErrorContext(e)
                ))
            })?;
        out.upload_id
            .ok_or_else(|| AdapterError(format!("CreateMultipartUpload of {key:?}: no upload id")))
    }

    /// Presigns one UploadPart with its exact length signed in (see [`Storage::presign_put`]):
    /// S3 refuses a part of any other length.
    pub async fn presign_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        length: u64,
        expires_in: Duration,
    ) -> Result<PresignedPut, AdapterError> {
        let config = aws_sdk_s3::presigning::PresigningConfig::expires_in(expires_in)
            .map_err(|e| AdapterError(format!("presigning configuration: {e}")))?;
        let number = i32::try_from(part_number)
            .map_err(|_| AdapterError(format!("part number {part_number} is too large")))?;
        let length = i64::try_from(length)
            .map_err(|_| AdapterError(format!("part length {length} is too large")))?;
        let request = self
            .client
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .content_length(length)
            .presigned(config)
            .await
            .map_err(|e| {
                AdapterError(format!(
                    "presigning part {part_number} of {key:?} failed: {}",
                    aws_sdk_s3::error::DisplayErrorContext(e)
                ))
            })?;
        let url = request.uri().to_string();
        let headers = signed_headers_to_send(&url, request.headers())?;
        Ok(PresignedPut { url, headers })
    }

    /// Every part S3 holds for the upload (ListParts pages through up to 1,000 a call).
    pub async fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<Vec<crate::domain::multipart::StoredPart>, MultipartError> {
        let mut parts = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = self
                .client
                .list_parts()
                .bucket(bucket)
                .key(key)
                .upload_id(upload_id)
                .set_part_number_marker(marker.take())
                .send()
                .await
                .map_err(|e| multipart_error("ListParts", key, e))?;
            parts.extend(out.parts().iter().filter_map(|p| {
                Some(crate::domain::multipart::StoredPart {
                    number: u32::try_from(p.part_number?).ok()?,
                    size: u64::try_from(p.size?).ok()?,
                    // S3 names every part's ETag; s3s-fs names none (and completes by part
                    // number alone), so a missing one is not a reason to drop the part.
                    etag: p.e_tag.clone().unwrap_or_default(),
                })
            }));
            match out.next_part_number_marker() {
                Some(next) if out.is_truncated() == Some(true) => marker = Some(next.to_string()),
                _ => return Ok(parts),
            }
        }
    }

    /// Completes the upload with exactly these parts, in order.
    pub async fn complete_multipart(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: &[&crate::domain::multipart::StoredPart],
    ) -> Result<(), MultipartError> {
        use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
        let completed = CompletedMultipartUpload::builder()
            .set_parts(Some(
                parts
                    .iter()
                    .map(|p| {
                        CompletedPart::builder()
                            .part_number(p.number as i32)
                            .e_tag(&p.etag)
                            .build()
                    })
                    .collect(),
            ))
            .build();
        self.client
            .complete_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(completed)
            .send()
            .await
            .map_err(|e| multipart_error("CompleteMultipartUpload", key, e))?;
        Ok(())
    }

    /// Aborts the upload: S3 frees the parts it holds (and stops charging for them).
    pub async fn abort_multipart(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), MultipartError> {
        self.client
            .abort_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
            .map_err(|e| multipart_error("AbortMultipartUpload", key, e))?;
        Ok(())
    }
}

/// The headers a client must send with a presigned request: those `X-Amz-SignedHeaders` of
/// the URL lists, except `host` (the client sets it from the URL). The presigned request also
/// carries headers that are not signed, such as `x-amzn-trace-id` (added inside Lambda from
/// `_X_AMZN_TRACE_ID`); a browser told to send one would need a CORS preflight the bucket
/// does not allow, for nothing. `content-length` is among them when the length is signed:
/// a browser sets that header itself from the body (`fetch` drops it from a script's
/// headers), so it tells the client which length the URL takes.
pub fn signed_headers_to_send<'a>(
    url: &str,
    headers: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<BTreeMap<String, String>, AdapterError> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let signed = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("X-Amz-SignedHeaders="))
        .ok_or_else(|| AdapterError("the presigned URL has no X-Amz-SignedHeaders".into()))?;
    // SigV4 lists lower-case names joined by ';', which the query encodes as %3B.
    let signed = signed.replace("%3B", ";").replace("%3b", ";");
    let signed: Vec<&str> = signed.split(';').filter(|n| *n != "host").collect();
    Ok(headers
        .filter(|(name, _)| signed.iter().any(|s| name.eq_ignore_ascii_case(s)))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_string()))
        .collect())
}

// ---------------------------------------------------------------------------------------
// MediaConvert
// ---------------------------------------------------------------------------------------

/// Everything CreateJob needs for one upload.
pub struct JobRequest<'a> {
    pub input_bucket: &'a str,
    pub input_key: &'a str,
    pub output_bucket: &'a str,
    pub output_path: &'a str,
    pub key_hex: &'a str,
    /// `StaticKeyProvider.Url`: the key's URI in every playlist.
    pub key_url: &'a str,
    pub job_template: &'a str,
    pub role_arn: &'a str,
    pub status_update_interval_seconds: u32,
    pub user_metadata: BTreeMap<String, String>,
    pub client_request_token: &'a str,
}

/// The client resolves MediaConvert's regional endpoint by itself (DescribeEndpoints is
/// deprecated, so there is no endpoint lookup and no endpoint variable).
#[derive(Debug, Clone)]
pub struct Transcoder {
    client: aws_sdk_mediaconvert::Client,
}

impl Transcoder {
    pub fn new(client: aws_sdk_mediaconvert::Client) -> Self {
        Transcoder { client }
    }

    /// Creates the job and returns its id.
    ///
    /// The settings carry the whole input and what differs per job in the output: the two
    /// output groups here are merged into the template's two, in order: the HLS group gets
    /// the destination and the AES-128 static-key encryption, the poster's FILE group its
    /// destination beside the HLS files.
    ///
    /// The input is [`job_input`], whole: how MediaConvert combines a job's input with its
    /// template's is not documented, and an audio selector lost there gives a silent output,
    /// not an error (AWS's own Video on Demand solution sends the full input too).
    pub async fn create_job(&self, req: &JobRequest<'_>) -> Result<String, AdapterError> {
        use aws_sdk_mediaconvert::types::{
            FileGroupSettings, HlsEncryptionSettings, HlsEncryptionType, HlsGroupSettings,
            HlsKeyProviderType, JobSettings, OutputGroup, OutputGroupSettings, OutputGroupType,
            StaticKeyProvider, StatusUpdateInterval,
        };
        let encryption = HlsEncryptionSettings::builder()
            .encryption_method(HlsEncryptionType::Aes128)
            .r#type(HlsKeyProviderType::StaticKey)
            .static_key_provider(
                StaticKeyProvider::builder()
                    .static_key_value(req.key_hex)
                    .url(req.key_url)
                    .build(),
            )
            .build();
        let destination =
            |base: &str| format!("s3://{}/{}{base}", req.output_bucket, req.output_path);
        let group = OutputGroup::builder()
            .output_group_settings(
                OutputGroupSettings::builder()
                    .r#type(OutputGroupType::HlsGroupSettings)
                    .hls_group_settings(
                        HlsGroupSettings::builder()
                            .destination(destination(crate::domain::HLS_BASE_NAME))
                            .encryption(encryption)
                            .build(),
                    )
                    .build(),
            )
            .build();
        let poster = OutputGroup::builder()
            .output_group_settings(
                OutputGroupSettings::builder()
                    .r#type(OutputGroupType::FileGroupSettings)
                    .file_group_settings(
                        FileGroupSettings::builder()
                            .destination(destination(crate::domain::POSTER_BASE_NAME))
                            .build(),
                    )
                    .build(),
            )
            .build();
        let settings = JobSettings::builder()
            .inputs(job_input(&format!(
                "s3://{}/{}",
                req.input_bucket, req.input_key
            )))
            .output_groups(group)
            .output_groups(poster)
            .build();
        let interval = format!("SECONDS_{}", req.status_update_interval_seconds);
        let metadata: HashMap<String, String> = req
            .user_metadata
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let out = self
            .client
            .create_job()
            .job_template(req.job_template)
            .role(req.role_arn)
            .settings(settings)
            .status_update_interval(StatusUpdateInterval::from(interval.as_str()))
            .set_user_metadata(Some(metadata))
            .client_request_token(req.client_request_token)
            .send()
            .await
            // The SDK's error display carries the service's message, not the request body,
            // so the key in the settings does not leak into this error.
            .map_err(|e| {
                AdapterError(format!(
                    "CreateJob for {:?} failed: {}",
                    req.input_key,
                    aws_sdk_mediaconvert::error::DisplayErrorContext(e)
                ))
            })?;
        out.job.and_then(|j| j.id).ok_or_else(|| {
            AdapterError(format!(
                "CreateJob for {:?} returned no job id",
                req.input_key
            ))
        })
    }
}

/// The name of the one audio selector, which the job template's audio description reads
/// (`AudioSourceName`).
pub const AUDIO_SELECTOR: &str = "Audio Selector 1";

/// A job's one input: the file and the same selectors as the job template's first input
/// (`templates/job-template-settings.json.j2`; mediaconvert-model's tests hold the two
/// equal). The audio selector takes the file's default track.
pub fn job_input(file_input: &str) -> aws_sdk_mediaconvert::types::Input {
    use aws_sdk_mediaconvert::types::{
        AudioDefaultSelection, AudioSelector, Input, InputRotate, InputTimecodeSource,
        VideoSelector,
    };
    Input::builder()
        .file_input(file_input)
        .timecode_source(InputTimecodeSource::Zerobased)
        .video_selector(VideoSelector::builder().rotate(InputRotate::Auto).build())
        .audio_selectors(
            AUDIO_SELECTOR,
            AudioSelector::builder()
                .default_selection(AudioDefaultSelection::Default)
                .build(),
        )
        .build()
}

/// What CancelJob did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canceled {
    /// MediaConvert took the request; the job's CANCELED event follows.
    Sent,
    /// MediaConvert refused it because of the job's state (409: it already ended) or knows
    /// no such job (404): there is nothing left to stop.
    AlreadyEnded,
}

impl Transcoder {
    pub async fn cancel_job(&self, mediaconvert_job_id: &str) -> Result<Canceled, AdapterError> {
        use aws_sdk_mediaconvert::operation::cancel_job::CancelJobError;
        match self
            .client
            .cancel_job()
            .id(mediaconvert_job_id)
            .send()
            .await
        {
            Ok(_) => Ok(Canceled::Sent),
            Err(e) => match e.as_service_error() {
                Some(
                    CancelJobError::ConflictException(_) | CancelJobError::NotFoundException(_),
                ) => Ok(Canceled::AlreadyEnded),
                _ => Err(AdapterError(format!(
                    "CancelJob of {mediaconvert_job_id} failed: {}",
                    aws_sdk_mediaconvert::error::DisplayErrorContext(e)
                ))),
            },
        }
    }
}

/// 16 bytes from the operating system's random source.
pub fn random_key() -> Result<[u8; 16], AdapterError> {
    let mut key = [0u8; 16];
    getrandom::getrandom(&mut key)
        .map_err(|e| AdapterError(format!("the OS random source failed: {e}")))?;
    Ok(key)
}
