//! What is said to ffmpeg and read back: the probe of an input (the pinned build ships no
//! ffprobe, so `ffmpeg -i`'s report is parsed) and the arguments of the one ffmpeg run that
//! writes every rendition of the HLS group.

use crate::ladder::{self, Rendition};
use crate::plan::Plan;
use std::path::Path;
use std::process::Stdio;

pub(crate) struct Probe {
    pub(crate) duration_ms: u64,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) has_audio: bool,
    /// Whether the frames are turned upright from the rotation metadata: only with
    /// `Rotate: AUTO` on an MP4 or MOV input ("By default, the service does no rotation, even
    /// if your input video has rotation metadata", the model's `InputRotate`).
    pub(crate) upright: bool,
}

/// Why an input has no usable probe: the two cases MediaConvert's error codes tell apart.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unprobeable {
    /// No container ffmpeg can parse (a text file, zero bytes, a cut-off header): 1010.
    Unreadable,
    /// A media file that opens but holds no video stream (audio only): 1020.
    NoVideo,
}

/// ffmpeg's own reading of the input (the build ships no ffprobe).
pub(crate) async fn probe(
    ffmpeg: &Path,
    input: &Path,
    rotate_auto: bool,
) -> Result<Probe, Unprobeable> {
    let out = tokio::process::Command::new(ffmpeg)
        .args(["-hide_banner", "-nostdin", "-i"])
        .arg(input)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|_| Unprobeable::Unreadable)?;
    let text = String::from_utf8_lossy(&out.stderr);
    let duration = regex_lite::Regex::new(r"Duration: (\d+):(\d\d):(\d\d)\.(\d\d)")
        .expect("a valid regex")
        .captures(&text)
        .ok_or(Unprobeable::Unreadable)?;
    let n = |i: usize| duration[i].parse::<u64>().unwrap_or(0);
    let duration_ms = ((n(1) * 60 + n(2)) * 60 + n(3)) * 1000 + n(4) * 10;
    let has_audio = text
        .lines()
        .any(|l| l.contains("Stream #") && l.contains("Audio:"));
    let size = regex_lite::Regex::new(r"Stream #[^\n]*Video:[^\n]*?, (\d{2,5})x(\d{2,5})")
        .expect("a valid regex")
        .captures(&text)
        .ok_or(if has_audio {
            Unprobeable::NoVideo
        } else {
            Unprobeable::Unreadable
        })?;
    let (width, height): (u32, u32) = (
        size[1].parse().map_err(|_| Unprobeable::Unreadable)?,
        size[2].parse().map_err(|_| Unprobeable::Unreadable)?,
    );
    // Phone videos are stored landscape with a rotation; when they are turned upright the
    // ladder must see the displayed size.
    let upright = rotate_auto && text.contains("Input #0, mov,mp4");
    let quarter_turn = upright
        && regex_lite::Regex::new(r"rotation of (-?\d+)")
            .expect("a valid regex")
            .captures(&text)
            .and_then(|c| c[1].parse::<i32>().ok())
            .is_some_and(|degrees| degrees.rem_euclid(180) == 90);
    let (width, height) = if quarter_turn {
        (height, width)
    } else {
        (width, height)
    };
    Ok(Probe {
        duration_ms,
        width,
        height,
        has_audio,
        upright,
    })
}

pub(crate) fn ffmpeg_args(
    input: &Path,
    out_dir: &Path,
    key_info: &Path,
    base: &str,
    plan: &Plan,
    rungs: &[Rendition],
    source: &Probe,
) -> Vec<String> {
    // Without an audio selector MediaConvert has no audio for the outputs.
    let audio = source.has_audio && plan.audio_selected;
    let n = rungs.len();
    let mut filter = format!("[0:v]split={n}");
    for i in 0..n {
        filter.push_str(&format!("[s{i}]"));
    }
    for (i, r) in rungs.iter().enumerate() {
        filter.push_str(&format!(";[s{i}]{}[v{i}]", ladder::scale_filter(r)));
    }
    let mut args: Vec<String> = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if !source.upright {
        args.push("-noautorotate".into());
    }
    args.push("-i".into());
    args.push(input.display().to_string());
    args.extend(["-progress", "pipe:1", "-nostats", "-filter_complex"].map(String::from));
    args.push(filter);
    let mut streams = Vec::new();
    for (i, r) in rungs.iter().enumerate() {
        args.extend([
            "-map".into(),
            format!("[v{i}]"),
            format!("-c:v:{i}"),
            "libx264".into(),
            format!("-b:v:{i}"),
            r.bitrate.to_string(),
            format!("-maxrate:v:{i}"),
            r.max_bitrate.to_string(),
            format!("-bufsize:v:{i}"),
            (r.max_bitrate * 2).to_string(),
        ]);
        if audio {
            args.extend([
                "-map".into(),
                "0:a:0".into(),
                format!("-c:a:{i}"),
                "aac".into(),
                format!("-b:a:{i}"),
                r.audio_bitrate.to_string(),
            ]);
            streams.push(format!("v:{i},a:{i},name:{}", r.suffix));
        } else {
            streams.push(format!("v:{i},name:{}", r.suffix));
        }
    }
    if audio {
        args.extend(["-ac", "2", "-ar", "48000"].map(String::from));
    }
    // Keyframes on the segment grid, so every segment starts on one (the template's GOP
    // divides its segment length).
    args.extend([
        "-preset".into(),
        "veryfast".into(),
        // The template's H.264 HIGH profile is 8-bit 4:2:0, whatever the input's depth or
        // chroma (10-bit HEVC, 4:4:4): libx264 would otherwise keep the input's.
        "-pix_fmt".into(),
        "yuv420p".into(),
        "-sc_threshold".into(),
        "0".into(),
        "-force_key_frames".into(),
        format!("expr:gte(t,n_forced*{})", plan.segment_seconds),
        "-f".into(),
        "hls".into(),
        "-hls_time".into(),
        plan.segment_seconds.to_string(),
        "-hls_playlist_type".into(),
        "vod".into(),
        "-hls_list_size".into(),
        "0".into(),
        "-start_number".into(),
        "1".into(),
        "-hls_key_info_file".into(),
        key_info.display().to_string(),
        "-hls_segment_filename".into(),
        out_dir
            .join(format!("{base}%v_%05d.ts"))
            .display()
            .to_string(),
        "-master_pl_name".into(),
        format!("{base}.m3u8"),
        "-var_stream_map".into(),
        streams.join(" "),
    ]);
    args.push(out_dir.join(format!("{base}%v.m3u8")).display().to_string());
    args
}
