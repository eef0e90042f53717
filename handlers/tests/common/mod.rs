//! Shared by the test binaries: SDK clients for moto, the tables and buckets of one test,
//! a MediaConvert client whose requests are captured, and the generator of job histories.
#![allow(dead_code)] // each test binary uses its own part

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use aws_sdk_mediaconvert::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use handlers::config::{CreateJobConfig, JobStateConfig, StatusApiConfig};
use handlers::domain::{CompleteDetails, ErrorDetails, JobStatus, StateUpdate};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};

pub type Item = HashMap<String, AttributeValue>;

pub const TTL_DAYS: u32 = 3;
pub const STACK: &str = "vod-test";
pub const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/vod-test-mediaconvert";
pub const JOB_TEMPLATE: &str = "vod-test-hls";

fn credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "moto-static")
}

pub fn dynamodb(endpoint: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(credentials())
            .build(),
    )
}

pub fn s3(endpoint: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(credentials())
            .force_path_style(true)
            .build(),
    )
}

/// A MediaConvert client that answers CreateJob with the given job ids in turn and records
/// every request it was asked to send.
pub fn mediaconvert(job_ids: &[&str]) -> (StaticReplayClient, aws_sdk_mediaconvert::Client) {
    let events = job_ids
        .iter()
        .map(|id| {
            let body = serde_json::json!({"job": {"id": id, "status": "SUBMITTED"}}).to_string();
            ReplayEvent::new(
                aws_smithy_runtime_api::http::Request::new(SdkBody::empty()),
                aws_smithy_runtime_api::http::Response::new(
                    201.try_into().unwrap(),
                    SdkBody::from(body),
                ),
            )
        })
        .collect();
    let replay = StaticReplayClient::new(events);
    let client = aws_sdk_mediaconvert::Client::from_conf(
        aws_sdk_mediaconvert::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(credentials())
            .http_client(replay.clone())
            .build(),
    );
    (replay, client)
}

/// The bodies of the CreateJob requests sent so far, as JSON.
pub fn create_job_requests(replay: &StaticReplayClient) -> Vec<(String, serde_json::Value)> {
    replay
        .actual_requests()
        .map(|r| {
            let body = r.body().bytes().expect("CreateJob body is in memory");
            (
                r.uri().to_string(),
                serde_json::from_slice(body).expect("CreateJob body is JSON"),
            )
        })
        .collect()
}

/// The tables and buckets of one test, named after it so tests can share one moto.
pub struct Local {
    pub endpoint: String,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
    pub input_file_table: String,
    pub job_output_table: String,
    pub job_status_table: String,
    pub input_bucket: String,
    pub output_bucket: String,
}

impl Local {
    pub async fn create(endpoint: &str, name: &str) -> Local {
        let local = Local {
            endpoint: endpoint.to_string(),
            dynamodb: dynamodb(endpoint),
            s3: s3(endpoint),
            input_file_table: format!("{name}-input-file"),
            job_output_table: format!("{name}-job-output"),
            job_status_table: format!("{name}-job-status"),
            input_bucket: format!("{name}-input"),
            output_bucket: format!("{name}-output"),
        };
        for (table, key) in [
            (&local.input_file_table, "InputFile"),
            (&local.job_output_table, "JobId"),
            (&local.job_status_table, "JobId"),
        ] {
            local
                .dynamodb
                .create_table()
                .table_name(table)
                .billing_mode(BillingMode::PayPerRequest)
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name(key)
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .unwrap(),
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name(key)
                        .key_type(KeyType::Hash)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap_or_else(|e| panic!("create table {table}: {e:?}"));
        }
        for bucket in [&local.input_bucket, &local.output_bucket] {
            local
                .s3
                .create_bucket()
                .bucket(bucket)
                .send()
                .await
                .unwrap_or_else(|e| panic!("create bucket {bucket}: {e:?}"));
        }
        local
    }

    pub fn create_job_config(&self) -> CreateJobConfig {
        CreateJobConfig {
            input_file_table: self.input_file_table.clone(),
            job_output_table: self.job_output_table.clone(),
            job_status_table: self.job_status_table.clone(),
            output_bucket: self.output_bucket.clone(),
            mediaconvert_role_arn: ROLE_ARN.into(),
            mediaconvert_job_template: JOB_TEMPLATE.into(),
            status_update_interval_seconds: 15,
            ttl_days: TTL_DAYS,
            stack_name: STACK.into(),
        }
    }

    pub fn job_state_config(&self) -> JobStateConfig {
        JobStateConfig {
            job_output_table: self.job_output_table.clone(),
            job_status_table: self.job_status_table.clone(),
            output_bucket: self.output_bucket.clone(),
            ttl_days: TTL_DAYS,
        }
    }

    pub fn status_api_config(&self) -> StatusApiConfig {
        StatusApiConfig {
            input_file_table: self.input_file_table.clone(),
            job_status_table: self.job_status_table.clone(),
            input_bucket: self.input_bucket.clone(),
            video_suffixes: vec![".mp4".into(), ".mov".into()],
            upload_prefix: "uploads/".into(),
        }
    }

    pub async fn scan(&self, table: &str) -> Vec<Item> {
        self.dynamodb
            .scan()
            .table_name(table)
            .consistent_read(true)
            .send()
            .await
            .unwrap_or_else(|e| panic!("scan {table}: {e:?}"))
            .items
            .unwrap_or_default()
    }

