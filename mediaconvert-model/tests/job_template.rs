//! The stack's job-template settings, as synth renders them into the template's
//! `AWS::MediaConvert::JobTemplate` `SettingsJson`, against MediaConvert's own model; and
//! mutations of them that the service would refuse, each caught at its path.

mod support;

use mediaconvert_model::{Invalid, Naming, Problem, Violation};
use serde_json::{Value, json};

/// CloudFormation's `SettingsJson` is the API's `JobTemplateSettings`, with member names.
const SHAPE: &str = "JobTemplateSettings";

fn settings() -> Value {
    synth::job_settings::render(&synth::job_settings::ABR).expect("the settings render")
}

/// The one violation of the rendered settings with `new` put at the JSON pointer `at`.
fn violation_with(at: &str, new: Value) -> Violation {
    let mut value = settings();
    let (parent, member) = at.rsplit_once('/').expect("a JSON pointer");
    let parent = value
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("the settings have {parent}"));
    match parent {
        Value::Object(members) => drop(members.insert(member.into(), new)),
        Value::Array(items) => items[member.parse::<usize>().expect("an index")] = new,
        _ => panic!("{at} is inside a scalar"),
    }
    match support::model().validate(SHAPE, &value, Naming::MemberNames) {
        Ok(()) => panic!("the settings with {at} changed passed"),
        Err(Invalid(mut found)) => {
            assert_eq!(
                found.len(),
                1,
                "expected one violation:\n{}",
                Invalid(found.clone())
            );
            found.remove(0)
        }
    }
}

const HLS: &str = "/OutputGroups/0/OutputGroupSettings/HlsGroupSettings";
const VIDEO: &str = "/OutputGroups/0/Outputs/0/VideoDescription";
const ABR: &str = "/OutputGroups/0/AutomatedEncodingSettings/AbrSettings";
const H264: &str = "/OutputGroups/0/Outputs/0/VideoDescription/CodecSettings/H264Settings";

#[test]
fn the_pinned_model_is_mediaconverts_with_every_pattern_enforced() {
    let model = support::model();
    assert_eq!(
        (model.service_id(), model.api_version()),
        ("MediaConvert", "2017-08-29")
    );
    assert_eq!(model.unchecked_patterns(), [] as [String; 0]);
}

#[test]
fn the_rendered_settings_are_valid() {
    if let Err(e) = support::model().validate(SHAPE, &settings(), Naming::MemberNames) {
        panic!("the job-template settings violate MediaConvert's model:\n{e}");
    }
}

#[test]
fn the_settings_use_member_names_not_wire_names() {
    let e = support::model()
        .validate(SHAPE, &settings(), Naming::WireNames)
        .unwrap_err();
    assert!(e.0.iter().any(|v| v.problem
        == Problem::UnknownMember {
            member: "OutputGroups".into(),
            suggestion: Some("outputGroups".into()),
        }));
}

#[test]
fn a_misspelled_codec_fails_at_its_path() {
    let v = violation_with(&format!("{VIDEO}/CodecSettings/Codec"), json!("H_246"));
    assert_eq!(
        v.path,
        "OutputGroups[0].Outputs[0].VideoDescription.CodecSettings.Codec"
    );
    assert!(
        matches!(&v.problem, Problem::NotInEnum { value, suggestion: Some(s), .. }
            if value == "H_246" && s == "H_264"),
        "{v}"
    );
}

#[test]
fn a_misspelled_rate_control_mode_fails_at_its_path() {
    let v = violation_with(&format!("{H264}/RateControlMode"), json!("QBVR"));
    assert_eq!(
        v.path,
        "OutputGroups[0].Outputs[0].VideoDescription.CodecSettings.H264Settings.RateControlMode"
    );
    assert_eq!(v.shape, "H264RateControlMode");
    assert!(v.to_string().contains("allowed: VBR, CBR, QVBR"), "{v}");
}

#[test]
fn a_misspelled_quality_tuning_level_fails_at_its_path() {
    // Automated ABR requires MULTI_PASS_HQ; a typo must not reach the service.
    let v = violation_with(&format!("{H264}/QualityTuningLevel"), json!("MULTI_PASS"));
    assert_eq!(v.shape, "H264QualityTuningLevel");
    assert!(v.to_string().contains("MULTI_PASS_HQ"), "{v}");
}

#[test]
fn an_unknown_member_fails_naming_it_and_the_closest_member() {
    let v = violation_with(&format!("{HLS}/SegmentLenght"), json!(6));
    assert_eq!(
        v.path,
        "OutputGroups[0].OutputGroupSettings.HlsGroupSettings.SegmentLenght"
    );
    assert_eq!(
        v.problem,
        Problem::UnknownMember {
            member: "SegmentLenght".into(),
            suggestion: Some("SegmentLength".into()),
        }
    );
}

#[test]
fn numbers_out_of_range_fail_at_their_paths() {
    // Automated ABR makes 3 to 15 renditions at most.
    let v = violation_with(&format!("{ABR}/MaxRenditions"), json!(16));
    assert_eq!(
        v.path,
        "OutputGroups[0].AutomatedEncodingSettings.AbrSettings.MaxRenditions"
    );
    assert!(
        matches!(&v.problem, Problem::OutOfRange { value, max: Some(max), .. } if value == "16" && max == "15"),
        "{v}"
    );
    let v = violation_with(&format!("{ABR}/MinAbrBitrate"), json!(99_999));
    assert!(matches!(v.problem, Problem::OutOfRange { .. }), "{v}");

    let v = violation_with(&format!("{HLS}/SegmentLength"), json!(0));
    assert_eq!(
        v.path,
        "OutputGroups[0].OutputGroupSettings.HlsGroupSettings.SegmentLength"
    );
    assert!(matches!(v.problem, Problem::OutOfRange { .. }), "{v}");
}

