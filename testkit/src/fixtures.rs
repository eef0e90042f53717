//! The handlers' test events: the fixtures of handlers/tests/fixtures (the seed's events, the
//! documented MediaConvert samples, API Gateway's payloads) and the variations the tests make
//! of them.

use crate::REGION;

/// A fixture of handlers/tests/fixtures as text.
pub fn fixture_text(path: &str) -> String {
    let file = crate::workspace_root()
        .join("handlers/tests/fixtures")
        .join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()))
}

/// A fixture of handlers/tests/fixtures as JSON.
pub fn fixture(path: &str) -> serde_json::Value {
    serde_json::from_str(&fixture_text(path))
        .unwrap_or_else(|e| panic!("handlers/tests/fixtures/{path} is not JSON: {e}"))
}

/// A job id as create-job makes them (32 lowercase hex digits), named after `label`
/// (at most 16 bytes) so a test's jobs are told apart.
pub fn job_id(label: &str) -> String {
    assert!(label.len() <= 16, "{label} is too long for a job id");
    format!("{:0>32}", hex::encode(label))
}

/// A MediaConvert fixture event of job `job_id` (user metadata `job`, as create-job sets
/// it; MediaConvert's own job id is the same string here).
pub fn mediaconvert_event(path: &str, job_id: &str) -> Vec<u8> {
    let mut event = fixture(path);
    event["detail"]["jobId"] = job_id.into();
    event["detail"]["userMetadata"]["job"] = job_id.into();
    if let Some(resources) = event["resources"].as_array_mut() {
        for arn in resources {
            *arn = format!("arn:aws:mediaconvert:{REGION}:123456789012:jobs/{job_id}").into();
        }
    }
    event.to_string().into_bytes()
}

/// The `sub` of the API fixtures' signed-in caller; also its owner segment.
pub fn fixture_owner() -> String {
    fixture("apigw/get-job.json")["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
        .as_str()
        .expect("the API fixtures carry a sub")
        .to_string()
}

/// [`mediaconvert_event`] of a job whose user metadata names `owner`, as create-job sets it.
pub fn owned_mediaconvert_event(path: &str, job_id: &str, owner: &str) -> Vec<u8> {
    let mut event: serde_json::Value =
        serde_json::from_slice(&mediaconvert_event(path, job_id)).expect("a JSON event");
    event["detail"]["userMetadata"]["owner"] = owner.into();
    event.to_string().into_bytes()
}

/// The `GET /jobs/{jobId}` fixture asking for `job_id`.
pub fn get_job_event(job_id: &str) -> Vec<u8> {
    let mut event = fixture("apigw/get-job.json");
    event["rawPath"] = format!("/jobs/{job_id}").into();
    event["requestContext"]["http"]["path"] = format!("/jobs/{job_id}").into();
    event["pathParameters"]["jobId"] = job_id.into();
    event.to_string().into_bytes()
}
