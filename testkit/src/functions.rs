//! The AWS side of running the handler binaries locally: the tables and buckets of
//! docs/wiring.md created in moto, the environment each function gets, and a MediaConvert
//! stand-in. Shared by the handlers' runtime API tests and their cold-start benchmark, and
//! written against the binaries' contract only (wiring.md), not the handlers library, so it
//! checks what the stack will actually deploy.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;
use runtime_api::{Function, HttpStub, Response};

use crate::aws::{Item, Resources};
use crate::{Moto, REGION};

pub const STACK_NAME: &str = "vod-progress-local";
pub const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/vod-progress-local-mediaconvert";
pub const JOB_TEMPLATE: &str = "vod-progress-local-hls";
pub const STATUS_UPDATE_INTERVAL_SECONDS: &str = "10";
pub const VIDEO_SUFFIXES: &str = ".mp4,.mov";
pub const UPLOAD_PREFIX: &str = "uploads/";
pub const MAX_UPLOAD_BYTES: &str = "1073741824";
pub const UPLOADS_PER_USER_PER_DAY: &str = "20";
pub const API_URL: &str = "https://api0123456.execute-api.us-east-1.amazonaws.com";
pub const PLAYBACK_URL: &str = "https://d111111abcdef8.cloudfront.net";

/// One of the three functions: its binary and the variables of wiring.md it reads.
#[derive(Debug, Clone, Copy)]
pub struct Binary {
    pub name: &'static str,
    pub path: &'static str,
    pub vars: &'static [&'static str],
}

/// `CREATE_JOB`, `JOB_STATE` and `STATUS_API` ([`Binary`] consts) as cargo built them for the
/// calling test or bench: a macro because only the handlers package's own targets see its
/// `CARGO_BIN_EXE_*` paths.
#[macro_export]
macro_rules! handler_binaries {
    () => {
        #[allow(dead_code)]
        const CREATE_JOB: $crate::functions::Binary = $crate::functions::Binary {
            name: "create-job",
            path: env!("CARGO_BIN_EXE_create-job"),
            vars: $crate::functions::CREATE_JOB_VARS,
        };
        #[allow(dead_code)]
        const JOB_STATE: $crate::functions::Binary = $crate::functions::Binary {
            name: "job-state",
            path: env!("CARGO_BIN_EXE_job-state"),
            vars: $crate::functions::JOB_STATE_VARS,
        };
        #[allow(dead_code)]
        const STATUS_API: $crate::functions::Binary = $crate::functions::Binary {
            name: "status-api",
            path: env!("CARGO_BIN_EXE_status-api"),
            vars: $crate::functions::STATUS_API_VARS,
        };
    };
}

/// Where the binaries' job-state publishes unless a test says otherwise: a closed port.
pub const EVENTS_PUBLISH_URL: &str = "http://127.0.0.1:9/event";

pub const CREATE_JOB_VARS: &[&str] = &[
    "INPUT_FILE_TABLE",
    "JOB_OUTPUT_TABLE",
    "JOB_STATUS_TABLE",
    "OUTPUT_BUCKET",
    "MEDIACONVERT_ROLE_ARN",
    "MEDIACONVERT_JOB_TEMPLATE",
    "STATUS_UPDATE_INTERVAL_SECONDS",
    "TTL_DAYS",
    "STACK_NAME",
    "API_URL",
];

pub const JOB_STATE_VARS: &[&str] = &[
    "INPUT_FILE_TABLE",
    "JOB_OUTPUT_TABLE",
    "JOB_STATUS_TABLE",
    "OUTPUT_BUCKET",
    "TTL_DAYS",
    "EVENTS_PUBLISH_URL",
    "VIDEO_RETENTION_DAYS",
];

