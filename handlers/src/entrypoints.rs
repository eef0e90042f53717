//! One adapter per trigger: turns the trigger's event into domain values, calls the store and
//! the adapters, logs one JSON line per decision (job id and status, never the key value).

use crate::adapters::{JobRequest, Storage, Transcoder, random_key};
use crate::config::{CreateJobConfig, JobStateConfig, StatusApiConfig};
use crate::domain::listing::{self, Cursor, JobListView, ListedJob};
use crate::domain::upload;
use crate::domain::{self, ApiError, JobStateChange, JobStatus, StateUpdate};
use crate::http::{self, ApiRequest, Route};
use crate::store::{
    Claim, InputFileTable, JobOutput, OutputTable, PageKey, QuotaTable, StatusTable, Ttl, now_epoch,
};
use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::s3::{S3Event, S3EventRecord};
use std::time::Duration;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

// ---------------------------------------------------------------------------------------
// create-job: S3 ObjectCreated
// ---------------------------------------------------------------------------------------

pub struct CreateJob {
    config: CreateJobConfig,
    inputs: InputFileTable,
    outputs: OutputTable,
    statuses: StatusTable,
    transcoder: Transcoder,
}

/// What happened to one S3 record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    Job { job_id: String },
    AlreadyDone { job_id: String },
    Superseded,
}

impl CreateJob {
    pub fn new(
        config: CreateJobConfig,
        dynamodb: aws_sdk_dynamodb::Client,
        mediaconvert: aws_sdk_mediaconvert::Client,
    ) -> Self {
        let ttl = Ttl {
            days: config.ttl_days,
        };
        CreateJob {
            inputs: InputFileTable::new(dynamodb.clone(), &config.input_file_table, ttl),
            outputs: OutputTable::new(dynamodb.clone(), &config.job_output_table, ttl),
            statuses: StatusTable::new(dynamodb, &config.job_status_table, ttl),
            transcoder: Transcoder::new(mediaconvert),
            config,
        }
    }

    /// Every record is attempted; if any failed, the invocation fails after the others are
    /// done, so Lambda retries it (the done ones are then recognized as redeliveries).
    pub async fn handle(&self, event: S3Event) -> Result<Vec<Created>, Error> {
        let mut created = Vec::new();
        let mut failures = Vec::new();
        for record in &event.records {
            match self.record(record).await {
                Ok(c) => created.push(c),
                Err(e) => {
                    tracing::error!(error = %e, "record failed");
                    failures.push(e.to_string());
                }
            }
        }
        if failures.is_empty() {
            Ok(created)
        } else {
            Err(format!(
                "{} of {} records failed: {}",
                failures.len(),
                event.records.len(),
                failures.join("; ")
            )
            .into())
        }
    }

    /// One upload -> one job id, and normally one MediaConvert job.
    ///
    /// 1. The job id is CreateJob's client request token, a hash of the upload's identity
    ///    (key + normalized sequencer): the same for every retry of the event.
    /// 2. Claim the upload with one conditional write on the input-file item, which also
    ///    points it at the job id: an event older than the newest claimed upload of that
    ///    key stops; a repeated claim (redelivery, retry, concurrent delivery) stops when
    ///    the job's status item exists (CreateJob succeeded and was recorded), else resumes.
    /// 3. The output item (output path and key) is written under the job id only if absent:
    ///    a retry reuses them.
    /// 4. CreateJob with that token, the job id in the user metadata (`job`), the output
    ///    under `hls/<job id>/` and the key URL `<API_URL>/jobs/<job id>/key`.
    /// 5. Record SUBMITTED (with the owner): what marks the job as created.
    ///
    /// Crash after CreateJob, before step 5: the retry resumes with the same token, path and
    /// key. Within MediaConvert's one-minute idempotency window that returns the first job;
    /// later it starts a second MediaConvert job for the upload, which writes identical
    /// files to the same place with the same key, and whose events carry the same job id:
    /// job-state merges both jobs' events into the one status item and never needs anything
    /// written after CreateJob. We accept that rare duplicate transcode over the alternative
    /// (never retrying CreateJob), which would leave an upload with no job at all.
    ///
    /// Four requests per new upload (three DynamoDB writes and CreateJob); a redelivery
    /// costs the failed claim and one read.
    async fn record(&self, record: &S3EventRecord) -> Result<Created, Error> {
        let object = &record.s3.object;
        let raw_key = object.key.as_deref().ok_or("S3 record has no object key")?;
        let key = domain::decode_s3_key(raw_key)?;
        let bucket = record
            .s3
            .bucket
            .name
            .as_deref()
            .ok_or_else(|| format!("S3 record for key {key:?} has no bucket name"))?;
        let raw_sequencer = object
            .sequencer
            .as_deref()
            .ok_or_else(|| format!("S3 record for key {key:?} has no sequencer"))?;
        let sequencer = domain::normalize_sequencer(raw_sequencer)
            .map_err(|e| format!("S3 record for key {key:?}: {e}"))?;
        let now = now_epoch();
        let owner = upload::owner_of_key(&key);

        let job_id = domain::client_request_token(&key, &sequencer);
        match self
            .inputs
            .claim(&key, &sequencer, &job_id, owner, now)
            .await?
        {
            Claim::Superseded => {
                tracing::info!(input_file = %key, decision = "superseded", "a newer upload of this key was already claimed");
                return Ok(Created::Superseded);
            }
            Claim::Again if self.statuses.get(&job_id).await?.is_some() => {
                tracing::info!(job_id, input_file = %key, decision = "redelivery", "job already created for this upload");
                return Ok(Created::AlreadyDone { job_id });
            }
            Claim::Again => {
                tracing::info!(job_id, input_file = %key, decision = "resume", "claimed before, job not recorded: creating it");
            }
            Claim::Fresh => {}
        }

        let candidate = JobOutput {
            output_path: domain::output_path(&job_id),
            key_file: format!(
                "{}{}",
                domain::key_folder(&job_id),
                domain::key_file_name(&key)
            ),
            key_value: domain::hex_encode(&random_key()?),
        };
        let (output, _) = self.outputs.put_once(&job_id, candidate, now).await?;
        let mut user_metadata = domain::user_metadata(
            &self.config.stack_name,
            &job_id,
            &key,
            crate::metrics::now_millis(),
        );
        if let Some(owner) = owner {
            user_metadata.insert(OWNER_METADATA.to_string(), owner.to_string());
        }

        let mediaconvert_job_id = self
            .transcoder
            .create_job(&JobRequest {
                input_bucket: bucket,
                input_key: &key,
                output_bucket: &self.config.output_bucket,
                output_path: &output.output_path,
                key_hex: &output.key_value,
                key_url: &domain::key_url(&self.config.api_url, &job_id),
                job_template: &self.config.mediaconvert_job_template,
                role_arn: &self.config.mediaconvert_role_arn,
                status_update_interval_seconds: self.config.status_update_interval_seconds,
                user_metadata,
                client_request_token: &job_id,
            })
            .await?;

        self.statuses
            .apply(
                &StateUpdate::submitted(&job_id, Some(&mediaconvert_job_id)),
                None,
                owner,
                now,
            )
            .await?;
        tracing::info!(
            job_id,
            mediaconvert_job_id,
            status = JobStatus::Submitted.as_str(),
            input_file = %key,
            decision = "created",
            "job created"
        );
        Ok(Created::Job { job_id })
    }
}

