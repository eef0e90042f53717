//! A frame capture output (`codec: FRAME_CAPTURE` in a FILE group): JPEG stills of the
//! input, as MediaConvert documents them.
//!
//! - What it captures (API reference, `FrameCaptureSettings`): "the first frame of the output
//!   stream, then one frame every framerateDenominator/framerateNumerator seconds", at most
//!   `maxCaptures` files, JPEG `quality` 1 to 100 (higher is better).
//! - How it is set up (User Guide, "File group with a frame capture output"): like a File
//!   group output, with no audio and no container (`RAW`), and only in a job that also has a
//!   regular audio and video output (here: always, the HLS group is required).
//! - Names: `<base><nameModifier>.NNNNNNN.jpg`, a 7-digit counter. The two sources
//!   disagree on where it starts: the API reference says "0-based", the User Guide's example
//!   infers "file.0000001, file.0000002, and so on" up to `file.0000036` for 36 images. This
//!   stand-in follows the User Guide's example (1-based); COMPLETE names only the last image
//!   ("the file name and path of the final captured image"), so a consumer that reads the
//!   name from COMPLETE depends on neither.
//!
//! Narrower than the service: one FILE group with exactly one output, a frame capture, at
//! the input's size (displayed upright when the input's `rotate` is `AUTO`, as the HLS
//! renditions) (`width`/`height` unset: a size is refused), all four
//! `frameCaptureSettings` given.

use crate::plan::S3Location;
use serde_json::Value;
use std::path::Path;

#[derive(Clone, Debug, PartialEq)]
pub struct FrameCapture {
    pub destination: S3Location,
    pub name_modifier: String,
    pub numerator: u32,
    pub denominator: u32,
    pub max_captures: u32,
    pub quality: u32,
}

/// The frame capture of the job's FILE group, if it has one; what this stand-in cannot run
/// (another FILE output, a capture with a size or audio) is refused with the reason.
pub fn from_groups(groups: &[Value]) -> Result<Option<FrameCapture>, String> {
    let files: Vec<&Value> = groups
        .iter()
        .filter(|g| g["outputGroupSettings"]["type"] == "FILE_GROUP_SETTINGS")
        .collect();
    let group = match files[..] {
        [] => return Ok(None),
        [group] => group,
        _ => {
            return Err(format!(
                "settings.outputGroups has {} FILE_GROUP_SETTINGS groups; this MediaConvert stand-in runs at most one, for a frame capture",
                files.len()
            ));
        }
    };
    let outputs = group["outputs"].as_array().map_or(&[][..], Vec::as_slice);
    let [output] = outputs else {
        return Err(format!(
            "the FILE group has {} outputs; this MediaConvert stand-in runs exactly one, a frame capture",
            outputs.len()
        ));
    };
    let video = &output["videoDescription"];
    if video["codecSettings"]["codec"] != "FRAME_CAPTURE" {
        return Err(
            "the FILE group's output must be a frame capture (codec FRAME_CAPTURE); this MediaConvert stand-in writes no other file output"
                .into(),
        );
    }
    if output["containerSettings"]["container"] != "RAW" {
        return Err(
            "a frame capture output has no container: containerSettings.container must be RAW"
                .into(),
        );
    }
    if output
        .get("audioDescriptions")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        return Err("a frame capture output has no audio: remove its audioDescriptions".into());
    }
    if video.get("width").is_some() || video.get("height").is_some() {
        return Err(
            "a frame capture with a width or height is not one this stand-in runs; leave both unset for the input's size"
                .into(),
        );
    }
    let destination = group["outputGroupSettings"]["fileGroupSettings"]["destination"]
        .as_str()
        .and_then(S3Location::parse)
        .ok_or("the FILE group's destination must be an s3://bucket/prefix URI")?;
    let settings = &video["codecSettings"]["frameCaptureSettings"];
    let number = |member: &str| {
        settings[member]
            .as_u64()
            .map(|n| n as u32)
            .ok_or_else(|| format!("frameCaptureSettings.{member} is required by this stand-in"))
    };
    Ok(Some(FrameCapture {
        destination,
        name_modifier: output["nameModifier"].as_str().unwrap_or("").to_string(),
        numerator: number("framerateNumerator")?,
        denominator: number("framerateDenominator")?,
        max_captures: number("maxCaptures")?,
        quality: number("quality")?,
    }))
}

