//! A stand-in for the AWS Lambda Runtime API (version 2018-06-01), so a handler binary can be
//! started the way Lambda starts it: a fresh process whose `AWS_LAMBDA_RUNTIME_API` points here,
//! which polls `GET /runtime/invocation/next` and posts its answer back.
//!
//! Only std and threads: one thread per connection, HTTP/1.1 with keep-alive, because the
//! `lambda_runtime` client reuses one pooled connection for the whole life of the process.
//! Every post is recorded with the instant it arrived, which is what the cold-start benchmark
//! measures against.
//!
//! [`HttpStub`] reuses the same HTTP plumbing for services that have no emulator
//! (MediaConvert): it records each request and answers with what a closure makes of it.

use std::collections::{HashMap, VecDeque};
use std::ffi::OsStr;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Static, obviously fake credentials: every endpoint a function reaches here is moto or a
/// loopback stand-in, so nothing can reach AWS.
pub const ACCESS_KEY_ID: &str = "testing";
pub const SECRET_ACCESS_KEY: &str = "testing";
pub const REGION: &str = "us-east-1";

const PREFIX: &str = "/2018-06-01/runtime";
/// How long an invocation may run, as the deadline header tells the handler.
const FUNCTION_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a blocked `next` looks whether its caller hung up, so a killed process cannot
/// swallow an event meant for the process started after it.
const LIVENESS_POLL: Duration = Duration::from_millis(50);

/// One HTTP request as read off a connection; header names are lower-cased.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A body the handler posted back (a response, an invocation error or an init error).
#[derive(Debug, Clone)]
pub struct Posted {
    pub body: Vec<u8>,
    /// `Lambda-Runtime-Function-Error-Type`, which error posts carry.
    pub error_type: Option<String>,
    /// When the post arrived.
    pub at: Instant,
}

impl Posted {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// How one invocation ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// `POST /runtime/invocation/{id}/response`
    Response(Posted),
    /// `POST /runtime/invocation/{id}/error`: Lambda would retry an async event.
    Error(Posted),
}

impl Outcome {
    pub fn posted(&self) -> &Posted {
        match self {
            Outcome::Response(p) | Outcome::Error(p) => p,
        }
    }

    /// The response body; panics (showing the error) when the handler posted an error.
    pub fn response(&self) -> &Posted {
        match self {
            Outcome::Response(p) => p,
            Outcome::Error(p) => panic!(
                "expected a response, the handler posted an error ({:?}): {}",
                p.error_type,
                p.text()
            ),
        }
    }

    /// The error body; panics (showing the response) when the handler answered normally.
    pub fn error(&self) -> &Posted {
        match self {
            Outcome::Error(p) => p,
            Outcome::Response(p) => panic!(
                "expected an invocation error, the handler answered: {}",
                p.text()
            ),
        }
    }
}

/// What an invocation went through, for the benchmark.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub request_id: String,
    pub enqueued_at: Instant,
    /// When `next` handed the event to the handler.
    pub delivered_at: Option<Instant>,
    pub outcome: Option<Outcome>,
}

impl Invocation {
    /// When the answer (response or error) arrived; panics if none has yet.
    pub fn answered_at(&self) -> Instant {
        self.outcome
            .as_ref()
            .map(|o| o.posted().at)
            .unwrap_or_else(|| panic!("invocation {} is not answered", self.request_id))
    }
}

