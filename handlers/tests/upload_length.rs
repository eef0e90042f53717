//! The upload's size is enforced by the signature, not only written in the URL: a PUT to a
//! URL from `Storage::presign_put` with a body of another length, or another content type,
//! is refused by a server that checks SigV4 (s3s-fs), as S3 refuses it. moto checks no
//! signature and stores whatever comes, so it cannot show this.
//!
//! What each server answered (s3s-fs 0.14.1, moto 5.2.5), for a URL signed for N bytes of
//! video/mp4:
//!
//! | PUT                                          | s3s-fs                        | moto     |
//! |----------------------------------------------|-------------------------------|----------|
//! | N bytes, the signed headers                  | 200                           | 200      |
//! | N-1 bytes (Content-Length N-1)               | 403 SignatureDoesNotMatch     | 200      |
//! | N+1 bytes (Content-Length N+1)               | 403 SignatureDoesNotMatch     | 200      |
//! | N bytes as video/webm                        | 403 SignatureDoesNotMatch     | 200      |
//! | Content-Length N, N-1 bytes, end of stream   | 500 InternalError, no object  | untested |
//! | Content-Length N, N+1 bytes                  | 200, the first N bytes stored | untested |
//! | N-1 bytes to a URL not signing the length    | 200                           | untested |
//!
//! Tried and not used: s3rver 3.7.1 (npm) checks only a presigned URL's access key id; with
//! the right key it answered 200 to N-1 bytes, N+1 bytes and video/webm, even when the URL
//! was signed with a wrong secret. s3s-fs is the one here that enforces the signed length.
//!
//! A client cannot send a body of another length under the signed `Content-Length`: HTTP
//! frames the body by that header, so a shorter body is a truncated request and a longer one
//! leaves its extra bytes to be read as the next request.

//! Multipart (`a_sigv4_checking_server_refuses_a_part_of_another_length`): each UploadPart
//! URL signs its part's length, so s3s-fs refuses a part one byte short or long (403
//! SignatureDoesNotMatch) and stores nothing of it; the API completes only when the parts S3
//! lists make the declared size (409 `parts_missing` before, nothing stored). What neither
//! moto 5.2.5 nor s3s-fs 0.14.1 enforces, and S3 does: an upload id belongs to one key (both
//! list, sign and complete an upload under any key), and ListParts on an unknown upload id is
//! NoSuchUpload (s3s-fs lists nothing). moto also signs nothing (the table above) and answers
//! ListParts under a root S3 does not use (testkit's moto renames it).

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use handlers::adapters::Storage;
use testkit::Moto;
use testkit::aws as moto;
use testkit::s3s_fs::S3sFs;

const SIZE: usize = 1024;
const KEY: &str = "uploads/owner/0123abcd/Big Buck Bunny.mp4";
const LIFETIME: Duration = Duration::from_secs(900);

/// What a server answered a PUT: its status and S3 error code, or no answer at all.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Status(u16, Option<String>),
    NoAnswer,
}

fn status(code: u16) -> Answer {
    Answer::Status(code, None)
}

fn refused(code: u16, error: &str) -> Answer {
    Answer::Status(code, Some(error.to_string()))
}

/// A PUT as a browser sends it: the signed headers it was told to send, except the length,
/// which comes from the body. `declared` overrides the Content-Length header, to send a body
/// that does not match its own framing.
fn put(
    url: &str,
    headers: &BTreeMap<String, String>,
    body: &[u8],
    declared: Option<usize>,
) -> Answer {
    let rest = url.strip_prefix("http://").expect("a loopback server");
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut conn = TcpStream::connect(host).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n",
        declared.unwrap_or(body.len())
    );
    for (name, value) in headers {
        if name != "content-length" {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("\r\n");
    // One write: a server that answers from the head alone (a bad signature) and closes
    // with body bytes still unread resets the connection, which can discard its answer
    // before this side reads it.
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    let _ = conn.write_all(&request);
    // Only a body shorter than its header needs an end of stream; hyper-based servers drop
    // the answer of a request whose client closed its sending side.
    if declared.is_some_and(|d| d > body.len()) {
        let _ = conn.shutdown(Shutdown::Write);
    }
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    let Some(code) = answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|a| a.get(..3))
        .and_then(|c| c.parse().ok())
    else {
        return Answer::NoAnswer;
    };
    let error = answer
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(code, _)| code.to_string());
    Answer::Status(code, error)
}

