//! Input file: InputFile -> JobId (the latest job of an upload), Sequencer, JobSequencer:
//! an upload's claim before CreateJob.

use super::{KEEP_TIMES, OWNER, StoreError, Table, Ttl, conditional, get_s, n, s, written_or_old};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use std::collections::HashMap;
use wiring::table::{INPUT_FILE, JOB_ID};

#[derive(Debug, Clone)]
pub struct InputFileTable {
    // The listing (`listing.rs`) queries this table's index through it too.
    pub(super) t: Table,
}

/// The outcome of claiming an upload (an object key at one S3 sequencer) before CreateJob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First delivery of this upload: go on and create its job.
    Fresh,
    /// This upload was claimed before: a redelivery, a retry after a crash, or a concurrent
    /// delivery. Whether its job was submitted is for the job status item to say.
    Again,
    /// A newer upload of the same key has been claimed: the object now holds that upload,
    /// so this event is stale.
    Superseded,
}

impl InputFileTable {
    pub fn new(client: Client, name: impl Into<String>, ttl: Ttl) -> Self {
        InputFileTable {
            t: Table::new(client, name, ttl),
        }
    }

    /// Advances `Sequencer` to this upload's (normalized) sequencer only if it is newer
    /// than any claimed before, and points the input file at the upload's job id in the same
    /// write (the job id is fixed before CreateJob, so an older upload never replaces the
    /// newest job of a key: its claim fails). Otherwise the item that failed the condition
    /// (returned with the failure, so no read) tells a repeated claim from a stale event.
    ///
    /// `owner` (the upload's owner segment) goes on the item, which puts it in the owner's
    /// listing (`OwnerIndex`); an upload without one is listed for nobody.
    pub async fn claim(
        &self,
        input_file: &str,
        sequencer: &str,
        job_id: &str,
        owner: Option<&str>,
        now: i64,
    ) -> Result<Claim, StoreError> {
        let set_owner = if owner.is_some() {
            ", #owner = :owner"
        } else {
            ""
        };
        let result = self
            .t
            .client
            .update_item()
            .table_name(&self.t.name)
            .key(INPUT_FILE, s(input_file))
            .update_expression(format!(
                "SET #seq = :seq, JobSequencer = :seq, JobId = :job, {KEEP_TIMES}{set_owner}"
            ))
            .condition_expression("attribute_not_exists(#seq) OR #seq < :seq")
            .set_expression_attribute_names(
                owner.map(|_| HashMap::from([("#owner".to_string(), OWNER.to_string())])),
            )
            .set_expression_attribute_values(
                owner.map(|o| HashMap::from([(":owner".to_string(), s(o))])),
            )
            .expression_attribute_names("#seq", "Sequencer")
            .expression_attribute_values(":seq", s(sequencer))
            .expression_attribute_values(":job", s(job_id))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":exp", self.t.ttl.expiry(now))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let Some(item) = written_or_old("UpdateItem", &self.t.name, result)? else {
            return Ok(Claim::Fresh);
        };
        let claimed = get_s(&item, "Sequencer").unwrap_or_default();
        if claimed.as_str() > sequencer {
            Ok(Claim::Superseded)
        } else {
            Ok(Claim::Again)
        }
    }

    /// Gives the upload's item a finished video's lifetime (at COMPLETE), if it still points
    /// at `job_id`: the listing reads this item, so it must last as long as the video.
    pub async fn keep_as_video(
        &self,
        input_file: &str,
        job_id: &str,
        retention: super::VideoRetention,
        now: i64,
    ) -> Result<bool, StoreError> {
        let kept = super::keep_as_video(
            &self.t,
            (INPUT_FILE, input_file),
            "JobId = :job",
            job_id,
            retention,
            now,
        )
        .await?;
        Ok(kept.is_some())
    }

    /// Removes the upload's item if it still points at `job_id` (a delete): a claim of a
    /// newer upload of the same key is left alone.
    pub async fn forget(&self, input_file: &str, job_id: &str) -> Result<(), StoreError> {
        let result = self
            .t
            .client
            .delete_item()
            .table_name(&self.t.name)
            .key(INPUT_FILE, s(input_file))
            .condition_expression("JobId = :job")
            .expression_attribute_values(":job", s(job_id))
            .send()
            .await;
        conditional("DeleteItem", &self.t.name, result).map(|_| ())
    }

    /// The latest job id of an upload, if one is recorded.
    pub async fn latest_job(&self, input_file: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .t
            .get(INPUT_FILE, input_file)
            .await?
            .and_then(|item| get_s(&item, JOB_ID)))
    }
}
