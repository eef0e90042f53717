//! status-api: the HTTP API (payload 2.0) -> the caller's jobs, the latest job of an upload,
//! a job's key, upload URLs, and the front end's page and assets.

use crate::adapters::MultipartError;
use crate::adapters::{Canceled, Storage, Transcoder, random_key};
use crate::config::StatusApiConfig;
use crate::domain::listing::{self, Cursor, JobListView, ListedJob};
use crate::domain::multipart::{self, PartPlan, PartUrl, UploadRef};
use crate::domain::upload;
use crate::domain::{self, ApiError};
use crate::domain::{JobStatus, StateUpdate};
use crate::http::{self, ApiRequest, Route};
use crate::page::{self, Page};
use crate::store::{
    InputFileTable, OutputTable, PageKey, QuotaTable, StatusTable, StoredJob, Ttl, now_epoch,
};
use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use std::time::Duration;

pub struct StatusApi {
    config: StatusApiConfig,
    inputs: InputFileTable,
    outputs: OutputTable,
    statuses: StatusTable,
    quota: QuotaTable,
    storage: Storage,
    transcoder: Transcoder,
    page: Page,
}

/// How long a presigned upload URL stays valid.
pub const UPLOAD_URL_LIFETIME: Duration = Duration::from_secs(900);

fn error_response(error: &ApiError) -> ApiGatewayV2httpResponse {
    http::json_response(error.status, error.body(), &[])
}

fn ok_json<T: serde::Serialize>(status: u16, value: &T) -> ApiGatewayV2httpResponse {
    http::json_response(
        status,
        serde_json::to_string(value).expect("answer shapes serialize"),
        &[],
    )
}

fn unavailable(e: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, decision = "unavailable", "store or S3 call failed");
    ApiError {
        status: 503,
        code: "unavailable",
        message: "the job store is unavailable; retry later".into(),
    }
}

/// Another user's upload or job reads exactly like one that does not exist.
fn no_such_file() -> ApiError {
    ApiError::not_found("no_such_file", "no job is recorded for this inputFile")
}

fn multipart_failed(e: MultipartError) -> ApiError {
    match e {
        MultipartError::NoSuchUpload => multipart::no_such_upload(),
        MultipartError::Failed(e) => unavailable(&e),
    }
}

fn no_such_job(job_id: &str) -> ApiError {
    ApiError::not_found("no_such_job", format!("no job {job_id}"))
}

impl StatusApi {
    pub fn new(
        config: StatusApiConfig,
        dynamodb: aws_sdk_dynamodb::Client,
        s3: aws_sdk_s3::Client,
        mediaconvert: aws_sdk_mediaconvert::Client,
    ) -> Self {
        // Its one write with an expiry is a delete's tombstone: transient, so `TtlDays`.
        let ttl = Ttl {
            days: config.ttl_days,
        };
        let storage = Storage::new(s3);
        StatusApi {
            inputs: InputFileTable::new(dynamodb.clone(), &config.input_file_table, ttl),
            outputs: OutputTable::new(dynamodb.clone(), &config.job_output_table, ttl),
            statuses: StatusTable::new(dynamodb.clone(), &config.job_status_table, ttl),
            quota: QuotaTable::new(dynamodb, &config.upload_quota_table),
            page: Page::new(
                config.page.clone(),
                storage.clone(),
                config.input_bucket.clone(),
                &config.upload_prefix,
            ),
            storage,
            transcoder: Transcoder::new(mediaconvert),
            config,
        }
    }

    /// Never fails: every outcome is an HTTP answer in the payload 2.0 response format. CORS
    /// headers are added by the HTTP API's CORS configuration, not here.
    pub async fn handle(&self, event: serde_json::Value) -> ApiGatewayV2httpResponse {
        let result = match http::read_event(event) {
            Ok(request) => self.route(request).await,
            Err(error) => Err(error),
        };
        match result {
            Ok(response) => response,
            Err(error) => {
                tracing::info!(
                    status = error.status,
                    code = error.code,
                    decision = "rejected",
                    "request rejected"
                );
                error_response(&error)
            }
        }
    }