const FRAME_CAPTURE: &str =
    "/OutputGroups/1/Outputs/0/VideoDescription/CodecSettings/FrameCaptureSettings";

#[test]
fn the_poster_is_a_frame_capture_output_within_the_models_bounds() {
    let s = settings();
    let group = &s["OutputGroups"][1];
    assert_eq!(group["OutputGroupSettings"]["Type"], "FILE_GROUP_SETTINGS");
    assert_eq!(
        group["Outputs"][0]["VideoDescription"]["CodecSettings"]["Codec"],
        "FRAME_CAPTURE"
    );
    // Each bound the model sets on FrameCaptureSettings, one past it.
    for (member, past) in [
        ("Quality", 101),
        ("Quality", 0),
        ("MaxCaptures", 0),
        ("MaxCaptures", 10_000_001),
        ("FramerateNumerator", 0),
        ("FramerateDenominator", 0),
    ] {
        let v = violation_with(&format!("{FRAME_CAPTURE}/{member}"), json!(past));
        assert_eq!(
            v.path,
            format!(
                "OutputGroups[1].Outputs[0].VideoDescription.CodecSettings.FrameCaptureSettings.{member}"
            )
        );
        assert!(matches!(v.problem, Problem::OutOfRange { .. }), "{v}");
    }
    let v = violation_with(
        "/OutputGroups/1/Outputs/0/ContainerSettings/Container",
        json!("JPEG"),
    );
    assert!(matches!(v.problem, Problem::NotInEnum { .. }), "{v}");
}

#[test]
fn a_wrong_json_type_fails_at_its_path() {
    let v = violation_with(
        "/OutputGroups/0/Outputs/0/VideoDescription/Width",
        json!("640"),
    );
    assert_eq!(v.path, "OutputGroups[0].Outputs[0].VideoDescription.Width");
    assert_eq!(
        v.problem,
        Problem::WrongType {
            expected: "an integer",
            found: "a string"
        }
    );
}

/// The stack's `AWS::MediaConvert::JobTemplate` as the CreateJobTemplate request
/// CloudFormation makes of it (its literal properties; `StatusUpdateInterval` is an
/// `Fn::Sub` of a parameter and checked by the stack's own tests).
#[test]
fn the_stacks_job_template_resource_is_a_valid_create_job_template_request() {
    let stack: Value = serde_json::from_str(
        &synth::stack::stack()
            .to_json()
            .expect("the stack validates"),
    )
    .expect("synth prints JSON");
    let properties = &stack["Resources"]["JobTemplate"]["Properties"];
    let request = json!({
        "Name": "vod-hls",
        "Category": properties["Category"],
        "Description": properties["Description"],
        "AccelerationSettings": properties["AccelerationSettings"],
        "Settings": properties["SettingsJson"],
    });
    if let Err(e) =
        support::model().validate("CreateJobTemplateRequest", &request, Naming::MemberNames)
    {
        panic!("the job template resource violates MediaConvert's model:\n{e}");
    }
}

/// The model requires no member anywhere inside `JobTemplateSettings` (its only required
/// members are on requests and a few top-level structures), so a dropped member can fail the
/// model only one level up: the template's settings themselves, required by
/// CreateJobTemplate, which the CloudFormation resource calls with `SettingsJson`.
#[test]
fn dropping_a_required_member_fails_naming_it() {
    let model = support::model();
    let request = json!({"Name": "vod-hls", "Settings": settings()});
    if let Err(e) = model.validate("CreateJobTemplateRequest", &request, Naming::MemberNames) {
        panic!("the job-template request violates MediaConvert's model:\n{e}");
    }
    let mut dropped = request.clone();
    dropped.as_object_mut().unwrap().remove("Settings");
    let e = model
        .validate("CreateJobTemplateRequest", &dropped, Naming::MemberNames)
        .unwrap_err();
    assert_eq!(e.paths(), ["Settings"]);
    assert_eq!(
        e.0[0].problem,
        Problem::MissingRequired {
            member: "Settings".into()
        }
    );
}

#[test]
fn the_template_settings_respelled_as_wire_names_validate_as_wire_names_and_back() {
    let model = support::model();
    let settings = synth::job_settings::render(&synth::job_settings::ABR).expect("render");
    let wire = model.rename(
        "JobTemplateSettings",
        &settings,
        Naming::MemberNames,
        Naming::WireNames,
    );
    assert!(
        wire["outputGroups"][0]["outputs"][0]["videoDescription"]["codecSettings"]["h264Settings"]
            .is_object()
    );
    // A map's keys are names the user chose, not members.
    assert!(wire["inputs"][0]["audioSelectors"]["Audio Selector 1"].is_object());
    model
        .validate("JobTemplateSettings", &wire, Naming::WireNames)
        .unwrap_or_else(|e| panic!("{e}"));
    let back = model.rename(
        "JobTemplateSettings",
        &wire,
        Naming::WireNames,
        Naming::MemberNames,
    );
    assert_eq!(back, settings);
}
