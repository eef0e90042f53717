//! Job output: JobId -> OutputPath, KeyFile, KeyValue, Owner, InputFile (written once, before
//! CreateJob).

use super::{Item, StoreError, Table, Ttl, get_s, n, s, written_or_old};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use std::fmt;
use wiring::table::{INPUT_FILE, JOB_ID, OWNER, TTL_ATTRIBUTE};

/// Where a job writes and the key it encrypts with. `Debug` hides the key value so that no
/// log or error can print it by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct JobOutput {
    /// MediaConvert's destination prefix (`hls/<job id>/`).
    pub output_path: String,
    /// The key file's object key (`keys/<job id>/<name>.key`).
    pub key_file: String,
    /// The 16 key bytes in hex.
    pub key_value: String,
    /// The owner segment of the upload (none for keys not made by `POST /uploads`): where
    /// job-state finds an owner that the job's user metadata cannot carry.
    pub owner: Option<String>,
    /// The upload the job transcodes: job-state gives its item the video's lifetime at
    /// COMPLETE (absent on items written before it was recorded).
    pub input_file: Option<String>,
}

impl fmt::Debug for JobOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobOutput")
            .field("output_path", &self.output_path)
            .field("key_file", &self.key_file)
            .field("key_value", &"<redacted>")
            .field("owner", &self.owner)
            .field("input_file", &self.input_file)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct OutputTable {
    t: Table,
}

impl OutputTable {
    pub fn new(client: Client, name: impl Into<String>, ttl: Ttl) -> Self {
        OutputTable {
            t: Table::new(client, name, ttl),
        }
    }

    /// Writes `output` under `id` unless an item is already there; returns what is stored
    /// afterwards (the existing item wins, so a retry reuses the first key and path).
    pub async fn put_once(
        &self,
        id: &str,
        output: JobOutput,
        now: i64,
    ) -> Result<(JobOutput, bool), StoreError> {
        let mut put = self
            .t
            .client
            .put_item()
            .table_name(&self.t.name)
            .item(JOB_ID, s(id))
            .item("OutputPath", s(&output.output_path))
            .item("KeyFile", s(&output.key_file))
            .item("KeyValue", s(&output.key_value));
        if let Some(owner) = &output.owner {
            put = put.item(OWNER, s(owner));
        }
        if let Some(input_file) = &output.input_file {
            put = put.item(INPUT_FILE, s(input_file));
        }
        let result = put
            .item("CreationTime", n(now))
            .item(TTL_ATTRIBUTE, self.t.ttl.expiry(now))
            .condition_expression("attribute_not_exists(JobId)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match written_or_old("PutItem", &self.t.name, result)? {
            None => Ok((output, true)),
            Some(old) => Ok((self.read_output(id, &old)?, false)),
        }
    }

    /// Gives the job's item a finished video's lifetime (at COMPLETE) and returns it, in
    /// one request (COMPLETE needs the key anyway); `None` when there is no item (a deleted
    /// job's is gone and stays so).
    pub async fn keep_as_video(
        &self,
        id: &str,
        retention: super::VideoRetention,
        now: i64,
    ) -> Result<Option<JobOutput>, StoreError> {
        let kept =
            super::keep_as_video(&self.t, (JOB_ID, id), "JobId = :job", id, retention, now).await?;
        match kept {
            Some(item) => self.read_output(id, &item).map(Some),
            None => Ok(None),
        }
    }

    /// Removes the job's item (a delete); an item already gone is no error.
    pub async fn delete(&self, id: &str) -> Result<(), StoreError> {
        self.t.delete(JOB_ID, id).await
    }

    pub async fn get(&self, id: &str) -> Result<Option<JobOutput>, StoreError> {
        match self.t.get(JOB_ID, id).await? {
            Some(item) => self.read_output(id, &item).map(Some),
            None => Ok(None),
        }
    }

    fn read_output(&self, id: &str, item: &Item) -> Result<JobOutput, StoreError> {
        match (
            get_s(item, "OutputPath"),
            get_s(item, "KeyFile"),
            get_s(item, "KeyValue"),
        ) {
            (Some(output_path), Some(key_file), Some(key_value)) => Ok(JobOutput {
                output_path,
                key_file,
                key_value,
                owner: get_s(item, OWNER),
                input_file: get_s(item, INPUT_FILE),
            }),
            _ => Err(StoreError(format!(
                "item {id} of table {} lacks OutputPath, KeyFile or KeyValue",
                self.t.name
            ))),
        }
    }
}
