//! API Gateway's HTTP API in front of the functions, as the template configures it: requests
//! are matched to the template's route keys (`GET /jobs/{jobId}`, `ANY`, `{proxy+}`,
//! `$default`), pass the route's JWT authorizer ([`crate::authorizer`]) when it has one, and
//! reach the integration's function as payload format 2.0 events; the function's answer is
//! turned back into HTTP as API Gateway does. CORS follows the API's `CorsConfiguration`:
//! API Gateway answers preflight requests itself and puts its own CORS headers on every
//! answer, ignoring the function's.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::authorizer::Authorizer;
use crate::deployment::{Cors, RouteSpec};
use crate::http::{Reply, Req, form_decode, reply};
use crate::lambda::{Answer, Lambda};

/// A route key split for matching.
#[derive(Debug, Clone)]
pub struct RouteKey {
    pub key: String,
    method: Option<String>,
    segments: Vec<Segment>,
    default: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

impl RouteKey {
    pub fn parse(key: &str) -> Result<RouteKey, String> {
        if key == "$default" {
            return Ok(RouteKey {
                key: key.into(),
                method: None,
                segments: vec![],
                default: true,
            });
        }
        let (method, path) = key
            .split_once(' ')
            .ok_or(format!("route key {key:?} is not \"METHOD /path\""))?;
        let segments = path
            .trim_start_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => match name.strip_suffix('+') {
                        Some(greedy) => Segment::Greedy(greedy.into()),
                        None => Segment::Param(name.into()),
                    },
                    None => Segment::Literal(s.into()),
                },
            )
            .collect();
        Ok(RouteKey {
            key: key.into(),
            method: (method != "ANY").then(|| method.to_owned()),
            segments,
            default: false,
        })
    }

    /// The path parameters when `method` and `path` match this route.
    pub fn matches(&self, method: &str, path: &str) -> Option<BTreeMap<String, String>> {
        if self.default {
            return Some(BTreeMap::new());
        }
        if self.method.as_deref().is_some_and(|m| m != method) {
            return None;
        }
        let parts: Vec<&str> = path
            .trim_start_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        let mut params = BTreeMap::new();
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Greedy(name) => {
                    if i >= parts.len() {
                        return None;
                    }
                    params.insert(name.clone(), decode(&parts[i..].join("/")));
                    return Some(params);
                }
                Segment::Literal(l) => {
                    if parts.get(i) != Some(&l.as_str()) {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    params.insert(name.clone(), decode(parts.get(i)?));
                }
            }
        }
        (parts.len() == self.segments.len()).then_some(params)
    }

    /// API Gateway prefers the most specific route: a method over `ANY`, literal segments
    /// over variables, variables over a greedy variable, `$default` last.
    fn rank(&self) -> (u8, usize, usize, u8) {
        if self.default {
            return (0, 0, 0, 0);
        }
        let literals = self
            .segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count();
        let greedy = self
            .segments
            .iter()
            .any(|s| matches!(s, Segment::Greedy(_)));
        (
            if greedy { 1 } else { 2 },
            literals,
            self.segments.len(),
            u8::from(self.method.is_some()),
        )
    }
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

/// A route ready to serve.
pub struct Route {
    pub key: RouteKey,
    pub spec: RouteSpec,
    pub authorizer: Option<Arc<Authorizer>>,
    pub function: Arc<Lambda>,
}

pub struct Gateway {
    pub api_id: String,
    account_id: String,
    pub cors: Option<Cors>,
    pub routes: Vec<Route>,
    requests: AtomicU64,
}

impl Gateway {
    pub fn new(
        api_id: String,
        account_id: String,
        cors: Option<Cors>,
        mut routes: Vec<Route>,
    ) -> Gateway {
        routes.sort_by_key(|r| std::cmp::Reverse(r.key.rank()));
        Gateway {
            api_id,
            account_id,
            cors,
            routes,
            requests: AtomicU64::new(0),
        }
    }

