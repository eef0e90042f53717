//! Which renditions a job's HLS group produces for a given input, as MediaConvert documents
//! it, and what this stand-in refuses because it cannot reproduce it.
//!
//! - **Explicit outputs** (no `automatedEncodingSettings`): every output is encoded at its
//!   own `width` x `height`, whatever the input's size. MediaConvert drops no output for a
//!   small input; its scaling behaviors only decide how the picture fills the frame
//!   (User Guide, "Video scaling"): `DEFAULT` fits and pads, `STRETCH_TO_OUTPUT` stretches,
//!   `FIT` fits (up or down) without padding, `FIT_NO_UPSCALE` fits without ever enlarging,
//!   `FILL` covers and crops. So a 1080p output of a 360p input is an upscale here, as there.
//! - **Automated ABR** (`automatedEncodingSettings.abrSettings`): MediaConvert picks the
//!   renditions from its analysis of the input, within documented bounds: at most
//!   `maxRenditions` (default 15), no rendition "with a resolution larger than" the base
//!   output's `width` x `height` (default: the input's), and never larger than the input
//!   ("MediaConvert won't use a resolution larger than the input for any rendition",
//!   "How automated ABR works"); the top rendition's average bitrate at most
//!   `maxAbrBitrate` (default 8 Mb/s), none below `minAbrBitrate` (default 600 kb/s), the
//!   lowest near it. Its content analysis is not reproducible, so this stand-in chooses
//!   deterministically inside those bounds: the top rendition at the input's size (scaled
//!   down into the base output's box, aspect kept), then each of 1080, 720, 540 and 360
//!   lines below it, at most `maxRenditions`; bitrates in proportion to the pixel count
//!   (`maxAbrBitrate` at 1920x1080), clamped to the bounds, the lowest of several at
//!   `minAbrBitrate`. Tests may rely on the bounds; the exact choice is this stand-in's.
//!   The service documents no rendition file names for automated ABR; this stand-in names
//!   them `<base><nameModifier>_<height>p` (unique: its heights are distinct). Consumers
//!   read the names from the main playlist or COMPLETE's `outputFilePaths`, never guess
//!   them.

use serde_json::Value;

/// One explicit output of the HLS group, or automated ABR's base output.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    pub name_modifier: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub scaling: Scaling,
    pub max_bitrate: Option<u32>,
    pub audio_bitrate: u32,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scaling {
    Default,
    StretchToOutput,
    Fit,
    FitNoUpscale,
    Fill,
}

/// `automatedEncodingSettings.abrSettings` with the service's defaults filled in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AbrLimits {
    pub max_renditions: u32,
    pub max_abr_bitrate: u32,
    pub min_abr_bitrate: u32,
}

/// The HLS group's ladder as the job asks for it.
#[derive(Clone, Debug, PartialEq)]
pub enum Ladder {
    Explicit(Vec<Output>),
    Automated { base: Output, limits: AbrLimits },
}

/// One rendition to encode: its file-name suffix, its frame, how the picture goes into it,
/// and its rate (average target and cap).
#[derive(Clone, Debug, PartialEq)]
pub struct Rendition {
    pub suffix: String,
    pub width: u32,
    pub height: u32,
    pub scaling: Scaling,
    pub bitrate: u32,
    pub max_bitrate: u32,
    pub audio_bitrate: u32,
}

/// Heights below the top rendition that this stand-in adds for automated ABR.
const LOWER_HEIGHTS: [u32; 4] = [1080, 720, 540, 360];
const FULL_HD_PIXELS: u64 = 1920 * 1080;

fn even(v: u64) -> u32 {
    (v / 2 * 2).max(2) as u32
}

/// `width` x `height` scaled to fit inside `box_w` x `box_h`, aspect kept; never enlarged
/// unless `upscale`.
fn fit(width: u32, height: u32, box_w: u32, box_h: u32, upscale: bool) -> (u32, u32) {
    let (w, h) = (u64::from(width.max(1)), u64::from(height.max(1)));
    let (bw, bh) = (u64::from(box_w), u64::from(box_h));
    // The smaller of the two ratios bw/w and bh/h, compared without floating point.
    let (num, den) = if bw * h <= bh * w { (bw, w) } else { (bh, h) };
    if !upscale && num >= den {
        return (even(w), even(h));
    }
    (even(w * num / den), even(h * num / den))
}

