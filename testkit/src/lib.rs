//! Test support shared by the workspace's test suites: where the pinned tools live, and a
//! moto server (the local AWS endpoint) on a free loopback port. For the handlers' tests and
//! benchmark: the stack's tables and buckets in moto ([`aws`]), the three binaries run with
//! the stack's environment ([`functions`]) and their test events ([`fixtures`]).
//!
//! Tools are never optional: a missing tool is a failing test with a message that says how to
//! install it, because a suite that skips quietly shows nothing.

pub mod aws;
pub mod corpus;
pub mod fixtures;
pub mod functions;
pub mod s3s_fs;

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
pub use runtime_api::{ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY};

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

/// moto's answers fixed where the Rust SDK refuses them (local/moto/patches.py, which the
/// local stack's launcher uses too); `{dir}` is that folder.
const PATCHES: &str = r#"
import sys
sys.path.insert(0, {dir!r})
from patches import patch_list_parts_root
patch_list_parts_root()
"#;

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

/// The same moto application and thread-per-connection server as `ThreadedMotoServer`, with a
/// request handler that keeps connections open. werkzeug's handler sends `Connection: close`
/// on every answer (its dev server cannot find the next request after an unread body), so
/// every client request would pay a TCP connect that AWS's endpoints, which keep connections
/// alive, do not charge. This handler reads each request body whole before the application
/// runs, so the stream always sits at the next request, and answers every body with its
/// exact `Content-Length`, so the client always knows where the answer ends.
const KEEP_ALIVE_SUPERVISOR: &str = r#"
import io, sys, threading
from werkzeug.serving import make_server
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication, MotoRequestHandler, create_backend_app)

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}

class KeepAliveHandler(MotoRequestHandler):
    protocol_version = "HTTP/1.1"
    # One buffered write per answer and no Nagle: a head and a body sent apart on a kept
    # connection wait for the client's delayed ACK (40 ms on Linux) before the body leaves.
    wbufsize = -1
    disable_nagle_algorithm = True

    def run_wsgi(self):
        if self.headers.get("Expect", "").lower().strip(" 	") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()
        self.environ = environ = self.make_environ()
        try:
            if environ.pop("wsgi.input_terminated", False):
                body = environ["wsgi.input"].read()
                environ.pop("HTTP_TRANSFER_ENCODING", None)
            else:
                body = self.rfile.read(int(environ.get("CONTENT_LENGTH") or 0))
        except ValueError:
            self.close_connection = True
            self.send_error(400, "unreadable request body")
            return
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))

        answer = {}
        chunks = []
        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers
            return chunks.append
        try:
            result = self.server.app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        except Exception as e:
            self.server.log("error", f"moto failed on {self.command} {self.path}: {e!r}")
            self.close_connection = True
            answer = {"status": "500 INTERNAL SERVER ERROR",
                      "headers": [("Content-Type", "text/plain")]}
            chunks = [b"moto raised an exception"]

        code, _, reason = answer["status"].partition(" ")
        code = int(code)
        declared = None
        self.send_response(code, reason)
        for name, value in answer["headers"]:
            if name.lower() == "content-length":
                declared = value
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        body = b"".join(chunks)
        if code < 200 or code in (204, 304):
            body = b""
        elif self.command == "HEAD":
            # The length of the body a GET would get, as the application declared it.
            if declared is not None:
                self.send_header("Content-Length", declared)
            body = b""
        else:
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app),
                     threaded=True, request_handler=KeepAliveHandler)
threading.Thread(target=server.serve_forever, daemon=True).start()
print(server.server_address[1], flush=True)
sys.stdin.read()
server.shutdown()
"#;

impl Moto {
    /// Starts a fresh server and waits until it answers.
    ///
    /// # Panics
    /// When moto is not installed or does not come up within 60 seconds.
    pub fn start() -> Moto {
        Moto::launch(SUPERVISOR)
    }

    /// Like [`Moto::start`], but the server keeps each client connection open across requests
    /// (HTTP/1.1 keep-alive, every answer length-delimited), as AWS's endpoints do. The default
    /// server closes the connection after every answer, so a client connects once per request.
    /// For measuring clients' per-request cost; the tests use [`Moto::start`].
    ///
    /// # Panics
    /// As [`Moto::start`].
    pub fn start_keep_alive() -> Moto {
        Moto::launch(KEEP_ALIVE_SUPERVISOR)
    }

