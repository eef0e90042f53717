//! A handler binary run as Lambda runs it: a process whose `AWS_LAMBDA_RUNTIME_API` points at
//! its own Runtime API (the `runtime-api` crate), with the environment the template gives the
//! function plus the variables Lambda sets. One process is one warm instance: invocations queue
//! and run one at a time, as on one Lambda instance. A process that dies is started again, as
//! Lambda starts a new instance.
//!
//! Asynchronous invocations (S3 and EventBridge) are retried twice after an error, with one
//! and then two seconds between attempts, as Lambda retries asynchronous events; what still
//! fails is logged (a deployed stack would send it to the function's dead-letter queue).

use runtime_api::{Outcome, RuntimeApi, lambda_environment};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct Lambda {
    pub name: String,
    api: Arc<RuntimeApi>,
    timeout: Duration,
    child: Arc<Mutex<Option<Child>>>,
    supervisor: tokio::task::JoinHandle<()>,
}

/// What an invocation ended with.
#[derive(Debug)]
pub enum Answer {
    Response(Vec<u8>),
    /// The function reported an error (the body Lambda's runtime posted).
    Error(String),
    /// No answer within the function's timeout.
    Timeout,
}

impl Lambda {
    /// Starts `binary` for the function `function_name` with `env` on top of Lambda's own
    /// variables.
    pub fn start(
        name: &str,
        function_name: &str,
        binary: PathBuf,
        env: BTreeMap<String, String>,
        timeout: Duration,
        memory_mb: u64,
    ) -> Result<Lambda, String> {
        let api = Arc::new(RuntimeApi::start());
        let mut vars = lambda_environment(function_name);
        vars.push((
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(),
            memory_mb.to_string(),
        ));
        vars.push(("AWS_LAMBDA_RUNTIME_API".into(), api.address()));
        vars.push((
            "AWS_LAMBDA_FUNCTION_TIMEOUT".into(),
            timeout.as_secs().to_string(),
        ));
        vars.extend(env);
        // Inherited so `RUST_LOG` and `PATH` reach the function, as the console sets them.
        for key in ["RUST_LOG", "PATH"] {
            if let Ok(value) = std::env::var(key) {
                vars.push((key.into(), value));
            }
        }
        let spawn = {
            let name = name.to_owned();
            move || -> Result<Child, String> {
                let mut child = Command::new(&binary)
                    .env_clear()
                    .envs(vars.iter().map(|(k, v)| (k, v)))
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .kill_on_drop(true)
                    .spawn()
                    .map_err(|e| format!("starting {}: {e}", binary.display()))?;
                for pipe in [
                    child
                        .stdout
                        .take()
                        .map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
                    child
                        .stderr
                        .take()
                        .map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
                ]
                .into_iter()
                .flatten()
                {
                    let name = name.clone();
                    tokio::spawn(async move {
                        let mut lines = BufReader::new(pipe).lines();
                        while let Ok(Some(line)) = lines.next_line().await {
                            eprintln!("[{name}] {line}");
                        }
                    });
                }
                Ok(child)
            }
        };
        let child = Arc::new(Mutex::new(Some(spawn()?)));
        let supervisor = {
            let child = Arc::clone(&child);
            let name = name.to_owned();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    let exited = {
                        let mut guard = child.lock().unwrap_or_else(|e| e.into_inner());
                        match guard.as_mut().map(Child::try_wait) {
                            Some(Ok(Some(status))) => Some(status),
                            _ => None,
                        }
                    };
                    if let Some(status) = exited {
                        eprintln!("local: {name} exited ({status}); starting a new instance");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        match spawn() {
                            Ok(new) => {
                                *child.lock().unwrap_or_else(|e| e.into_inner()) = Some(new);
                            }
                            Err(e) => {
                                eprintln!("local: {name}: {e}");
                                return;
                            }
                        }
                    }
                }
            })
        };
        Ok(Lambda {
            name: name.to_owned(),
            api,
            timeout,
            child,
            supervisor,
        })
    }

    pub fn pid(&self) -> Option<u32> {
        self.child
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .and_then(Child::id)
    }

    /// Invokes synchronously (API Gateway's integration): waits up to the function's timeout.
    pub async fn invoke(&self, event: Vec<u8>) -> Answer {
        let id = self.api.enqueue(event);
        self.answer(id).await
    }

    async fn answer(&self, id: String) -> Answer {
        let api = Arc::clone(&self.api);
        let limit = self.timeout;
        let done = tokio::task::spawn_blocking(move || api.wait_for(&id, limit))
            .await
            .ok()
            .flatten();
        match done.and_then(|inv| inv.outcome) {
            Some(Outcome::Response(p)) => Answer::Response(p.body),
            Some(Outcome::Error(p)) => Answer::Error(p.text()),
            None => Answer::Timeout,
        }
    }

    /// Invokes asynchronously (S3, EventBridge): queues the event at once, so events keep
    /// the order they were sent in, and retries in the background as Lambda does.
    pub fn invoke_async(self: &Arc<Self>, event: Vec<u8>) {
        let me = Arc::clone(self);
        let first = self.api.enqueue(event.clone());
        tokio::spawn(async move {
            for attempt in 0..3u64 {
                let answer = if attempt == 0 {
                    me.answer(first.clone()).await
                } else {
                    tokio::time::sleep(Duration::from_secs(attempt)).await;
                    me.invoke(event.clone()).await
                };
                match answer {
                    Answer::Response(_) => return,
                    Answer::Error(e) => eprintln!(
                        "local: {} reported an error (attempt {} of 3): {e}",
                        me.name,
                        attempt + 1
                    ),
                    Answer::Timeout => eprintln!(
                        "local: {} did not answer within {:?} (attempt {} of 3)",
                        me.name,
                        me.timeout,
                        attempt + 1
                    ),
                }
            }
            eprintln!(
                "local: {} failed the event three times; a deployed stack would put it in the dead-letter queue",
                me.name
            );
        });
    }

    /// Ends the process and waits for it.
    pub async fn stop(&self) {
        self.supervisor.abort();
        let child = self.child.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(mut child) = child {
            let _ = child.kill().await;
        }
    }
}

impl Drop for Lambda {
    fn drop(&mut self) {
        self.supervisor.abort();
    }
}
