//! The three DynamoDB tables (keys from the `wiring` crate, attributes as docs/wiring.md).
//! Every rule that must hold under concurrent, repeated and reordered delivery is a condition
//! expression, never a read followed by a write: a failed condition means "already at or past this state" and
//! is a success that changes nothing.

use crate::domain::{CompleteDetails, ErrorDetails, JobState, JobStatus, StateUpdate};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use wiring::table::{INPUT_FILE, JOB_ID, TTL_ATTRIBUTE};

mod listing;
mod quota;

pub use listing::{OWNER, OWNER_INDEX, OwnedUpload, Page, PageKey};
pub use quota::{QUOTA_KEY, QuotaTable, UPLOAD_COUNT};

/// A store call that failed for a reason other than a condition (unreachable, throttled,
/// missing table...). Handlers return it so Lambda retries and the DLQ keeps the event.
#[derive(Debug)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

fn store_error<E, R>(what: &str, table: &str, err: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    StoreError(format!(
        "{what} on table {table} failed: {}",
        DisplayErrorContext(err)
    ))
}

/// `Ok(false)` when the condition failed: the item is already at or past this state.
fn conditional<O, E>(
    what: &str,
    table: &str,
    result: Result<O, SdkError<E, HttpResponse>>,
) -> Result<bool, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error().and_then(|e| e.code())
                == Some("ConditionalCheckFailedException") =>
        {
            Ok(false)
        }
        Err(e) => Err(store_error(what, table, e)),
    }
}

/// Like `conditional`, for writes that ask for the item that failed the condition:
/// `Ok(None)` when written, `Ok(Some(item))` when the condition failed on `item`.
fn written_or_old<O, E>(
    what: &str,
    table: &str,
    result: Result<O, SdkError<E, HttpResponse>>,
) -> Result<Option<Item>, StoreError>
where
    E: ProvideErrorMetadata + OldItem + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(None),
        Err(SdkError::ServiceError(e))
            if e.err().code() == Some("ConditionalCheckFailedException") =>
        {
            Ok(Some(e.into_err().old_item().unwrap_or_default()))
        }
        Err(e) => Err(store_error(what, table, e)),
    }
}

/// The item a ConditionalCheckFailed carries with `ReturnValuesOnConditionCheckFailure`.
trait OldItem {
    fn old_item(self) -> Option<Item>;
}

impl OldItem for PutItemError {
    fn old_item(self) -> Option<Item> {
        match self {
            PutItemError::ConditionalCheckFailedException(e) => e.item,
            _ => None,
        }
    }
}

impl OldItem for UpdateItemError {
    fn old_item(self) -> Option<Item> {
        match self {
            UpdateItemError::ConditionalCheckFailedException(e) => e.item,
            _ => None,
        }
    }
}

pub fn now_epoch() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `CreationTime`/`ExpirationTime` for every item (TTL on `ExpirationTime`, epoch seconds).
#[derive(Debug, Clone, Copy)]
pub struct Ttl {
    pub days: u32,
}

impl Ttl {
    fn expiry(&self, now: i64) -> AttributeValue {
        n(now + i64::from(self.days) * 86_400)
    }
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn get_s(item: &Item, name: &str) -> Option<String> {
    item.get(name)?.as_s().ok().cloned()
}

fn get_n<T: std::str::FromStr>(item: &Item, name: &str) -> Option<T> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

type Item = HashMap<String, AttributeValue>;

/// One table: its client, physical name and TTL.
#[derive(Debug, Clone)]
struct Table {
    client: Client,
    name: String,
    ttl: Ttl,
}

impl Table {
    fn new(client: Client, name: impl Into<String>, ttl: Ttl) -> Self {
        Table {
            client,
            name: name.into(),
            ttl,
        }
    }

    /// A strongly consistent read: the handlers decide on it right after conditional writes.
    async fn get(&self, key: &str, value: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.name)
            .key(key, s(value))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem", &self.name, e))?;
        Ok(out.item)
    }
}

