//! The tables and buckets of docs/wiring.md, created in moto, and the reads the tests check
//! them with. One place for both kinds of handler test: the library's and the binaries' (see
//! [`crate::functions`], which the cold-start benchmark uses too). It knows the AWS SDK and
//! wiring.md's names, not the handlers library.

use std::collections::HashMap;

use crate::{ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, ScalarAttributeType,
};
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region, SharedCredentialsProvider};

pub type Item = HashMap<String, AttributeValue>;

/// The tables' partition keys (wiring.md's table section).
pub const INPUT_FILE_KEY: &str = "InputFile";
pub const JOB_ID_KEY: &str = "JobId";
pub const QUOTA_KEY: &str = "QuotaKey";
/// The input-file table's index of a user's uploads (HASH Owner, RANGE CreationTime).
pub const OWNER_INDEX: &str = "OwnerIndex";

/// moto accepts any credentials; these are testkit's dummies.
pub fn credentials() -> Credentials {
    Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "moto-static")
}

/// Settings every client shares: moto's endpoint, testkit's region and dummy credentials.
fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(SharedCredentialsProvider::new(credentials()))
        .build()
}

pub fn dynamodb(endpoint: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&sdk_config(endpoint))
}

/// Path-style: moto on loopback has no per-bucket host names.
pub fn s3(endpoint: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk_config(endpoint))
            .force_path_style(true)
            .build(),
    )
}

/// A MediaConvert client as the handlers build one, on a stand-in at `endpoint`.
pub fn mediaconvert(endpoint: &str) -> aws_sdk_mediaconvert::Client {
    aws_sdk_mediaconvert::Client::new(&sdk_config(endpoint))
}

/// Physical names, all starting with one prefix so tests sharing a moto never meet.
#[derive(Debug, Clone)]
pub struct Names {
    pub input_file_table: String,
    pub job_output_table: String,
    pub job_status_table: String,
    pub upload_quota_table: String,
    pub input_bucket: String,
    pub output_bucket: String,
}

impl Names {
    pub fn new(prefix: &str) -> Names {
        Names {
            input_file_table: format!("{prefix}-input-file"),
            job_output_table: format!("{prefix}-job-output"),
            job_status_table: format!("{prefix}-job-status"),
            upload_quota_table: format!("{prefix}-upload-quota"),
            input_bucket: format!("{prefix}-input"),
            output_bucket: format!("{prefix}-output"),
        }
    }
}

/// Clients on moto and the three tables and two buckets of one test.
pub struct Resources {
    pub endpoint: String,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
    pub names: Names,
}

impl Resources {
    /// Creates the tables and buckets named after `prefix` in the moto at `endpoint`.
    pub async fn create(endpoint: &str, prefix: &str) -> Resources {
        let resources = Resources {
            endpoint: endpoint.to_string(),
            dynamodb: dynamodb(endpoint),
            s3: s3(endpoint),
            names: Names::new(prefix),
        };
        let n = &resources.names;
        for (table, key) in [
            (&n.input_file_table, INPUT_FILE_KEY),
            (&n.job_output_table, JOB_ID_KEY),
            (&n.job_status_table, JOB_ID_KEY),
            (&n.upload_quota_table, QUOTA_KEY),
        ] {
            resources.create_table(table, key).await;
        }
        for bucket in [&n.input_bucket, &n.output_bucket] {
            resources
                .s3
                .create_bucket()
                .bucket(bucket)
                .send()
                .await
                .unwrap_or_else(|e| panic!("create bucket {bucket} in moto: {e:?}"));
        }
        resources
    }

    async fn create_table(&self, table: &str, key: &str) {
        let attribute = |name: &str, kind| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(kind)
                .build()
                .expect("attribute definition")
        };
        let key_element = |name: &str, kind| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .expect("key schema")
        };
        let mut request = self
            .dynamodb
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute(key, ScalarAttributeType::S))
            .key_schema(key_element(key, KeyType::Hash));
        if key == INPUT_FILE_KEY {
            request = request
                .attribute_definitions(attribute("Owner", ScalarAttributeType::S))
                .attribute_definitions(attribute("CreationTime", ScalarAttributeType::N))
                .global_secondary_indexes(
                    GlobalSecondaryIndex::builder()
                        .index_name(OWNER_INDEX)
                        .key_schema(key_element("Owner", KeyType::Hash))
                        .key_schema(key_element("CreationTime", KeyType::Range))
                        .projection(
                            Projection::builder()
                                .projection_type(ProjectionType::All)
                                .build(),
                        )
                        .build()
                        .expect("owner index"),
                );
        }
        request
            .send()
            .await
            .unwrap_or_else(|e| panic!("create table {table} in moto: {e:?}"));
    }

    /// A whole item (consistent read), or `None` when the key holds none.
    pub async fn item(&self, table: &str, key: &str, value: &str) -> Option<Item> {
        self.dynamodb
            .get_item()
            .table_name(table)
            .key(key, AttributeValue::S(value.to_string()))
            .consistent_read(true)
            .send()
            .await
            .unwrap_or_else(|e| panic!("get {key}={value} from {table}: {e:?}"))
            .item
    }

    /// Every item of a table (tests keep them small).
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

    /// An object's bytes, or `None` when it does not exist.
    pub async fn object(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let answer = self.s3.get_object().bucket(bucket).key(key).send().await;
        match answer {
            Ok(object) => Some(
                object
                    .body
                    .collect()
                    .await
                    .expect("read the object body")
                    .into_bytes()
                    .to_vec(),
            ),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => None,
            Err(e) => panic!("get s3://{bucket}/{key}: {e:?}"),
        }
    }

    /// The keys of a bucket's objects (tests keep them under one page).
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
