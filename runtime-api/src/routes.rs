//! The routes a handler process calls, as the Lambda Runtime API (2018-06-01) defines them:
//! `GET invocation/next` (blocks until an event is queued), `POST invocation/{id}/response`,
//! `POST invocation/{id}/error` and `POST init/error`. Anything else is a 404 and is recorded,
//! so a test can report a protocol mismatch instead of hanging.

use crate::http::{Request, Response};
use crate::invocation::{Outcome, Posted};
use crate::queue::Shared;
use std::io;
use std::net::TcpStream;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const PREFIX: &str = "/2018-06-01/runtime";
/// How long an invocation may run, as the deadline header tells the handler.
const FUNCTION_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a blocked `next` looks whether its caller hung up, so a killed process cannot
/// swallow an event meant for the process started after it.
pub(crate) const LIVENESS_POLL: Duration = Duration::from_millis(50);

/// The answer to `req`; `None` drops the connection (the stub stops, or a `next` poller hung up).
pub(crate) fn route(shared: &Shared, req: Request, conn: &TcpStream) -> Option<Response> {
    let Some(rest) = req.path.strip_prefix(PREFIX) else {
        return Some(unexpected(shared, &req));
    };
    let parts: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    match (req.method.as_str(), parts.as_slice()) {
        ("GET", ["invocation", "next"]) => next_event(shared, conn),
        ("POST", ["invocation", id, kind @ ("response" | "error")]) => {
            let (id, response) = (id.to_string(), *kind == "response");
            let posted = Posted::from(req);
            let outcome = if response {
                Outcome::Response(posted)
            } else {
                Outcome::Error(posted)
            };
            Some(answer(shared, &id, outcome))
        }
        ("POST", ["init", "error"]) => {
            shared.lock().init_error = Some(Posted::from(req));
            shared.changed.notify_all();
            Some(accepted())
        }
        _ => Some(unexpected(shared, &req)),
    }
}

/// Records the handler's answer to invocation `id`.
fn answer(shared: &Shared, id: &str, outcome: Outcome) -> Response {
    let mut state = shared.lock();
    let Some(inv) = state.invocations.get_mut(id) else {
        return error(400, "unknown request id", "InvalidRequestID");
    };
    if inv.outcome.is_some() {
        // Lambda accepts one answer per invocation; a second one is a handler bug.
        return error(400, "invocation already answered", "InvalidStateTransition");
    }
    inv.outcome = Some(outcome);
    drop(state);
    shared.changed.notify_all();
    accepted()
}

impl From<Request> for Posted {
    fn from(req: Request) -> Posted {
        Posted {
            error_type: req
                .header("lambda-runtime-function-error-type")
                .map(str::to_owned),
            body: req.body,
            at: req.at,
        }
    }
}

fn accepted() -> Response {
    Response::json(202, r#"{"status":"OK"}"#)
}

/// The Runtime API's error answer; `message` and `error_type` are this module's constants, so
/// they need no JSON escaping.
fn error(status: u16, message: &str, error_type: &str) -> Response {
    Response::json(
        status,
        &format!(r#"{{"errorMessage":"{message}","errorType":"{error_type}"}}"#),
    )
}

fn unexpected(shared: &Shared, req: &Request) -> Response {
    shared
        .lock()
        .unexpected
        .push(format!("{} {}", req.method, req.path));
    error(404, "no such route in the runtime API stub", "NotFound")
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
            return Some(delivery(&id, body));
        }
        state = shared
            .changed
            .wait_timeout(state, LIVENESS_POLL)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}

/// The event as `next` hands it over, with the headers the runtime client reads.
fn delivery(id: &str, body: Vec<u8>) -> Response {
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        + FUNCTION_TIMEOUT;
    Response {
        status: 200,
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("Lambda-Runtime-Aws-Request-Id".into(), id.to_owned()),
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