fn scaling(value: &Value) -> Result<Scaling, String> {
    Ok(match value.as_str().unwrap_or("DEFAULT") {
        "DEFAULT" => Scaling::Default,
        "STRETCH_TO_OUTPUT" => Scaling::StretchToOutput,
        "FIT" => Scaling::Fit,
        "FIT_NO_UPSCALE" => Scaling::FitNoUpscale,
        "FILL" => Scaling::Fill,
        other => {
            return Err(format!(
                "scalingBehavior {other:?} is not one this stand-in runs"
            ));
        }
    })
}

fn output(i: usize, output: &Value) -> Result<Output, String> {
    let video = &output["videoDescription"];
    if !video.is_object() {
        return Err(format!(
            "the HLS group's outputs[{i}] has no videoDescription; this stand-in runs only outputs with video and muxed audio"
        ));
    }
    let h264 = &video["codecSettings"]["h264Settings"];
    let number = |v: &Value| v.as_u64().map(|n| n as u32);
    Ok(Output {
        name_modifier: output["nameModifier"].as_str().unwrap_or("").to_string(),
        width: number(&video["width"]),
        height: number(&video["height"]),
        scaling: scaling(&video["scalingBehavior"])?,
        max_bitrate: number(&h264["maxBitrate"]).or(number(&h264["bitrate"])),
        audio_bitrate: number(
            &output["audioDescriptions"][0]["codecSettings"]["aacSettings"]["bitrate"],
        )
        .unwrap_or(96_000),
    })
}

