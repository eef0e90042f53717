//! What the library's test binaries share that knows the handlers library (testkit does not):
//! the tables and buckets of one test (`testkit::aws`) with the handlers' configuration for
//! them, a MediaConvert client whose requests are captured, and the generator of job
//! histories.
#![allow(dead_code)] // each test binary uses its own part

pub mod api;
pub mod events;

use aws_sdk_mediaconvert::config::{BehaviorVersion, Region};
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use handlers::config::{CreateJobConfig, JobStateConfig, StatusApiConfig};
use handlers::domain::{CompleteDetails, ErrorDetails, JobStatus, StateUpdate};
use handlers::store::{OutputTable, Ttl};
use proptest::prelude::*;
use std::collections::BTreeMap;

pub use testkit::aws::Item;
use testkit::aws::Resources;

pub const TTL_DAYS: u32 = 3;
pub const STACK: &str = "vod-test";
pub const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/vod-test-mediaconvert";
pub const JOB_TEMPLATE: &str = "vod-test-hls";
pub const MAX_UPLOAD_BYTES: u64 = 1 << 30;
pub const UPLOADS_PER_DAY: u32 = 3;
pub const API_URL: &str = "https://api0123456.execute-api.us-east-1.amazonaws.com";
/// No stand-in listens here: the handlers built without a publisher never call it.
pub const EVENTS_PUBLISH_URL: &str = "http://127.0.0.1:9/event";
pub const PLAYBACK_URL: &str = "https://d111111abcdef8.cloudfront.net";

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
            .region(Region::new(testkit::REGION))
            .credentials_provider(testkit::aws::credentials())
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

/// The tables and buckets of one test, named after it so tests can share one moto, plus the
/// handlers' configuration for them.
pub struct Local(pub Resources);

impl std::ops::Deref for Local {
    type Target = Resources;

    fn deref(&self) -> &Resources {
        &self.0
    }
}

impl Local {
    pub async fn create(endpoint: &str, name: &str) -> Local {
        Local(Resources::create(endpoint, name).await)
    }

    pub fn create_job_config(&self) -> CreateJobConfig {
        let n = &self.names;
        CreateJobConfig {
            input_file_table: n.input_file_table.clone(),
            job_output_table: n.job_output_table.clone(),
            job_status_table: n.job_status_table.clone(),
            output_bucket: n.output_bucket.clone(),
            mediaconvert_role_arn: ROLE_ARN.into(),
            mediaconvert_job_template: JOB_TEMPLATE.into(),
            status_update_interval_seconds: 15,
            ttl_days: TTL_DAYS,
            stack_name: STACK.into(),
            api_url: API_URL.into(),
        }
    }

    pub fn job_state_config(&self) -> JobStateConfig {
        let n = &self.names;
        JobStateConfig {
            input_file_table: n.input_file_table.clone(),
            job_output_table: n.job_output_table.clone(),
            job_status_table: n.job_status_table.clone(),
            output_bucket: n.output_bucket.clone(),
            ttl_days: TTL_DAYS,
            events_publish_url: EVENTS_PUBLISH_URL.into(),
            video_retention_days: 0,
        }
    }

    pub fn status_api_config(&self) -> StatusApiConfig {
        let n = &self.names;
        StatusApiConfig {
            input_file_table: n.input_file_table.clone(),
            job_output_table: n.job_output_table.clone(),
            job_status_table: n.job_status_table.clone(),
            input_bucket: n.input_bucket.clone(),
            output_bucket: n.output_bucket.clone(),
            ttl_days: TTL_DAYS,
            video_suffixes: vec![".mp4".into(), ".mov".into()],
            upload_prefix: "uploads/".into(),
            max_upload_bytes: MAX_UPLOAD_BYTES,
            uploads_per_user_per_day: UPLOADS_PER_DAY,
            upload_quota_table: n.upload_quota_table.clone(),
            playback_url: PLAYBACK_URL.into(),
            page: handlers::page::PageConfig::new(
                "cognito",
                "https://signin-test.auth.us-east-1.amazoncognito.com".into(),
                "testclient".into(),
                15,
                MAX_UPLOAD_BYTES,
                PLAYBACK_URL.into(),
                vec![".mp4".into(), ".mov".into()],
            )
            .expect("a valid page configuration"),
        }
    }

    /// Every item of the three tables and every object of the two buckets: what "nothing
    /// changed" is compared on.
    pub async fn snapshot(&self) -> (Vec<Vec<Item>>, Vec<String>) {
        let n = &self.names;
        let mut tables = Vec::new();
        for t in [
            &n.input_file_table,
            &n.job_output_table,
            &n.job_status_table,
        ] {
            let mut items = self.scan(t).await;
            // A HashMap's Debug order differs between two maps of the same items: sort by
            // the attributes in name order.
            items.sort_by_key(|i| format!("{:?}", i.iter().collect::<BTreeMap<_, _>>()));
            tables.push(items);
        }
        let mut objects = Vec::new();
        for b in [&n.input_bucket, &n.output_bucket] {
            objects.extend(self.keys(b).await.into_iter().map(|k| format!("{b}/{k}")));
        }
        (tables, objects)
    }
}

/// The job output table of `local`, as the handlers write it.
pub fn output_table(local: &Local) -> OutputTable {
    OutputTable::new(
        local.dynamodb.clone(),
        &local.names.job_output_table,
        Ttl { days: TTL_DAYS },
    )
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
                mediaconvert_job_id: Some("1763942400123-abc123".into()),
                status,
                progress,
                event_time,
                complete: None,
                error: None,
            };
            let mut h = vec![StateUpdate::submitted("job", Some("1763942400123-abc123"))];
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
                            poster: Some("poster.0000001.jpg".into()),
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

// --- counting DynamoDB requests -----------------------------------------------------------

/// The DynamoDB requests a client sends (operation names, from `X-Amz-Target`), seen by an
/// SDK interceptor just before each is transmitted; optionally failing every request after
/// the first `fail_after`, as a store that goes away mid-invocation.
#[derive(Debug, Clone, Default)]
pub struct DynamoDbRequests {
    sent: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    fail_after: Option<usize>,
}

impl DynamoDbRequests {
    pub fn counting() -> Self {
        Self::default()
    }

    pub fn failing_after(n: usize) -> Self {
        DynamoDbRequests {
            fail_after: Some(n),
            ..Self::default()
        }
    }

    /// A client like `base` (same endpoint and credentials) that goes through this
    /// interceptor, without retries (so a failure is one request, counted once).
    pub fn client(&self, base: &aws_sdk_dynamodb::Client) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::from_conf(
            base.config()
                .to_builder()
                .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
                .interceptor(self.clone())
                .build(),
        )
    }

    pub fn count(&self) -> usize {
        self.sent.lock().unwrap().len()
    }

    pub fn operations(&self) -> Vec<String> {
        self.sent.lock().unwrap().clone()
    }
}

impl aws_sdk_dynamodb::config::Intercept for DynamoDbRequests {
    fn name(&self) -> &'static str {
        "DynamoDbRequests"
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _: &aws_sdk_dynamodb::config::RuntimeComponents,
        _: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let target = context
            .request()
            .headers()
            .get("x-amz-target")
            .unwrap_or_default();
        let operation = target.rsplit('.').next().unwrap_or_default().to_string();
        let mut sent = self.sent.lock().unwrap();
        if self.fail_after.is_some_and(|n| sent.len() >= n) {
            return Err(format!("the store went away before {operation}").into());
        }
        sent.push(operation);
        Ok(())
    }
}
