//! The committed template's trigger wiring, evaluated by the local stack's EventBridge and S3
//! stand-ins: which MediaConvert events reach job-state and which uploads reach create-job.

use local::eventbridge::Pattern;
use local::notifications::Notification;
use serde_json::{Value, json};
use std::path::PathBuf;

const STACK: &str = "vod-progress-dev";

fn root() -> PathBuf {
    testkit::workspace_root()
}

/// The template with `Ref: AWS::StackName` as [`STACK`] and each `Fn::GetAtt` as a string, the
/// only intrinsics the trigger properties use.
fn template() -> Value {
    let text = std::fs::read_to_string(root().join("cloudformation/stack.yaml"))
        .expect("read cloudformation/stack.yaml");
    let value: Value = serde_yaml::from_str(&text).expect("the template is YAML");
    resolve(value)
}

fn resolve(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(name)) = map.get("Ref")
                && name == "AWS::StackName"
            {
                return json!(STACK);
            }
            if let Some(Value::Array(att)) = map.get("Fn::GetAtt") {
                return json!(format!(
                    "arn:aws:lambda:us-east-1:123456789012:function:{}",
                    att[0].as_str().unwrap_or_default()
                ));
            }
            Value::Object(map.into_iter().map(|(k, v)| (k, resolve(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(resolve).collect()),
        other => other,
    }
}

fn resources_of(template: &Value, kind: &str) -> Vec<(String, Value)> {
    template["Resources"]
        .as_object()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, r)| (id.clone(), r.clone()))
        .collect()
}

fn rule_pattern() -> Pattern {
    let template = template();
    let rules = resources_of(&template, "AWS::Events::Rule");
    assert_eq!(rules.len(), 1, "one EventBridge rule");
    Pattern::new(&rules[0].1["Properties"]["EventPattern"]).expect("the pattern is evaluable")
}

fn fixture(name: &str) -> Value {
    let path = root()
        .join("handlers/tests/fixtures/mediaconvert")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("JSON")
}

#[test]
fn the_rule_takes_every_event_of_this_stacks_jobs() {
    let pattern = rule_pattern();
    let dir = root().join("handlers/tests/fixtures/mediaconvert");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let event: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            assert!(pattern.matches(&event), "{} does not match", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 5, "only {seen} fixtures");
}

#[test]
fn the_rule_refuses_other_stacks_other_sources_and_jobs_without_metadata() {
    let pattern = rule_pattern();
    let complete = fixture("complete.json");
    let mut other_stack = complete.clone();
    other_stack["detail"]["userMetadata"]["stack"] = json!("vod-progress-prod");
    let mut no_metadata = complete.clone();
    no_metadata["detail"]
        .as_object_mut()
        .unwrap()
        .remove("userMetadata");
    let mut other_source = complete.clone();
    other_source["source"] = json!("aws.s3");
    let mut queue_event = complete.clone();
    queue_event["detail-type"] = json!("MediaConvert Queue State Change");
    let mut prefixed_stack = complete.clone();
    prefixed_stack["detail"]["userMetadata"]["stack"] = json!(format!("{STACK}-2"));
    let mut number_stack = complete;
    number_stack["detail"]["userMetadata"]["stack"] = json!(7);
    for (what, event) in [
        ("another stack's job", other_stack),
        ("a job without user metadata", no_metadata),
        ("another source", other_source),
        ("another detail type", queue_event),
        ("a stack name with a suffix", prefixed_stack),
        ("a number as the stack", number_stack),
    ] {
        assert!(!pattern.matches(&event), "{what} matched");
    }
    // AWS's own sample events carry no user metadata: none is this stack's.
    for entry in
        std::fs::read_dir(root().join("handlers/tests/fixtures/mediaconvert/aws-docs")).unwrap()
    {
        let event: Value =
            serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
        assert!(!pattern.matches(&event));
    }
}

#[test]
fn uploads_reach_create_job_only_under_the_prefix_with_a_video_suffix() {
    let template = template();
    let buckets = resources_of(&template, "AWS::S3::Bucket");
    let configured: Vec<Notification> = buckets
        .iter()
        .filter_map(|(_, b)| b["Properties"].get("NotificationConfiguration"))
        .flat_map(|c| Notification::from_configuration(c).expect("readable notifications"))
        .collect();
    assert!(!configured.is_empty());
    assert!(
        configured
            .iter()
            .all(|n| n.function_arn.ends_with(":function:CreateJobFunction"))
    );
    let reaches = |key: &str| configured.iter().any(|n| n.matches("Put", key));
    for key in [
        "uploads/u/x/clip.mp4",
        "uploads/a b.mov",
        "uploads/x.MOV",
        "uploads/x.webm",
        "uploads/x.m4v",
        "uploads/x.mkv",
        "uploads/x.MP4",
    ] {
        assert!(reaches(key), "{key} did not reach create-job");
    }
    for key in [
        "uploads/x.mp3",
        "uploads/x.Mp4",
        "uploads/x.mp4.txt",
        "other/x.mp4",
        "x.mp4",
        "Uploads/x.mp4",
        "hls/j/index.mp4",
    ] {
        assert!(!reaches(key), "{key} reached create-job");
    }
    // s3:ObjectCreated:* also takes a multipart upload and a copy.
    assert!(
        configured
            .iter()
            .any(|n| n.matches("CompleteMultipartUpload", "uploads/a.mp4"))
    );
    assert!(
        configured
            .iter()
            .any(|n| n.matches("Copy", "uploads/a.mov"))
    );
}