pub const STATUS_API_VARS: &[&str] = &[
    "INPUT_FILE_TABLE",
    "JOB_OUTPUT_TABLE",
    "JOB_STATUS_TABLE",
    "INPUT_BUCKET",
    "OUTPUT_BUCKET",
    "TTL_DAYS",
    "VIDEO_SUFFIXES",
    "UPLOAD_PREFIX",
    "MAX_UPLOAD_BYTES",
    "UPLOADS_PER_USER_PER_DAY",
    "UPLOAD_QUOTA_TABLE",
    "STATUS_UPDATE_INTERVAL_SECONDS",
    "PLAYBACK_URL",
    "SIGN_IN_KIND",
    "SIGN_IN_URL",
    "SIGN_IN_CLIENT_ID",
    "EVENTS_HTTP_DOMAIN",
    "EVENTS_REALTIME_URL",
];

/// Clients on moto plus the resources one run uses (names unique per `LocalAws`, so tests
/// sharing one moto never see each other), with blocking reads for tests that are not async.
pub struct LocalAws {
    pub rt: tokio::runtime::Runtime,
    resources: Resources,
}

impl std::ops::Deref for LocalAws {
    type Target = Resources;

    fn deref(&self) -> &Resources {
        &self.resources
    }
}

impl LocalAws {
    /// Creates the three tables and two buckets in `moto` under names starting with `label`.
    pub fn create(moto: &Moto, label: &str) -> LocalAws {
        static SERIAL: AtomicU32 = AtomicU32::new(0);
        let unique = format!(
            "{label}-{}-{}",
            std::process::id(),
            SERIAL.fetch_add(1, Ordering::Relaxed)
        )
        .to_ascii_lowercase();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let resources = rt.block_on(Resources::create(&moto.endpoint(), &unique));
        LocalAws { rt, resources }
    }

    /// The value of each variable of wiring.md for this run.
    pub fn var(&self, name: &str) -> String {
        let n = &self.names;
        match name {
            "INPUT_FILE_TABLE" => n.input_file_table.clone(),
            "JOB_OUTPUT_TABLE" => n.job_output_table.clone(),
            "JOB_STATUS_TABLE" => n.job_status_table.clone(),
            "INPUT_BUCKET" => n.input_bucket.clone(),
            "OUTPUT_BUCKET" => n.output_bucket.clone(),
            "MEDIACONVERT_ROLE_ARN" => ROLE_ARN.into(),
            "MEDIACONVERT_JOB_TEMPLATE" => JOB_TEMPLATE.into(),
            "STATUS_UPDATE_INTERVAL_SECONDS" => STATUS_UPDATE_INTERVAL_SECONDS.into(),
            "TTL_DAYS" => "7".into(),
            // The stack's default: a finished video is kept until its owner deletes it.
            "VIDEO_RETENTION_DAYS" => "0".into(),
            "STACK_NAME" => STACK_NAME.into(),
            "VIDEO_SUFFIXES" => VIDEO_SUFFIXES.into(),
            "UPLOAD_PREFIX" => UPLOAD_PREFIX.into(),
            "MAX_UPLOAD_BYTES" => MAX_UPLOAD_BYTES.into(),
            "UPLOADS_PER_USER_PER_DAY" => UPLOADS_PER_USER_PER_DAY.into(),
            "UPLOAD_QUOTA_TABLE" => n.upload_quota_table.clone(),
            "API_URL" => API_URL.into(),
            "PLAYBACK_URL" => PLAYBACK_URL.into(),
            "SIGN_IN_KIND" => "cognito".into(),
            "SIGN_IN_URL" => "https://signin-test.auth.us-east-1.amazoncognito.com".into(),
            "SIGN_IN_CLIENT_ID" => "testclient".into(),
            // Nothing listens there: a publish fails at once, which job-state logs and counts
            // without failing the event (a test that wants the publishes starts a stand-in
            // and passes its URL in `extra`).
            "EVENTS_PUBLISH_URL" => EVENTS_PUBLISH_URL.into(),
            "EVENTS_HTTP_DOMAIN" => "events-test.appsync-api.us-east-1.amazonaws.com".into(),
            "EVENTS_REALTIME_URL" => {
                "wss://events-test.appsync-realtime-api.us-east-1.amazonaws.com/event/realtime"
                    .into()
            }
            other => panic!("{other} is not a variable of docs/wiring.md"),
        }
    }