    /// One router for every route: the page's public ones, then the API's, each of which
    /// answers only a signed-in caller.
    async fn route(&self, request: ApiRequest) -> Result<ApiGatewayV2httpResponse, ApiError> {
        let gzip = request.accepts_gzip;
        match &request.route {
            Route::Page => Ok(self.page.page(gzip).await),
            Route::Asset(name) => Ok(page::asset(name, gzip)),
            Route::ListJobs => {
                let owner = request.owner()?;
                let query = &request.query;
                match query.get("inputFile") {
                    Some(input_file) => self.latest_job(owner, input_file).await,
                    None => {
                        self.list_jobs(
                            owner,
                            query.get("limit").map(String::as_str),
                            query.get("cursor").map(String::as_str),
                        )
                        .await
                    }
                }
            }
            Route::GetJob(job_id) => self.job(request.owner()?, job_id).await,
            Route::GetKey(job_id) => self.key(request.owner()?, job_id).await,
            Route::CreateUpload => self.upload(request.owner()?, request.body.as_deref()).await,
            Route::UploadParts => {
                let owner = request.owner()?;
                let (upload, plan, numbers) = multipart::parse_parts_body(
                    request.body.as_deref(),
                    &self.owner_prefix(owner),
                )?;
                self.part_urls(&upload, &plan, &numbers).await
            }
            Route::HeldParts => {
                let owner = request.owner()?;
                let (upload, plan) = multipart::check_upload_ref(
                    request.query.get("inputFile").map(String::as_str),
                    request.query.get("uploadId").map(String::as_str),
                    &self.owner_prefix(owner),
                )?;
                self.held_parts(&upload, &plan).await
            }
            Route::CompleteUpload => {
                let owner = request.owner()?;
                let (upload, plan) = self.named_upload(owner, request.body.as_deref())?;
                self.complete(&upload, &plan).await
            }
            Route::AbortUpload => {
                let owner = request.owner()?;
                let (upload, _) = self.named_upload(owner, request.body.as_deref())?;
                self.abort(&upload).await
            }
            Route::DeleteJob(job_id) => self.delete(request.owner()?, job_id).await,
            Route::CancelJob(job_id) => self.cancel(request.owner()?, job_id).await,
        }
    }

    /// The upload a complete or abort names; part numbers have no place there.
    fn named_upload(
        &self,
        owner: &str,
        body: Option<&str>,
    ) -> Result<(UploadRef, PartPlan), ApiError> {
        let (upload, plan, numbers) = multipart::parse_parts_body(body, &self.owner_prefix(owner))?;
        if !numbers.is_empty() {
            return Err(ApiError::bad_request(
                "unexpected_part_numbers",
                "partNumbers belongs to POST /uploads/parts only",
            ));
        }
        Ok((upload, plan))
    }

    /// The caller's own upload keys start with this.
    fn owner_prefix(&self, owner: &str) -> String {
        format!("{}{owner}/", self.config.upload_prefix)
    }

    async fn latest_job(
        &self,
        owner: &str,
        input_file: &str,
    ) -> Result<ApiGatewayV2httpResponse, ApiError> {
        let input_file = domain::validate_input_file(Some(input_file))?;
        // Checked before any read: another user's key costs no store call and answers like
        // a key that was never uploaded.
        if !input_file.starts_with(&self.owner_prefix(owner)) {
            return Err(no_such_file());
        }
        let job_id = self
            .inputs
            .latest_job(input_file)
            .await
            .map_err(|e| unavailable(&e))?
            .ok_or_else(no_such_file)?;
        let stored = self
            .statuses
            .get(&job_id)
            .await
            .map_err(|e| unavailable(&e))?;
        if stored
            .as_ref()
            .is_some_and(|s| s.state.status == JobStatus::Deleted)
        {
            return Err(no_such_file());
        }
        tracing::info!(job_id, decision = "latest_job", "answered");
        Ok(ok_json(
            200,
            &domain::LatestJobView {
                input_file: input_file.to_string(),
                status: stored.as_ref().map(|s| s.state.status.as_str().to_string()),
                progress: stored.as_ref().map(|s| s.state.progress),
                job_id,
            },
        ))
    }