    pub async fn handle(&self, req: Req) -> Reply {
        let origin = req.header("origin").map(str::to_owned);
        if let Some(cors) = &self.cors
            && req.method == "OPTIONS"
            && origin.is_some()
            && req.header("access-control-request-method").is_some()
        {
            return preflight(cors, origin.as_deref().unwrap_or(""), &req);
        }
        let mut answer = self.route(req).await;
        if let (Some(cors), Some(origin)) = (&self.cors, origin) {
            add_cors(cors, &origin, &mut answer);
        }
        answer
    }

    async fn route(&self, req: Req) -> Reply {
        let path = req.path().to_owned();
        let Some((route, params)) = self
            .routes
            .iter()
            .find_map(|r| r.key.matches(&req.method, &path).map(|p| (r, p)))
        else {
            return message(404, "Not Found");
        };
        let authorized = match &route.authorizer {
            None => None,
            Some(authorizer) => {
                let scopes: Vec<&str> = route.spec.scopes.iter().map(String::as_str).collect();
                match authorizer
                    .authorize(req.header("authorization"), &scopes)
                    .await
                {
                    Ok(ok) => Some(ok),
                    Err(denied) => {
                        return reply(
                            denied.status,
                            &[
                                ("content-type", "application/json"),
                                ("www-authenticate", &denied.www_authenticate(&scopes)),
                            ],
                            denied.body(),
                        );
                    }
                }
            }
        };
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        let event = self.event(
            &req,
            &route.key.key,
            &params,
            authorized.map(|a| a.request_context()),
            n,
        );
        match route.function.invoke(event.to_string().into_bytes()).await {
            Answer::Response(body) => integration_response(&body),
            Answer::Error(e) => {
                eprintln!("local: {} failed: {e}", route.function.name);
                message(500, "Internal Server Error")
            }
            Answer::Timeout => message(503, "Service Unavailable"),
        }
    }

    /// The payload format 2.0 event for `req` on `route`.
    pub fn event(
        &self,
        req: &Req,
        route_key: &str,
        params: &BTreeMap<String, String>,
        authorizer: Option<Value>,
        n: u64,
    ) -> Value {
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        let mut cookies = Vec::new();
        for (name, value) in &req.headers {
            if name == "cookie" {
                cookies.extend(value.split(';').map(|c| c.trim().to_owned()));
                continue;
            }
            headers
                .entry(name.clone())
                .and_modify(|v| {
                    v.push(',');
                    v.push_str(value);
                })
                .or_insert_with(|| value.clone());
        }
        let mut query: BTreeMap<String, String> = BTreeMap::new();
        for pair in req.query().split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (form_decode(k), form_decode(v));
            query
                .entry(k)
                .and_modify(|old| {
                    old.push(',');
                    old.push_str(&v);
                })
                .or_insert(v);
        }
        let now = chrono::Utc::now();
        let host = req.header("host").unwrap_or("127.0.0.1").to_owned();
        let request_id = format!("{:016x}{n:08x}", now.timestamp_micros());
        let mut context = json!({
            "accountId": self.account_id,
            "apiId": self.api_id,
            "domainName": host,
            "domainPrefix": host.split('.').next().unwrap_or(""),
            "http": {
                "method": req.method,
                "path": req.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": req.peer.ip().to_string(),
                "userAgent": req.header("user-agent").unwrap_or(""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            "timeEpoch": now.timestamp_millis(),
        });
        if let Some(authorizer) = authorizer {
            context["authorizer"] = authorizer;
        }
        let mut event = Map::new();
        event.insert("version".into(), json!("2.0"));
        event.insert("routeKey".into(), json!(route_key));
        event.insert("rawPath".into(), json!(req.path()));
        event.insert("rawQueryString".into(), json!(req.query()));
        if !cookies.is_empty() {
            event.insert("cookies".into(), json!(cookies));
        }
        event.insert("headers".into(), json!(headers));
        if !query.is_empty() {
            event.insert("queryStringParameters".into(), json!(query));
        }
        if !params.is_empty() {
            event.insert("pathParameters".into(), json!(params));
        }
        event.insert("requestContext".into(), context);
        if !req.body.is_empty() {
            let content_type = req.header("content-type").unwrap_or("");
            match std::str::from_utf8(&req.body) {
                Ok(text) if is_text(content_type) => {
                    event.insert("body".into(), json!(text));
                    event.insert("isBase64Encoded".into(), json!(false));
                }
                _ => {
                    event.insert("body".into(), json!(STANDARD.encode(&req.body)));
                    event.insert("isBase64Encoded".into(), json!(true));
                }
            }
        } else {
            event.insert("isBase64Encoded".into(), json!(false));
        }
        Value::Object(event)
    }
}

/// API Gateway passes these bodies as text; any other body is base64-encoded.
fn is_text(content_type: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    ct.starts_with("text/")
        || ct.contains("json")
        || ct.contains("xml")
        || ct.contains("javascript")
        || ct.starts_with("application/x-www-form-urlencoded")
}

fn message(status: u16, text: &str) -> Reply {
    reply(
        status,
        &[("content-type", "application/json")],
        json!({"message": text}).to_string(),
    )
}

/// A payload 2.0 answer as HTTP: a JSON object with `statusCode` is a structured answer;
/// anything else is a 200 with the answer as JSON body.
pub fn integration_response(body: &[u8]) -> Reply {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return message(500, "Internal Server Error");
    };
    let Some(status) = value.get("statusCode").and_then(Value::as_u64) else {
        return reply(
            200,
            &[("content-type", "application/json")],
            value.to_string(),
        );
    };
    let mut headers: Vec<(String, String)> = value
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .map(|(k, v)| {
                    let v = v.as_str().map(str::to_owned).unwrap_or(v.to_string());
                    (k.to_ascii_lowercase(), v)
                })
                .collect()
        })
        .unwrap_or_default();
    for cookie in value
        .get("cookies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(c) = cookie.as_str() {
            headers.push(("set-cookie".into(), c.into()));
        }
    }
    let text = value.get("body").and_then(Value::as_str).unwrap_or("");
    let body = if value.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        match STANDARD.decode(text) {
            Ok(bytes) => bytes,
            Err(_) => return message(500, "Internal Server Error"),
        }
    } else {
        text.as_bytes().to_vec()
    };
    if !headers.iter().any(|(n, _)| n == "content-type") {
        headers.push(("content-type".into(), "application/json".into()));
    }
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    reply(u16::try_from(status).unwrap_or(502), &refs, body)
}

