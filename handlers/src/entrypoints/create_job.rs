//! create-job: S3 ObjectCreated on the input bucket -> one MediaConvert job per upload.

use super::Error;
use crate::adapters::{JobRequest, Transcoder, random_key};
use crate::config::CreateJobConfig;
use crate::domain::upload;
use crate::domain::{self, JobStatus, StateUpdate};
use crate::store::{Claim, InputFileTable, JobOutput, OutputTable, StatusTable, Ttl, now_epoch};
use aws_lambda_events::s3::{S3Event, S3EventRecord};

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
    /// 3. The output item (output path, key and owner) is written under the job id only if
    ///    absent: a retry reuses them.
    /// 4. CreateJob with that token, the job id in the user metadata (`job`; no value holds
    ///    the user's file name, which MediaConvert may refuse), the whole input (file and
    ///    selectors), the output under `hls/<job id>/` and the key URL
    ///    `<API_URL>/jobs/<job id>/key`.
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
            owner: owner.map(str::to_string),
            input_file: Some(key.to_string()),
        };
        let (output, _) = self.outputs.put_once(&job_id, candidate, now).await?;
        let user_metadata = domain::user_metadata(
            &self.config.stack_name,
            &job_id,
            crate::metrics::now_millis(),
            owner,
        );

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
            .apply_for_input(
                &StateUpdate::submitted(&job_id, Some(&mediaconvert_job_id)),
                None,
                owner,
                Some(&key),
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
