//! The MediaConvert job-template settings: `templates/job-template-settings.json.j2`,
//! rendered at synth time with the limits below. The template is embedded in the binary, so
//! synth reads no file at run time.
//!
//! The ladder is MediaConvert's automated ABR, not a fixed list of rungs: MediaConvert
//! chooses the renditions from each input and documents that it "won't use a resolution
//! larger than the input for any rendition" (User Guide, "How automated ABR works", Max
//! resolution), so a 640x360 upload never becomes a 1080p rendition. A fixed list cannot
//! do that: MediaConvert encodes every listed output, upscaling with the default scaling
//! behavior, and `FIT_NO_UPSCALE` keeps every rung (all at the input's size) instead of
//! dropping the ones above it. The README's "No upscaling" section has the trade-offs.

use serde::Serialize;

const TEMPLATE: &str = include_str!("../../templates/job-template-settings.json.j2");

/// HLS segment length; the GOP divides it so every segment starts on a keyframe.
pub const SEGMENT_SECONDS: u32 = 6;
pub const GOP_SECONDS: u32 = 2;
pub const AUDIO_BITRATE: u32 = 96_000;

/// The limits automated ABR works within (`AutomatedAbrSettings` and the base output's
/// size, which automated ABR reads as the largest rendition allowed).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Abr {
    /// Largest rendition: a box, never exceeded, and never above the input.
    pub max_width: u32,
    pub max_height: u32,
    /// At most this many renditions (the service allows 3 to 15; its default is 15).
    pub max_renditions: u32,
    /// Average bitrate of the top rendition at most this (the service's default is 8 Mb/s).
    pub max_abr_bitrate: u32,
    /// No rendition below this average bitrate; the lowest one is near it.
    pub min_abr_bitrate: u32,
}

/// 1080p at most, four renditions at most (the seed's ladder had four: 1080p, 720p, 540p,
/// 360p), 6 Mb/s at the top (the seed's 1080p cap), MediaConvert's 600 kb/s floor.
pub const ABR: Abr = Abr {
    max_width: 1920,
    max_height: 1080,
    max_renditions: 4,
    max_abr_bitrate: 6_000_000,
    min_abr_bitrate: 600_000,
};

/// The poster: a frame capture output (`FrameCaptureSettings`) in its own FILE group. A
/// frame capture output is allowed only beside a regular audio and video output (the HLS
/// group here), and COMPLETE names only its last image ("the file name and path of the final
/// captured image", User Guide, "File group with a frame capture output"): that one is the
/// poster, so no job depends on how MediaConvert numbers the others.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Poster {
    /// The first frame, then one every `framerate_denominator / framerate_numerator` s.
    pub framerate_numerator: u32,
    pub framerate_denominator: u32,
    /// At most this many JPEGs (the model allows 1 to 10,000,000).
    pub max_captures: u32,
    /// JPEG quality, 1 to 100 (higher is better).
    pub quality: u32,
}

/// Five stills, one every 2 s: the last, the poster, is taken at up to 8 s in, past the
/// fade-in a first frame often is, and within even a short clip.
pub const POSTER: Poster = Poster {
    framerate_numerator: 1,
    framerate_denominator: 2,
    max_captures: 5,
    quality: 80,
};

#[derive(Serialize)]
struct Context<'a> {
    segment_seconds: u32,
    gop_seconds: u32,
    audio_bitrate: u32,
    abr: &'a Abr,
    poster: &'a Poster,
}

/// The rendered settings as JSON.
///
/// # Errors
/// When the template does not render or does not render to JSON; the message says which.
pub fn render(abr: &Abr) -> Result<serde_json::Value, String> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_template("job-template-settings.json.j2", TEMPLATE)
        .map_err(|e| format!("job-template settings template: {e}"))?;
    let text = env
        .get_template("job-template-settings.json.j2")
        .and_then(|t| {
            t.render(minijinja::value::Serde(Context {
                segment_seconds: SEGMENT_SECONDS,
                gop_seconds: GOP_SECONDS,
                audio_bitrate: AUDIO_BITRATE,
                abr,
                poster: &POSTER,
            }))
        })
        .map_err(|e| format!("job-template settings template: {e}"))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("job-template settings template does not render to JSON: {e}"))
}
