//! The DynamoDB tables, one module each (keys from the `wiring` crate, attributes as
//! docs/wiring.md): `input_file` (an upload's claim and latest job), `listing` (that table's
//! `OwnerIndex`: a user's uploads), `output` (a job's output path and key), `status` (a job's
//! merged state) and `quota` (uploads per user per day); this module holds what they share.
//!
//! Every rule that must hold under concurrent, repeated and reordered delivery is a condition
//! expression, never a read followed by a write: a failed condition means "already at or past
//! this state" and is a success that changes nothing.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use std::fmt;

mod input_file;
mod listing;
mod output;
mod quota;
mod status;

pub use input_file::{Claim, InputFileTable};
pub use listing::{OWNER, OWNER_INDEX, OwnedUpload, Page, PageKey};
pub use output::{JobOutput, OutputTable};
pub use quota::{QUOTA_KEY, QuotaTable, UPLOAD_COUNT};
pub use status::{Applied, StatusTable, StoredJob};

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

/// How long a finished video's items are kept (`VideoRetentionDays`): 0 for as long as its
/// owner keeps it, else N days, to the UTC midnight after: S3 expires an object at the UTC
/// midnight after its creation plus N days, and every object of a video is created before its
/// COMPLETE, so the items never expire before the objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoRetention {
    pub days: u32,
}

impl VideoRetention {
    /// The `ExpirationTime` of a video finished at `now` (epoch seconds); `None`: never.
    pub fn expiry(&self, now: i64) -> Option<i64> {
        (self.days > 0).then(|| {
            let at = now + i64::from(self.days) * 86_400;
            (at / 86_400 + 1) * 86_400
        })
    }

    /// `SET ExpirationTime = :video_exp` or `REMOVE ExpirationTime`, and the value.
    fn update(&self, now: i64) -> (&'static str, Option<AttributeValue>) {
        match self.expiry(now) {
            Some(at) => ("SET ExpirationTime = :video_exp", Some(n(at))),
            None => ("REMOVE ExpirationTime", None),
        }
    }
}

/// Gives the item under `key = value` a finished video's lifetime, if it exists and
/// `condition` (over `:job`) holds, and returns the item as it is now; `Ok(None)` when the
/// condition fails.
async fn keep_as_video(
    t: &Table,
    (key, value): (&str, &str),
    condition: &str,
    job_id: &str,
    retention: VideoRetention,
    now: i64,
) -> Result<Option<Item>, StoreError> {
    let (expression, expiry) = retention.update(now);
    let mut values = HashMap::from([(":job".to_string(), s(job_id))]);
    if let Some(v) = expiry {
        values.insert(":video_exp".to_string(), v);
    }
    let result = t
        .client
        .update_item()
        .table_name(&t.name)
        .key(key, s(value))
        .update_expression(expression)
        .condition_expression(condition)
        .set_expression_attribute_values(Some(values))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
        .send()
        .await;
    match result {
        Ok(out) => Ok(Some(out.attributes.unwrap_or_default())),
        Err(e)
            if e.as_service_error().and_then(|e| e.code())
                == Some("ConditionalCheckFailedException") =>
        {
            Ok(None)
        }
        Err(e) => Err(store_error("UpdateItem", &t.name, e)),
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

    /// Deletes the item under `key = value`; deleting a missing item succeeds.
    async fn delete(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.name)
            .key(key, s(value))
            .send()
            .await
            .map_err(|e| store_error("DeleteItem", &self.name, e))?;
        Ok(())
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