/// Reads the HLS group's ladder (wire names), refusing what MediaConvert refuses for
/// automated ABR and what this stand-in cannot run.
pub fn from_group(group: &Value) -> Result<Ladder, String> {
    let outputs = group["outputs"].as_array().map_or(&[][..], Vec::as_slice);
    if outputs.is_empty() {
        return Err("the HLS group has no outputs".into());
    }
    let abr = &group["automatedEncodingSettings"]["abrSettings"];
    if !abr.is_object() {
        let outputs = outputs
            .iter()
            .enumerate()
            .map(|(i, o)| output(i, o))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(i) = outputs
            .iter()
            .position(|o| o.width.is_none() || o.height.is_none())
        {
            return Err(format!(
                "the HLS group's outputs[{i}] needs videoDescription.width and height"
            ));
        }
        let mut names: Vec<&str> = outputs.iter().map(|o| o.name_modifier.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        if names.len() != outputs.len() {
            return Err("the HLS group's outputs need distinct nameModifiers".into());
        }
        return Ok(Ladder::Explicit(outputs));
    }

    if abr["rules"].as_array().is_some_and(|r| !r.is_empty()) {
        return Err("automated ABR rules are not implemented by this MediaConvert stand-in".into());
    }
    let [single] = outputs else {
        return Err(format!(
            "the automated ABR group has {} outputs; this stand-in runs one base output with muxed audio",
            outputs.len()
        ));
    };
    let h264 = &single["videoDescription"]["codecSettings"]["h264Settings"];
    if single["videoDescription"]["codecSettings"]["codec"] != "H_264" {
        return Err(
            "automated ABR needs an H_264 or H_265 base output; this stand-in runs H_264".into(),
        );
    }
    // MediaConvert's "Feature restrictions for automated ABR".
    if h264["rateControlMode"] != "QVBR" || h264["qualityTuningLevel"] != "MULTI_PASS_HQ" {
        return Err(
            "automated ABR requires rateControlMode QVBR and qualityTuningLevel MULTI_PASS_HQ"
                .into(),
        );
    }
    let base = output(0, single)?;
    if base.scaling == Scaling::FitNoUpscale {
        return Err("scalingBehavior FIT_NO_UPSCALE cannot be used with automated ABR".into());
    }
    let number = |name: &str, default: u32| abr[name].as_u64().map_or(default, |n| n as u32);
    let limits = AbrLimits {
        max_renditions: number("maxRenditions", 15),
        max_abr_bitrate: number("maxAbrBitrate", 8_000_000),
        min_abr_bitrate: number("minAbrBitrate", 600_000),
    };
    if limits.min_abr_bitrate > limits.max_abr_bitrate {
        return Err("automated ABR's minAbrBitrate is above its maxAbrBitrate".into());
    }
    Ok(Ladder::Automated { base, limits })
}

impl Ladder {
    /// The renditions for an input of `width` x `height` (as displayed), highest first.
    pub fn renditions(&self, width: u32, height: u32) -> Vec<Rendition> {
        match self {
            Ladder::Explicit(outputs) => outputs
                .iter()
                .map(|o| {
                    let (ow, oh) = (o.width.unwrap_or(width), o.height.unwrap_or(height));
                    let (w, h) = match o.scaling {
                        Scaling::Fit => fit(width, height, ow, oh, true),
                        Scaling::FitNoUpscale => fit(width, height, ow, oh, false),
                        _ => (ow, oh),
                    };
                    let cap = o.max_bitrate.unwrap_or(oh * 2_500);
                    Rendition {
                        suffix: o.name_modifier.clone(),
                        width: w,
                        height: h,
                        scaling: o.scaling,
                        bitrate: cap / 10 * 6,
                        max_bitrate: cap,
                        audio_bitrate: o.audio_bitrate,
                    }
                })
                .collect(),
            Ladder::Automated { base, limits } => {
                // The base output's box is read in the input's orientation: how the service
                // bounds a portrait input by a landscape base output is not documented, and
                // a 1920x1080 box would otherwise shrink a 1080x1920 phone clip to 606x1080.
                let (bw, bh) = (base.width.unwrap_or(width), base.height.unwrap_or(height));
                let (bw, bh) = if (height > width) == (bh > bw) {
                    (bw, bh)
                } else {
                    (bh, bw)
                };
                let (top_w, top_h) = fit(width, height, bw, bh, false);
                // Rungs step down the short edge (a portrait clip's width), so a portrait
                // ladder mirrors a landscape one.
                let portrait = top_h > top_w;
                let (top_short, top_long) = if portrait {
                    (top_w, top_h)
                } else {
                    (top_h, top_w)
                };
                let mut lines = vec![top_short];
                lines.extend(LOWER_HEIGHTS.iter().filter(|l| **l < top_short));
                lines.truncate(limits.max_renditions.max(1) as usize);
                let count = lines.len();
                lines
                    .into_iter()
                    .enumerate()
                    .map(|(i, short)| {
                        let long = if short == top_short {
                            top_long
                        } else {
                            even(u64::from(top_long) * u64::from(short) / u64::from(top_short))
                        };
                        let (w, h) = if portrait {
                            (short, long)
                        } else {
                            (long, short)
                        };
                        let pixels = u64::from(w) * u64::from(h);
                        let scaled = u64::from(limits.max_abr_bitrate) * pixels / FULL_HD_PIXELS;
                        let bitrate = if count > 1 && i == count - 1 {
                            limits.min_abr_bitrate
                        } else {
                            (scaled as u32).clamp(limits.min_abr_bitrate, limits.max_abr_bitrate)
                        };
                        Rendition {
                            suffix: format!("{}_{short}p", base.name_modifier),
                            width: w,
                            height: h,
                            scaling: Scaling::StretchToOutput,
                            bitrate,
                            max_bitrate: bitrate.saturating_mul(2),
                            audio_bitrate: base.audio_bitrate,
                        }
                    })
                    .collect()
            }
        }
    }
}

/// The ffmpeg filter that puts the input's picture into `r`'s frame.
pub fn scale_filter(r: &Rendition) -> String {
    let (w, h) = (r.width, r.height);
    match r.scaling {
        Scaling::Default => format!(
            "scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1"
        ),
        Scaling::Fill => {
            format!("scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},setsar=1")
        }
        Scaling::StretchToOutput | Scaling::Fit | Scaling::FitNoUpscale => {
            format!("scale={w}:{h},setsar=1")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn automated(max_renditions: Option<u32>) -> Value {
        let mut abr = json!({"maxAbrBitrate": 6_000_000, "minAbrBitrate": 600_000});
        if let Some(n) = max_renditions {
            abr["maxRenditions"] = n.into();
        }
        json!({
            "automatedEncodingSettings": {"abrSettings": abr},
            "outputs": [{"videoDescription": {"width": 1920, "height": 1080,
                "codecSettings": {"codec": "H_264", "h264Settings": {
                    "rateControlMode": "QVBR", "qualityTuningLevel": "MULTI_PASS_HQ"}}},
                "audioDescriptions": [{"codecSettings": {"aacSettings": {"bitrate": 96000}}}]}]
        })
    }

    fn sizes(renditions: &[Rendition]) -> Vec<(u32, u32)> {
        renditions.iter().map(|r| (r.width, r.height)).collect()
    }

    #[test]
    fn automated_abr_never_goes_above_the_input() {
        let ladder = from_group(&automated(Some(4))).unwrap();
        assert_eq!(sizes(&ladder.renditions(640, 360)), [(640, 360)]);
        assert_eq!(
            sizes(&ladder.renditions(1280, 720)),
            [(1280, 720), (960, 540), (640, 360)]
        );
        assert_eq!(sizes(&ladder.renditions(320, 180)), [(320, 180)]);
        // Odd sizes become even (H.264 4:2:0), still not above the input.
        assert_eq!(
            sizes(&ladder.renditions(853, 481)),
            [(852, 480), (638, 360)]
        );
    }

    #[test]
    fn automated_abr_stays_inside_the_base_outputs_box_and_the_rendition_limit() {
        let ladder = from_group(&automated(Some(3))).unwrap();
        assert_eq!(
            sizes(&ladder.renditions(3840, 2160)),
            [(1920, 1080), (1280, 720), (960, 540)]
        );
        // A portrait input is bounded by the box turned portrait: no shrink to 606x1080.
        assert_eq!(
            sizes(&ladder.renditions(1080, 1920)),
            [(1080, 1920), (720, 1280), (540, 960)]
        );
        assert_eq!(sizes(&ladder.renditions(2160, 3840))[0], (1080, 1920));
        // Without maxRenditions the service's limit is 15.
        let ladder = from_group(&automated(None)).unwrap();
        assert_eq!(ladder.renditions(1920, 1080).len(), 4);
    }

    #[test]
    fn automated_abr_bitrates_stay_within_the_bounds_lowest_at_the_minimum() {
        let ladder = from_group(&automated(Some(4))).unwrap();
        let full = ladder.renditions(1920, 1080);
        let rates: Vec<u32> = full.iter().map(|r| r.bitrate).collect();
        assert_eq!(rates, [6_000_000, 2_666_666, 1_500_000, 600_000]);
        assert!(rates.windows(2).all(|w| w[0] > w[1]), "{rates:?}");
        let single = ladder.renditions(320, 180);
        assert_eq!(single[0].bitrate, 600_000, "never below the minimum");
        assert_eq!(full[0].suffix, "_1080p");
        assert_eq!(full[0].audio_bitrate, 96_000);
    }

    #[test]
    fn automated_abr_requirements_are_enforced() {
        let mut group = automated(Some(4));
        group["outputs"][0]["videoDescription"]["codecSettings"]["h264Settings"]["qualityTuningLevel"] =
            "SINGLE_PASS_HQ".into();
        let why = from_group(&group).unwrap_err();
        assert!(why.contains("MULTI_PASS_HQ"), "{why}");
        let mut group = automated(Some(4));
        group["outputs"][0]["videoDescription"]["scalingBehavior"] = "FIT_NO_UPSCALE".into();
        assert!(from_group(&group).unwrap_err().contains("FIT_NO_UPSCALE"));
        let mut group = automated(Some(4));
        group["automatedEncodingSettings"]["abrSettings"]["rules"] =
            json!([{"type": "MIN_TOP_RENDITION_SIZE"}]);
        assert!(from_group(&group).unwrap_err().contains("rules"));
    }

    #[test]
    fn explicit_outputs_are_all_encoded_at_their_size_as_mediaconvert_does() {
        let group = json!({"outputs": [
            {"nameModifier": "_720p", "videoDescription": {"width": 1280, "height": 720,
                "codecSettings": {"h264Settings": {"maxBitrate": 3_000_000}}}},
            {"nameModifier": "_fit", "videoDescription": {"width": 1280, "height": 720,
                "scalingBehavior": "FIT_NO_UPSCALE"}}
        ]});
        let ladder = from_group(&group).unwrap();
        let renditions = ladder.renditions(640, 360);
        // DEFAULT upscales a small input: nothing is dropped.
        assert_eq!(sizes(&renditions), [(1280, 720), (640, 360)]);
        assert_eq!(renditions[0].max_bitrate, 3_000_000);
        assert!(scale_filter(&renditions[0]).contains("pad=1280:720"));
    }

    #[test]
    fn explicit_outputs_need_sizes_and_distinct_modifiers() {
        let group = json!({"outputs": [{"videoDescription": {"width": 640}}]});
        assert!(from_group(&group).unwrap_err().contains("width and height"));
        let group = json!({"outputs": [
            {"videoDescription": {"width": 640, "height": 360}},
            {"videoDescription": {"width": 320, "height": 180}}
        ]});
        assert!(from_group(&group).unwrap_err().contains("distinct"));
    }
}