#[derive(Default)]
struct State {
    queue: VecDeque<(String, Vec<u8>)>,
    invocations: HashMap<String, Invocation>,
    first_poll: Option<Instant>,
    init_error: Option<Posted>,
    unexpected: Vec<String>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    stopping: AtomicBool,
    next_id: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking connection thread must not hide what was recorded before it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `ready` picks something out of the state, or the time is up.
    fn wait_until<T>(
        &self,
        limit: Duration,
        mut ready: impl FnMut(&mut State) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + limit;
        let mut state = self.lock();
        loop {
            if let Some(found) = ready(&mut state) {
                return Some(found);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// The Runtime API stub, listening on a free 127.0.0.1 port until dropped.
pub struct RuntimeApi {
    shared: Arc<Shared>,
    server: Server,
}

impl RuntimeApi {
    pub fn start() -> RuntimeApi {
        let shared = Arc::new(Shared {
            state: Mutex::default(),
            changed: Condvar::new(),
            stopping: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
        });
        let handler = Arc::clone(&shared);
        let server = Server::start(move |req, conn| route(&handler, req, conn));
        RuntimeApi { shared, server }
    }

    /// `127.0.0.1:<port>`: the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.server.addr.to_string()
    }

    /// Queues an event for the next `next` poll and returns its request id.
    pub fn enqueue(&self, event: impl Into<Vec<u8>>) -> String {
        let n = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let id = format!("00000000-0000-4000-8000-{n:012x}");
        let mut state = self.shared.lock();
        state.queue.push_back((id.clone(), event.into()));
        state.invocations.insert(
            id.clone(),
            Invocation {
                request_id: id.clone(),
                enqueued_at: Instant::now(),
                delivered_at: None,
                outcome: None,
            },
        );
        drop(state);
        self.shared.changed.notify_all();
        id
    }

    /// Waits for the handler's answer to `request_id`; `None` when none came within `limit`.
    pub fn wait_for(&self, request_id: &str, limit: Duration) -> Option<Invocation> {
        self.shared.wait_until(limit, |state| {
            state
                .invocations
                .get(request_id)
                .filter(|inv| inv.outcome.is_some())
                .cloned()
        })
    }

    /// Waits for a `POST /runtime/init/error`.
    pub fn wait_init_error(&self, limit: Duration) -> Option<Posted> {
        self.shared
            .wait_until(limit, |state| state.init_error.clone())
    }

    /// When the handler first asked for an event (its init is done).
    pub fn first_poll(&self) -> Option<Instant> {
        self.shared.lock().first_poll
    }

    /// Requests the stub did not understand (method and path): a protocol mismatch to report.
    pub fn unexpected_requests(&self) -> Vec<String> {
        self.shared.lock().unexpected.clone()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared.changed.notify_all();
    }
}

fn route(shared: &Shared, req: Request, conn: &TcpStream) -> Option<Response> {
    let Some(rest) = req.path.strip_prefix(PREFIX) else {
        return Some(unexpected(shared, &req));
    };
    let parts: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    match (req.method.as_str(), parts.as_slice()) {
        ("GET", ["invocation", "next"]) => next_event(shared, conn),
        ("POST", ["invocation", id, kind @ ("response" | "error")]) => {
            let posted = Posted {
                error_type: req
                    .header("lambda-runtime-function-error-type")
                    .map(str::to_owned),
                body: req.body,
                at: req.at,
            };
            let mut state = shared.lock();
            let Some(inv) = state.invocations.get_mut(*id) else {
                return Some(Response::json(
                    400,
                    r#"{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}"#,
                ));
            };
            if inv.outcome.is_some() {
                // Lambda accepts one answer per invocation; a second one is a handler bug.
                return Some(Response::json(
                    400,
                    r#"{"errorMessage":"invocation already answered","errorType":"InvalidStateTransition"}"#,
                ));
            }
            inv.outcome = Some(if *kind == "response" {
                Outcome::Response(posted)
            } else {
                Outcome::Error(posted)
            });
            drop(state);
            shared.changed.notify_all();
            Some(Response::json(202, r#"{"status":"OK"}"#))
        }
        ("POST", ["init", "error"]) => {
            shared.lock().init_error = Some(Posted {
                error_type: req
                    .header("lambda-runtime-function-error-type")
                    .map(str::to_owned),
                body: req.body,
                at: req.at,
            });
            shared.changed.notify_all();
            Some(Response::json(202, r#"{"status":"OK"}"#))
        }
        _ => Some(unexpected(shared, &req)),
    }
}

fn unexpected(shared: &Shared, req: &Request) -> Response {
    shared
        .lock()
        .unexpected
        .push(format!("{} {}", req.method, req.path));
    Response::json(
        404,
        r#"{"errorMessage":"no such route in the runtime API stub","errorType":"NotFound"}"#,
    )
}

/// Blocks until an event is queued, like the real service; `None` (drop the connection) when
/// the stub stops or the caller hung up.
fn next_event(shared: &Shared, conn: &TcpStream) -> Option<Response> {
    {
        let mut state = shared.lock();
        state.first_poll.get_or_insert_with(Instant::now);
    }
    shared.changed.notify_all();
    let mut state = shared.lock();
    loop {
        if shared.stopping.load(Ordering::SeqCst) || peer_gone(conn) {
            return None;
        }
        if let Some((id, body)) = state.queue.pop_front() {
            if let Some(inv) = state.invocations.get_mut(&id) {
                inv.delivered_at = Some(Instant::now());
            }
            drop(state);
            let deadline = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                + FUNCTION_TIMEOUT;
            return Some(Response {
                status: 200,
                headers: vec![
                    ("Content-Type".into(), "application/json".into()),
                    ("Lambda-Runtime-Aws-Request-Id".into(), id.clone()),
                    (
                        "Lambda-Runtime-Deadline-Ms".into(),
                        deadline.as_millis().to_string(),
                    ),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn".into(),
                        "arn:aws:lambda:us-east-1:123456789012:function:runtime-api-stub".into(),
                    ),
                    (
                        "Lambda-Runtime-Trace-Id".into(),
                        format!("Root=1-00000000-{:0>24};Sampled=0", &id[24..]),
                    ),
                ],
                body,
            });
        }
        state = shared
            .changed
            .wait_timeout(state, LIVENESS_POLL)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}

/// True when the other end closed the connection (a killed handler process).
fn peer_gone(conn: &TcpStream) -> bool {
    if conn.set_nonblocking(true).is_err() {
        return true;
    }
    let mut probe = [0u8; 1];
    let gone = match conn.peek(&mut probe) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != io::ErrorKind::WouldBlock,
    };
    gone || conn.set_nonblocking(false).is_err()
}

/// An answer to write back on the connection.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    fn write_to(&self, mut out: impl Write, close: bool) -> io::Result<()> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        if close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        out.write_all(head.as_bytes())?;
        out.write_all(&self.body)?;
        out.flush()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Status",
    }
}

type Handler = dyn Fn(Request, &TcpStream) -> Option<Response> + Send + Sync;

/// The HTTP/1.1 server both stubs run on: accepts on a free loopback port, one thread per
/// connection, keep-alive unless the client asks to close.
struct Server {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
}

impl Server {
    fn start(
        handler: impl Fn(Request, &TcpStream) -> Option<Response> + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&stopping);
        let handler: Arc<Handler> = Arc::new(handler);
        thread::spawn(move || {
            for conn in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let handler = Arc::clone(&handler);
                let stop = Arc::clone(&stop);
                thread::spawn(move || serve(conn, &*handler, &stop));
            }
        });
        Server { addr, stopping }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag and releases the port.
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(conn: TcpStream, handler: &Handler, stopping: &AtomicBool) {
    let _ = conn.set_nodelay(true);
    let Ok(read_half) = conn.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    while !stopping.load(Ordering::SeqCst) {
        let req = match read_request(&mut reader) {
            Ok(Some(req)) => req,
            Ok(None) => break,
            Err(e) => {
                let body = format!(r#"{{"errorMessage":"bad request: {e}"}}"#).replace('\n', " ");
                let _ = Response::json(400, &body).write_to(&conn, true);
                break;
            }
        };
        let close = wants_close(&req);
        let Some(answer) = handler(req, &conn) else {
            break;
        };
        if answer.write_to(&conn, close).is_err() || close {
            break;
        }
    }
    let _ = conn.shutdown(Shutdown::Both);
}

fn wants_close(req: &Request) -> bool {
    req.header("connection")
        .is_some_and(|v| v.eq_ignore_ascii_case("close"))
}

/// Reads one request; `Ok(None)` on a clean end of the connection.
fn read_request(reader: &mut impl BufRead) -> io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let at = Instant::now();
    let mut parts = line.split_whitespace();
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return Err(io::Error::other(format!("malformed request line {line:?}")));
    };
    let (method, path) = (method.to_owned(), path.to_owned());
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::Error::other("connection closed inside the headers"));
        }
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed
            .split_once(':')
            .ok_or_else(|| io::Error::other(format!("malformed header {trimmed:?}")))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let mut req = Request {
        method,
        path,
        headers,
        body: Vec::new(),
        at,
    };
    if req
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        req.body = read_chunked(reader)?;
    } else if let Some(len) = req.header("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| io::Error::other(format!("bad Content-Length {len:?}")))?;
        let mut body = vec![0; len];
        reader.read_exact(&mut body)?;
        req.body = body;
    }
    // The body's last byte is when the post is complete.
    req.at = Instant::now().max(at);
    Ok(Some(req))
}

