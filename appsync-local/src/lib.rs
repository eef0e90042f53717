//! An AWS AppSync Events stand-in on loopback: `POST /event` (publish, SigV4 with the local
//! credentials) and `GET /event/realtime` (the WebSocket protocol, Cognito JWTs, the owner
//! rule, trailing wildcards, keep-alives), with hooks for tests. See the README for where it
//! is narrower than the service.

pub mod channel;
mod hooks;
pub mod jwt;
mod publish;
mod realtime;
pub mod sigv4;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

pub use channel::{Channel, channel_owner};
pub use jwt::{Jwks, JwtConfig};
pub use sigv4::Credentials;

/// What AppSync announces in `connection_ack`: a client that hears nothing (not even a `ka`)
/// for this long may consider the connection dead.
pub const CONNECTION_TIMEOUT: Duration = Duration::from_millis(300_000);

/// How often a `ka` is sent by default (AppSync sends one about every minute).
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(60);

/// The largest event, in bytes of its JSON text (240 KB).
pub const MAX_EVENT_BYTES: usize = 240 * 1024;

/// The most events in one publish.
pub const MAX_EVENTS_PER_PUBLISH: usize = 5;

#[derive(Debug, Clone)]
pub struct Config {
    /// The region publishes must be signed for.
    pub region: String,
    /// The credentials publishes must be signed with.
    pub credentials: Credentials,
    /// How subscribers' tokens are checked.
    pub jwt: JwtConfig,
    /// The one channel namespace (the stack's `jobs`); its second segment is the owner.
    pub namespace: String,
    /// The `host` the auth JSON must name (the API's HTTP domain). `None`: the address the
    /// server listens on, `127.0.0.1:<port>`.
    pub http_host: Option<String>,
    pub keep_alive: Duration,
    /// Serves the test hooks over HTTP (`/test-hooks/...`, see the `hooks` module). Off by
    /// default: for tests only.
    pub test_hooks: bool,
}

impl Config {
    pub fn new(region: &str, credentials: Credentials, jwt: JwtConfig) -> Self {
        Config {
            region: region.to_string(),
            credentials,
            jwt,
            namespace: "jobs".to_string(),
            http_host: None,
            keep_alive: DEFAULT_KEEP_ALIVE,
            test_hooks: false,
        }
    }
}

/// A publish as the stand-in accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    pub channel: String,
    /// Each event's JSON text, as sent.
    pub events: Vec<String>,
    /// When the stand-in received it (wall clock), before it fanned the events out.
    pub received: SystemTime,
}

/// What a connection's task is sent.
pub(crate) enum ToConnection {
    Event { channel: Channel, event: Arc<str> },
}

pub(crate) struct Connection {
    /// The `sub` of the token the connection was opened with.
    pub sub: String,
    pub tx: mpsc::UnboundedSender<ToConnection>,
    pub abort: AbortHandle,
}

pub(crate) struct State {
    pub config: Config,
    pub http_host: String,
    pub verifier: jwt::Verifier,
    pub connections: Mutex<HashMap<u64, Connection>>,
    pub publishes: Mutex<Vec<Publish>>,
    pub next_id: AtomicU64,
}

impl State {
    pub(crate) fn drop_where(&self, pick: impl Fn(&Connection) -> bool) -> usize {
        let mut connections = self.connections.lock().unwrap();
        let picked: Vec<u64> = connections
            .iter()
            .filter(|(_, c)| pick(c))
            .map(|(id, _)| *id)
            .collect();
        for id in &picked {
            if let Some(connection) = connections.remove(id) {
                connection.abort.abort();
            }
        }
        picked.len()
    }

    /// Hands each event to every open connection; each matches it against its subscriptions.
    pub fn fan_out(&self, channel: &Channel, events: &[String]) {
        let connections = self.connections.lock().unwrap();
        for event in events {
            let event: Arc<str> = Arc::from(event.as_str());
            for connection in connections.values() {
                let _ = connection.tx.send(ToConnection::Event {
                    channel: channel.clone(),
                    event: event.clone(),
                });
            }
        }
    }
}

/// The running stand-in. Dropping it stops the server and closes every socket.
pub struct Server {
    addr: SocketAddr,
    state: Arc<State>,
    accept: AbortHandle,
}

