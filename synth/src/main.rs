//! `synth`: prints the video-transcoding stack as a CloudFormation template.

use clap::{Parser, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Yaml,
    Json,
}

/// Print the video-transcoding CloudFormation stack (YAML on stdout by default).
#[derive(Parser, Debug)]
#[command(name = "synth", version)]
struct Cli {
    /// Output format.
    #[arg(long, value_enum, default_value = "yaml")]
    format: Format,
    /// Write the template to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version: clap's full text on stdout, success.
            print!("{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line naming what was wrong; `--help` has the rest.
            let message = e.to_string();
            let first = message.lines().next().unwrap_or("invalid arguments");
            eprintln!("{first} (see synth --help)");
            return ExitCode::from(2);
        }
    };
    let template = synth::stack::stack();
    let text = match cli.format {
        Format::Yaml => template.to_yaml(),
        Format::Json => template.to_json(),
    };
    let text = match text {
        Ok(text) => text,
        Err(e) => {
            eprintln!("synth: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.out {
        None => {
            use std::io::Write;
            if let Err(e) = std::io::stdout().lock().write_all(text.as_bytes()) {
                eprintln!("synth: cannot write to stdout: {e}");
                return ExitCode::FAILURE;
            }
        }
        Some(path) => {
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("synth: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