fn read_chunked(reader: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let size = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size, 16)
            .map_err(|_| io::Error::other(format!("bad chunk size {line:?}")))?;
        if size == 0 {
            // Trailers (the runtime sends error details there on streamed responses), then
            // the empty line.
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        line.clear();
        reader.read_line(&mut line)?;
    }
}

/// A loopback HTTP endpoint for a service with no emulator (point `AWS_ENDPOINT_URL_<SERVICE>`
/// here): it keeps every request and answers each with what `respond` makes of it.
pub struct HttpStub {
    server: Server,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl HttpStub {
    /// `respond` gets the request and how many came before it.
    pub fn start(
        respond: impl Fn(&Request, usize) -> Response + Send + Sync + 'static,
    ) -> HttpStub {
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let seen = Arc::clone(&requests);
        let server = Server::start(move |req, _| {
            let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
            let answer = respond(&req, seen.len());
            seen.push(req);
            Some(answer)
        });
        HttpStub { server, requests }
    }

    /// `http://127.0.0.1:<port>`
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

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

/// The environment the Lambda service gives every function, minus anything inherited from the
/// test process (no profile or real credential can leak in). The credentials are fake on
/// purpose: the endpoints are moto and loopback stubs.
pub fn lambda_environment(function_name: &str) -> Vec<(String, String)> {
    [
        ("AWS_LAMBDA_FUNCTION_NAME", function_name),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/runtime-api-stub"),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "stub"),
        ("AWS_REGION", REGION),
        ("AWS_DEFAULT_REGION", REGION),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY),
        ("AWS_SESSION_TOKEN", "testing"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("_HANDLER", "bootstrap"),
        ("TZ", ":UTC"),
        ("LANG", "en_US.UTF-8"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
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
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))
            .expect("read /proc/<pid>/stat (Linux only)");
        // Fields after the command name, which is in parentheses and may hold spaces.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        // utime and stime are fields 14 and 15 of the file, 12 and 13 after the name.
        let time = |i: usize| {
            let ticks = fields[i].parse::<u64>().unwrap_or(0);
            Duration::from_secs_f64(ticks as f64 / clock_ticks_per_second() as f64)
        };
        CpuTime {
            user: time(11),
            system: time(12),
        }
    }

    /// CPU time the process has used so far, all threads, to the nanosecond (the scheduler's
    /// own account in `/proc/<pid>/task/*/schedstat`), where [`Function::cpu_time`] counts
    /// 10 ms ticks: comparing builds over blocks of a few hundred events needs this precision.
    /// Threads that have already ended are not counted; the handlers' runtimes keep theirs.
    pub fn cpu_time_precise(&self) -> Duration {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", self.pid()))
            .expect("read /proc/<pid>/task (Linux only)");
        tasks
            .filter_map(|task| {
                let path = task.ok()?.path().join("schedstat");
                let text = std::fs::read_to_string(path).ok()?;
                text.split_whitespace().next()?.parse::<u64>().ok()
            })
            .map(Duration::from_nanos)
            .sum()
    }

    /// Peak resident memory so far, in KiB (`VmHWM` of `/proc/<pid>/status`).
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("read /proc/<pid>/status (Linux only)");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .expect("VmHWM in /proc/<pid>/status")
    }
}