    fn launch(supervisor: &str) -> Moto {
        let python = tool("python");
        // moto must exist as a package, not just the venv's python.
        tool("moto_server");
        let mut child = Command::new(python)
            .arg("-c")
            .arg(format!(
                "{}{supervisor}",
                PATCHES.replace(
                    "{dir!r}",
                    &format!(
                        "{:?}",
                        workspace_root().join("local/moto").display().to_string()
                    )
                )
            ))
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

/// Decrypts an HLS AES-128 segment (AES-128-CBC, PKCS#7 padding) through the pinned tools'
/// python (`cryptography`, which moto depends on): the workspace has no AES-CBC crate. The key
/// and the data go through standard input, never onto a command line.
///
/// # Panics
/// When the data does not decrypt with `key` and `iv`.
pub fn decrypt_aes128_cbc(data: &[u8], key: &[u8], iv: u128) -> Vec<u8> {
    const SCRIPT: &str = "import sys\n\
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes\n\
        from cryptography.hazmat.primitives import padding\n\
        data = sys.stdin.buffer.read()\n\
        d = Cipher(algorithms.AES(data[:16]), modes.CBC(bytes.fromhex(sys.argv[1]))).decryptor()\n\
        raw = d.update(data[16:]) + d.finalize()\n\
        u = padding.PKCS7(128).unpadder()\n\
        sys.stdout.buffer.write(u.update(raw) + u.finalize())\n";
    assert_eq!(key.len(), 16, "an AES-128 key has 16 bytes");
    let mut child = Command::new(tool("python"))
        .args(["-c", SCRIPT, &format!("{iv:032x}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start python");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = [key, data].concat();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("python's output");
    let _ = writer.join();
    assert!(
        out.status.success(),
        "the segment does not decrypt with the key"
    );
    out.stdout
}

/// A test video made by `ffmpeg`: a `width`x`height` test pattern at 25 fps with a tone,
/// H.264 + AAC in MP4, `seconds` long; answers the file's bytes.
///
/// # Panics
/// When ffmpeg fails.
pub fn test_clip(ffmpeg: &Path, dir: &Path, width: u32, height: u32, seconds: u32) -> Vec<u8> {
    let path = dir.join(format!("clip-{width}x{height}-{seconds}s.mp4"));
    let status = Command::new(ffmpeg)
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg(format!(
            "testsrc=size={width}x{height}:rate=25:duration={seconds}"
        ))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=440:duration={seconds}"))
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .args(["-c:a", "aac", "-shortest"])
        .arg(&path)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg could not make the test clip");
    std::fs::read(path).expect("the clip")
}

/// The IV of a media playlist's first segment: the `#EXT-X-KEY`'s `IV` when it gives one,
/// else the segment's media sequence number (RFC 8216, 5.2).
pub fn first_segment_iv(media_playlist: &str) -> u128 {
    let sequence: u128 = media_playlist
        .lines()
        .find_map(|l| l.strip_prefix("#EXT-X-MEDIA-SEQUENCE:"))
        .map_or(0, |n| n.trim().parse().expect("a media sequence number"));
    media_playlist
        .lines()
        .find(|l| l.starts_with("#EXT-X-KEY:"))
        .and_then(|l| l.split_once(",IV=0x"))
        .map_or(sequence, |(_, iv)| {
            u128::from_str_radix(iv.trim(), 16).expect("a hex IV")
        })
}

/// Asserts that `data` is an MPEG transport stream: whole 188-byte packets, each opening
/// with the sync byte 0x47.
pub fn assert_mpeg_ts(data: &[u8]) {
    assert!(
        !data.is_empty() && data.len().is_multiple_of(188),
        "{} bytes: not whole TS packets",
        data.len()
    );
    assert!(
        data.chunks(188).all(|packet| packet[0] == 0x47),
        "not MPEG-TS after decryption"
    );
}

/// The H.264 elementary stream of an MPEG-TS segment: the payloads of the packets whose
/// PES stream id is a video one (0xE0..=0xEF), PES headers removed.
pub fn video_stream(ts: &[u8]) -> Vec<u8> {
    let mut video_pid = None;
    let mut stream = Vec::new();
    for packet in ts.chunks_exact(188) {
        let pid = (u16::from(packet[1] & 0x1f) << 8) | u16::from(packet[2]);
        let control = (packet[3] >> 4) & 3;
        if control & 1 == 0 {
            continue;
        }
        let start = if control & 2 != 0 {
            5 + usize::from(packet[4])
        } else {
            4
        };
        let Some(mut payload) = packet.get(start..) else {
            continue;
        };
        if packet[1] & 0x40 != 0
            && payload.len() > 9
            && payload[..3] == [0, 0, 1]
            && (0xe0..=0xef).contains(&payload[3])
        {
            video_pid = Some(pid);
            payload = &payload[9 + usize::from(payload[8])..];
        }
        if video_pid == Some(pid) {
            stream.extend_from_slice(payload);
        }
    }
    stream
}

/// The frame size ffmpeg decodes from a decrypted MPEG-TS segment's video. ffmpeg reads
/// the elementary stream: the pinned static build's MPEG-TS demuxer crashes on this
/// machine when reading (its muxer, which the stand-in uses, works).
pub fn decoded_video_size(ffmpeg: &Path, ts: &[u8], dir: &Path) -> (u32, u32) {
    let path = dir.join("decoded.h264");
    std::fs::write(&path, video_stream(ts)).unwrap();
    let (_, size) = decoded_stream(ffmpeg, &["-f", "h264"], &path);
    size
}

/// The size of a JPEG as ffmpeg decodes it; panics unless `bytes` is a JPEG (its SOI
/// marker, and ffmpeg's `mjpeg` decoder reads it).
pub fn jpeg_size(ffmpeg: &Path, bytes: &[u8], dir: &Path) -> (u32, u32) {
    assert!(bytes.starts_with(&[0xff, 0xd8, 0xff]), "not a JPEG");
    let path = dir.join("decoded.jpg");
    std::fs::write(&path, bytes).unwrap();
    let (codec, size) = decoded_stream(ffmpeg, &[], &path);
    assert_eq!(codec, "mjpeg", "ffmpeg reads it as {codec}");
    size
}

/// The codec and frame size of the first video stream ffmpeg decodes from `path`.
fn decoded_stream(ffmpeg: &Path, input_args: &[&str], path: &Path) -> (String, (u32, u32)) {
    let out = Command::new(ffmpeg)
        .args(["-hide_banner", "-nostdin"])
        .args(input_args)
        .arg("-i")
        .arg(path)
        .args(["-frames:v", "1", "-f", "null", "-"])
        .output()
        .expect("run ffmpeg");
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text
        .lines()
        .find(|l| l.contains("Stream #") && l.contains("Video:"))
        .unwrap_or_else(|| panic!("no video stream in {}: {text}", path.display()));
    let codec = line
        .split("Video: ")
        .nth(1)
        .and_then(|rest| rest.split([' ', ',']).next())
        .unwrap_or_default()
        .to_string();
    let size = line
        .split([',', ' '])
        .find_map(|word| {
            let (w, h) = word.split_once('x')?;
            Some((w.parse().ok()?, h.parse().ok()?))
        })
        .unwrap_or_else(|| panic!("no size in {line}"));
    (codec, size)
}

/// `RESOLUTION=WxH` and URI of every variant of a main playlist, in order.
pub fn hls_variants(main: &str) -> Vec<((u32, u32), String)> {
    let mut found = Vec::new();
    let mut lines = main.lines();
    while let Some(line) = lines.next() {
        if let Some(attributes) = line.strip_prefix("#EXT-X-STREAM-INF:") {
            let size = attributes
                .split(',')
                .find_map(|a| a.strip_prefix("RESOLUTION="))
                .and_then(|r| r.split_once('x'))
                .map(|(w, h)| (w.parse().unwrap(), h.parse().unwrap()))
                .unwrap_or_else(|| panic!("no RESOLUTION: {line}"));
            found.push((size, lines.next().expect("a URI").to_string()));
        }
    }
    found
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

    fn connect(moto: &Moto) -> BufReader<TcpStream> {
        let stream = TcpStream::connect(("127.0.0.1", moto.port())).expect("connect to moto");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        BufReader::new(stream)
    }

    /// Sends one request on `conn` and reads its answer by its `Content-Length`:
    /// (status, body, whether the server announced it closes the connection).
    fn exchange(
        conn: &mut BufReader<TcpStream>,
        method: &str,
        path: &str,
        body: &str,
    ) -> (u16, String, bool) {
        write!(
            conn.get_mut(),
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .expect("send the request");
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            conn.read_line(&mut line).expect("read the answer's head");
            assert!(
                !line.is_empty(),
                "connection closed before an answer to {method} {path}"
            );
            if line == "\r\n" {
                break;
            }
            head.push(line.trim_end().to_ascii_lowercase());
        }
        let status = head[0].split_whitespace().nth(1).unwrap().parse().unwrap();
        let header = |name: &str| {
            head.iter()
                .find_map(|h| h.strip_prefix(name).map(|v| v.trim().to_string()))
        };
        let length: usize = header("content-length:")
            .expect("every answer is length-delimited")
            .parse()
            .unwrap();
        let mut answer = vec![0; length];
        conn.read_exact(&mut answer)
            .expect("read the answer's body");
        let closes = header("connection:").is_some_and(|v| v == "close");
        (status, String::from_utf8_lossy(&answer).into(), closes)
    }

    #[test]
    fn keep_alive_moto_answers_several_requests_on_one_connection() {
        let moto = Moto::start_keep_alive();
        let mut conn = connect(&moto);
        let (status, page, closes) = exchange(&mut conn, "GET", "/moto-api/", "");
        assert_eq!((status, closes), (200, false));
        assert!(page.contains("<html"), "not moto's dashboard: {page:.80}");
        // A body the application never reads must not be taken for the next request.
        let (status, _, closes) = exchange(&mut conn, "POST", "/moto-api/reset", "{\"x\": 1}");
        assert_eq!((status, closes), (200, false));
        let (status, data, _) = exchange(&mut conn, "GET", "/moto-api/data.json", "");
        assert_eq!(status, 200);
        assert!(data.starts_with('{'), "not moto's data: {data:.80}");
    }

    #[test]
    fn default_moto_closes_the_connection_after_each_answer() {
        let moto = Moto::shared();
        let mut conn = connect(moto);
        let (status, _, closes) = exchange(&mut conn, "GET", "/moto-api/", "");
        assert_eq!((status, closes), (200, true));
        let mut rest = Vec::new();
        conn.read_to_end(&mut rest)
            .expect("the server closes, not stalls");
        assert!(rest.is_empty());
    }

    #[test]
    #[should_panic(expected = "run `bash scripts/tools.sh`")]
    fn a_missing_tool_fails_with_the_install_command() {
        tool("no-such-tool-anywhere");
    }
}
