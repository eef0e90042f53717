//! The HTTP API's edge: API Gateway's payload 2.0 event read as it arrives, and the payload
//! 2.0 response it expects back.
//!
//! The event is read raw (not through lambda_http's `Request` conversion): API Gateway forwards
//! the query string exactly as the client sent it, and that conversion builds an `http::Uri`
//! from it, which panics on bytes a URI may not hold (`"`, `<`, a space). Here the route comes
//! from `routeKey` (API Gateway already matched it), the query is decoded by
//! [`parse_query`], and the caller is the `sub` claim the JWT authorizer verified.

use crate::domain::{ApiError, FormDecodeError, form_decode};
use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderMap, HeaderName, HeaderValue};
use base64::Engine;
use std::collections::BTreeMap;

use wiring::routes::{
    ABORT_UPLOAD, CANCEL_JOB, COMPLETE_UPLOAD, CREATE_UPLOAD, DELETE_JOB, GET_JOB, GET_KEY,
    HELD_PARTS, LIST_JOBS, PAGE, PAGE_ASSET, UPLOAD_PARTS,
};

/// Every route status-api serves: the front end's two public ones and the API's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /`: the page; public.
    Page,
    /// `GET /assets/{file}`: one of the page's assets, by the name as matched; public.
    Asset(String),
    ListJobs,
    /// The job id as API Gateway matched it, not yet validated.
    GetJob(String),
    /// The job's AES key; the job id as matched, not yet validated.
    GetKey(String),
    CreateUpload,
    /// More presigned part URLs of a multipart upload.
    UploadParts,
    /// The parts S3 holds of a multipart upload (for resuming).
    HeldParts,
    CompleteUpload,
    AbortUpload,
    /// Removes the video; the job id as matched, not yet validated.
    DeleteJob(String),
    /// Stops the job; the job id as matched, not yet validated.
    CancelJob(String),
}

impl Route {
    /// The page and its assets are public: the page is where a user signs in.
    pub fn is_public(&self) -> bool {
        matches!(self, Route::Page | Route::Asset(_))
    }
}

/// One request, understood: route, caller, decoded query and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    pub route: Route,
    /// The owner segment of the signed-in caller (see [`owner_segment`]); `None` only on a
    /// public route.
    pub owner: Option<String>,
    /// The client takes a gzipped answer (`Accept-Encoding`); the page's answers use it.
    pub accepts_gzip: bool,
    pub query: BTreeMap<String, String>,
    pub body: Option<String>,
}

impl ApiRequest {
    /// The signed-in caller's owner segment, or the 401 answer.
    pub fn owner(&self) -> Result<&str, ApiError> {
        self.owner.as_deref().ok_or_else(unauthorized)
    }
}

fn unauthorized() -> ApiError {
    ApiError {
        status: 401,
        code: "unauthorized",
        message: "sign in first: the request carries no verified user".into(),
    }
}

/// Reads one event. Every failure is the HTTP answer to give: 404 for a route this function
/// does not serve, 401 without a verified `sub`, 400 for a query or body that does not decode.
///
/// The public routes read nothing but `Accept-Encoding` and the asset's name: they are
/// answered whatever else the event holds (no sign-in, query or body to check).
pub fn read_event(mut event: serde_json::Value) -> Result<ApiRequest, ApiError> {
    let accepts_gzip = accepts_gzip(&event);
    if let Some(route) = public_route(&event) {
        return Ok(ApiRequest {
            route,
            owner: None,
            accepts_gzip,
            query: BTreeMap::new(),
            body: None,
        });
    }
    // The claims are read from the JSON as it is (the typed event wants every claim to be a
    // string), and the headers are not needed: a claim or a header the typed event cannot
    // hold must not turn a signed-in user's request into a 400.
    let sub = event
        .pointer("/requestContext/authorizer/jwt/claims/sub")
        .and_then(serde_json::Value::as_str)
        .filter(|sub| !sub.is_empty())
        .map(str::to_string);
    if let Some(context) = event
        .get_mut("requestContext")
        .and_then(serde_json::Value::as_object_mut)
    {
        context.remove("authorizer");
    }
    if let Some(object) = event.as_object_mut() {
        object.remove("headers");
        object.remove("cookies");
    }
    let event: ApiGatewayV2httpRequest = serde_json::from_value(event).map_err(|e| {
        ApiError::bad_request(
            "malformed_event",
            format!("not an HTTP API payload 2.0 event: {e}"),
        )
    })?;
    let route_key = event.route_key.as_deref().unwrap_or_default();
    let route = match route_key {
        LIST_JOBS => Route::ListJobs,
        GET_JOB => Route::GetJob(job_id_parameter(&event)),
        GET_KEY => Route::GetKey(job_id_parameter(&event)),
        CREATE_UPLOAD => Route::CreateUpload,
        UPLOAD_PARTS => Route::UploadParts,
        HELD_PARTS => Route::HeldParts,
        COMPLETE_UPLOAD => Route::CompleteUpload,
        ABORT_UPLOAD => Route::AbortUpload,
        DELETE_JOB => Route::DeleteJob(job_id_parameter(&event)),
        CANCEL_JOB => Route::CancelJob(job_id_parameter(&event)),
        other => {
            return Err(ApiError::not_found(
                "no_such_route",
                format!("no route {}", clip(other, 64)),
            ));
        }
    };
    let sub = sub.ok_or_else(unauthorized)?;
    let query = parse_query(event.raw_query_string.as_deref().unwrap_or_default())?;
    let body = match event.body {
        None => None,
        Some(text) if !event.is_base64_encoded => Some(text),
        Some(encoded) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded.as_bytes())
                .map_err(|_| {
                    ApiError::bad_request("malformed_body", "the body is not valid base64")
                })?;
            Some(String::from_utf8(bytes).map_err(|_| {
                ApiError::bad_request("malformed_body", "the body is not UTF-8 text")
            })?)
        }
    };
    Ok(ApiRequest {
        route,
        owner: Some(owner_segment(&sub)),
        accepts_gzip,
        query,
        body,
    })
}