/// Sets the two time attributes when an update creates the item, leaves them otherwise.
const KEEP_TIMES: &str = "CreationTime = if_not_exists(CreationTime, :now), ExpirationTime = if_not_exists(ExpirationTime, :exp)";

// ---------------------------------------------------------------------------------------
// Job status: JobId -> JobStatus, ProgressRate, ...
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct StatusTable {
    t: Table,
}

/// What one update did to the stored job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// The update was greater than the stored state and replaced it.
    pub written: bool,
    /// ... and it raised the status rank (a job's first terminal update, say): what a
    /// metric counting finished jobs counts, once per job even when a second MediaConvert
    /// job of the same job id ends too.
    pub status: bool,
}

/// A stored job: its merged state, the output prefix recorded on COMPLETE, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredJob {
    pub state: JobState,
    pub output_path: Option<String>,
    /// The owner segment of the user whose upload started the job (absent on items written
    /// before jobs had owners: those belong to nobody).
    pub owner: Option<String>,
    /// The MediaConvert job the stored state came from, for operators.
    pub mediaconvert_job_id: Option<String>,
}

/// The status item's attributes that come from the update stored: an update that lacks one
/// removes it, so the item is exactly the greatest update's state whatever came before.
const UPDATE_ATTRIBUTES: [&str; 9] = [
    "LastEventTime",
    "MediaConvertJobId",
    "DurationMs",
    "WidthPx",
    "HeightPx",
    "Playlists",
    "OutputPath",
    "ErrorCode",
    "ErrorMessage",
];

impl StatusTable {
    pub fn new(client: Client, name: impl Into<String>, ttl: Ttl) -> Self {
        StatusTable {
            t: Table::new(client, name, ttl),
        }
    }

    /// Applies one update as `domain::merge` does, in one conditional `UpdateItem`: the item
    /// becomes the update's state (every attribute set or removed in the same write) only if
    /// its `MergeOrder` is absent or smaller than the update's. A failed condition means the
    /// stored state is already at or past this update: nothing to do. `owner` (from the
    /// job's user metadata) goes on the item with whichever update writes it.
    pub async fn apply(
        &self,
        update: &StateUpdate,
        output_path: Option<&str>,
        owner: Option<&str>,
        now: i64,
    ) -> Result<Applied, StoreError> {
        let mut sets = vec![
            "MergeOrder = :order".to_string(),
            "JobStatus = :status".to_string(),
            "StatusRank = :rank".to_string(),
            "ProgressRate = :progress".to_string(),
            KEEP_TIMES.to_string(),
        ];
        let mut values: HashMap<String, AttributeValue> = HashMap::from([
            (":order".into(), s(update.order())),
            (":status".into(), s(update.status.as_str())),
            (":rank".into(), n(update.status.rank())),
            (
                ":progress".into(),
                n(update.status.progress_of(update.progress)),
            ),
            (":now".into(), n(now)),
            (":exp".into(), self.t.ttl.expiry(now)),
        ]);
        // `Owner` is a DynamoDB reserved word: it needs a name placeholder.
        let names = owner.map(|o| {
            sets.push("#owner = :owner".to_string());
            values.insert(":owner".into(), s(o));
            HashMap::from([("#owner".to_string(), OWNER.to_string())])
        });
        let mut set = |attr: &'static str, value: AttributeValue| {
            sets.push(format!("{attr} = :{attr}"));
            values.insert(format!(":{attr}"), value);
        };
        if let Some(t) = update.event_time {
            set("LastEventTime", n(t));
        }
        if let Some(id) = &update.mediaconvert_job_id {
            set("MediaConvertJobId", s(id));
        }
        if let Some(c) = &update.complete {
            if let Some(v) = c.duration_ms {
                set("DurationMs", n(v));
            }
            if let Some(v) = c.width_px {
                set("WidthPx", n(v));
            }
            if let Some(v) = c.height_px {
                set("HeightPx", n(v));
            }
            if !c.playlists.is_empty() {
                let map = c
                    .playlists
                    .iter()
                    .map(|(k, v)| (k.clone(), s(v.clone())))
                    .collect();
                set("Playlists", AttributeValue::M(map));
            }
            if let Some(p) = output_path {
                set("OutputPath", s(p));
            }
        }
        if let Some(e) = &update.error {
            if let Some(code) = e.code {
                set("ErrorCode", n(code));
            }
            if let Some(message) = &e.message {
                set("ErrorMessage", s(message.clone()));
            }
        }
        let removes: Vec<&str> = UPDATE_ATTRIBUTES
            .into_iter()
            .filter(|attr| !values.contains_key(&format!(":{attr}")))
            .collect();
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        let result = self
            .t
            .client
            .update_item()
            .table_name(&self.t.name)
            .key(JOB_ID, s(&update.job_id))
            .update_expression(expression)
            .condition_expression("attribute_not_exists(MergeOrder) OR MergeOrder < :order")
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::UpdatedOld)
            .send()
            .await;
        match result {
            Ok(out) => {
                let old_rank: Option<u8> = out
                    .attributes
                    .as_ref()
                    .and_then(|old| get_n(old, "StatusRank"));
                Ok(Applied {
                    written: true,
                    status: old_rank.is_none_or(|r| r < update.status.rank()),
                })
            }
            Err(e)
                if e.as_service_error().and_then(|e| e.code())
                    == Some("ConditionalCheckFailedException") =>
            {
                Ok(Applied::default())
            }
            Err(e) => Err(store_error("UpdateItem", &self.t.name, e)),
        }
    }

    pub async fn get(&self, job_id: &str) -> Result<Option<StoredJob>, StoreError> {
        let out = self.t.get(JOB_ID, job_id).await?;
        Ok(out.as_ref().map(read_status_item))
    }
}

