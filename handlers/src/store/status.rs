//! Job status: JobId -> JobStatus, ProgressRate, ... (a job's merged state, and whose it is).

use super::{Item, KEEP_TIMES, OWNER, StoreError, Table, Ttl, get_n, get_s, n, s, store_error};
use crate::domain::{CompleteDetails, ErrorDetails, JobState, JobStatus, StateUpdate};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, ReturnValue};
use std::collections::{BTreeMap, HashMap};
use wiring::table::JOB_ID;

/// BatchGetItem may leave keys unprocessed under load; retried this many times.
const BATCH_ATTEMPTS: u32 = 3;

#[derive(Debug, Clone)]
pub struct StatusTable {
    t: Table,
    /// Set: a COMPLETE gives the item a finished video's lifetime.
    video: Option<super::VideoRetention>,
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
    /// The MediaConvert job the stored state came from, for operators (and cancel).
    pub mediaconvert_job_id: Option<String>,
    /// The upload the job transcodes (absent on items written before it was recorded).
    pub input_file: Option<String>,
}

/// The status item's attributes that come from the update stored: an update that lacks one
/// removes it, so the item is exactly the greatest update's state whatever came before.
const UPDATE_ATTRIBUTES: [&str; 10] = [
    "LastEventTime",
    "MediaConvertJobId",
    "DurationMs",
    "WidthPx",
    "HeightPx",
    "Playlists",
    "Poster",
    "OutputPath",
    "ErrorCode",
    "ErrorMessage",
];

impl StatusTable {
    pub fn new(client: Client, name: impl Into<String>, ttl: Ttl) -> Self {
        StatusTable {
            t: Table::new(client, name, ttl),
            video: None,
        }
    }

    /// The table as job-state writes it: a COMPLETE that wins the merge sets the item's
    /// `ExpirationTime` to the video's (or removes it: kept until deleted).
    pub fn keeping_videos(mut self, retention: super::VideoRetention) -> Self {
        self.video = Some(retention);
        self
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
        self.apply_for_input(update, output_path, owner, None, now)
            .await
    }

    /// [`Self::apply`], also recording the upload the job transcodes (`InputFile`): what a
    /// delete removes besides the job's own objects. A delete's tombstone restarts the
    /// item's expiry at the transient `TtlDays`: it only has to outlive late events.
    pub async fn apply_for_input(
        &self,
        update: &StateUpdate,
        output_path: Option<&str>,
        owner: Option<&str>,
        input_file: Option<&str>,
        now: i64,
    ) -> Result<Applied, StoreError> {
        const CREATED: &str = "CreationTime = if_not_exists(CreationTime, :now)";
        let video = self.video.filter(|_| update.status == JobStatus::Complete);
        let video_expiry = video.map(|v| v.expiry(now));
        let times = match (update.status, video_expiry) {
            (JobStatus::Deleted, _) => format!("{CREATED}, ExpirationTime = :exp"),
            (_, Some(Some(_))) => format!("{CREATED}, ExpirationTime = :video_exp"),
            // Kept until its owner deletes it: no expiry at all (REMOVE below).
            (_, Some(None)) => CREATED.to_string(),
            _ => KEEP_TIMES.to_string(),
        };
        let mut sets = vec![
            "MergeOrder = :order".to_string(),
            "JobStatus = :status".to_string(),
            "StatusRank = :rank".to_string(),
            "ProgressRate = :progress".to_string(),
            times,
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
        ]);
        // DynamoDB refuses a value the expression does not use.
        match video_expiry {
            Some(Some(at)) => drop(values.insert(":video_exp".into(), n(at))),
            Some(None) => {}
            None => drop(values.insert(":exp".into(), self.t.ttl.expiry(now))),
        }
        // `Owner` is a DynamoDB reserved word: it needs a name placeholder.
        let names = owner.map(|o| {
            sets.push("#owner = :owner".to_string());
            values.insert(":owner".into(), s(o));
            HashMap::from([("#owner".to_string(), OWNER.to_string())])
        });
        if let Some(input_file) = input_file {
            sets.push("InputFile = :input".to_string());
            values.insert(":input".into(), s(input_file));
        }
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
            if let Some(p) = &c.poster {
                set("Poster", s(p));
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
        let mut removes: Vec<&str> = removes;
        if video_expiry == Some(None) {
            removes.push(wiring::table::TTL_ATTRIBUTE);
        }
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

    /// The stored jobs among `job_ids` (at most 100, BatchGetItem's limit), by id.
    pub async fn get_many(
        &self,
        job_ids: &[&str],
    ) -> Result<HashMap<String, StoredJob>, StoreError> {
        let mut found = HashMap::new();
        let mut keys: Vec<Item> = job_ids
            .iter()
            .map(|id| HashMap::from([(JOB_ID.to_string(), s(*id))]))
            .collect();
        keys.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        keys.dedup();
        for attempt in 0..BATCH_ATTEMPTS {
            if keys.is_empty() {
                break;
            }
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
            }
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut keys)))
                .consistent_read(true)
                .build()
                .map_err(|e| StoreError(format!("BatchGetItem request: {e}")))?;
            let out = self
                .t
                .client
                .batch_get_item()
                .request_items(&self.t.name, request)
                .send()
                .await
                .map_err(|e| store_error("BatchGetItem", &self.t.name, e))?;
            for item in out
                .responses
                .unwrap_or_default()
                .remove(&self.t.name)
                .unwrap_or_default()
            {
                if let Some(id) = get_s(&item, JOB_ID) {
                    found.insert(id, read_status_item(&item));
                }
            }
            keys = out
                .unprocessed_keys
                .unwrap_or_default()
                .remove(&self.t.name)
                .map(|k| k.keys)
                .unwrap_or_default();
        }
        if !keys.is_empty() {
            return Err(StoreError(format!(
                "BatchGetItem on table {} left {} keys unprocessed",
                self.t.name,
                keys.len()
            )));
        }
        Ok(found)
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
        poster: get_s(item, "Poster"),
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
        input_file: get_s(item, wiring::table::INPUT_FILE),
    }
}
