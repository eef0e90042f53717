//! status-api as the library's tests call it: payload 2.0 events made from the API fixture,
//! the users they are signed in as, and the answer read back as API Gateway would send it.

use super::Local;
use handlers::entrypoints::StatusApi;
use handlers::store::{InputFileTable, StatusTable, Ttl};
use testkit::Moto;
use testkit::fixtures::fixture;

/// The `sub` claim of the API fixtures' caller, who is also their owner segment.
pub const ALICE: &str = "0d5b3e9a-70a1-4c1e-9d5e-4f1a2b3c4d5e";

/// An HTTP API payload 2.0 event of `route_key`, built from the fixture's shape, signed in as
/// `sub` (`None`: no authorizer context).
pub fn api_event(
    route_key: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&str>,
    sub: Option<&str>,
) -> serde_json::Value {
    let mut e = fixture("apigw/get-job.json");
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let method = route_key.split(' ').next().unwrap_or("GET");
    e["routeKey"] = route_key.into();
    e["requestContext"]["routeKey"] = route_key.into();
    e["rawPath"] = path.into();
    e["requestContext"]["http"]["method"] = method.into();
    e["requestContext"]["http"]["path"] = path.into();
    e["rawQueryString"] = query
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into();
    match sub {
        Some(sub) => e["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = sub.into(),
        None => {
            e["requestContext"]
                .as_object_mut()
                .unwrap()
                .remove("authorizer");
        }
    }
    let object = e.as_object_mut().unwrap();
    object.remove("pathParameters");
    if route_key.ends_with("{jobId}") {
        let id = path.rsplit('/').next().unwrap_or_default();
        object.insert("pathParameters".into(), serde_json::json!({"jobId": id}));
    }
    if !query.is_empty() {
        object.insert(
            "queryStringParameters".into(),
            query
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
                .collect(),
        );
    }
    if let Some(b) = body {
        object.insert("body".into(), b.into());
    }
    e
}

/// [`api_event`] signed in as the fixtures' caller.
pub fn api_request(
    route_key: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&str>,
) -> serde_json::Value {
    api_event(route_key, path, query, body, Some(ALICE))
}

pub struct Answer {
    pub status: u16,
    pub headers: serde_json::Value,
    pub body: serde_json::Value,
    /// The body as sent, for byte-for-byte comparisons.
    pub text: String,
}

pub async fn call(api: &StatusApi, event: serde_json::Value) -> Answer {
    let response = api.handle(event).await;
    // What the Lambda runtime sends API Gateway: the payload 2.0 response's JSON.
    let sent = serde_json::to_value(&response).unwrap();
    assert_eq!(sent["isBase64Encoded"], false, "{sent}");
    assert_eq!(
        sent["headers"]["content-type"], "application/json",
        "{sent}"
    );
    assert_eq!(sent["headers"]["cache-control"], "no-store", "{sent}");
    let text = sent["body"]
        .as_str()
        .unwrap_or_else(|| panic!("no text body: {sent}"))
        .to_string();
    Answer {
        status: sent["statusCode"].as_u64().unwrap() as u16,
        headers: sent["headers"].clone(),
        body: serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
        text,
    }
}

/// The owner segment of the `sub` `bob@example.com` (not a plain token).
pub const BOB: &str = "~Ym9iQGV4YW1wbGUuY29t";

/// status-api on fresh tables, and the two tables tests write users' items into.
pub async fn api_and_tables(label: &str) -> (Local, StatusApi, InputFileTable, StatusTable) {
    let local = Local::create(&Moto::shared().endpoint(), label).await;
    let api = StatusApi::new(
        local.status_api_config(),
        local.dynamodb.clone(),
        local.s3.clone(),
        super::mediaconvert(&[]).1,
    );
    let ttl = Ttl { days: 1 };
    let inputs = InputFileTable::new(local.dynamodb.clone(), &local.names.input_file_table, ttl);
    let statuses = StatusTable::new(local.dynamodb.clone(), &local.names.job_status_table, ttl);
    (local, api, inputs, statuses)
}

/// A plain HTTP/1.1 PUT over a TcpStream, what a browser does with a presigned URL: the
/// status and the answer's `ETag` (UploadPart's, which completing the upload needs).
pub fn http_put(url: &str, headers: &serde_json::Value, body: &[u8]) -> (u16, Option<String>) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("moto is plain HTTP");
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut conn = std::net::TcpStream::connect(host).unwrap();
    let mut head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    // As a browser: Content-Length comes from the body, whatever length the URL signs.
    for (name, value) in headers.as_object().unwrap() {
        if name != "content-length" {
            head.push_str(&format!("{name}: {}\r\n", value.as_str().unwrap()));
        }
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(body).unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer);
    let status = answer.split_whitespace().nth(1).unwrap().parse().unwrap();
    let head = answer.split("\r\n\r\n").next().unwrap_or_default();
    let etag = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("etag")
            .then(|| value.trim().to_string())
    });
    (status, etag)
}

/// `answer` is the refusal `status` with the JSON error `code` and a message for people.
pub fn assert_refused(answer: &Answer, status: u16, code: &str, what: &str) {
    assert_eq!(answer.status, status, "{what}: {}", answer.body);
    assert_eq!(answer.body["error"]["code"], code, "{what}");
    assert!(
        answer.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}"
    );
}
