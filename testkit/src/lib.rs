//! Test support shared by the workspace's test suites: where the pinned tools live, and a
//! moto server (the local AWS endpoint) on a free loopback port.
//!
//! Tools are never optional: a missing tool is a failing test with a message that says how to
//! install it, because a suite that skips quietly shows nothing.

pub mod runtime_api;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The workspace root (the folder holding the root `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testkit lives one level below the workspace root")
        .to_path_buf()
}

/// The folder of the pinned tools' virtualenv executables.
pub fn tools_bin() -> PathBuf {
    workspace_root().join(".tools/venv/bin")
}

/// Path of a pinned tool (`cfn-lint`, `checkov`, `moto_server`, `aws`, ...).
///
/// # Panics
/// When the tool is not installed, naming the tool and the command that installs it.
pub fn tool(name: &str) -> PathBuf {
    let path = tools_bin().join(name);
    assert!(
        path.is_file(),
        "required test tool `{name}` is missing at {}: run `bash scripts/tools.sh` (the README's test command does)",
        path.display()
    );
    path
}

/// Static, obviously fake credentials for talking to moto. Nothing here can reach AWS.
pub const ACCESS_KEY_ID: &str = "testing";
pub const SECRET_ACCESS_KEY: &str = "testing";
pub const REGION: &str = "us-east-1";

/// A moto server on 127.0.0.1, on a port the OS picked.
///
/// The server runs inside a small Python supervisor that exits (taking moto with it) when its
/// standard input closes, so a test process that dies or a `static` that is never dropped
/// leaves no server behind.
pub struct Moto {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
}

const SUPERVISOR: &str = r#"
import socket, sys
from moto.server import ThreadedMotoServer
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
print(port, flush=True)
sys.stdin.read()
server.stop()
"#;

impl Moto {
    /// Starts a fresh server and waits until it answers.
    ///
    /// # Panics
    /// When moto is not installed or does not come up within 60 seconds.
    pub fn start() -> Moto {
        let python = tool("python");
        // moto must exist as a package, not just the venv's python.
        tool("moto_server");
        let mut child = Command::new(python)
            .arg("-c")
            .arg(SUPERVISOR)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
            .env("AWS_DEFAULT_REGION", REGION)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the moto supervisor");
        let stdin = child.stdin.take();
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("read moto's port");
        let port: u16 = line.trim().parse().unwrap_or_else(|_| {
            let status = child.try_wait().ok().flatten();
            panic!("moto did not start (exit status {status:?}); is moto[server] installed in .tools/venv?")
        });
        let moto = Moto { child, stdin, port };
        moto.wait_ready(Duration::from_secs(60));
        moto
    }

    /// One server per test binary, started on first use. It stops when the test process exits.
    pub fn shared() -> &'static Moto {
        static SHARED: OnceLock<Moto> = OnceLock::new();
        SHARED.get_or_init(Moto::start)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`, for an SDK's `endpoint_url` or `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Forgets every resource moto holds (its `/moto-api/reset`).
    pub fn reset(&self) {
        let status = self.request("POST", "/moto-api/reset");
        assert_eq!(status, 200, "moto reset answered {status}");
    }

    /// Stops the server now; requests after this fail to connect, as an unreachable AWS would.
    pub fn stop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn wait_ready(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            if self.try_request("GET", "/moto-api/").is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "moto did not answer on port {} within {limit:?}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn request(&self, method: &str, path: &str) -> u16 {
        self.try_request(method, path)
            .unwrap_or_else(|e| panic!("{method} {path} to moto failed: {e}"))
    }

    fn try_request(&self, method: &str, path: &str) -> std::io::Result<u16> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        answer
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {answer:.80}")))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moto_starts_resets_and_stops() {
        let mut moto = Moto::start();
        assert!(moto.endpoint().starts_with("http://127.0.0.1:"));
        moto.reset();
        moto.stop();
        assert!(
            TcpStream::connect(("127.0.0.1", moto.port())).is_err(),
            "port still open after stop"
        );
    }

    #[test]
    #[should_panic(expected = "run `bash scripts/tools.sh`")]
    fn a_missing_tool_fails_with_the_install_command() {
        tool("no-such-tool-anywhere");
    }
}
