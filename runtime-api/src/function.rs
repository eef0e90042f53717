//! The process supervisor: a handler binary started as Lambda starts it, against its own
//! [`RuntimeApi`], its log collected and its end watched.

use crate::environment::lambda_environment;
use crate::invocation::{Invocation, Outcome};
use crate::procfs::{self, CpuTime};
use crate::runtime::RuntimeApi;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// A handler binary running as Lambda runs it, against its own [`RuntimeApi`].
///
/// The process is killed when this is dropped. Its stdout and stderr (the function's log) are
/// collected for assertions and for failure messages.
pub struct Function {
    api: RuntimeApi,
    child: Child,
    log: Arc<Mutex<Vec<u8>>>,
    spawned_at: Instant,
    name: String,
}

impl Function {
    /// Starts `binary` with [`lambda_environment`] plus `env` (later entries win), talking to a
    /// fresh runtime API stub.
    pub fn spawn<K, V>(binary: &Path, env: impl IntoIterator<Item = (K, V)>) -> Function
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let api = RuntimeApi::start();
        let name = binary
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut cmd = Command::new(binary);
        cmd.env_clear()
            .envs(lambda_environment(&name))
            .env("AWS_LAMBDA_RUNTIME_API", api.address())
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let spawned_at = Instant::now();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        let log: Arc<Mutex<Vec<u8>>> = Arc::default();
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let log = Arc::clone(&log);
            thread::spawn(move || collect_lines(pipe, &log));
        }
        Function {
            api,
            child,
            log,
            spawned_at,
            name,
        }
    }

    pub fn api(&self) -> &RuntimeApi {
        &self.api
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The instant just before the process was spawned.
    pub fn spawned_at(&self) -> Instant {
        self.spawned_at
    }

    /// Delivers `event` and waits for the answer.
    ///
    /// # Panics
    /// When the process exits or does not answer within `limit`, with its log.
    pub fn invoke(&mut self, event: impl Into<Vec<u8>>, limit: Duration) -> Invocation {
        let id = self.api.enqueue(event);
        let deadline = Instant::now() + limit;
        loop {
            if let Some(done) = self.api.wait_for(&id, Duration::from_millis(100)) {
                return done;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the pipe readers drain what the process wrote before it died.
                thread::sleep(Duration::from_millis(50));
                panic!(
                    "{} exited ({status}) before answering; init error: {:?}; log:\n{}",
                    self.name,
                    self.api.wait_init_error(Duration::ZERO).map(|p| p.text()),
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{} did not answer within {limit:?}; unexpected requests: {:?}; log:\n{}",
                self.name,
                self.api.unexpected_requests(),
                self.log()
            );
        }
    }

    /// Like [`Self::invoke`], for an event that must succeed: panics with the posted error and
    /// the process's log when the handler reports a failure.
    pub fn invoke_ok(&mut self, event: impl Into<Vec<u8>>, limit: Duration) -> Invocation {
        let done = self.invoke(event, limit);
        if let Some(Outcome::Error(error)) = &done.outcome {
            panic!(
                "{} posted an error ({:?}): {}\nlog:\n{}",
                self.name,
                error.error_type,
                error.text(),
                self.log()
            );
        }
        done
    }

    /// Waits for the process to end on its own; `None` if it still runs after `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                thread::sleep(Duration::from_millis(50));
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Everything the process wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&self.log.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// The log as the process wrote it, byte for byte (for searching raw binary content).
    pub fn log_bytes(&self) -> Vec<u8> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// CPU time the process has used so far, all threads (`/proc/<pid>/stat`).
    pub fn cpu_time(&self) -> CpuTime {
        procfs::cpu_time(self.pid())
    }

    /// CPU time the process has used so far, all threads, to the nanosecond (the scheduler's
    /// own account in `/proc/<pid>/task/*/schedstat`), where [`Function::cpu_time`] counts
    /// 10 ms ticks: comparing builds over blocks of a few hundred events needs this precision.
    /// Threads that have already ended are not counted; the handlers' runtimes keep theirs.
    pub fn cpu_time_precise(&self) -> Duration {
        procfs::cpu_time_precise(self.pid())
    }

    /// Peak resident memory so far, in KiB (`VmHWM` of `/proc/<pid>/status`).
    pub fn peak_rss_kib(&self) -> u64 {
        procfs::peak_rss_kib(self.pid())
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect_lines(pipe: Box<dyn Read + Send>, log: &Mutex<Vec<u8>>) {
    let mut reader = BufReader::new(pipe);
    let mut line = Vec::new();
    while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
        log.lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(&line);
        line.clear();
    }
}