impl FrameCapture {
    /// The still number `n` (1-based, see the module's notes) of files named `base`.
    pub fn file_name(&self, base: &str, n: u32) -> String {
        format!("{base}{}.{n:07}.jpg", self.name_modifier)
    }

    /// ffmpeg's arguments: the first frame, then the first frame at least
    /// `denominator / numerator` s after the last one taken, at most `max_captures`, as JPEG
    /// files `<base><nameModifier>.0000001.jpg`, ... in `out_dir`; turned upright only when
    /// the HLS renditions are (`upright`, the input's `rotate: AUTO`), so the stills match
    /// the video.
    pub fn ffmpeg_args(
        &self,
        input: &Path,
        out_dir: &Path,
        base: &str,
        upright: bool,
    ) -> Vec<String> {
        let every = format!("{}/{}", self.denominator, self.numerator.max(1));
        // mjpeg's scale runs 2 (best) to 31; MediaConvert's quality 100 (best) to 1.
        let qscale = 2 + (100 - self.quality.clamp(1, 100)) * 29 / 99;
        let pattern = out_dir.join(format!("{base}{}.%07d.jpg", self.name_modifier));
        let mut args: Vec<String> = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
            .map(String::from)
            .into();
        if !upright {
            args.push("-noautorotate".into());
        }
        args.push("-i".into());
        args.push(input.display().to_string());
        args.extend([
            "-an".into(),
            "-vf".into(),
            format!("select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,{every})'"),
            "-fps_mode".into(),
            "vfr".into(),
            "-frames:v".into(),
            self.max_captures.to_string(),
            "-q:v".into(),
            qscale.to_string(),
            "-start_number".into(),
            "1".into(),
            pattern.display().to_string(),
        ]);
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn group(output: Value) -> Value {
        json!({
            "outputGroupSettings": {"type": "FILE_GROUP_SETTINGS",
                "fileGroupSettings": {"destination": "s3://out/hls/j/poster"}},
            "outputs": [output]
        })
    }

    fn capture() -> Value {
        json!({
            "containerSettings": {"container": "RAW"},
            "videoDescription": {"codecSettings": {"codec": "FRAME_CAPTURE",
                "frameCaptureSettings": {"framerateNumerator": 1, "framerateDenominator": 2,
                    "maxCaptures": 5, "quality": 80}}}
        })
    }

    #[test]
    fn a_frame_capture_group_is_read_and_its_files_numbered_from_one_with_seven_digits() {
        let f = from_groups(&[group(capture())])
            .unwrap()
            .expect("a capture");
        assert_eq!(f.destination.key, "hls/j/poster");
        assert_eq!((f.numerator, f.denominator, f.max_captures), (1, 2, 5));
        assert_eq!(f.file_name("poster", 1), "poster.0000001.jpg");
        assert_eq!(f.file_name("poster", 36), "poster.0000036.jpg");
        assert_eq!(from_groups(&[]).unwrap(), None);
    }

    #[test]
    fn what_the_stand_in_cannot_run_is_refused_naming_it() {
        let mut audio = capture();
        audio["audioDescriptions"] = json!([{}]);
        let mut mp4 = capture();
        mp4["containerSettings"]["container"] = json!("MP4");
        let mut h264 = capture();
        h264["videoDescription"]["codecSettings"]["codec"] = json!("H_264");
        let mut sized = capture();
        sized["videoDescription"]["width"] = json!(640);
        let mut partial = capture();
        partial["videoDescription"]["codecSettings"]["frameCaptureSettings"]
            .as_object_mut()
            .unwrap()
            .remove("quality");
        for (output, why) in [
            (audio, "no audio"),
            (mp4, "must be RAW"),
            (h264, "FRAME_CAPTURE"),
            (sized, "width or height"),
            (partial, "quality is required"),
        ] {
            let e = from_groups(&[group(output)]).unwrap_err();
            assert!(e.contains(why), "{e}");
        }
        let e = from_groups(&[group(capture()), group(capture())]).unwrap_err();
        assert!(e.contains("at most one"), "{e}");
    }
}