/// Starts serving both endpoints on `listener`.
pub fn serve(listener: TcpListener, config: Config) -> std::io::Result<Server> {
    let addr = listener.local_addr()?;
    let http_host = config.http_host.clone().unwrap_or_else(|| addr.to_string());
    let state = Arc::new(State {
        verifier: jwt::Verifier::new(config.jwt.clone()),
        config,
        http_host,
        connections: Mutex::new(HashMap::new()),
        publishes: Mutex::new(Vec::new()),
        next_id: AtomicU64::new(1),
    });
    let accept_state = state.clone();
    let accept = tokio::spawn(async move {
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "appsync-local accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let state = accept_state.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| handle(state.clone(), request));
                let connection = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades();
                if let Err(e) = connection.await {
                    tracing::debug!(error = %e, "appsync-local connection ended");
                }
            });
        }
    })
    .abort_handle();
    Ok(Server {
        addr,
        state,
        accept,
    })
}

pub(crate) type Body = http_body_util::Full<bytes::Bytes>;

async fn handle(
    state: Arc<State>,
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Body>, std::convert::Infallible> {
    let path = request.uri().path().to_string();
    Ok(match (request.method().as_str(), path.as_str()) {
        ("POST", "/event") => publish::handle(&state, request).await,
        ("GET", "/event/realtime") => realtime::upgrade(state, request).await,
        (method, path) if state.config.test_hooks && path.starts_with(hooks::PREFIX) => {
            hooks::handle(&state, method, path, request.uri().query())
        }
        _ => publish::error(404, "NotFoundException", "no such endpoint"),
    })
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The publish URL, `http://127.0.0.1:<port>/event`.
    pub fn http_url(&self) -> String {
        format!("http://{}/event", self.addr)
    }

    /// The realtime URL, `ws://127.0.0.1:<port>/event/realtime`.
    pub fn realtime_url(&self) -> String {
        format!("ws://{}/event/realtime", self.addr)
    }

    /// Where the HTTP test hooks are served, `http://127.0.0.1:<port>/test-hooks/`, when they are.
    pub fn test_hooks_url(&self) -> Option<String> {
        let hooks = self.state.config.test_hooks;
        hooks.then(|| format!("http://{}{}", self.addr, hooks::PREFIX))
    }

    /// The `host` clients put in their auth JSON.
    pub fn http_host(&self) -> &str {
        &self.state.http_host
    }

    /// Open WebSocket connections.
    pub fn connections(&self) -> usize {
        self.state.connections.lock().unwrap().len()
    }

    /// Open WebSocket connections of the caller `sub`.
    pub fn connections_of(&self, sub: &str) -> usize {
        let connections = self.state.connections.lock().unwrap();
        connections.values().filter(|c| c.sub == sub).count()
    }

    /// Every publish accepted so far, oldest first.
    pub fn publishes(&self) -> Vec<Publish> {
        self.state.publishes.lock().unwrap().clone()
    }

    /// Drops every socket without a close frame, as a lost network does. Returns how many.
    pub fn drop_all(&self) -> usize {
        self.state.drop_where(|_| true)
    }

    /// Drops the sockets of the caller `sub`. Returns how many.
    pub fn drop_user(&self, sub: &str) -> usize {
        self.state.drop_where(|c| c.sub == sub)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
        self.drop_all();
    }
}

pub(crate) fn next_connection_id(state: &State) -> u64 {
    state.next_id.fetch_add(1, Ordering::Relaxed)
}

/// A fresh event identifier in the form AppSync answers with: a random (version 4) UUID.
pub(crate) fn identifier() -> String {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).expect("the OS random source");
    // Version 4 in the third group's top nibble, variant 0b10 in the fourth's top bits.
    let n = (u128::from_be_bytes(bytes) & !(0xf000 << 64) & !(0xc000 << 48))
        | (0x4000 << 64)
        | (0x8000 << 48);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        n >> 96,
        (n >> 80) & 0xffff,
        (n >> 64) & 0xffff,
        (n >> 48) & 0xffff,
        n & 0xffff_ffff_ffff
    )
}
