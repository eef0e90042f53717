//! A CreateJob request exactly as the SDK serializes it, made by handlers' MediaConvert
//! adapter against a loopback stand-in that records it, against MediaConvert's own model
//! (`CreateJobRequest`, wire names).
//!
//! The body carries the job's AES key (`staticKeyValue`): no assertion message prints it, and
//! the validator's messages never echo a string that is not an enum value.

mod support;

use handlers::adapters::{JobRequest, Transcoder};
use mediaconvert_model::{Invalid, Naming, Problem, Violation};
use runtime_api::{HttpStub, Response};
use serde_json::{Value, json};

const SHAPE: &str = "CreateJobRequest";
const ENCRYPTION: &str = "/settings/outputGroups/0/outputGroupSettings/hlsGroupSettings/encryption";

/// MediaConvert's answer to CreateJob (201 with the job); only the id matters to the adapter.
fn stub() -> HttpStub {
    HttpStub::start(|_, n| {
        let job =
            json!({"job": {"id": format!("1763942400123-stub{n:02}"), "status": "SUBMITTED"}});
        Response::json(201, &job.to_string())
    })
}

/// The JSON bodies of the CreateJob requests the adapter sends, one per interval, with the
/// values create-job gives it.
fn create_job_bodies(intervals: &[u32]) -> Vec<Value> {
    let stub = stub();
    let client = testkit::aws::mediaconvert(&stub.endpoint());
    let transcoder = Transcoder::new(client);
    let key: String = handlers::adapters::random_key()
        .expect("a random key")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let input_key = "uploads/owner-1/0193c1a2/My Holiday (1).mp4";
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    for &interval in intervals {
        runtime
            .block_on(transcoder.create_job(&JobRequest {
                input_bucket: "vod-test-input",
                input_key,
                output_bucket: "vod-test-output",
                output_path: "hls/6c62272e07bb014262b821756295c58d/",
                key_hex: &key,
                key_url: "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/jobs/6c62272e07bb014262b821756295c58d/key",
                job_template: "vod-test-hls",
                role_arn: "arn:aws:iam::123456789012:role/vod-test-mediaconvert",
                status_update_interval_seconds: interval,
                user_metadata: handlers::domain::user_metadata(
                    "vod-test",
                    "6c62272e07bb014262b821756295c58d",
                    1_763_942_400_123,
                    Some("owner-1"),
                ),
                client_request_token: "6c62272e07bb014262b821756295c58d",
            }))
            .unwrap_or_else(|e| panic!("CreateJob through the stand-in: {e}"));
    }
    stub.requests()
        .iter()
        .map(|r| {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("POST", "/2017-08-29/jobs")
            );
            serde_json::from_slice(&r.body).expect("the CreateJob body is JSON")
        })
        .collect()
}

fn create_job_body() -> Value {
    create_job_bodies(&[15]).remove(0)
}

/// The violations of a body; the panic names them, never the body.
fn violations(body: &Value) -> Vec<Violation> {
    match support::model().validate(SHAPE, body, Naming::WireNames) {
        Ok(()) => Vec::new(),
        Err(Invalid(found)) => found,
    }
}

#[test]
fn the_adapters_create_job_request_is_valid_for_every_interval_the_stack_allows() {
    let intervals = synth::stack::STATUS_UPDATE_INTERVALS;
    let bodies = create_job_bodies(&intervals);
    assert_eq!(bodies.len(), intervals.len());
    for (interval, body) in intervals.iter().zip(&bodies) {
        let found = violations(body);
        assert!(
            found.is_empty(),
            "the CreateJob request (interval {interval} s) violates MediaConvert's model:\n{}",
            Invalid(found)
        );
        // The request really is the one that carries the encryption, in wire names.
        assert!(
            body.pointer(&format!("{ENCRYPTION}/staticKeyProvider/staticKeyValue"))
                .is_some_and(Value::is_string),
            "the request has no static key"
        );
    }
}