    /// The environment the stack gives `binary`, with every AWS call going to moto.
    pub fn env(&self, binary: Binary) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = binary
            .vars
            .iter()
            .map(|name| (name.to_string(), self.var(name)))
            .collect();
        env.push(("AWS_ENDPOINT_URL".into(), self.endpoint.clone()));
        env
    }

    /// Starts `binary` as Lambda would, with [`Self::env`] plus `extra` (later entries win).
    pub fn spawn(&self, binary: Binary, extra: &[(&str, &str)]) -> Function {
        let mut env = self.env(binary);
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Function::spawn(Path::new(binary.path), env)
    }

    /// The Output item create-job would have written for `job_id`.
    pub fn put_output_item(&self, job_id: &str, output_path: &str, key_file: &str, key_hex: &str) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs();
        let request = self
            .dynamodb
            .put_item()
            .table_name(&self.names.job_output_table)
            .item("JobId", s(job_id))
            .item("OutputPath", s(output_path))
            .item("KeyFile", s(key_file))
            .item("KeyValue", s(key_hex))
            .item("CreationTime", AttributeValue::N(now.to_string()))
            .item(
                "ExpirationTime",
                AttributeValue::N((now + 7 * 86_400).to_string()),
            );
        self.rt
            .block_on(request.send())
            .expect("put the Output item into moto");
    }

    /// [`Resources::item`], blocking.
    pub fn item(&self, table: &str, key: &str, value: &str) -> Option<Item> {
        self.rt.block_on(self.resources.item(table, key, value))
    }

    /// [`Resources::scan`], blocking.
    pub fn scan(&self, table: &str) -> Vec<Item> {
        self.rt.block_on(self.resources.scan(table))
    }

    /// [`Resources::object`], blocking.
    pub fn object(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        self.rt.block_on(self.resources.object(bucket, key))
    }

    /// [`Resources::keys`], blocking.
    pub fn keys(&self, bucket: &str) -> Vec<String> {
        self.rt.block_on(self.resources.keys(bucket))
    }
}

pub fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_string())
}

/// A string attribute's value, or a number's digits; panics naming the attribute otherwise.
pub fn text<'a>(item: &'a Item, name: &str) -> &'a str {
    match item.get(name) {
        Some(AttributeValue::S(v)) | Some(AttributeValue::N(v)) => v,
        other => panic!("attribute {name} is {other:?} in {item:?}"),
    }
}

/// MediaConvert has no emulator; this stand-in answers CreateJob (`POST /2017-08-29/jobs`,
/// 201) with a job whose id is [`stub_job_id`] of the request's number, and records the
/// requests. Point create-job at it with `AWS_ENDPOINT_URL_MEDIACONVERT`.
pub fn mediaconvert_stub() -> HttpStub {
    HttpStub::start(|request, n| {
        let id = stub_job_id(n);
        // The service answers with the whole job, the request's settings and metadata included
        // (merged with the template's): a handler pays for reading that answer, so the stand-in
        // sends it too, not an empty shell.
        let sent: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let job = serde_json::json!({
            "job": {
                "id": id,
                "arn": format!("arn:aws:mediaconvert:{REGION}:123456789012:jobs/{id}"),
                "status": "SUBMITTED",
                "role": ROLE_ARN,
                "jobTemplate": JOB_TEMPLATE,
                "queue": format!("arn:aws:mediaconvert:{REGION}:123456789012:queues/Default"),
                "createdAt": 1763942400,
                "timing": { "submitTime": 1763942400 },
                "priority": 0,
                "billingTagsSource": "JOB",
                "statusUpdateInterval": sent["statusUpdateInterval"],
                "accelerationSettings": sent["accelerationSettings"],
                "userMetadata": sent["userMetadata"],
                "settings": sent["settings"]
            }
        });
        Response::json(201, &job.to_string())
    })
}

/// The id of the `n`-th (from 0) job the MediaConvert stand-in creates.
pub fn stub_job_id(n: usize) -> String {
    format!("1763942400123-stub{:02}", n + 1)
}
