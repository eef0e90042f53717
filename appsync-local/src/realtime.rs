//! `GET /event/realtime`: the handshake (subprotocols `aws-appsync-event-ws` and
//! `header-<base64url auth JSON>`), then the Events protocol over the socket.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::channel::{Channel, owner_may_subscribe};
use crate::jwt::Identity;
use crate::publish::error;
use crate::{Body, CONNECTION_TIMEOUT, Connection, State, ToConnection, next_connection_id};

/// The subprotocol the server selects; a browser closes a socket whose answer names another.
pub const PROTOCOL: &str = "aws-appsync-event-ws";
const AUTH_PREFIX: &str = "header-";

/// Reads the offered subprotocols: the protocol name and one auth header, base64url (no
/// padding) of a JSON object.
fn auth_from_protocols(offered: &[&str]) -> Result<Value, String> {
    if !offered.contains(&PROTOCOL) {
        return Err(format!("the subprotocol {PROTOCOL} is not offered"));
    }
    let headers: Vec<&str> = offered
        .iter()
        .filter_map(|p| p.strip_prefix(AUTH_PREFIX))
        .collect();
    let [encoded] = headers.as_slice() else {
        return Err(format!(
            "exactly one {AUTH_PREFIX}<base64url> subprotocol is needed, not {}",
            headers.len()
        ));
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|e| format!("the auth subprotocol is not unpadded base64url: {e}"))?;
    let auth: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("the auth subprotocol is not JSON: {e}"))?;
    if !auth.is_object() {
        return Err("the auth subprotocol is not a JSON object".into());
    }
    Ok(auth)
}

/// Checks an auth JSON (the handshake's or a subscribe's): `host` must name the API, and
/// `Authorization` hold a valid token of the pool.
async fn authorize(state: &State, auth: &Value) -> Result<Identity, String> {
    let host = auth.get("host").and_then(Value::as_str);
    if host != Some(state.http_host.as_str()) {
        return Err(format!(
            "the auth host must be {}, not {}",
            state.http_host,
            host.unwrap_or("missing")
        ));
    }
    let token = auth
        .get("Authorization")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or("the auth has no Authorization token")?;
    state.verifier.verify(token).await
}

pub(crate) async fn upgrade(
    state: Arc<State>,
    mut request: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Body> {
    let header = |name: &str| {
        request
            .headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",")
    };
    let upgrade_ok = header("upgrade").eq_ignore_ascii_case("websocket")
        && header("sec-websocket-version") == "13";
    let key = header("sec-websocket-key");
    if !upgrade_ok || key.is_empty() {
        return error(
            400,
            "BadRequestException",
            "a WebSocket upgrade is required",
        );
    }
    let protocols = header("sec-websocket-protocol");
    let offered: Vec<&str> = protocols
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let auth = match auth_from_protocols(&offered) {
        Ok(auth) => auth,
        Err(message) => return error(400, "BadRequestException", &message),
    };
    let identity = match authorize(&state, &auth).await {
        Ok(identity) => identity,
        Err(message) => return error(401, "UnauthorizedException", &message),
    };
    let accept = derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(&mut request);

    let id = next_connection_id(&state);
    let (tx, rx) = mpsc::unbounded_channel();
    let task_state = state.clone();
    let task = tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let socket =
                    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None)
                        .await;
                run(&task_state, socket, rx).await;
            }
            Err(e) => tracing::debug!(error = %e, "WebSocket upgrade failed"),
        }
        task_state.connections.lock().unwrap().remove(&id);
    });
    state.connections.lock().unwrap().insert(
        id,
        Connection {
            sub: identity.sub,
            tx,
            abort: task.abort_handle(),
        },
    );
    hyper::Response::builder()
        .status(101)
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-accept", accept)
        .header("sec-websocket-protocol", PROTOCOL)
        .body(Body::default())
        .expect("a valid response")
}

fn errors(error_type: &str, message: &str) -> Value {
    json!([{"errorType": error_type, "message": message}])
}

