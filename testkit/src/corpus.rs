//! The corpus of awkward uploads (issue 19): each case an ffmpeg recipe for a tiny file and
//! what MediaConvert does with it, so every test that runs uploads (the local MediaConvert's,
//! the local stack's) runs the same files against the same expectations.
//!
//! Sizes are scaled down to keep clips tiny: "portrait 1080x1920" is 360x640 (the ladder's
//! box is proportional, so the orientation logic is the same; a 1080x1920 input is covered
//! by the ladder's unit tests), "odd dimensions 1278x719" is 318x179.

use std::path::Path;
use std::process::Command;

/// What the service ends a job on this input with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// COMPLETE: renditions no larger than `shown` (the displayed size: rotation applied),
    /// the top one decoding at `top`, and audio in the segments or not.
    Complete {
        shown: (u32, u32),
        top: (u32, u32),
        audio: bool,
    },
    /// ERROR with this MediaConvert error code (User Guide, "Error codes").
    Error { code: u32 },
}

#[derive(Clone, Copy, Debug)]
pub struct Case {
    /// The upload's file name (its suffix is one the stack's trigger accepts).
    pub file_name: &'static str,
    /// What the file is, for failure messages.
    pub what: &'static str,
    pub recipe: Recipe,
    pub expect: Expect,
}

/// How a case's file is made.
#[derive(Clone, Copy, Debug)]
pub enum Recipe {
    /// `ffmpeg -y <args> out` in the case's folder (lavfi sources, so nothing is read).
    Ffmpeg(&'static [&'static str]),
    /// The first `percent` of what another recipe makes.
    Truncated(&'static [&'static str], u32),
    /// These bytes.
    Bytes(&'static [u8]),
}

const PATTERN_360P: &str = "testsrc=size=640x360:rate=25:duration=2";
const TONE: &str = "sine=frequency=440:duration=2";

/// Every case, in the order of the list. The rotated phone clip is made by
/// `rotated_clip` in mediaconvert-local's transcode tests (it needs a second ffmpeg pass).
#[rustfmt::skip]
pub const CASES: &[Case] = &[
    Case {
        file_name: "portrait.mp4",
        what: "a portrait clip stored portrait (360x640)",
        recipe: Recipe::Ffmpeg(&[
            "-f", "lavfi", "-i", "testsrc=size=360x640:rate=25:duration=2",
            "-f", "lavfi", "-i", TONE,
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest",
        ]),
        expect: Expect::Complete { shown: (360, 640), top: (360, 640), audio: true },
    },
    Case {
        file_name: "silent.mp4",
        what: "a clip without an audio track",
        recipe: Recipe::Ffmpeg(&[
            "-f", "lavfi", "-i", PATTERN_360P,
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-an",
        ]),
        expect: Expect::Complete { shown: (640, 360), top: (640, 360), audio: false },
    },
    Case {
        file_name: "voice-memo.mp4",
        what: "audio only",
        recipe: Recipe::Ffmpeg(&["-f", "lavfi", "-i", TONE, "-c:a", "aac", "-vn"]),
        expect: Expect::Error { code: 1020 },
    },
    Case {
        file_name: "vfr.mp4",
        what: "variable frame rate (frames 1/25 s and 1/10 s apart)",
        recipe: Recipe::Ffmpeg(&[
            "-f", "lavfi", "-i", PATTERN_360P,
            "-f", "lavfi", "-i", TONE,
            "-vf", "setpts='if(lt(mod(N,10),5),N/25,N/10)/TB'",
            "-fps_mode", "vfr",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest",
        ]),
        expect: Expect::Complete { shown: (640, 360), top: (640, 360), audio: true },
    },
    Case {
        file_name: "camera.mov",
        what: "10-bit HEVC in MOV",
        recipe: Recipe::Ffmpeg(&[
            "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25:duration=2",
            "-f", "lavfi", "-i", TONE,
            "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
            "-x265-params", "log-level=error", "-tag:v", "hvc1",
            "-c:a", "aac", "-shortest", "-f", "mov",
        ]),
        expect: Expect::Complete { shown: (320, 180), top: (320, 180), audio: true },
    },
    Case {
        file_name: "screen.webm",
        what: "VP9 in WebM",
        recipe: Recipe::Ffmpeg(&[
            "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25:duration=2",
            "-f", "lavfi", "-i", TONE,
            "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k",
            "-c:a", "libopus", "-shortest", "-f", "webm",
        ]),
        expect: Expect::Complete { shown: (320, 180), top: (320, 180), audio: true },
    },
    Case {
        file_name: "odd.mp4",
        what: "odd dimensions (318x179)",
        recipe: Recipe::Ffmpeg(&[
            "-f", "lavfi", "-i", "testsrc=size=318x179:rate=25:duration=2",
            "-f", "lavfi", "-i", TONE,
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p",
            "-c:a", "aac", "-shortest",
        ]),
        // H.264 4:2:0 needs even sizes: the top rendition is the largest even size inside.
        expect: Expect::Complete { shown: (318, 179), top: (318, 178), audio: true },
    },
    Case {
        file_name: "blink.mp4",
        what: "under a second (0.4 s)",
        recipe: Recipe::Ffmpeg(&[
            "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25:duration=0.4",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=0.4",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest",
        ]),
        expect: Expect::Complete { shown: (640, 360), top: (640, 360), audio: true },
    },
    Case {
        file_name: "cut-off.mp4",
        what: "an upload cut off at 60 % (index first, media data cut)",
        recipe: Recipe::Truncated(
            &[
                "-f", "lavfi", "-i", PATTERN_360P,
                "-f", "lavfi", "-i", TONE,
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-shortest", "-movflags", "+faststart", "-f", "mp4",
            ],
            60,
        ),
        expect: Expect::Error { code: 1076 },
    },
    Case {
        file_name: "cut-before-index.mp4",
        what: "an upload cut off at 50 % (index last, so lost)",
        recipe: Recipe::Truncated(
            &[
                "-f", "lavfi", "-i", PATTERN_360P,
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-f", "mp4",
            ],
            50,
        ),
        expect: Expect::Error { code: 1010 },
    },
    Case {
        file_name: "notes.mp4",
        what: "a text file named .mp4",
        recipe: Recipe::Bytes(b"Shopping list\n- milk\n- a better video\n"),
        expect: Expect::Error { code: 1010 },
    },
    Case {
        file_name: "empty.mp4",
        what: "zero bytes",
        recipe: Recipe::Bytes(b""),
        expect: Expect::Error { code: 1010 },
    },
];

impl Case {
    /// The case's file, made in `dir` with `ffmpeg`.
    pub fn make(&self, ffmpeg: &Path, dir: &Path) -> Vec<u8> {
        match self.recipe {
            Recipe::Bytes(bytes) => bytes.to_vec(),
            Recipe::Ffmpeg(args) => run(ffmpeg, dir, self.file_name, args),
            Recipe::Truncated(args, percent) => {
                let mut whole = run(ffmpeg, dir, self.file_name, args);
                whole.truncate(whole.len() * percent as usize / 100);
                whole
            }
        }
    }
}

fn run(ffmpeg: &Path, dir: &Path, file_name: &str, args: &[&str]) -> Vec<u8> {
    let out = dir.join(file_name);
    let status = Command::new(ffmpeg)
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .arg(&out)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg could not make {file_name}");
    std::fs::read(out).expect("the corpus file")
}