/// A process's CPU time in user space and in the kernel on its behalf.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CpuTime {
    pub user: Duration,
    pub system: Duration,
}

impl CpuTime {
    pub fn total(self) -> Duration {
        self.user + self.system
    }
}

impl std::ops::Sub for CpuTime {
    type Output = CpuTime;

    fn sub(self, earlier: CpuTime) -> CpuTime {
        CpuTime {
            user: self.user - earlier.user,
            system: self.system - earlier.system,
        }
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

fn clock_ticks_per_second() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            // The Linux default on every architecture Lambda runs.
            .unwrap_or(100)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends one request on an open connection and reads one response (status, headers, body).
    fn exchange(conn: &mut TcpStream, raw: &str) -> (u16, Vec<(String, String)>, String) {
        conn.write_all(raw.as_bytes()).unwrap();
        let mut reader = BufReader::new(conn.try_clone().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let status = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            let (n, v) = line.trim().split_once(':').unwrap();
            headers.push((n.to_ascii_lowercase(), v.trim().to_owned()));
        }
        let len: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map(|(_, v)| v.parse().unwrap())
            .expect("every answer has a Content-Length");
        let mut body = vec![0; len];
        reader.read_exact(&mut body).unwrap();
        (status, headers, String::from_utf8(body).unwrap())
    }

    fn get_next() -> &'static str {
        "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n"
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
    }

