//! What a job asks for, read off its merged settings (wire names) into a [`Plan`], or the
//! reason this stand-in cannot run it: one S3 input and one HLS group with an S3 destination
//! and a static AES-128 key. The key never appears in a reason.

use crate::frame_capture::{self, FrameCapture};
use crate::ladder::{self, Ladder};
use serde_json::Value;
use std::time::Duration;

/// A job as the runner sees it, taken from the merged settings (wire names).
#[derive(Clone, Debug)]
pub struct Plan {
    pub input: S3Location,
    pub destination: S3Location,
    pub segment_seconds: u32,
    pub key: [u8; 16],
    pub key_url: String,
    pub ladder: Ladder,
    /// The FILE group's frame capture, when the job has one.
    pub frame_capture: Option<FrameCapture>,
    pub interval: Duration,
    /// Whether the input names an audio selector: without one MediaConvert has no audio to
    /// give the outputs, whatever the file holds.
    pub audio_selected: bool,
    /// The video selector's `rotate` is `AUTO`.
    pub rotate_auto: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct S3Location {
    pub bucket: String,
    pub key: String,
}

impl S3Location {
    pub fn parse(uri: &str) -> Option<S3Location> {
        let rest = uri.strip_prefix("s3://")?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        (!bucket.is_empty()).then(|| S3Location {
            bucket: bucket.to_string(),
            key: key.to_string(),
        })
    }

    pub(crate) fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// Turns merged settings into a plan, or says (without the key) what this stand-in cannot
/// run: one S3 input and one HLS group with an S3 destination and a static AES-128 key.
pub fn plan(settings: &Value, interval_seconds: u32) -> Result<Plan, String> {
    let inputs = settings["inputs"].as_array().map_or(&[][..], Vec::as_slice);
    let [input] = inputs else {
        return Err(format!(
            "settings.inputs has {} inputs; this MediaConvert stand-in runs exactly one",
            inputs.len()
        ));
    };
    let audio_selected = input["audioSelectors"]
        .as_object()
        .is_some_and(|selectors| !selectors.is_empty());
    let rotate_auto = input["videoSelector"]["rotate"] == "AUTO";
    let input = input["fileInput"]
        .as_str()
        .and_then(S3Location::parse)
        .ok_or("settings.inputs[0].fileInput must be an s3://bucket/key URI")?;
    let groups = settings["outputGroups"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let group = groups
        .iter()
        .find(|g| g["outputGroupSettings"]["type"] == "HLS_GROUP_SETTINGS")
        .ok_or("settings.outputGroups has no HLS_GROUP_SETTINGS group")?;
    let hls = &group["outputGroupSettings"]["hlsGroupSettings"];
    let destination = hls["destination"]
        .as_str()
        .and_then(S3Location::parse)
        .ok_or("the HLS group's destination must be an s3://bucket/prefix URI")?;
    let encryption = &hls["encryption"];
    if encryption["encryptionMethod"] != "AES128" || encryption["type"] != "STATIC_KEY" {
        return Err(
            "the HLS group's encryption must be encryptionMethod AES128 with type STATIC_KEY"
                .into(),
        );
    }
    let provider = &encryption["staticKeyProvider"];
    let key = provider["staticKeyValue"]
        .as_str()
        .filter(|k| k.len() == 32)
        .and_then(|k| hex::decode(k).ok())
        .and_then(|k| <[u8; 16]>::try_from(k).ok())
        .ok_or("staticKeyProvider.staticKeyValue must be 32 hexadecimal digits")?;
    let key_url = provider["url"]
        .as_str()
        .filter(|u| !u.is_empty() && !u.contains(['\n', '\r', '"']))
        .ok_or("staticKeyProvider.url must be a non-empty URI")?
        .to_string();
    let ladder = ladder::from_group(group)?;
    let frame_capture = frame_capture::from_groups(groups)?;
    Ok(Plan {
        input,
        destination,
        segment_seconds: hls["segmentLength"].as_u64().unwrap_or(10).max(1) as u32,
        key,
        key_url,
        ladder,
        frame_capture,
        interval: Duration::from_secs(u64::from(interval_seconds)),
        audio_selected,
        rotate_auto,
    })
}

/// The base name MediaConvert gives the main playlist: the destination's last segment, or,
/// when the destination ends in `/`, the input file's name without its extension.
pub fn base_name(destination: &S3Location, input: &S3Location) -> (String, String) {
    match destination.key.rsplit_once('/') {
        Some((prefix, name)) if !name.is_empty() => (format!("{prefix}/"), name.to_string()),
        None if !destination.key.is_empty() => (String::new(), destination.key.clone()),
        _ => {
            let file = input.key.rsplit('/').next().unwrap_or("");
            let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
            (destination.key.clone(), stem.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_base_name_is_the_destination_name_or_the_input_stem() {
        let input = S3Location::parse("s3://in/uploads/o/u/My Clip.mp4").unwrap();
        let dir = S3Location::parse("s3://out/jobs/abc/").unwrap();
        assert_eq!(
            base_name(&dir, &input),
            ("jobs/abc/".into(), "My Clip".into())
        );
        let named = S3Location::parse("s3://out/jobs/abc/index").unwrap();
        assert_eq!(
            base_name(&named, &input),
            ("jobs/abc/".into(), "index".into())
        );
    }

    fn settings(key: &str) -> Value {
        json!({
            "inputs": [{"fileInput": "s3://in/a/clip.mp4"}],
            "outputGroups": [{
                "outputGroupSettings": {"type": "HLS_GROUP_SETTINGS", "hlsGroupSettings": {
                    "destination": "s3://out/jobs/1/",
                    "segmentLength": 6,
                    "encryption": {"encryptionMethod": "AES128", "type": "STATIC_KEY",
                        "staticKeyProvider": {"staticKeyValue": key, "url": "https://k"}}
                }},
                "outputs": [{"nameModifier": "_360p", "videoDescription": {"width": 640, "height": 360,
                    "codecSettings": {"h264Settings": {"maxBitrate": 900000}}}}]
            }]
        })
    }

    #[test]
    fn a_runnable_job_becomes_a_plan() {
        let plan = plan(&settings("00112233445566778899aabbccddeeff"), 10).expect("a plan");
        assert_eq!(plan.key[15], 0xff);
        let Ladder::Explicit(outputs) = &plan.ladder else {
            panic!("an explicit ladder")
        };
        assert_eq!(outputs[0].max_bitrate, Some(900_000));
        assert_eq!(plan.interval, Duration::from_secs(10));
        assert_eq!(plan.destination.key, "jobs/1/");
    }

    #[test]
    fn a_bad_key_is_refused_without_echoing_it() {
        let why = plan(&settings("00112233445566778899aabbccddeef"), 10).unwrap_err();
        assert!(why.contains("32 hexadecimal digits"), "{why}");
        assert!(!why.contains("0011223344"), "{why}");
    }
}