fn preflight(cors: &Cors, origin: &str, req: &Req) -> Reply {
    let Some(allowed) = cors.allowed_origin(origin) else {
        return reply(204, &[], "");
    };
    let methods = cors.allow_methods.join(",");
    let requested_headers = req
        .header("access-control-request-headers")
        .unwrap_or("")
        .to_owned();
    // Only the requested headers the configuration allows are echoed back.
    let headers: Vec<&str> = requested_headers
        .split(',')
        .map(str::trim)
        .filter(|h| {
            !h.is_empty()
                && cors
                    .allow_headers
                    .iter()
                    .any(|a| a == "*" || a.eq_ignore_ascii_case(h))
        })
        .collect();
    let headers = headers.join(",");
    let max_age = cors.max_age.map(|m| m.to_string());
    let mut out = vec![
        ("access-control-allow-origin", allowed.as_str()),
        ("access-control-allow-methods", methods.as_str()),
        ("vary", "origin"),
    ];
    if !headers.is_empty() {
        out.push(("access-control-allow-headers", headers.as_str()));
    }
    if let Some(m) = &max_age {
        out.push(("access-control-max-age", m));
    }
    if cors.allow_credentials {
        out.push(("access-control-allow-credentials", "true"));
    }
    reply(204, &out, "")
}

