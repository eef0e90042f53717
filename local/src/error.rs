//! What stops the local stack from starting. Each variant names what went wrong and, where
//! there is one, what fixes it; `cargo run -p local` prints it after `local: ` and exits 1.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

#[derive(Debug)]
pub enum Error {
    /// SIGINT or SIGTERM arrived before the stack was ready.
    Interrupted,
    Terminated,
    Signals(io::Error),
    MissingTemplate(PathBuf),
    MissingPython(PathBuf),
    /// A stand-in's port could not be bound; `flag` is the option that chooses another.
    Listen {
        port: u16,
        what: &'static str,
        flag: &'static str,
        source: io::Error,
    },
    MissingFfmpeg(PathBuf),
    /// The pinned ffmpeg could not be located (the cause names the fix).
    Ffmpeg(String),
    /// botocore's MediaConvert model could not be read.
    Model(String),
    Build(io::Error),
    BuildFailed(ExitStatus),
    /// A `--parameter` without `=`.
    Parameter(String),
    MotoSpawn {
        python: PathBuf,
        source: io::Error,
    },
    /// moto ended or stayed silent before printing the deployment; `cause` is the tail of
    /// its log.
    MotoStart {
        status: String,
        cause: String,
    },
    /// The deployment moto printed lacks what the stack wires (the cause names it).
    Deployment(String),
    MediaConvert(String),
    /// The AppSync Events stand-in did not start.
    Events(std::io::Error),
    MissingBinary(PathBuf),
    Lambda(String),
    NotAFunction(String),
    /// A route's JWT issuer is not the stack's own user pool, whose keys moto serves.
    ForeignIssuer {
        route: String,
        issuer: String,
    },
    Route(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Interrupted => f.write_str("interrupted during start-up"),
            Error::Terminated => f.write_str("terminated during start-up"),
            Error::Signals(e) => write!(f, "cannot install the signal handlers: {e}"),
            Error::Events(e) => write!(f, "the AppSync Events stand-in: {e}"),
            Error::MissingTemplate(path) => {
                write!(f, "the template {} does not exist", path.display())
            }
            Error::MissingPython(path) => write!(
                f,
                "the pinned tools' python is missing at {}: run `bash scripts/tools.sh`",
                path.display()
            ),
            Error::Listen {
                port,
                what,
                flag,
                source,
            } => {
                write!(f, "cannot listen on 127.0.0.1:{port} for {what}: {source}")?;
                if source.kind() == io::ErrorKind::AddrInUse {
                    write!(
                        f,
                        "; another process holds the port: stop it, or choose another with {flag}"
                    )?;
                }
                Ok(())
            }
            Error::MissingFfmpeg(path) => write!(f, "ffmpeg not found at {}", path.display()),
            Error::Ffmpeg(cause) | Error::Deployment(cause) | Error::MediaConvert(cause) => {
                f.write_str(cause)
            }
            Error::Lambda(cause) | Error::Route(cause) => f.write_str(cause),
            Error::Model(cause) => write!(
                f,
                "the MediaConvert model: {cause}; run `bash scripts/tools.sh`"
            ),
            Error::Build(e) => write!(f, "running cargo build: {e}"),
            Error::BuildFailed(status) => {
                write!(f, "cargo build -p handlers --bins failed ({status})")
            }
            Error::Parameter(p) => write!(f, "--parameter {p:?}: expected KEY=VALUE"),
            Error::MotoSpawn { python, source } => write!(
                f,
                "moto failed to start: cannot run {}: {source}",
                python.display()
            ),
            Error::MotoStart { status, cause } => write!(
                f,
                "moto failed to start or to deploy the template ({status}): {cause}"
            ),
            Error::MissingBinary(path) => write!(
                f,
                "the handler binary {} is missing: run `cargo build -p handlers --bins`",
                path.display()
            ),
            Error::NotAFunction(arn) => write!(f, "{arn} is not a function of the stack"),
            Error::ForeignIssuer { route, issuer } => write!(
                f,
                "the route {route} trusts the issuer {issuer}, whose keys the local stack cannot serve (only the stack's own Cognito user pool)"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Signals(e) | Error::Build(e) | Error::Events(e) => Some(e),
            Error::Listen { source, .. } | Error::MotoSpawn { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_in_use_names_the_flag_that_moves_it_and_other_bind_errors_do_not() {
        let in_use = Error::Listen {
            port: 4002,
            what: "playback",
            flag: "--playback-port",
            source: io::Error::from(io::ErrorKind::AddrInUse),
        };
        let text = in_use.to_string();
        assert!(text.starts_with("cannot listen on 127.0.0.1:4002 for playback: "));
        assert!(
            text.ends_with("choose another with --playback-port"),
            "{text}"
        );
        let denied = Error::Listen {
            port: 80,
            what: "the HTTP API",
            flag: "--api-port",
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert!(!denied.to_string().contains("--api-port"));
    }
}