    /// Every item of the three tables and every object of the two buckets: what "nothing
    /// changed" is compared on.
    pub async fn snapshot(&self) -> (Vec<Vec<Item>>, Vec<String>) {
        let mut tables = Vec::new();
        for t in [
            &self.input_file_table,
            &self.job_output_table,
            &self.job_status_table,
        ] {
            let mut items = self.scan(t).await;
            items.sort_by_key(|i| format!("{i:?}"));
            tables.push(items);
        }
        let mut objects = Vec::new();
        for b in [&self.input_bucket, &self.output_bucket] {
            objects.extend(self.keys(b).await.into_iter().map(|k| format!("{b}/{k}")));
        }
        (tables, objects)
    }

    pub async fn item(&self, table: &str, key: &str, value: &str) -> Option<Item> {
        self.dynamodb
            .get_item()
            .table_name(table)
            .key(key, AttributeValue::S(value.into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap_or_else(|e| panic!("get from {table}: {e:?}"))
            .item
    }

    pub async fn object(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let out = self
            .s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .ok()?;
        Some(out.body.collect().await.unwrap().into_bytes().to_vec())
    }

    pub async fn keys(&self, bucket: &str) -> Vec<String> {
        self.s3
            .list_objects_v2()
            .bucket(bucket)
            .send()
            .await
            .unwrap_or_else(|e| panic!("list {bucket}: {e:?}"))
            .contents
            .unwrap_or_default()
            .into_iter()
            .filter_map(|o| o.key)
            .collect()
    }
}

pub fn s(item: &Item, name: &str) -> String {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .unwrap_or_else(|| panic!("{name} is not a string in {item:?}"))
        .clone()
}

pub fn num(item: &Item, name: &str) -> i64 {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} is not a number in {item:?}"))
}

/// Every item carries its TTL: ExpirationTime is CreationTime plus TTL_DAYS.
pub fn assert_ttl(item: &Item) {
    let created = num(item, "CreationTime");
    let now = handlers::store::now_epoch();
    assert!(
        (now - 600..=now).contains(&created),
        "CreationTime {created} is not now"
    );
    assert_eq!(
        num(item, "ExpirationTime"),
        created + i64::from(TTL_DAYS) * 86_400,
        "ExpirationTime of {item:?}"
    );
}

pub fn fixture(path: &str) -> String {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("reading {full}: {e}"))
}

pub fn fixture_json(path: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(path)).unwrap()
}

// --- job histories ----------------------------------------------------------------------

/// How a job ends, if it has ended.
#[derive(Debug, Clone, Copy)]
enum Ending {
    Running,
    Complete,
    PartialComplete,
    Error,
    Canceled,
}

/// One job's events in their true order, as MediaConvert sends them: SUBMITTED (written by
/// create-job), maybe PROGRESSING, STATUS_UPDATEs with non-decreasing percents (some
/// without one), at most one terminal event; timestamps non-decreasing and often tied.
pub fn history() -> impl Strategy<Value = Vec<StateUpdate>> {
    let ending = prop_oneof![
        Just(Ending::Running),
        Just(Ending::Complete),
        Just(Ending::PartialComplete),
        Just(Ending::Error),
        Just(Ending::Canceled),
    ];
    (
        any::<bool>(),
        prop::collection::vec(prop::option::weighted(0.8, 0u8..=99), 0..8),
        ending,
        prop::collection::vec(0i64..3, 12),
    )
        .prop_map(|(progressing, percents, ending, gaps)| {
            let mut sorted: Vec<u8> = percents.iter().flatten().copied().collect();
            sorted.sort_unstable();
            let mut sorted = sorted.into_iter();
            let percents: Vec<Option<u8>> = percents
                .iter()
                .map(|p| p.and_then(|_| sorted.next()))
                .collect();
            let mut time = 1_763_942_400_000i64;
            let mut gaps = gaps.into_iter().cycle();
            let mut next_time = move || {
                time += gaps.next().unwrap();
                Some(time)
            };
            let event = |status, progress, event_time| StateUpdate {
                job_id: "job".into(),
                status,
                progress,
                event_time,
                complete: None,
                error: None,
            };
            let mut h = vec![StateUpdate::submitted("job")];
            if progressing {
                h.push(event(JobStatus::Progressing, None, next_time()));
            }
            for p in percents {
                h.push(event(JobStatus::Progressing, p, next_time()));
            }
            match ending {
                Ending::Running => {}
                Ending::Complete | Ending::PartialComplete => {
                    let mut e = event(JobStatus::Complete, Some(100), next_time());
                    e.complete = Some(match ending {
                        Ending::Complete => CompleteDetails {
                            duration_ms: Some(596_458),
                            width_px: Some(1280),
                            height_px: Some(720),
                            playlists: BTreeMap::from([("m3u8".into(), "a.m3u8".into())]),
                        },
                        _ => CompleteDetails::default(),
                    });
                    h.push(e);
                }
                Ending::Error => {
                    let mut e = event(JobStatus::Error, Some(100), next_time());
                    e.error = Some(ErrorDetails {
                        code: Some(1010),
                        message: Some("Unable to open input file [a.mp4]".into()),
                    });
                    h.push(e);
                }
                Ending::Canceled => h.push(event(JobStatus::Canceled, None, next_time())),
            }
            h
        })
}

/// A history in its true order, and a delivery of it: every event at least once, some
/// several times, in any order.
pub fn history_and_delivery() -> impl Strategy<Value = (Vec<StateUpdate>, Vec<StateUpdate>)> {
    history().prop_flat_map(|h| {
        let n = h.len();
        prop::collection::vec(0..n, 0..2 * n).prop_flat_map(move |extra| {
            let mut delivered = h.clone();
            delivered.extend(extra.iter().map(|&i| h[i].clone()));
            (Just(h.clone()), Just(delivered).prop_shuffle())
        })
    })
}
