//! moto with the template deployed: `local/moto/deploy.py` under the pinned tools' python,
//! which starts the rehearsal's moto server (`local/moto/server.py`), creates the stack and
//! prints the [`Deployment`] as one JSON line. The process lives as long as its stdin is open.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};

use crate::deployment::Deployment;
use crate::error::Error;

/// How long moto has to start and create the stack.
const DEPLOY_TIMEOUT: Duration = Duration::from_secs(120);

/// What the launcher is given.
pub struct Launch<'a> {
    pub python: &'a Path,
    /// The workspace root, where `local/moto/deploy.py` is.
    pub root: &'a Path,
    pub template: &'a Path,
    pub stack_name: &'a str,
    pub parameters: &'a BTreeMap<String, String>,
    /// `EMAIL:PASSWORD` of the users created in the stack's user pool.
    pub users: &'a [String],
}

/// The running moto, killed when dropped.
pub struct Moto {
    child: Child,
    stdin: Option<ChildStdin>,
    pub deployment: Deployment,
}

impl Moto {
    /// Starts moto and waits for the stack to be created; a failure carries the last lines of
    /// moto's log, which hold its cause.
    pub async fn deploy(launch: &Launch<'_>) -> Result<Moto, Error> {
        let mut command = Command::new(launch.python);
        command
            .arg(launch.root.join("local/moto/deploy.py"))
            .arg(launch.template)
            .arg(launch.stack_name)
            .env("AWS_ACCESS_KEY_ID", runtime_api::ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", runtime_api::SECRET_ACCESS_KEY)
            .env("AWS_DEFAULT_REGION", runtime_api::REGION)
            .env_remove("AWS_PROFILE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in launch.parameters {
            command.arg("--parameter").arg(format!("{k}={v}"));
        }
        for user in launch.users {
            command.arg("--user").arg(user);
        }
        let mut child = command.spawn().map_err(|source| Error::MotoSpawn {
            python: launch.python.to_path_buf(),
            source,
        })?;
        let stdin = child.stdin.take();
        let log = keep_log_tail(&mut child);
        let Some(stdout) = child.stdout.take() else {
            return Err(Error::MotoStart {
                status: "its stdout is not a pipe".into(),
                cause: String::new(),
            });
        };
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        let read = tokio::time::timeout(DEPLOY_TIMEOUT, stdout.read_line(&mut line)).await;
        if !matches!(read, Ok(Ok(n)) if n > 0) {
            let status = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
            // The log reader takes the last lines after the process ends.
            tokio::time::sleep(Duration::from_millis(100)).await;
            let log = log.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let status = match status {
                Ok(Ok(s)) => s.to_string(),
                _ => format!("no answer within {} s", DEPLOY_TIMEOUT.as_secs()),
            };
            return Err(Error::MotoStart {
                status,
                cause: failure_cause(&log),
            });
        }
        // Drain the rest, so moto never blocks on a full pipe.
        tokio::spawn(async move {
            let mut sink = Vec::new();
            let _ = stdout.read_to_end(&mut sink).await;
        });
        let deployment = Deployment::parse(&line).map_err(Error::Deployment)?;
        Ok(Moto {
            child,
            stdin,
            deployment,
        })
    }

    /// An S3 client of moto's endpoint, with the credentials moto was started with.
    pub async fn s3(&self) -> aws_sdk_s3::Client {
        let credentials = aws_sdk_s3::config::Credentials::new(
            runtime_api::ACCESS_KEY_ID,
            runtime_api::SECRET_ACCESS_KEY,
            None,
            None,
            "local",
        );
        let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(self.deployment.region()))
            .credentials_provider(credentials)
            .endpoint_url(self.deployment.endpoint())
            .load()
            .await;
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&shared)
                .force_path_style(true)
                .build(),
        )
    }

    /// Closes moto's stdin, which ends it; kills it when it has not ended within 5 s.
    pub async fn stop(mut self) {
        drop(self.stdin.take());
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// Keeps the last 32 to 64 KiB of moto's stderr: the tail holds the cause of a failed start.
fn keep_log_tail(child: &mut Child) -> Arc<Mutex<String>> {
    let log = Arc::new(Mutex::new(String::new()));
    if let Some(stderr) = child.stderr.take() {
        let log = Arc::clone(&log);
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                if log.len() > 64 * 1024 {
                    let cut = log.len() - 32 * 1024;
                    let cut = (cut..log.len())
                        .find(|&i| log.is_char_boundary(i))
                        .unwrap_or(0);
                    log.drain(..cut);
                }
                log.push_str(&line);
                log.push('\n');
            }
        });
    }
    log
}

/// The last three lines of moto's log that say something: its warnings about resource types
/// it skips and its access log are noise here.
fn failure_cause(log: &str) -> String {
    let telling: Vec<&str> = log
        .lines()
        .filter(|l| {
            !l.contains("UserWarning")
                && !l.contains("No Moto CloudFormation support")
                && !l.trim_start().starts_with("parse_resource")
                && !l.contains("\" 200 -")
                && !l.contains("\" 400 -")
        })
        .collect();
    telling[telling.len().saturating_sub(3)..].join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cause_is_the_last_three_lines_that_are_not_noise() {
        let log = "\
Traceback (most recent call last):
  File \"deploy.py\", line 1
/venv/moto/cloudformation/parsing.py: UserWarning: No Moto CloudFormation support for AWS::S3::BucketPolicy
    parse_resource(...)
127.0.0.1 - - [02/Dec/2026 13:58:12] \"POST / HTTP/1.1\" 400 -
deploy.py: --parameter StatusUpdateIntervalSeconds=7: not one of 10, 12, 15
";
        assert_eq!(
            failure_cause(log),
            "Traceback (most recent call last): |   File \"deploy.py\", line 1 | deploy.py: --parameter StatusUpdateIntervalSeconds=7: not one of 10, 12, 15"
        );
        assert_eq!(failure_cause(""), "");
    }
}