// ---------------------------------------------------------------------------------------
// job-state: EventBridge "MediaConvert Job State Change"
// ---------------------------------------------------------------------------------------

/// The user metadata key that carries the job's owner segment from create-job to job-state.
pub const OWNER_METADATA: &str = wiring::metadata::OWNER;

pub struct JobStateHandler {
    config: JobStateConfig,
    outputs: OutputTable,
    statuses: StatusTable,
    storage: Storage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// A status that is not stored (INPUT_INFORMATION, NEW_WARNING, QUEUE_HOP...).
    Ignored {
        status: String,
    },
    /// No valid `job` user metadata: not a job this stack's create-job started.
    NotOurs,
    Merged(crate::store::Applied),
}

impl JobStateHandler {
    pub fn new(
        config: JobStateConfig,
        dynamodb: aws_sdk_dynamodb::Client,
        s3: aws_sdk_s3::Client,
    ) -> Self {
        let ttl = Ttl {
            days: config.ttl_days,
        };
        JobStateHandler {
            outputs: OutputTable::new(dynamodb.clone(), &config.job_output_table, ttl),
            statuses: StatusTable::new(dynamodb, &config.job_status_table, ttl),
            storage: Storage::new(s3),
            config,
        }
    }

    /// Every write is keyed by the job id of the event's user metadata (`job`), never by
    /// MediaConvert's job id: the output item was written before CreateJob, so a COMPLETE
    /// always finds it, whichever MediaConvert job of the upload sent it.
    pub async fn handle(&self, event: serde_json::Value) -> Result<Handled, Error> {
        let event = JobStateChange::from_value(event)?;
        let mediaconvert_job_id = event.detail.job_id.as_str();
        let Some(job_id) = event.job() else {
            // The rule matches this stack's `stack` metadata, so this is a job started by
            // hand or by an older create-job: nothing of ours to update, and no retry helps.
            tracing::warn!(
                mediaconvert_job_id,
                status = %event.detail.status,
                decision = "not_ours",
                "event without a valid job metadata value dropped"
            );
            return Ok(Handled::NotOurs);
        };
        let Some(update) = event.to_update(job_id) else {
            tracing::info!(job_id, mediaconvert_job_id, status = %event.detail.status, decision = "ignored", "status not stored");
            return Ok(Handled::Ignored {
                status: event.detail.status.clone(),
            });
        };
        let mut output_path = None;
        if let Some(details) = update.complete.as_ref() {
            // The files come before the status: once COMPLETE is visible, the key file and
            // info.json exist. A retried COMPLETE rewrites the same bytes.
            let output = self.outputs.get(job_id).await?.ok_or_else(|| {
                format!(
                    "COMPLETE for job {job_id}, but the job output table has no item for it: \
                     cannot write the key file"
                )
            })?;
            let key = domain::hex_decode_key(&output.key_value)
                .map_err(|e| format!("job {job_id}: {e}"))?;
            let bucket = &self.config.output_bucket;
            self.storage
                .put(
                    bucket,
                    &output.key_file,
                    key.to_vec(),
                    "application/octet-stream",
                )
                .await?;
            self.storage
                .put(
                    bucket,
                    &format!("{}info.json", domain::key_folder(job_id)),
                    domain::info_json(details).into_bytes(),
                    "application/json",
                )
                .await?;
            output_path = Some(output.output_path);
        }
        let owner = event
            .detail
            .user_metadata
            .as_ref()
            .and_then(|m| m.get(OWNER_METADATA))
            .map(String::as_str);
        let applied = self
            .statuses
            .apply(&update, output_path.as_deref(), owner, now_epoch())
            .await?;
        tracing::info!(
            job_id,
            mediaconvert_job_id,
            status = update.status.as_str(),
            progress = update.progress,
            written = applied.written,
            status_changed = applied.status,
            decision = "merged",
            "job state merged"
        );
        // Only the event that moved the job counts: a redelivered COMPLETE, or the COMPLETE
        // of a second MediaConvert job of the same job id, is not a second job.
        if applied.status
            && let Some(line) =
                crate::metrics::job_finished_line(&event.detail, crate::metrics::now_millis())
        {
            crate::metrics::emit(&line);
        }
        Ok(Handled::Merged(applied))
    }
}