fn video(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

struct Proof {
    url: String,
    headers: BTreeMap<String, String>,
    s3: aws_sdk_s3::Client,
    bucket: String,
}

impl Proof {
    /// A bucket on the server and a URL presigned for SIZE bytes of video/mp4 into it.
    async fn new(endpoint: &str, bucket: &str) -> Proof {
        let s3 = moto::s3(endpoint);
        s3.create_bucket().bucket(bucket).send().await.unwrap();
        let presigned = Storage::new(s3.clone())
            .presign_put(bucket, KEY, Some("video/mp4"), SIZE as u64, LIFETIME)
            .await
            .unwrap();
        let signed = presigned
            .url
            .split_once("X-Amz-SignedHeaders=")
            .and_then(|(_, rest)| rest.split('&').next())
            .expect("the URL lists its signed headers")
            .replace("%3B", ";");
        assert_eq!(
            signed, "content-length;content-type;host",
            "{}",
            presigned.url
        );
        assert_eq!(
            presigned.headers.iter().collect::<Vec<_>>(),
            [
                (&"content-length".to_string(), &SIZE.to_string()),
                (&"content-type".to_string(), &"video/mp4".to_string()),
            ],
            "the headers to send are the signed ones without host"
        );
        Proof {
            url: presigned.url,
            headers: presigned.headers,
            s3,
            bucket: bucket.to_string(),
        }
    }

    fn put(&self, body: &[u8]) -> Answer {
        put(&self.url, &self.headers, body, None)
    }

    fn put_as(&self, content_type: &str, body: &[u8]) -> Answer {
        let mut headers = self.headers.clone();
        headers.insert("content-type".into(), content_type.into());
        put(&self.url, &headers, body, None)
    }

    fn put_framed(&self, declared: usize, body: &[u8]) -> Answer {
        put(&self.url, &self.headers, body, Some(declared))
    }

    async fn stored(&self) -> Option<Vec<u8>> {
        let object = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(KEY)
            .send()
            .await
            .ok()?;
        Some(object.body.collect().await.unwrap().into_bytes().to_vec())
    }
}

#[tokio::test]
async fn a_sigv4_checking_server_refuses_another_length_or_type() {
    let server = S3sFs::start();
    let proof = Proof::new(&server.endpoint(), "length-proof").await;

    let results = [
        ("N-1 bytes", proof.put(&video(SIZE - 1))),
        ("N+1 bytes", proof.put(&video(SIZE + 1))),
        ("video/webm", proof.put_as("video/webm", &video(SIZE))),
    ];
    for (case, answer) in &results {
        assert_eq!(
            answer,
            &refused(403, "SignatureDoesNotMatch"),
            "s3s-fs, {case}"
        );
    }
    assert_eq!(proof.stored().await, None, "a refused PUT stores nothing");

    // Content-Length N, N-1 bytes, then the end of the stream: s3s-fs fails reading the
    // body. (S3 waits for the rest, then answers 400 RequestTimeout.)
    assert_eq!(
        proof.put_framed(SIZE, &video(SIZE - 1)),
        refused(500, "InternalError"),
        "s3s-fs, Content-Length N with N-1 bytes"
    );
    assert_eq!(
        proof.stored().await,
        None,
        "a truncated body stores nothing"
    );

    let exact = video(SIZE);
    assert_eq!(proof.put(&exact), status(200), "s3s-fs, N bytes");
    assert_eq!(proof.stored().await.as_deref(), Some(&exact[..]));

    // Content-Length N with N+1 bytes: the server reads N, the PUT succeeds with exactly
    // the signed bytes, and the extra byte is never part of the object.
    let mut longer = video(SIZE);
    longer[0] = 7;
    longer.push(9);
    assert_eq!(
        proof.put_framed(SIZE, &longer),
        status(200),
        "s3s-fs, Content-Length N with N+1 bytes"
    );
    assert_eq!(proof.stored().await.as_deref(), Some(&longer[..SIZE]));

    // Control: a URL that does not sign the length (what presign_put made before) takes
    // N-1 bytes from the same server, so the refusals above come from the signed length.
    let unsigned = proof
        .s3
        .put_object()
        .bucket(&proof.bucket)
        .key(KEY)
        .content_type("video/mp4")
        .presigned(aws_sdk_s3::presigning::PresigningConfig::expires_in(LIFETIME).unwrap())
        .await
        .unwrap();
    let headers = BTreeMap::from([("content-type".to_string(), "video/mp4".to_string())]);
    assert_eq!(
        put(unsigned.uri(), &headers, &video(SIZE - 1), None),
        status(200),
        "s3s-fs, N-1 bytes to a URL without a signed length"
    );
}

#[tokio::test]
async fn moto_checks_no_signature_and_stores_any_length_or_type() {
    let proof = Proof::new(&Moto::shared().endpoint(), "length-proof-moto").await;
    for (case, body, content_type) in [
        ("N-1 bytes", video(SIZE - 1), "video/mp4"),
        ("N+1 bytes", video(SIZE + 1), "video/mp4"),
        ("video/webm", video(SIZE), "video/webm"),
        ("N bytes", video(SIZE), "video/mp4"),
    ] {
        assert_eq!(
            proof.put_as(content_type, &body),
            status(200),
            "moto, {case}"
        );
        assert_eq!(
            proof.stored().await,
            Some(body),
            "moto stored the {case} body"
        );
    }
}

/// status-api with its tables in moto and its input bucket on s3s-fs, which checks every
/// signature: the multipart routes as S3 would answer them.
#[tokio::test]
async fn a_sigv4_checking_server_refuses_a_part_of_another_length() {
    use common::api::{api_request, call};
    use handlers::domain::multipart::PART_BYTES;
    let server = S3sFs::start();
    let local = common::Local::create(&Moto::shared().endpoint(), "mp-length").await;
    let s3 = moto::s3(&server.endpoint());
    s3.create_bucket()
        .bucket(&local.names.input_bucket)
        .send()
        .await
        .unwrap();
    let api = handlers::entrypoints::StatusApi::new(
        local.status_api_config(),
        local.dynamodb.clone(),
        s3.clone(),
        common::mediaconvert(&[]).1,
    );
    let size = PART_BYTES as usize + 10;
    let file = video(size);
    let body = serde_json::json!({"fileName": "family.mp4", "size": size}).to_string();
    let started = call(
        &api,
        api_request("POST /uploads", "/uploads", &[], Some(&body)),
    )
    .await;
    assert_eq!(started.status, 201, "{}", started.body);
    let key = started.body["inputFile"].as_str().unwrap().to_string();
    let upload = serde_json::json!({"inputFile": key, "uploadId": started.body["uploadId"]});
    let part = |n: usize| {
        let p = &started.body["parts"][n - 1];
        let headers: BTreeMap<String, String> =
            serde_json::from_value(p["headers"].clone()).unwrap();
        (p["url"].as_str().unwrap().to_string(), headers)
    };
    let (url1, headers1) = part(1);
    let first = &file[..PART_BYTES as usize];
    for (case, bytes) in [
        ("a byte short", &first[1..]),
        ("a byte long", &file[..PART_BYTES as usize + 1]),
    ] {
        assert_eq!(
            put(&url1, &headers1, bytes, None),
            refused(403, "SignatureDoesNotMatch"),
            "part 1 {case}"
        );
    }
    let listed = |upload: &serde_json::Value| {
        let query = [
            (
                "inputFile",
                upload["inputFile"].as_str().unwrap().to_string(),
            ),
            ("uploadId", upload["uploadId"].as_str().unwrap().to_string()),
        ];
        api_request(
            "GET /uploads/parts",
            "/uploads/parts",
            &query
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
            None,
        )
    };
    let held = call(&api, listed(&upload)).await;
    assert_eq!(
        held.body["parts"],
        serde_json::json!([]),
        "a refused part is not held"
    );

    let (url2, headers2) = part(2);
    assert_eq!(
        put(&url2, &headers2, &file[PART_BYTES as usize..], None),
        status(200)
    );
    let complete = || {
        api_request(
            "POST /uploads/complete",
            "/uploads/complete",
            &[],
            Some(&upload.to_string()),
        )
    };
    let early = call(&api, complete()).await;
    assert_eq!(
        (early.status, early.body["error"]["code"].as_str()),
        (409, Some("parts_missing")),
        "{}",
        early.body
    );
    let stored = |s3: aws_sdk_s3::Client, bucket: String, key: String| async move {
        let object = s3.get_object().bucket(bucket).key(key).send().await.ok()?;
        Some(object.body.collect().await.unwrap().into_bytes().to_vec())
    };
    let bucket = local.names.input_bucket.clone();
    assert_eq!(stored(s3.clone(), bucket.clone(), key.clone()).await, None);

    assert_eq!(put(&url1, &headers1, first, None), status(200));
    let done = call(&api, complete()).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(stored(s3, bucket, key).await.as_deref(), Some(&file[..]));
}
