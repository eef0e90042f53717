//! job-state: EventBridge "MediaConvert Job State Change" -> the job's merged state, and on
//! COMPLETE the key file and info.json.

use super::{Error, OWNER_METADATA};
use crate::adapters::Storage;
use crate::config::JobStateConfig;
use crate::domain::{self, JobStateChange, JobStatus, StateUpdate};
use crate::push::Publisher;
use crate::store::{InputFileTable, OutputTable, StatusTable, Ttl, VideoRetention, now_epoch};

pub struct JobStateHandler {
    config: JobStateConfig,
    inputs: InputFileTable,
    outputs: OutputTable,
    statuses: StatusTable,
    video: VideoRetention,
    storage: Storage,
    publisher: Option<Publisher>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// A status that is not stored (INPUT_INFORMATION, NEW_WARNING, QUEUE_HOP...).
    Ignored {
        status: String,
    },
    /// No valid `job` user metadata: not a job this stack's create-job started.
    NotOurs,
    /// The job was deleted: its tombstone wins, nothing is written.
    Deleted,
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
        let video = VideoRetention {
            days: config.video_retention_days,
        };
        JobStateHandler {
            inputs: InputFileTable::new(dynamodb.clone(), &config.input_file_table, ttl),
            outputs: OutputTable::new(dynamodb.clone(), &config.job_output_table, ttl),
            statuses: StatusTable::new(dynamodb, &config.job_status_table, ttl)
                .keeping_videos(video),
            video,
            storage: Storage::new(s3),
            publisher: None,
            config,
        }
    }

    /// Pushes each stored change to the job's channel (without one, the page polls only).
    pub fn with_publisher(mut self, publisher: Publisher) -> Self {
        self.publisher = Some(publisher);
        self
    }

    /// Publishes the stored update to the job's channel. Never fails the event: the state is
    /// already stored and the page recovers by polling, while a retry would only repeat the
    /// write. A failure is logged and counted instead.
    async fn push(&self, update: &StateUpdate, event: &JobStateChange, owner: Option<&str>) {
        let Some(publisher) = &self.publisher else {
            return;
        };
        let job_id = update.job_id.as_str();
        let Some(channel) = owner.and_then(|o| wiring::events::job_channel(o, job_id)) else {
            tracing::info!(
                job_id,
                decision = "no_channel",
                "owner has no channel form: not pushed"
            );
            return;
        };
        let phase = (event.detail.job_progress.as_ref()).and_then(|p| p.current_phase.as_deref());
        let body =
            domain::push::publish_body(&channel, &domain::push::progress_event(update, phase));
        if let Err(e) = publisher.publish(body).await {
            tracing::warn!(job_id, error = %e, decision = "publish_failed", "progress not pushed");
            let stack = (event.detail.user_metadata.as_ref())
                .and_then(|m| m.get(crate::metrics::STACK_KEY))
                .map_or("unknown", String::as_str);
            crate::metrics::emit(&crate::metrics::publish_failed_line(
                stack,
                crate::metrics::now_millis(),
            ));
        }
    }

    /// A job that ended in ERROR or CANCELED keeps nothing MediaConvert wrote before it
    /// stopped: its items expire by `TtlDays`, and no object may outlive every record that
    /// points at it (with `VideoRetentionDays` 0 no lifecycle rule would ever take them).
    /// Decided on the stored state, not on whether this event wrote it, so a redelivery
    /// after a failure half-way finishes the removal; a job whose stored state is COMPLETE
    /// (the other MediaConvert job of a retried upload won) or DELETED (its delete removes
    /// everything itself) keeps its files.
    async fn remove_partial_output(&self, job_id: &str) -> Result<(), Error> {
        let failed = self
            .statuses
            .get(job_id)
            .await?
            .is_some_and(|s| matches!(s.state.status, JobStatus::Error | JobStatus::Canceled));
        if !failed {
            return Ok(());
        }
        let versions = self
            .storage
            .delete_all_versions(
                &self.config.output_bucket,
                &domain::output_path(job_id),
                false,
            )
            .await?;
        tracing::info!(
            job_id,
            versions,
            decision = "partial_output_removed",
            "output of a failed job removed"
        );
        Ok(())
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
        let metadata = event.detail.user_metadata.as_ref();
        let metadata_owner = metadata.and_then(|m| m.get(OWNER_METADATA)).cloned();
        // A `~` owner cannot travel in the metadata (MediaConvert refuses its `~`): create-job
        // wrote it on the output item before CreateJob, and flags that it did.
        let owner_on_output = metadata
            .and_then(|m| m.get(wiring::metadata::OWNER_ON_OUTPUT))
            .is_some_and(|v| v == "true");
        let needs_output = update.complete.is_some() || owner_on_output;
        let stored = if update.complete.is_some() {
            // One request reads the key and gives the item the video's lifetime.
            self.outputs
                .keep_as_video(job_id, self.video, now_epoch())
                .await?
        } else if needs_output {
            self.outputs.get(job_id).await?
        } else {
            None
        };
        let owner = metadata_owner.or_else(|| stored.as_ref().and_then(|o| o.owner.clone()));
        let input_file = stored.as_ref().and_then(|o| o.input_file.clone());
        let mut output_path = None;
        if let Some(details) = update.complete.as_ref() {
            // The files come before the status: once COMPLETE is visible, the key file and
            // info.json exist. A retried COMPLETE rewrites the same bytes.
            let Some(output) = stored else {
                // A deleted job's COMPLETE (late, or a job that ended before its CancelJob):
                // its tombstone has the last word and nothing is written.
                if self
                    .statuses
                    .get(job_id)
                    .await?
                    .is_some_and(|s| s.state.status == JobStatus::Deleted)
                {
                    tracing::info!(
                        job_id,
                        mediaconvert_job_id,
                        decision = "deleted",
                        "event of a deleted job dropped"
                    );
                    return Ok(Handled::Deleted);
                }
                return Err(format!(
                    "COMPLETE for job {job_id}, but the job output table has no item for it: \
                     cannot write the key file"
                )
                .into());
            };
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
        let now = now_epoch();
        if update.complete.is_some()
            && let Some(input_file) = &input_file
        {
            // Before the status: once COMPLETE is visible, every item of the video lasts as
            // long as it (the output item's lifetime was set when it was read above; items
            // of a deleted job are gone and stay so).
            self.inputs
                .keep_as_video(input_file, job_id, self.video, now)
                .await?;
        }
        let applied = self
            .statuses
            .apply(&update, output_path.as_deref(), owner.as_deref(), now)
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
        if applied.written {
            self.push(&update, &event, owner.as_deref()).await;
        }
        if matches!(update.status, JobStatus::Error | JobStatus::Canceled) {
            self.remove_partial_output(job_id).await?;
        }
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