fn add_cors(cors: &Cors, origin: &str, answer: &mut Reply) {
    let headers = answer.headers_mut();
    for name in [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-expose-headers",
        "access-control-allow-methods",
        "access-control-allow-headers",
    ] {
        headers.remove(name);
    }
    for (name, value) in cors.response_headers(origin) {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_keys_match_and_rank() {
        let job = RouteKey::parse("GET /jobs/{jobId}").unwrap();
        assert_eq!(job.matches("GET", "/jobs/a%20b").unwrap()["jobId"], "a b");
        assert!(job.matches("POST", "/jobs/x").is_none());
        assert!(job.matches("GET", "/jobs").is_none());
        assert!(job.matches("GET", "/jobs/x/key").is_none());
        let key = RouteKey::parse("GET /jobs/{jobId}/key").unwrap();
        assert_eq!(key.matches("GET", "/jobs/x/key").unwrap()["jobId"], "x");
        let greedy = RouteKey::parse("ANY /assets/{file+}").unwrap();
        assert_eq!(
            greedy.matches("HEAD", "/assets/a/b.js").unwrap()["file"],
            "a/b.js"
        );
        assert!(greedy.matches("GET", "/assets").is_none());
        let root = RouteKey::parse("GET /").unwrap();
        assert!(root.matches("GET", "/").is_some());
        assert!(root.matches("GET", "/x").is_none());
        let literal = RouteKey::parse("GET /jobs/latest").unwrap();
        let default = RouteKey::parse("$default").unwrap();
        let mut keys = [
            default.clone(),
            greedy.clone(),
            job.clone(),
            literal.clone(),
        ];
        keys.sort_by_key(|k| std::cmp::Reverse(k.rank()));
        let order: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(
            order,
            [
                "GET /jobs/latest",
                "GET /jobs/{jobId}",
                "ANY /assets/{file+}",
                "$default"
            ]
        );
    }

    fn req(target: &str, headers: &[(&str, &str)], body: &[u8]) -> Req {
        Req {
            method: "POST".into(),
            target: target.into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: bytes::Bytes::copy_from_slice(body),
            peer: "127.0.0.1:5555".parse().unwrap(),
        }
    }

    #[test]
    fn payload_2_0_events() {
        let gateway = Gateway::new("api1".into(), "123456789012".into(), None, vec![]);
        let params = BTreeMap::from([("jobId".to_string(), "j 1".to_string())]);
        let event = gateway.event(
            &req(
                "/jobs/j%201?a=1&a=2&b=x+y",
                &[
                    ("content-type", "application/json"),
                    ("cookie", "c1=1; c2=2"),
                    ("x-many", "1"),
                    ("x-many", "2"),
                ],
                br#"{"k":1}"#,
            ),
            "POST /jobs/{jobId}",
            &params,
            Some(json!({"jwt": {"claims": {"sub": "u"}, "scopes": null}})),
            7,
        );
        assert_eq!(event["version"], "2.0");
        assert_eq!(event["routeKey"], "POST /jobs/{jobId}");
        assert_eq!(event["rawPath"], "/jobs/j%201");
        assert_eq!(event["rawQueryString"], "a=1&a=2&b=x+y");
        assert_eq!(
            event["queryStringParameters"],
            json!({"a": "1,2", "b": "x y"})
        );
        assert_eq!(event["pathParameters"], json!({"jobId": "j 1"}));
        assert_eq!(event["cookies"], json!(["c1=1", "c2=2"]));
        assert_eq!(event["headers"]["x-many"], "1,2");
        assert!(event["headers"].get("cookie").is_none());
        assert_eq!(event["body"], r#"{"k":1}"#);
        assert_eq!(event["isBase64Encoded"], false);
        assert_eq!(
            event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"],
            "u"
        );
        assert_eq!(event["requestContext"]["http"]["method"], "POST");
        assert_eq!(event["requestContext"]["stage"], "$default");
        let binary = gateway.event(
            &req(
                "/uploads",
                &[("content-type", "video/mp4")],
                &[0, 159, 146, 150],
            ),
            "POST /uploads",
            &BTreeMap::new(),
            None,
            8,
        );
        assert_eq!(binary["isBase64Encoded"], true);
        assert_eq!(binary["body"], "AJ+Slg==");
        assert!(binary.get("pathParameters").is_none());
        assert!(binary["requestContext"].get("authorizer").is_none());
    }

    #[test]
    fn structured_and_bare_answers() {
        let answer = integration_response(
            br#"{"statusCode":201,"headers":{"X-A":"1"},"cookies":["c=1"],"body":"aGk=","isBase64Encoded":true}"#,
        );
        assert_eq!(answer.status(), 201);
        assert_eq!(answer.headers()["x-a"], "1");
        assert_eq!(answer.headers()["set-cookie"], "c=1");
        let bare = integration_response(br#"{"a":1}"#);
        assert_eq!(bare.status(), 200);
        assert_eq!(bare.headers()["content-type"], "application/json");
    }
}