fn read_status_item(item: &Item) -> StoredJob {
    let status = get_s(item, "JobStatus")
        .and_then(|s| JobStatus::parse(&s))
        .unwrap_or(JobStatus::Submitted);
    let complete = (status == JobStatus::Complete).then(|| CompleteDetails {
        duration_ms: get_n(item, "DurationMs"),
        width_px: get_n(item, "WidthPx"),
        height_px: get_n(item, "HeightPx"),
        playlists: item
            .get("Playlists")
            .and_then(|v| v.as_m().ok())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_s().ok()?.clone())))
                    .collect::<BTreeMap<_, _>>()
            })
            .unwrap_or_default(),
    });
    let error = (status == JobStatus::Error).then(|| ErrorDetails {
        code: get_n(item, "ErrorCode"),
        message: get_s(item, "ErrorMessage"),
    });
    StoredJob {
        state: JobState {
            status,
            progress: get_n(item, "ProgressRate").unwrap_or(0),
            last_event_time: get_n(item, "LastEventTime"),
            complete,
            error,
        },
        output_path: get_s(item, "OutputPath"),
        owner: get_s(item, OWNER),
        mediaconvert_job_id: get_s(item, "MediaConvertJobId"),
    }
}

// ---------------------------------------------------------------------------------------
// Job output: JobId -> OutputPath, KeyFile, KeyValue
// ---------------------------------------------------------------------------------------

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
}

impl fmt::Debug for JobOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobOutput")
            .field("output_path", &self.output_path)
            .field("key_file", &self.key_file)
            .field("key_value", &"<redacted>")
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
        let result = self
            .t
            .client
            .put_item()
            .table_name(&self.t.name)
            .item(JOB_ID, s(id))
            .item("OutputPath", s(&output.output_path))
            .item("KeyFile", s(&output.key_file))
            .item("KeyValue", s(&output.key_value))
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
            }),
            _ => Err(StoreError(format!(
                "item {id} of table {} lacks OutputPath, KeyFile or KeyValue",
                self.t.name
            ))),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Input file: InputFile -> JobId (latest job of an upload), Sequencer, JobSequencer
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct InputFileTable {
    t: Table,
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

    /// The latest job id of an upload, if one is recorded.
    pub async fn latest_job(&self, input_file: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .t
            .get(INPUT_FILE, input_file)
            .await?
            .and_then(|item| get_s(&item, JOB_ID)))
    }
}