    #[test]
    fn serves_events_and_records_answers_on_one_kept_alive_connection() {
        let api = RuntimeApi::start();
        let first = api.enqueue(r#"{"n":1}"#);
        let second = api.enqueue(r#"{"n":2}"#);
        let mut conn = TcpStream::connect(api.address()).unwrap();

        let (status, headers, body) = exchange(&mut conn, get_next());
        assert_eq!((status, body.as_str()), (200, r#"{"n":1}"#));
        assert_eq!(header(&headers, "lambda-runtime-aws-request-id"), first);
        let deadline: u128 = header(&headers, "lambda-runtime-deadline-ms")
            .parse()
            .unwrap();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis();
        assert!(deadline > now, "deadline {deadline} is not in the future");
        assert!(
            header(&headers, "lambda-runtime-invoked-function-arn").starts_with("arn:aws:lambda:")
        );
        assert!(header(&headers, "lambda-runtime-trace-id").starts_with("Root="));

        let post = format!(
            "POST /2018-06-01/runtime/invocation/{first}/response HTTP/1.1\r\nContent-Length: 4\r\n\r\n\"ok\""
        );
        assert_eq!(exchange(&mut conn, &post).0, 202);
        let (_, headers, _) = exchange(&mut conn, get_next());
        assert_eq!(header(&headers, "lambda-runtime-aws-request-id"), second);
        // A chunked body, with the error type header the runtime sends.
        let post = format!(
            "POST /2018-06-01/runtime/invocation/{second}/error HTTP/1.1\r\nLambda-Runtime-Function-Error-Type: Runtime.Bad\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{{\"e\r\n3\r\n\":1\r\n1\r\n}}\r\n0\r\n\r\n"
        );
        assert_eq!(exchange(&mut conn, &post).0, 202);

        let done = api.wait_for(&first, Duration::from_secs(1)).unwrap();
        assert_eq!(done.outcome.unwrap().response().text(), "\"ok\"");
        let failed = api.wait_for(&second, Duration::from_secs(1)).unwrap();
        let error = failed.outcome.unwrap().error().clone();
        assert_eq!(
            (error.text().as_str(), error.error_type.as_deref()),
            (r#"{"e":1}"#, Some("Runtime.Bad"))
        );
        assert!(failed.delivered_at.unwrap() <= error.at);
    }

    #[test]
    fn next_blocks_until_an_event_is_queued() {
        let api = RuntimeApi::start();
        let mut conn = TcpStream::connect(api.address()).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        conn.write_all(get_next().as_bytes()).unwrap();
        thread::sleep(Duration::from_millis(200));
        let mut nothing = [0u8; 1];
        conn.set_nonblocking(true).unwrap();
        assert_eq!(
            conn.peek(&mut nothing).unwrap_err().kind(),
            io::ErrorKind::WouldBlock,
            "next answered with an empty queue"
        );
        conn.set_nonblocking(false).unwrap();
        assert!(api.first_poll().is_some());
        let id = api.enqueue("{}");
        let mut reader = BufReader::new(conn);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        assert!(api.wait_for(&id, Duration::from_millis(50)).is_none());
    }

    #[test]
    fn a_hung_up_poller_does_not_take_the_next_event() {
        let api = RuntimeApi::start();
        let mut dead = TcpStream::connect(api.address()).unwrap();
        dead.write_all(get_next().as_bytes()).unwrap();
        thread::sleep(Duration::from_millis(100));
        drop(dead);
        thread::sleep(LIVENESS_POLL * 3);
        let id = api.enqueue("{}");
        let mut alive = TcpStream::connect(api.address()).unwrap();
        let (_, headers, _) = exchange(&mut alive, get_next());
        assert_eq!(header(&headers, "lambda-runtime-aws-request-id"), id);
    }

    #[test]
    fn records_init_errors_and_rejects_unknown_ids_and_routes() {
        let api = RuntimeApi::start();
        let mut conn = TcpStream::connect(api.address()).unwrap();
        let post = "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nLambda-Runtime-Function-Error-Type: Runtime.InitError\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(exchange(&mut conn, post).0, 202);
        let init = api.wait_init_error(Duration::from_secs(1)).unwrap();
        assert_eq!(init.error_type.as_deref(), Some("Runtime.InitError"));
        let post = "POST /2018-06-01/runtime/invocation/nope/response HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(exchange(&mut conn, post).0, 400);
        let get = "GET /2020-01-01/extension/event/next HTTP/1.1\r\nConnection: close\r\n\r\n";
        assert_eq!(exchange(&mut conn, get).0, 404);
        assert_eq!(
            api.unexpected_requests(),
            ["GET /2020-01-01/extension/event/next"]
        );
    }

    #[test]
    fn http_stub_records_requests_and_answers_each() {
        let stub = HttpStub::start(|req, n| {
            Response::json(201, &format!(r#"{{"n":{n},"len":{}}}"#, req.body.len()))
        });
        let mut conn = TcpStream::connect(stub.endpoint().trim_start_matches("http://")).unwrap();
        for n in 0..2 {
            let (status, _, body) = exchange(
                &mut conn,
                "POST /2017-08-29/jobs HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
            );
            assert_eq!((status, body), (201, format!(r#"{{"n":{n},"len":2}}"#)));
        }
        let seen = stub.requests();
        assert_eq!(seen.len(), 2);
        assert_eq!(
            (
                seen[0].method.as_str(),
                seen[0].path.as_str(),
                seen[0].body_text().as_str()
            ),
            ("POST", "/2017-08-29/jobs", "{}")
        );
    }
}
