//! The `mediaconvert-local` binary: it starts with the synthesized stack's job template, and
//! a missing ffmpeg or a port in use ends it with a message naming the cause.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_mediaconvert-local");

fn python() -> String {
    testkit::tool("python").display().to_string()
}

fn ffmpeg() -> String {
    mediaconvert_local::locate_ffmpeg(&testkit::tool("python"))
        .unwrap_or_else(|e| panic!("{e}"))
        .display()
        .to_string()
}

fn fails_with(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .env("AWS_REGION", testkit::REGION)
        .output()
        .expect("run the binary");
    assert!(!out.status.success(), "{args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_missing_ffmpeg_is_named_and_exits_non_zero() {
    let text = fails_with(&["--python", &python(), "--ffmpeg", "/nonexistent/ffmpeg"]);
    assert!(
        text.contains("ffmpeg not found at /nonexistent/ffmpeg"),
        "{text}"
    );
    let text = fails_with(&["--python", "/nonexistent/python"]);
    assert!(
        text.contains("ffmpeg not found") && text.contains("scripts/tools.sh"),
        "{text}"
    );
}

#[test]
fn a_port_in_use_is_named_and_exits_non_zero() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let text = fails_with(&[
        "--python",
        &python(),
        "--ffmpeg",
        &ffmpeg(),
        "--port",
        &port,
    ]);
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
}

#[test]
fn it_registers_the_stacks_job_template_and_listens() {
    // This crate's own folder, not testkit's root: a target folder copied from another checkout
    // keeps testkit compiled with that checkout's path.
    let stack =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../cloudformation/stack.yaml");
    let mut child = Command::new(BIN)
        .args(["--python", &python(), "--ffmpeg", &ffmpeg(), "--template"])
        .arg(&stack)
        .args(["--job-template-name", "vod-test-hls"])
        .env("AWS_REGION", testkit::REGION)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start the binary");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    let listening = loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("listening on http://127.0.0.1:") => break true,
            Some(Ok(line)) => seen.push(line),
            _ => break false,
        }
    };
    // SIGTERM, as a supervisor stops it: a clean exit.
    let sent = Command::new("kill").arg(child.id().to_string()).status();
    let status = child.wait().expect("the binary exits");
    assert!(listening, "{seen:?}");
    assert!(
        sent.is_ok_and(|s| s.success()) && status.success(),
        "{status:?}"
    );
    assert!(
        seen.iter()
            .any(|l| l.contains("\"vod-test-hls\" registered")),
        "{seen:?}"
    );
}