/// The page's routes, read from the event as it is.
fn public_route(event: &serde_json::Value) -> Option<Route> {
    match event.get("routeKey").and_then(serde_json::Value::as_str)? {
        PAGE => Some(Route::Page),
        PAGE_ASSET => Some(Route::Asset(
            event
                .pointer("/pathParameters/file")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_string(),
        )),
        _ => None,
    }
}

fn accepts_gzip(event: &serde_json::Value) -> bool {
    event
        .pointer("/headers/accept-encoding")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|v| {
            v.split(',')
                .any(|e| e.trim().split(';').next() == Some("gzip"))
        })
}

/// `{jobId}` as API Gateway matched it (the path's segment after `/jobs/` when the event
/// carries no path parameters).
fn job_id_parameter(event: &ApiGatewayV2httpRequest) -> String {
    event
        .path_parameters
        .get("jobId")
        .cloned()
        .or_else(|| {
            let path = event.raw_path.as_deref().unwrap_or_default();
            let rest = path.split_once("/jobs/").map(|(_, rest)| rest)?;
            rest.split('/').next().map(str::to_string)
        })
        .unwrap_or_default()
}

/// The caller's owner segment (shared with the local AppSync stand-in through `wiring`).
pub use wiring::owner::owner_segment;

/// The query string as API Gateway forwards it (the client's bytes): each parameter once,
/// names and values form-decoded. Empty pairs (`a=1&&b=2`) are skipped.
pub fn parse_query(raw: &str) -> Result<BTreeMap<String, String>, ApiError> {
    let mut query = BTreeMap::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = form_decode(raw_name).map_err(|e| {
            ApiError::bad_request(
                "bad_query",
                format!(
                    "a query parameter name ({}) {}",
                    clip(raw_name, 64),
                    describe(e)
                ),
            )
        })?;
        let value = form_decode(raw_value).map_err(|e| {
            ApiError::bad_request(
                "bad_query",
                format!("query parameter {} {}", clip(&name, 64), describe(e)),
            )
        })?;
        if query.contains_key(&name) {
            return Err(ApiError::bad_request(
                "repeated_parameter",
                format!(
                    "query parameter {} is given more than once",
                    clip(&name, 64)
                ),
            ));
        }
        query.insert(name, value);
    }
    Ok(query)
}

fn describe(e: FormDecodeError) -> &'static str {
    match e {
        FormDecodeError::BadEscape => "has a malformed percent escape (expected %XX, XX hex)",
        FormDecodeError::NotUtf8 => "does not decode to UTF-8",
    }
}

/// `s` quoted for a message, cut to `max` characters: names in messages come from the client.
fn clip(s: &str, max: usize) -> String {
    let cut: String = s.chars().take(max).collect();
    if cut.len() < s.len() {
        format!("{cut:?}...")
    } else {
        format!("{cut:?}")
    }
}

/// An answer in the payload 2.0 response format with `headers` (lower-case names; a value
/// that is not a valid header value is left out). A `base64` body is sent by API Gateway as
/// the bytes it encodes.
pub fn response(
    status: u16,
    headers: &[(&'static str, &str)],
    body: String,
    base64: bool,
) -> ApiGatewayV2httpResponse {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            map.insert(HeaderName::from_static(name), value);
        }
    }
    let mut response = ApiGatewayV2httpResponse::default();
    response.status_code = i64::from(status);
    response.headers = map;
    response.body = Some(Body::Text(body));
    response.is_base64_encoded = base64;
    response
}

/// A JSON answer in the payload 2.0 response format; answers are never cached (they change
/// as the job runs, and they are per user).
pub fn json_response(
    status: u16,
    body: String,
    extra_headers: &[(&'static str, String)],
) -> ApiGatewayV2httpResponse {
    let mut headers = vec![
        ("content-type", "application/json"),
        ("cache-control", "no-store"),
    ];
    headers.extend(extra_headers.iter().map(|(n, v)| (*n, v.as_str())));
    response(status, &headers, body, false)
}

/// Raw bytes in the payload 2.0 response format: base64 in the body, `isBase64Encoded`, so
/// API Gateway sends the bytes themselves. Never cached (the key endpoint's answer is a
/// secret for one user).
pub fn bytes_response(
    status: u16,
    bytes: &[u8],
    content_type: &'static str,
) -> ApiGatewayV2httpResponse {
    response(
        status,
        &[
            ("content-type", content_type),
            ("cache-control", "no-store"),
        ],
        base64::engine::general_purpose::STANDARD.encode(bytes),
        true,
    )
}

/// An answer without a body (`204 No Content`), never cached.
pub fn empty_response(status: u16) -> ApiGatewayV2httpResponse {
    response(
        status,
        &[("cache-control", "no-store")],
        String::new(),
        false,
    )
}