#[test]
fn the_job_sends_the_templates_whole_input_with_its_file() {
    let body = create_job_body();
    let mut input = body["settings"]["inputs"][0].clone();
    assert_eq!(
        input["fileInput"],
        "s3://vod-test-input/uploads/owner-1/0193c1a2/My Holiday (1).mp4"
    );
    input.as_object_mut().unwrap().remove("fileInput");
    let sent = support::model().rename("Input", &input, Naming::WireNames, Naming::MemberNames);
    let template = synth::job_settings::render(&synth::job_settings::ABR).expect("rendered");
    // Every selector the template's outputs read comes with the job itself, not from an
    // undocumented merge with the template's input.
    assert_eq!(sent, template["Inputs"][0]);
    assert_eq!(
        template["OutputGroups"][0]["Outputs"][0]["AudioDescriptions"][0]["AudioSourceName"],
        handlers::adapters::AUDIO_SELECTOR
    );
    assert!(
        sent["AudioSelectors"][handlers::adapters::AUDIO_SELECTOR].is_object(),
        "{sent}"
    );
}

fn only_violation(body: Value) -> Violation {
    let mut found = violations(&body);
    assert_eq!(
        found.len(),
        1,
        "expected one violation:\n{}",
        Invalid(found.clone())
    );
    found.remove(0)
}

#[test]
fn a_misspelled_encryption_enum_fails_at_its_path() {
    let mut body = create_job_body();
    *body
        .pointer_mut(&format!("{ENCRYPTION}/encryptionMethod"))
        .unwrap() = json!("AES_128");
    let v = only_violation(body);
    assert_eq!(
        v.path,
        "settings.outputGroups[0].outputGroupSettings.hlsGroupSettings.encryption.encryptionMethod"
    );
    assert!(
        matches!(&v.problem, Problem::NotInEnum { value, suggestion: Some(s), .. }
            if value == "AES_128" && s == "AES128"),
        "{v}"
    );
}

#[test]
fn an_unknown_member_fails_naming_it() {
    let mut body = create_job_body();
    body.pointer_mut(&format!("{ENCRYPTION}/staticKeyProvider"))
        .and_then(Value::as_object_mut)
        .unwrap()
        .insert("keyUrl".into(), json!("https://example.com/key"));
    let v = only_violation(body);
    assert_eq!(
        v.path,
        "settings.outputGroups[0].outputGroupSettings.hlsGroupSettings.encryption.staticKeyProvider.keyUrl"
    );
    assert!(
        matches!(&v.problem, Problem::UnknownMember { member, .. } if member == "keyUrl"),
        "{v}"
    );
}

#[test]
fn a_dropped_required_member_fails_naming_it() {
    let mut body = create_job_body();
    body.as_object_mut().unwrap().remove("role");
    let v = only_violation(body);
    assert_eq!(v.path, "role");
    assert_eq!(
        v.problem,
        Problem::MissingRequired {
            member: "role".into()
        }
    );
}

#[test]
fn a_malformed_key_fails_without_the_key_in_the_message() {
    let mut body = create_job_body();
    let key_at = format!("{ENCRYPTION}/staticKeyProvider/staticKeyValue");
    let key = body
        .pointer(&key_at)
        .and_then(Value::as_str)
        .unwrap()
        .to_string();
    // 31 hex digits: MediaConvert wants exactly 32.
    *body.pointer_mut(&key_at).unwrap() = json!(key[1..]);
    let v = only_violation(body);
    assert_eq!(
        v.path,
        "settings.outputGroups[0].outputGroupSettings.hlsGroupSettings.encryption.staticKeyProvider.staticKeyValue"
    );
    assert!(matches!(v.problem, Problem::NoPatternMatch { .. }));
    assert!(
        !v.to_string().contains(&key[1..]),
        "the violation's message echoes the key"
    );
}

#[test]
fn member_names_are_not_wire_names() {
    let body = create_job_body();
    let e = support::model()
        .validate(SHAPE, &body, Naming::MemberNames)
        .unwrap_err();
    assert!(e.0.iter().any(|v| v.problem
        == Problem::UnknownMember {
            member: "settings".into(),
            suggestion: Some("Settings".into()),
        }));
}
