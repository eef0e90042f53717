//! The events the library's tests hand the entrypoints: S3 uploads and MediaConvert state
//! changes made from the fixtures, and the job ids create-job would give them.

use aws_lambda_events::s3::S3Event;
use testkit::fixtures::fixture;

/// An upload's key as S3 holds it, and as its event carries it (form-encoded).
pub const KEY: &str = "uploads/Big Buck Bunny 動画.mp4";
pub const RAW_KEY: &str = "uploads/Big+Buck+Bunny+%E5%8B%95%E7%94%BB.mp4";
/// The sequencer of that upload's event.
pub const SEQ: &str = "0055AED6DCD90281E5";

/// The S3 fixture's record, once per (raw key, sequencer), in the test's input bucket.
pub fn s3_event(bucket: &str, objects: &[(&str, &str)]) -> S3Event {
    let mut event = fixture("s3/object-created.json");
    let template = event["Records"][0].clone();
    event["Records"] = objects
        .iter()
        .map(|(key, seq)| {
            let mut r = template.clone();
            r["s3"]["bucket"]["name"] = (*bucket).into();
            r["s3"]["bucket"]["arn"] = format!("arn:aws:s3:::{bucket}").into();
            r["s3"]["object"]["key"] = (*key).into();
            r["s3"]["object"]["sequencer"] = (*seq).into();
            r
        })
        .collect();
    serde_json::from_value(event).unwrap()
}

/// A MediaConvert event of the fixture `path` for job `job` (user metadata `job`), from the
/// fixture's MediaConvert job.
pub fn mediaconvert_event(path: &str, job: &str) -> serde_json::Value {
    let mut e = fixture(path);
    e["detail"]["userMetadata"]["job"] = job.into();
    e
}

/// The same, from the MediaConvert job `mediaconvert_job_id`.
pub fn mediaconvert_event_from(
    path: &str,
    job: &str,
    mediaconvert_job_id: &str,
) -> serde_json::Value {
    let mut e = mediaconvert_event(path, job);
    e["detail"]["jobId"] = mediaconvert_job_id.into();
    e
}

/// A job id as create-job makes them.
pub fn job_id(n: u8) -> String {
    format!("{:032x}", 0xab00 + u128::from(n))
}