/// One connection: client messages, events to deliver, keep-alives once acknowledged.
async fn run<S>(
    state: &State,
    mut socket: WebSocketStream<S>,
    mut events: mpsc::UnboundedReceiver<ToConnection>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut subscriptions: HashMap<String, Channel> = HashMap::new();
    let mut keep_alive: Option<tokio::time::Interval> = None;
    loop {
        let tick = async {
            match keep_alive.as_mut() {
                Some(interval) => interval.tick().await,
                None => std::future::pending().await,
            }
        };
        let out: Vec<Value> = tokio::select! {
            incoming = socket.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    answer(state, &mut subscriptions, &mut keep_alive, text.as_str()).await
                }
                Some(Ok(Message::Binary(_))) => vec![json!({
                    "type": "error",
                    "errors": errors("UnsupportedOperation", "messages are JSON text"),
                })],
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => Vec::new(),
            },
            Some(ToConnection::Event { channel, event }) = events.recv() => subscriptions
                .iter()
                .filter(|(_, subscribed)| subscribed.matches(&channel))
                .map(|(id, _)| json!({"type": "data", "id": id, "event": &*event}))
                .collect(),
            _ = tick => vec![json!({"type": "ka"})],
        };
        for message in out {
            if socket
                .send(Message::text(message.to_string()))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

/// The answers to one client message.
async fn answer(
    state: &State,
    subscriptions: &mut HashMap<String, Channel>,
    keep_alive: &mut Option<tokio::time::Interval>,
    text: &str,
) -> Vec<Value> {
    let message: Value = match serde_json::from_str(text) {
        Ok(message) => message,
        Err(e) => {
            return vec![json!({
                "type": "error",
                "errors": errors("UnsupportedOperation", &format!("not JSON: {e}")),
            })];
        }
    };
    let id = message
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string);
    match message.get("type").and_then(Value::as_str) {
        Some("connection_init") => {
            // The first tick fires at once: a ka follows the ack, as the service sends one.
            *keep_alive = Some(tokio::time::interval(state.config.keep_alive));
            vec![json!({
                "type": "connection_ack",
                "connectionTimeoutMs": CONNECTION_TIMEOUT.as_millis() as u64,
            })]
        }
        Some("subscribe") => vec![subscribe(state, subscriptions, id, &message).await],
        Some("unsubscribe") => {
            let Some(id) = id else {
                return vec![json!({
                    "type": "error",
                    "errors": errors("BadRequestException", "unsubscribe needs an id"),
                })];
            };
            if subscriptions.remove(&id).is_some() {
                vec![json!({"type": "unsubscribe_success", "id": id})]
            } else {
                vec![json!({
                    "type": "unsubscribe_error",
                    "id": id,
                    "errors": errors("UnknownOperationError", "no subscription has this id"),
                })]
            }
        }
        // Publishing is AWS_IAM only in the stack: no browser token may publish.
        Some("publish") => vec![json!({
            "type": "publish_error",
            "id": id,
            "errors": errors(
                "UnauthorizedException",
                "publishing is authorized with AWS_IAM only, over HTTP",
            ),
        })],
        other => vec![json!({
            "type": "error",
            "id": id,
            "errors": errors(
                "UnsupportedOperation",
                &format!("unknown message type {}", other.unwrap_or("(none)")),
            ),
        })],
    }
}

async fn subscribe(
    state: &State,
    subscriptions: &mut HashMap<String, Channel>,
    id: Option<String>,
    message: &Value,
) -> Value {
    let refuse = |id: &Option<String>, error_type: &str, text: &str| json!({"type": "subscribe_error", "id": id, "errors": errors(error_type, text)});
    let Some(sub_id) = id.clone().filter(|i| !i.is_empty()) else {
        return refuse(&id, "BadRequestException", "subscribe needs an id");
    };
    if subscriptions.contains_key(&sub_id) {
        return refuse(
            &id,
            "BadRequestException",
            "a subscription already has this id",
        );
    }
    let Some(auth) = message.get("authorization") else {
        return refuse(
            &id,
            "UnauthorizedException",
            "subscribe needs an authorization",
        );
    };
    let identity = match authorize(state, auth).await {
        Ok(identity) => identity,
        Err(text) => return refuse(&id, "UnauthorizedException", &text),
    };
    let path = message.get("channel").and_then(Value::as_str).unwrap_or("");
    let channel = match Channel::parse(path, true) {
        Ok(channel) => channel,
        Err(bad) => return refuse(&id, "BadRequestException", &bad.0),
    };
    if channel.namespace() != state.config.namespace {
        return refuse(
            &id,
            "BadRequestException",
            &format!("no channel namespace is named {}", channel.namespace()),
        );
    }
    if !owner_may_subscribe(&channel, &identity.sub) {
        return refuse(
            &id,
            "UnauthorizedException",
            "the channel's owner segment is not the caller's",
        );
    }
    subscriptions.insert(sub_id.clone(), channel);
    json!({"type": "subscribe_success", "id": sub_id})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of(json: &str) -> String {
        format!(
            "{AUTH_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
        )
    }

    #[test]
    fn the_auth_subprotocol_is_unpadded_base64url_json() {
        let auth = header_of(r#"{"host":"h","Authorization":"t"}"#);
        let value = auth_from_protocols(&[PROTOCOL, &auth]).unwrap();
        assert_eq!(value["Authorization"], "t");
        assert!(auth_from_protocols(&[&auth]).is_err());
        assert!(auth_from_protocols(&[PROTOCOL]).is_err());
        assert!(auth_from_protocols(&[PROTOCOL, &auth, &auth]).is_err());
        assert!(auth_from_protocols(&[PROTOCOL, "header-e30="]).is_err());
        assert!(auth_from_protocols(&[PROTOCOL, "header-bm90IGpzb24"]).is_err());
        assert!(auth_from_protocols(&[PROTOCOL, &header_of("[1]")]).is_err());
    }
}
