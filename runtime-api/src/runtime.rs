//! [`RuntimeApi`]: the handle a test or the local stack holds on one Runtime API stub, to queue
//! events and wait for what the handler made of them. The handler's side is [`crate::routes`].

use crate::http::Server;
use crate::invocation::{Invocation, Posted};
use crate::queue::Shared;
use crate::routes;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The Runtime API stub, listening on a free 127.0.0.1 port until dropped.
pub struct RuntimeApi {
    shared: Arc<Shared>,
    server: Server,
}

impl RuntimeApi {
    pub fn start() -> RuntimeApi {
        let shared = Arc::new(Shared::new());
        let handler = Arc::clone(&shared);
        let server = Server::start(move |req, conn| routes::route(&handler, req, conn));
        RuntimeApi { shared, server }
    }

    /// `127.0.0.1:<port>`: the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.server.addr.to_string()
    }

    /// Queues an event for the next `next` poll and returns its request id.
    pub fn enqueue(&self, event: impl Into<Vec<u8>>) -> String {
        self.shared.enqueue(event.into())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::testing::exchange;
    use crate::routes::LIVENESS_POLL;
    use std::io::{self, BufRead, BufReader, Write};
    use std::net::TcpStream;
    use std::thread;
    use std::time::{SystemTime, UNIX_EPOCH};

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
}
