//! MediaConvert's EventBridge events (`MediaConvert Job State Change`), as the service puts
//! them on the default bus.

use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Where events go: the caller routes them (through the stack's EventBridge rule, into a
/// channel, ...). Called from the job's task; it must not block for long.
pub type EventSink = Arc<dyn Fn(Value) + Send + Sync>;

/// What every event of one job carries.
#[derive(Clone, Debug)]
pub struct JobIdentity {
    pub job_id: String,
    pub account_id: String,
    pub region: String,
    pub queue: String,
    pub user_metadata: Value,
}

impl JobIdentity {
    pub fn arn(&self) -> String {
        job_arn(&self.region, &self.account_id, &self.job_id)
    }

    /// The full event for `status`, with the status's own members in `extra`.
    pub fn event(&self, status: &str, extra: Map<String, Value>) -> Value {
        let now = chrono::Utc::now();
        let mut detail = json!({
            "timestamp": now.timestamp_millis(),
            "accountId": self.account_id,
            "queue": self.queue,
            "jobId": self.job_id,
            "status": status,
            "userMetadata": self.user_metadata,
        });
        let fields = detail.as_object_mut().expect("an object");
        fields.extend(extra);
        json!({
            "version": "0",
            "id": crate::random_uuid(),
            "detail-type": "MediaConvert Job State Change",
            "source": "aws.mediaconvert",
            "account": self.account_id,
            "time": now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "region": self.region,
            "resources": [self.arn()],
            "detail": detail,
        })
    }
}

pub fn job_arn(region: &str, account: &str, job_id: &str) -> String {
    format!("arn:aws:mediaconvert:{region}:{account}:jobs/{job_id}")
}

pub fn queue_arn(region: &str, account: &str) -> String {
    format!("arn:aws:mediaconvert:{region}:{account}:queues/Default")
}

/// A STATUS_UPDATE's progress block: the transcoding phase at `percent`.
pub fn progress(percent: u32) -> Map<String, Value> {
    let detail = json!({
        "jobProgress": {
            "phaseProgress": {
                "PROBING": {"status": "COMPLETE", "percentComplete": 100},
                "TRANSCODING": {"status": "PROGRESSING", "percentComplete": percent},
                "UPLOADING": {"status": "PENDING", "percentComplete": 0}
            },
            "jobPercentComplete": percent,
            "currentPhase": "TRANSCODING",
            "retryCount": 0
        }
    });
    detail.as_object().expect("an object").clone()
}
