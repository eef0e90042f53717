//! `POST /event`: SigV4, then the body `{"channel", "events": ["<JSON text>", ...]}`.

use std::time::SystemTime;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use serde_json::{Value, json};

use crate::channel::Channel;
use crate::{Body, MAX_EVENT_BYTES, MAX_EVENTS_PER_PUBLISH, Publish, State, identifier, sigv4};

/// The largest body read: five largest events with room for the JSON around them.
const MAX_BODY_BYTES: usize = MAX_EVENTS_PER_PUBLISH * MAX_EVENT_BYTES * 2 + 4096;

/// An AppSync-style error answer: `{"errors": [{"errorType", "message"}]}`.
pub(crate) fn error(status: u16, error_type: &str, message: &str) -> hyper::Response<Body> {
    let body = json!({"errors": [{"errorType": error_type, "message": message}]});
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("a valid response")
}

fn bad_request(message: &str) -> hyper::Response<Body> {
    error(400, "BadRequestException", message)
}

pub(crate) async fn handle(
    state: &State,
    request: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Body> {
    let received = SystemTime::now();
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return error(413, "BadRequestException", "the request body is too large"),
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
        })
        .collect();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/event");
    if let Err(refused) = sigv4::verify(
        parts.method.as_str(),
        path_and_query,
        &headers,
        &body,
        &state.config.credentials,
        &state.config.region,
        SystemTime::now(),
    ) {
        return error(refused.status, refused.error_type, &refused.message);
    }

    let request: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(e) => return bad_request(&format!("the body is not JSON: {e}")),
    };
    let Some(path) = request.get("channel").and_then(Value::as_str) else {
        return bad_request("channel must be a string");
    };
    let channel = match Channel::parse(path, false) {
        Ok(channel) => channel,
        Err(bad) => return bad_request(&bad.0),
    };
    if channel.namespace() != state.config.namespace {
        return bad_request(&format!(
            "no channel namespace is named {}",
            channel.namespace()
        ));
    }
    let Some(events) = request.get("events").and_then(Value::as_array) else {
        return bad_request("events must be a list of strings");
    };
    if events.is_empty() || events.len() > MAX_EVENTS_PER_PUBLISH {
        return bad_request(&format!(
            "a publish carries 1 to {MAX_EVENTS_PER_PUBLISH} events, not {}",
            events.len()
        ));
    }
    let mut texts = Vec::with_capacity(events.len());
    for (index, event) in events.iter().enumerate() {
        let Some(text) = event.as_str() else {
            return bad_request(&format!("event {index} is not a string of JSON text"));
        };
        if text.len() > MAX_EVENT_BYTES {
            return bad_request(&format!(
                "event {index} is {} bytes; the limit is {MAX_EVENT_BYTES}",
                text.len()
            ));
        }
        if serde_json::from_str::<Value>(text).is_err() {
            return bad_request(&format!("event {index} is not valid JSON text"));
        }
        texts.push(text.to_string());
    }

    state.fan_out(&channel, &texts);
    let successful: Vec<Value> = (0..texts.len())
        .map(|index| json!({"identifier": identifier(), "index": index}))
        .collect();
    state.publishes.lock().unwrap().push(Publish {
        channel: channel.path(),
        events: texts,
        received,
    });
    let body = json!({"successful": successful, "failed": []});
    hyper::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("a valid response")
}
