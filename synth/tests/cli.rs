//! The `synth` binary as a user runs it.

use std::process::{Command, Output};

fn synth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_synth"))
        .args(args)
        .env_clear()
        .output()
        .expect("synth runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn no_arguments_print_yaml_with_no_environment_at_all() {
    let o = synth(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stderr.is_empty());
    let yaml: serde_yaml::Value = serde_yaml::from_slice(&o.stdout).expect("YAML on stdout");
    assert_eq!(yaml["AWSTemplateFormatVersion"], "2010-09-09");
    assert!(yaml["Resources"]["CreateJobFunction"].is_mapping());
}

#[test]
fn format_json_prints_the_same_template_as_json() {
    let o = synth(&["--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    let yaml: serde_json::Value =
        serde_yaml::from_slice(&synth(&["--format", "yaml"]).stdout).unwrap();
    assert_eq!(json, yaml);
}

#[test]
fn out_writes_the_file_and_nothing_to_stdout() {
    let dir = std::env::temp_dir().join(format!("synth-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("stack.yaml");
    let o = synth(&["--out", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let written = std::fs::read(&file).unwrap();
    assert_eq!(written, synth(&[]).stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn out_to_an_unwritable_path_fails_with_one_line() {
    let o = synth(&["--out", "/nonexistent-dir/sub/stack.yaml"]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("/nonexistent-dir/sub/stack.yaml"), "{e}");
}

#[test]
fn unknown_option_exits_non_zero_with_one_line_naming_it() {
    let o = synth(&["--frobnicate"]);
    assert!(!o.status.success());
    assert!(o.stdout.is_empty());
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("--frobnicate"), "{e}");
}

#[test]
fn unknown_format_exits_non_zero_with_one_line_naming_it() {
    let o = synth(&["--format", "toml"]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("toml"), "{e}");
}

#[test]
fn help_describes_the_options() {
    let o = synth(&["--help"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for option in ["--format", "--out", "yaml", "json"] {
        assert!(text.contains(option), "{text}");
    }
}
