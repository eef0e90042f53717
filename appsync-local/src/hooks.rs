//! The test hooks over HTTP, for a test that cannot call the [`crate::Server`] methods (the
//! browser test drives `local` as a separate process). Served only when
//! [`crate::Config::test_hooks`] is set: the service has nothing like them, and without the flag
//! their paths answer 404 as any unknown path does.
//!
//! - `GET  /test-hooks/publishes`: every accepted publish, oldest first, with the stand-in's
//!   wall-clock receive time in ms since the Unix epoch (`receivedMs`);
//! - `GET  /test-hooks/connections`: `{"open": n, "bySub": {"<sub>": n}}`;
//! - `POST /test-hooks/drop-all` and `POST /test-hooks/drop-user?sub=<sub>`: `{"dropped": n}`.

use std::collections::BTreeMap;
use std::time::UNIX_EPOCH;

use bytes::Bytes;
use http_body_util::Full;
use serde_json::{Value, json};

use crate::publish::error;
use crate::{Body, State};

pub(crate) const PREFIX: &str = "/test-hooks/";

pub(crate) fn handle(
    state: &State,
    method: &str,
    path: &str,
    query: Option<&str>,
) -> hyper::Response<Body> {
    match (method, &path[PREFIX.len()..]) {
        ("GET", "publishes") => {
            let publishes: Vec<Value> = state
                .publishes
                .lock()
                .unwrap()
                .iter()
                .map(|p| {
                    let received = p.received.duration_since(UNIX_EPOCH).unwrap_or_default();
                    json!({
                        "channel": p.channel,
                        "events": p.events,
                        "receivedMs": received.as_secs_f64() * 1000.0,
                    })
                })
                .collect();
            ok(json!(publishes))
        }
        ("GET", "connections") => {
            let connections = state.connections.lock().unwrap();
            let mut by_sub = BTreeMap::<&str, usize>::new();
            for connection in connections.values() {
                *by_sub.entry(connection.sub.as_str()).or_default() += 1;
            }
            ok(json!({"open": connections.len(), "bySub": by_sub}))
        }
        ("POST", "drop-all") => ok(json!({"dropped": state.drop_where(|_| true)})),
        ("POST", "drop-user") => match sub_of(query) {
            Some(sub) => ok(json!({"dropped": state.drop_where(|c| c.sub == sub)})),
            None => error(
                400,
                "BadRequestException",
                "drop-user needs ?sub=<the caller's sub>",
            ),
        },
        _ => error(404, "NotFoundException", "no such test hook"),
    }
}

/// `sub` from the query, percent-decoded (an OIDC `sub` may hold any character).
fn sub_of(query: Option<&str>) -> Option<String> {
    let raw = query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("sub="))?;
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (b'+', _) => {
                decoded.push(b' ');
                i += 1;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(decoded)
        .ok()
        .filter(|sub| !sub.is_empty())
}

fn ok(body: Value) -> hyper::Response<Body> {
    hyper::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("a valid response")
}