// ---------------------------------------------------------------------------------------
// status API: HTTP API payload 2.0
// ---------------------------------------------------------------------------------------

pub struct StatusApi {
    config: StatusApiConfig,
    inputs: InputFileTable,
    outputs: OutputTable,
    statuses: StatusTable,
    quota: QuotaTable,
    storage: Storage,
    page: crate::page::Page,
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

fn no_such_job(job_id: &str) -> ApiError {
    ApiError::not_found("no_such_job", format!("no job {job_id}"))
}

impl StatusApi {
    pub fn new(
        config: StatusApiConfig,
        dynamodb: aws_sdk_dynamodb::Client,
        s3: aws_sdk_s3::Client,
    ) -> Self {
        // The API only reads the job tables; the TTL is irrelevant to reads.
        let ttl = Ttl { days: 1 };
        let storage = Storage::new(s3);
        StatusApi {
            inputs: InputFileTable::new(dynamodb.clone(), &config.input_file_table, ttl),
            outputs: OutputTable::new(dynamodb.clone(), &config.job_output_table, ttl),
            statuses: StatusTable::new(dynamodb.clone(), &config.job_status_table, ttl),
            quota: QuotaTable::new(dynamodb, &config.upload_quota_table),
            page: crate::page::Page::new(
                config.page.clone(),
                storage.clone(),
                config.input_bucket.clone(),
                &config.upload_prefix,
            ),
            storage,
            config,
        }
    }

    /// Never fails: every outcome is an HTTP answer in the payload 2.0 response format. CORS
    /// headers are added by the HTTP API's CORS configuration, not here.
    pub async fn handle(&self, event: serde_json::Value) -> ApiGatewayV2httpResponse {
        if let Some(response) = self.page.serve(&event).await {
            return response;
        }
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

    async fn route(&self, request: ApiRequest) -> Result<ApiGatewayV2httpResponse, ApiError> {
        let ApiRequest {
            route,
            owner,
            query,
            body,
        } = request;
        match route {
            Route::ListJobs => match query.get("inputFile") {
                Some(input_file) => self.latest_job(&owner, input_file).await,
                None => {
                    self.list_jobs(
                        &owner,
                        query.get("limit").map(String::as_str),
                        query.get("cursor").map(String::as_str),
                    )
                    .await
                }
            },
            Route::GetJob(job_id) => self.job(&owner, &job_id).await,
            Route::GetKey(job_id) => self.key(&owner, &job_id).await,
            Route::CreateUpload => self.upload(&owner, body.as_deref()).await,
        }
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
        let jobs = page
            .uploads
            .iter()
            .map(|u| {
                let stored = u.job_id.as_ref().and_then(|id| statuses.get(id));
                ListedJob {
                    job_id: u.job_id.clone(),
                    input_file: u.input_file.clone(),
                    file_name: listing::file_name_of(&u.input_file).to_string(),
                    status: stored.map(|s| s.state.status.as_str().to_string()),
                    progress: stored.map(|s| s.state.progress),
                    created_at: domain::utc_rfc3339(u.creation_time),
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

    async fn job(&self, owner: &str, job_id: &str) -> Result<ApiGatewayV2httpResponse, ApiError> {
        let job_id = domain::validate_job_id(job_id)?;
        let stored = self
            .statuses
            .get(job_id)
            .await
            .map_err(|e| unavailable(&e))?
            .filter(|s| s.owner.as_deref() == Some(owner))
            .ok_or_else(|| no_such_job(job_id))?;
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
        self.statuses
            .get(job_id)
            .await
            .map_err(|e| unavailable(&e))?
            .filter(|s| s.owner.as_deref() == Some(owner))
            .ok_or_else(|| no_such_job(job_id))?;
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
}
