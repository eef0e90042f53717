//! s3s-fs, an S3-compatible server (crates.io's `s3s-fs`) that checks the SigV4 signature of
//! every request, presigned ones included, on a free loopback port. moto checks none, so
//! only a server like this shows what a signature refuses. `scripts/tools.sh` builds the
//! pinned version into `.tools/s3s-fs`.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::{ACCESS_KEY_ID, SECRET_ACCESS_KEY, workspace_root};

/// The installed server.
///
/// # Panics
/// When it is not installed, naming the command that installs it.
pub fn binary() -> PathBuf {
    let path = workspace_root().join(".tools/s3s-fs/bin/s3s-fs");
    assert!(
        path.is_file(),
        "required test tool `s3s-fs` is missing at {}: run `bash scripts/tools.sh` (the README's test command does)",
        path.display()
    );
    path
}

/// A running s3s-fs storing its buckets as folders of a fresh temporary folder. It accepts
/// only requests signed with testkit's dummy credentials.
pub struct S3sFs {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
    root: PathBuf,
}

// The server runs under a shell that ends it when the shell's standard input closes, so a
// test process that dies leaves no server behind.
const SUPERVISOR: &str =
    r#""$0" "$@" & server=$!; read -r _ || true; kill "$server"; wait "$server""#;

impl S3sFs {
    /// Starts a server and waits until it accepts connections.
    ///
    /// # Panics
    /// When s3s-fs is not installed or does not come up within 30 seconds.
    pub fn start() -> S3sFs {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let binary = binary();
        let root = std::env::temp_dir().join(format!(
            "testkit-s3s-fs-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&root).expect("create the server's data folder");
        // s3s-fs takes a port, not 0: ask the OS for a free one and hand it over.
        let port = TcpListener::bind(("127.0.0.1", 0))
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(SUPERVISOR)
            .arg(&binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--access-key",
                ACCESS_KEY_ID,
                "--secret-key",
                SECRET_ACCESS_KEY,
            ])
            .arg(&root)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start s3s-fs under sh");
        let stdin = child.stdin.take();
        let server = S3sFs {
            child,
            stdin,
            port,
            root,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "s3s-fs did not listen on port {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// `http://127.0.0.1:<port>`, for an S3 client's endpoint (path-style).
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for S3sFs {
    fn drop(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(b"\n");
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3s_fs_starts_and_stops_with_its_data() {
        let server = S3sFs::start();
        let port = server.port;
        let root = server.root.clone();
        assert!(server.endpoint().starts_with("http://127.0.0.1:"));
        assert!(root.is_dir());
        drop(server);
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port still open after drop"
        );
        assert!(!root.exists(), "data folder left behind");
    }
}