    async fn list_jobs(
        &self,
        owner: &str,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<ApiGatewayV2httpResponse, ApiError> {
        let limit = listing::parse_limit(limit)?;
        let start = cursor
            .map(|c| listing::decode_cursor(c, owner))
            .transpose()?
            .map(|c| PageKey {
                owner: c.owner,
                creation_time: c.creation_time,
                input_file: c.input_file,
            });
        let page = self
            .inputs
            .list_owned(owner, limit, start.as_ref())
            .await
            .map_err(|e| unavailable(&e))?;
        let job_ids: Vec<&str> = page
            .uploads
            .iter()
            .filter_map(|u| u.job_id.as_deref())
            .collect();
        let statuses = if job_ids.is_empty() {
            Default::default()
        } else {
            self.statuses
                .get_many(&job_ids)
                .await
                .map_err(|e| unavailable(&e))?
        };
        // A delete that stopped half-way leaves its upload's item behind its tombstone.
        let jobs = page
            .uploads
            .iter()
            .filter(|u| {
                let stored = u.job_id.as_ref().and_then(|id| statuses.get(id));
                stored.is_none_or(|s| s.state.status != JobStatus::Deleted)
            })
            .map(|u| {
                let stored = u
                    .job_id
                    .as_ref()
                    .and_then(|id| Some((id, statuses.get(id)?)));
                ListedJob {
                    job_id: u.job_id.clone(),
                    input_file: u.input_file.clone(),
                    file_name: listing::file_name_of(&u.input_file).to_string(),
                    status: stored.map(|(_, s)| s.state.status.as_str().to_string()),
                    progress: stored.map(|(_, s)| s.state.progress),
                    created_at: domain::utc_rfc3339(u.creation_time),
                    facts: stored
                        .map(|(id, s)| {
                            domain::VideoFacts::of(id, &s.state, &self.config.playback_url)
                        })
                        .unwrap_or_default(),
                }
            })
            .collect::<Vec<_>>();
        let next_cursor = page.next.map(|k| {
            listing::encode_cursor(&Cursor {
                owner: k.owner,
                creation_time: k.creation_time,
                input_file: k.input_file,
            })
        });
        tracing::info!(jobs = jobs.len(), decision = "list_jobs", "answered");
        Ok(ok_json(200, &JobListView { jobs, next_cursor }))
    }

    /// The caller's job, deleted ones included (only a repeated delete wants those).
    async fn owned_job(&self, owner: &str, job_id: &str) -> Result<StoredJob, ApiError> {
        self.statuses
            .get(job_id)
            .await
            .map_err(|e| unavailable(&e))?
            .filter(|s| s.owner.as_deref() == Some(owner))
            .ok_or_else(|| no_such_job(job_id))
    }

    /// The caller's job as every route but delete sees it: a deleted one is gone.
    async fn live_job(&self, owner: &str, job_id: &str) -> Result<StoredJob, ApiError> {
        Some(self.owned_job(owner, job_id).await?)
            .filter(|s| s.state.status != JobStatus::Deleted)
            .ok_or_else(|| no_such_job(job_id))
    }

    async fn job(&self, owner: &str, job_id: &str) -> Result<ApiGatewayV2httpResponse, ApiError> {
        let job_id = domain::validate_job_id(job_id)?;
        let stored = self.live_job(owner, job_id).await?;
        tracing::info!(
            job_id,
            status = stored.state.status.as_str(),
            decision = "job",
            "answered"
        );
        Ok(ok_json(
            200,
            &domain::JobView::new(
                job_id,
                &stored.state,
                stored.output_path,
                &self.config.playback_url,
            ),
        ))
    }

    /// The job's 16 key bytes, for its owner only: a player fetches them from the playlists'
    /// `#EXT-X-KEY` URI. Ownership is read from the status item (create-job writes it with
    /// SUBMITTED), and another user's job answers exactly like an unknown one. The answer's
    /// body is the one place the key leaves the stack; nothing here logs it.
    async fn key(&self, owner: &str, job_id: &str) -> Result<ApiGatewayV2httpResponse, ApiError> {
        let job_id = domain::validate_job_id(job_id)?;
        self.live_job(owner, job_id).await?;
        let output = self
            .outputs
            .get(job_id)
            .await
            .map_err(|e| unavailable(&e))?
            .ok_or_else(|| no_such_job(job_id))?;
        let key = domain::hex_decode_key(&output.key_value)
            .map_err(|e| unavailable(&format!("job {job_id}: {e}")))?;
        tracing::info!(job_id, decision = "key", "answered");
        Ok(http::bytes_response(200, &key, "application/octet-stream"))
    }

    /// Removes everything of the video, in an order that a failure at any step can be
    /// repeated from: the running job is canceled (nothing written yet if MediaConvert
    /// fails), then the tombstone makes the job gone for every route and wins over any late
    /// event, then the objects (every version) and the upload, then the items. A repeated
    /// delete of the caller's deleted job runs the same steps again and answers 204 too:
    /// after a failure half-way (a 503) the client's retry finishes the removal, and a
    /// retry after a lost 204 is told the same. Another user's or an unknown job: 404.
    async fn delete(
        &self,
        owner: &str,
        job_id: &str,
    ) -> Result<ApiGatewayV2httpResponse, ApiError> {
        let job_id = domain::validate_job_id(job_id)?;
        let stored = self.owned_job(owner, job_id).await?;
        if !stored.state.status.is_terminal()
            && let Some(mediaconvert_job_id) = &stored.mediaconvert_job_id
        {
            self.transcoder
                .cancel_job(mediaconvert_job_id)
                .await
                .map_err(|e| unavailable(&e))?;
        }
        let now = now_epoch();
        self.statuses
            .apply_for_input(
                &StateUpdate::deleted(job_id, now * 1000),
                None,
                Some(owner),
                stored.input_file.as_deref(),
                now,
            )
            .await
            .map_err(|e| unavailable(&e))?;
        let output = &self.config.output_bucket;
        let mut versions = 0;
        for folder in [domain::output_path(job_id), domain::key_folder(job_id)] {
            versions += self
                .storage
                .delete_all_versions(output, &folder, false)
                .await
                .map_err(|e| unavailable(&e))?;
        }
        // Only an upload of the caller's own: the key holds its owner segment.
        let upload = stored
            .input_file
            .as_deref()
            .filter(|f| f.starts_with(&self.owner_prefix(owner)));
        if let Some(input_file) = upload {
            versions += self
                .storage
                .delete_all_versions(&self.config.input_bucket, input_file, true)
                .await
                .map_err(|e| unavailable(&e))?;
            self.inputs
                .forget(input_file, job_id)
                .await
                .map_err(|e| unavailable(&e))?;
        }
        self.outputs
            .delete(job_id)
            .await
            .map_err(|e| unavailable(&e))?;
        tracing::info!(job_id, versions, decision = "deleted", "job deleted");
        Ok(http::empty_response(204))
    }

    /// Asks MediaConvert to stop a job not yet finished; the job's own CANCELED event then
    /// moves its status (the answer carries the status as it is now).
    async fn cancel(
        &self,
        owner: &str,
        job_id: &str,
    ) -> Result<ApiGatewayV2httpResponse, ApiError> {
        let job_id = domain::validate_job_id(job_id)?;
        let stored = self.live_job(owner, job_id).await?;
        let finished = || ApiError {
            status: 409,
            code: "job_finished",
            message: format!(
                "job {job_id} has already ended ({}); only a job not yet finished can be canceled",
                stored.state.status
            ),
        };
        if stored.state.status.is_terminal() {
            return Err(finished());
        }
        let mediaconvert_job_id = stored
            .mediaconvert_job_id
            .as_deref()
            .ok_or_else(|| unavailable(&format!("job {job_id} has no MediaConvert job id")))?;
        match self
            .transcoder
            .cancel_job(mediaconvert_job_id)
            .await
            .map_err(|e| unavailable(&e))?
        {
            Canceled::Sent => {}
            // Ended in MediaConvert, its event not yet here.
            Canceled::AlreadyEnded => return Err(finished()),
        }
        tracing::info!(
            job_id,
            mediaconvert_job_id,
            decision = "cancel",
            "CancelJob sent"
        );
        Ok(ok_json(
            202,
            &serde_json::json!({"jobId": job_id, "status": stored.state.status.as_str()}),
        ))
    }

    /// Validation first (nothing counted for a bad request), then the day's quota, then the
    /// URL (presigning is local: it cannot fail after the count for want of the store).
    async fn upload(
        &self,
        owner: &str,
        body: Option<&str>,
    ) -> Result<ApiGatewayV2httpResponse, ApiError> {
        let upload_id = random_key().map_err(|e| unavailable(&e))?;
        let plan = upload::plan_upload(
            body,
            &self.config.video_suffixes,
            &self.config.upload_prefix,
            owner,
            &domain::hex_encode(&upload_id),
            self.config.max_upload_bytes,
        )?;
        let now = now_epoch();
        let counted = self
            .quota
            .take(
                &upload::quota_key(owner, now),
                self.config.uploads_per_user_per_day,
                upload::quota_expiry(now),
            )
            .await
            .map_err(|e| unavailable(&e))?;
        if !counted {
            let retry_after = upload::seconds_to_next_day(now);
            let error = ApiError {
                status: 429,
                code: "quota_exceeded",
                message: format!(
                    "at most {} uploads per day; the count starts again at 00:00 UTC",
                    self.config.uploads_per_user_per_day
                ),
            };
            tracing::info!(
                status = 429,
                code = error.code,
                decision = "rejected",
                "upload quota used up"
            );
            return Ok(http::json_response(
                429,
                error.body(),
                &[("retry-after", retry_after.to_string())],
            ));
        }
        if !plan.parts.is_single_part() {
            return self.start_multipart(&plan, now).await;
        }
        let presigned = self
            .storage
            .presign_put(
                &self.config.input_bucket,
                &plan.key,
                Some(&plan.content_type),
                plan.size,
                UPLOAD_URL_LIFETIME,
            )
            .await
            .map_err(|e| unavailable(&e))?;
        tracing::info!(decision = "upload", "presigned an upload");
        Ok(ok_json(
            201,
            &domain::UploadView {
                upload_url: presigned.url,
                method: "PUT",
                headers: presigned.headers,
                input_file: plan.key,
                expires_at: domain::utc_rfc3339(now + UPLOAD_URL_LIFETIME.as_secs() as i64),
                expires_in_seconds: UPLOAD_URL_LIFETIME.as_secs(),
            },
        ))
    }

    /// CreateMultipartUpload, then the first parts' URLs. The quota is already counted: the
    /// further routes never count, so an upload counts once whatever its part count.
    async fn start_multipart(
        &self,
        plan: &upload::UploadPlan,
        now: i64,
    ) -> Result<ApiGatewayV2httpResponse, ApiError> {
        let upload_id = self
            .storage
            .create_multipart(&self.config.input_bucket, &plan.key, &plan.content_type)
            .await
            .map_err(|e| unavailable(&e))?;
        let upload = UploadRef {
            key: plan.key.clone(),
            upload_id,
        };
        let parts = self
            .presign_parts(&upload, &plan.parts, &multipart::first_parts(&plan.parts))
            .await?;
        tracing::info!(
            parts = plan.parts.count,
            decision = "multipart_upload",
            "started a multipart upload"
        );
        Ok(ok_json(
            201,
            &multipart::MultipartView {
                method: "MULTIPART",
                input_file: upload.key,
                upload_id: upload.upload_id,
                size: plan.parts.size,
                part_bytes: plan.parts.part_bytes,
                part_count: plan.parts.count,
                parts,
                expires_at: domain::utc_rfc3339(now + UPLOAD_URL_LIFETIME.as_secs() as i64),
                expires_in_seconds: UPLOAD_URL_LIFETIME.as_secs(),
            },
        ))
    }

    async fn presign_parts(
        &self,
        upload: &UploadRef,
        plan: &PartPlan,
        numbers: &[u32],
    ) -> Result<Vec<PartUrl>, ApiError> {
        let mut parts = Vec::with_capacity(numbers.len());
        for (number, length) in plan.check_requested(numbers)? {
            let presigned = self
                .storage
                .presign_part(
                    &self.config.input_bucket,
                    &upload.key,
                    &upload.upload_id,
                    number,
                    length,
                    UPLOAD_URL_LIFETIME,
                )
                .await
                .map_err(|e| unavailable(&e))?;
            parts.push(PartUrl {
                part_number: number,
                length,
                url: presigned.url,
                headers: presigned.headers,
            });
        }
        Ok(parts)
    }

    /// URLs for more parts. The upload is checked with S3 first: presigning is local and
    /// would sign URLs for an upload that is finished or another key's.
    async fn part_urls(
        &self,
        upload: &UploadRef,
        plan: &PartPlan,
        numbers: &[u32],
    ) -> Result<ApiGatewayV2httpResponse, ApiError> {
        plan.check_requested(numbers)?;
        self.storage
            .list_parts(&self.config.input_bucket, &upload.key, &upload.upload_id)
            .await
            .map_err(multipart_failed)?;
        let parts = self.presign_parts(upload, plan, numbers).await?;
        tracing::info!(
            parts = parts.len(),
            decision = "part_urls",
            "presigned parts"
        );
        Ok(ok_json(
            200,
            &multipart::PartUrlsView {
                parts,
                expires_at: domain::utc_rfc3339(now_epoch() + UPLOAD_URL_LIFETIME.as_secs() as i64),
                expires_in_seconds: UPLOAD_URL_LIFETIME.as_secs(),
            },
        ))
    }

    async fn held_parts(
        &self,
        upload: &UploadRef,
        plan: &PartPlan,
    ) -> Result<ApiGatewayV2httpResponse, ApiError> {
        let stored = self
            .storage
            .list_parts(&self.config.input_bucket, &upload.key, &upload.upload_id)
            .await
            .map_err(multipart_failed)?;
        let view = multipart::HeldPartsView::new(upload, plan, &stored);
        tracing::info!(held = view.parts.len(), decision = "held_parts", "answered");
        Ok(ok_json(200, &view))
    }

    /// Completes only when S3's parts make exactly the declared size: a client that sent
    /// fewer, extra or other-length parts stores nothing and may still fix the upload.
    async fn complete(
        &self,
        upload: &UploadRef,
        plan: &PartPlan,
    ) -> Result<ApiGatewayV2httpResponse, ApiError> {
        let bucket = &self.config.input_bucket;
        let stored = self
            .storage
            .list_parts(bucket, &upload.key, &upload.upload_id)
            .await
            .map_err(multipart_failed)?;
        let parts = plan.check_complete(&stored)?;
        self.storage
            .complete_multipart(bucket, &upload.key, &upload.upload_id, &parts)
            .await
            .map_err(multipart_failed)?;
        tracing::info!(
            parts = parts.len(),
            decision = "completed",
            "completed an upload"
        );
        Ok(ok_json(
            200,
            &serde_json::json!({"inputFile": upload.key, "size": plan.size}),
        ))
    }

    async fn abort(&self, upload: &UploadRef) -> Result<ApiGatewayV2httpResponse, ApiError> {
        self.storage
            .abort_multipart(&self.config.input_bucket, &upload.key, &upload.upload_id)
            .await
            .map_err(multipart_failed)?;
        tracing::info!(decision = "aborted", "aborted an upload");
        Ok(ok_json(
            200,
            &serde_json::json!({"inputFile": upload.key, "aborted": true}),
        ))
    }
}
