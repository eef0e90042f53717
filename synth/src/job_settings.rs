//! The MediaConvert job-template settings: `templates/job-template-settings.json.j2`,
//! rendered at synth time with the ladder below. The template is embedded in the binary, so
//! synth reads no file at run time.

use serde::Serialize;

const TEMPLATE: &str = include_str!("../../templates/job-template-settings.json.j2");

/// HLS segment length; the GOP divides it so every segment starts on a keyframe.
pub const SEGMENT_SECONDS: u32 = 6;
pub const GOP_SECONDS: u32 = 2;
pub const AUDIO_BITRATE: u32 = 96_000;

#[derive(Clone, Copy, Debug, Serialize)]
pub struct Rung {
    pub width: u32,
    pub height: u32,
    /// QVBR caps the bitrate; the quality level sets the target below that cap.
    pub max_bitrate: u32,
    pub qvbr_quality: u32,
    pub profile: &'static str,
}

/// The ladder, highest first (players start with the first variant they can play).
pub const LADDER: [Rung; 4] = [
    Rung {
        width: 1920,
        height: 1080,
        max_bitrate: 6_000_000,
        qvbr_quality: 8,
        profile: "HIGH",
    },
    Rung {
        width: 1280,
        height: 720,
        max_bitrate: 3_500_000,
        qvbr_quality: 7,
        profile: "HIGH",
    },
    Rung {
        width: 960,
        height: 540,
        max_bitrate: 2_000_000,
        qvbr_quality: 7,
        profile: "MAIN",
    },
    Rung {
        width: 640,
        height: 360,
        max_bitrate: 900_000,
        qvbr_quality: 7,
        profile: "MAIN",
    },
];

#[derive(Serialize)]
struct Context<'a> {
    segment_seconds: u32,
    gop_seconds: u32,
    audio_bitrate: u32,
    ladder: &'a [Rung],
}

/// The rendered settings as JSON.
///
/// # Errors
/// When the template does not render or does not render to JSON; the message says which.
pub fn render(ladder: &[Rung]) -> Result<serde_json::Value, String> {
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
                ladder,
            }))
        })
        .map_err(|e| format!("job-template settings template: {e}"))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("job-template settings template does not render to JSON: {e}"))
}
