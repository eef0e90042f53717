//! job-state's metrics as CloudWatch embedded metric format (EMF) log lines: Lambda sends
//! stdout to CloudWatch Logs, which extracts the metrics from lines shaped like this, so
//! publishing them needs no PutMetricData call and no IAM permission.
//!
//! Each line is one JSON object: an `_aws` member (`Timestamp` in epoch milliseconds and
//! `CloudWatchMetrics`, whose directive names the namespace, the dimension sets and the
//! metrics) beside top-level members holding the dimension values and the metric values.
//! The lines are printed directly, not through `tracing`, whose JSON nests fields under
//! `fields` where CloudWatch would not find them.

use crate::domain::JobDetail;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;

/// User-metadata keys: create-job writes both, MediaConvert returns them in every event.
pub use wiring::metadata::{STACK as STACK_KEY, SUBMITTED_AT as SUBMITTED_AT_KEY};
pub use wiring::metrics::{
    ERROR_CODE_DIMENSION, JOBS_COMPLETED, JOBS_FAILED, NAMESPACE, PUBLISH_FAILURES,
    SECONDS_TO_COMPLETE, STACK_DIMENSION,
};

/// Milliseconds since the epoch, as EMF's `Timestamp` and `submittedAt` hold them.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The EMF line for a job that just reached COMPLETE or ERROR, `None` for any other status or
/// a job without the `stack` user metadata (nothing to attribute it to).
///
/// `SecondsToComplete` runs from create-job's `submittedAt` to the event's own timestamp
/// (the log line's time when the event has none); it is left out when either is missing or
/// they are out of order.
pub fn job_finished_line(detail: &JobDetail, now_ms: i64) -> Option<String> {
    let metadata = detail.user_metadata.as_ref()?;
    let stack = metadata.get(STACK_KEY)?;
    let mut members: Vec<(&str, Value)> = vec![(STACK_DIMENSION, json!(stack))];
    let mut metrics = Vec::new();
    let mut dimensions = vec![vec![STACK_DIMENSION]];
    match detail.status.as_str() {
        "COMPLETE" => {
            metrics.push((JOBS_COMPLETED, "Count"));
            members.push((JOBS_COMPLETED, json!(1)));
            let finished = detail.timestamp.unwrap_or(now_ms);
            let submitted = metadata
                .get(SUBMITTED_AT_KEY)
                .and_then(|s| s.parse::<i64>().ok());
            if let Some(ms) = submitted.map(|s| finished - s).filter(|ms| *ms >= 0) {
                metrics.push((SECONDS_TO_COMPLETE, "Seconds"));
                members.push((SECONDS_TO_COMPLETE, json!(ms as f64 / 1000.0)));
            }
        }
        "ERROR" => {
            metrics.push((JOBS_FAILED, "Count"));
            members.push((JOBS_FAILED, json!(1)));
            let code = detail
                .error_code
                .map_or_else(|| "unknown".to_owned(), |c| c.to_string());
            members.push((ERROR_CODE_DIMENSION, json!(code)));
            dimensions.push(vec![STACK_DIMENSION, ERROR_CODE_DIMENSION]);
        }
        _ => return None,
    }
    Some(line(members, dimensions, &metrics, now_ms))
}

/// The EMF line counting one progress publish that failed, by stack.
pub fn publish_failed_line(stack: &str, now_ms: i64) -> String {
    line(
        vec![
            (STACK_DIMENSION, json!(stack)),
            (PUBLISH_FAILURES, json!(1)),
        ],
        vec![vec![STACK_DIMENSION]],
        &[(PUBLISH_FAILURES, "Count")],
        now_ms,
    )
}

fn line(
    members: Vec<(&str, Value)>,
    dimensions: Vec<Vec<&str>>,
    metrics: &[(&str, &str)],
    now_ms: i64,
) -> String {
    let directive = json!({
        "Namespace": NAMESPACE,
        "Dimensions": dimensions,
        "Metrics": metrics
            .iter()
            .map(|(name, unit)| json!({ "Name": name, "Unit": unit }))
            .collect::<Vec<_>>(),
    });
    let mut line: BTreeMap<&str, Value> = members.into_iter().collect();
    line.insert(
        "_aws",
        json!({ "Timestamp": now_ms, "CloudWatchMetrics": [directive] }),
    );
    serde_json::to_string(&line).expect("a map of JSON values serializes")
}

/// Prints `line` to stdout as one whole line (a failed write only loses a metric).
pub fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}
