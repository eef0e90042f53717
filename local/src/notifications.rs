//! S3 event notifications to Lambda, as the bucket's `NotificationConfiguration` wires them:
//! an object created in the bucket reaches a function only when an `s3:ObjectCreated:*` (or
//! the matching `s3:ObjectCreated:<api>`) configuration's prefix and suffix rules both match
//! its key, and then as the event record S3 sends (key URL-encoded form-style, a sequencer).
//!
//! New objects are found by polling ListObjectVersions rather than through moto's own
//! notifications: moto delivers a Lambda notification by invoking the function in its own
//! Lambda backend (a Docker container), not the handler binary under the local Runtime API,
//! and the input bucket is versioned, so every created version (PUT, multipart, copy) shows
//! up in the listing. A poll costs at most [`POLL_INTERVAL`] of latency.

use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

use crate::lambda::Lambda;

pub const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// One `LambdaConfigurations` entry of a bucket, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: String,
    pub event: String,
    pub function_arn: String,
    pub prefix: String,
    pub suffix: String,
}

impl Notification {
    /// The `LambdaConfigurations` of a bucket's resolved `NotificationConfiguration`.
    pub fn from_configuration(config: &Value) -> Result<Vec<Notification>, String> {
        let Some(entries) = config.get("LambdaConfigurations") else {
            return Ok(vec![]);
        };
        let entries = entries
            .as_array()
            .ok_or("LambdaConfigurations is not a list")?;
        entries
            .iter()
            .enumerate()
            .map(|(n, entry)| {
                let text = |field: &str| {
                    entry
                        .get(field)
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .ok_or(format!("LambdaConfigurations[{n}] has no {field}"))
                };
                let mut notification = Notification {
                    id: format!("LambdaConfiguration{n}"),
                    event: text("Event")?,
                    function_arn: text("Function")?,
                    prefix: String::new(),
                    suffix: String::new(),
                };
                let rules = entry
                    .pointer("/Filter/S3Key/Rules")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for rule in rules {
                    let name = rule.get("Name").and_then(Value::as_str).unwrap_or("");
                    let value = rule.get("Value").and_then(Value::as_str).unwrap_or("");
                    // S3 compares the rule names case-insensitively.
                    match name.to_ascii_lowercase().as_str() {
                        "prefix" => notification.prefix = value.to_owned(),
                        "suffix" => notification.suffix = value.to_owned(),
                        other => {
                            return Err(format!(
                                "LambdaConfigurations[{n}]: unknown filter rule {other:?}"
                            ));
                        }
                    }
                }
                Ok(notification)
            })
            .collect()
    }

    /// Whether an object created by `api` (`Put`, `Post`, `Copy`,
    /// `CompleteMultipartUpload`) under `key` is sent to this configuration's function.
    pub fn matches(&self, api: &str, key: &str) -> bool {
        let event_matches =
            self.event == "s3:ObjectCreated:*" || self.event == format!("s3:ObjectCreated:{api}");
        // The rules compare the raw key; prefix and suffix must not overlap in one character
        // span: a key shorter than both together cannot match both.
        event_matches
            && key.len() >= self.prefix.len() + self.suffix.len()
            && key.starts_with(&self.prefix)
            && key.ends_with(&self.suffix)
    }
}

/// An object version as listed.
#[derive(Debug, Clone)]
pub struct CreatedObject {
    pub key: String,
    pub version_id: Option<String>,
    pub size: i64,
    pub etag: String,
}

/// S3's event record for `object` created in `bucket` (event structure version 2.1).
pub fn event(
    bucket: &str,
    region: &str,
    object: &CreatedObject,
    configuration_id: &str,
    sequencer: &str,
) -> Value {
    let mut obj = json!({
        "key": form_encode(&object.key),
        "size": object.size,
        "eTag": object.etag.trim_matches('"'),
        "sequencer": sequencer,
    });
    if let Some(version) = &object.version_id {
        obj["versionId"] = json!(version);
    }
    json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:LOCALSTACKUSER"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": "LOCAL", "x-amz-id-2": "LOCAL"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "LOCAL"},
                "arn": format!("arn:aws:s3:::{bucket}"),
            },
            "object": obj,
        },
    }]})
}

/// A key as S3 writes it into an event: form URL-encoding (a space is `+`), `/` kept.
pub fn form_encode(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' | b'/' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Which listed versions are new since the last poll.
#[derive(Default)]
pub struct Seen(HashSet<(String, Option<String>)>);

impl Seen {
    /// The objects of `listing` not seen before (and remembers them).
    pub fn new_objects(&mut self, listing: Vec<CreatedObject>) -> Vec<CreatedObject> {
        listing
            .into_iter()
            .filter(|o| self.0.insert((o.key.clone(), o.version_id.clone())))
            .collect()
    }
}

/// Every object version (no delete markers) of `bucket`.
pub async fn list_versions(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<Vec<CreatedObject>, String> {
    let mut out = Vec::new();
    let mut key_marker = None;
    let mut version_marker = None;
    loop {
        let page = s3
            .list_object_versions()
            .bucket(bucket)
            .set_key_marker(key_marker.take())
            .set_version_id_marker(version_marker.take())
            .send()
            .await
            .map_err(|e| {
                format!(
                    "listing {bucket}: {}",
                    aws_sdk_s3::error::DisplayErrorContext(e)
                )
            })?;
        for v in page.versions() {
            out.push(CreatedObject {
                key: v.key().unwrap_or_default().to_owned(),
                version_id: v.version_id().map(str::to_owned),
                size: v.size().unwrap_or(0),
                etag: v.e_tag().unwrap_or_default().to_owned(),
            });
        }
        if page.is_truncated() != Some(true) {
            return Ok(out);
        }
        key_marker = page.next_key_marker().map(str::to_owned);
        version_marker = page.next_version_id_marker().map(str::to_owned);
    }
}

/// Polls `bucket` and sends each new object's event to the functions of `configured` (paired
/// with `targets`, in order) whose rules match its key. A failing listing is logged once,
/// until a listing succeeds again.
pub fn deliver(
    s3: aws_sdk_s3::Client,
    bucket: String,
    region: String,
    configured: Vec<Notification>,
    targets: Vec<Arc<Lambda>>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen = Seen::default();
        let mut failing = false;
        loop {
            match list_versions(&s3, &bucket).await {
                Ok(listing) => {
                    failing = false;
                    for object in seen.new_objects(listing) {
                        for (n, target) in configured.iter().zip(&targets) {
                            if n.matches("Put", &object.key) {
                                let sequencer = format!(
                                    "{:016X}",
                                    chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
                                );
                                let event = event(&bucket, &region, &object, &n.id, &sequencer);
                                target.invoke_async(event.to_string().into_bytes());
                            }
                        }
                    }
                }
                Err(e) if !failing => {
                    failing = true;
                    eprintln!("local: S3 notifications: {e}");
                }
                Err(_) => {}
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_form_encoded() {
        assert_eq!(
            form_encode("uploads/a b+c%é.mp4"),
            "uploads/a+b%2Bc%25%C3%A9.mp4"
        );
    }
}
