//! The small HTTP/1.1 plumbing the local stand-ins share: a server on a bound listener that
//! reads each request whole and answers with a whole body, and a JSON POST client for moto.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::net::TcpListener;

use crate::error::Error;

pub type Body = Full<Bytes>;
pub type Reply = Response<Body>;

/// A request with its body read.
pub struct Req {
    pub method: String,
    /// The path and query as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub peer: std::net::SocketAddr,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("/")
    }

    pub fn query(&self) -> &str {
        self.target.split_once('?').map(|(_, q)| q).unwrap_or("")
    }
}

pub type Handler = Arc<dyn Fn(Req) -> Pin<Box<dyn Future<Output = Reply> + Send>> + Send + Sync>;

/// The largest request body read (API Gateway's HTTP API payload limit is 10 MB).
pub const MAX_BODY: usize = 10 * 1024 * 1024;

/// Binds 127.0.0.1:`port` (0: a free one) for the stand-in `what`, whose option `flag` picks
/// the port, and answers the listener with its URL.
pub async fn listen(
    port: u16,
    what: &'static str,
    flag: &'static str,
) -> Result<(TcpListener, String), Error> {
    let error = |source| Error::Listen {
        port,
        what,
        flag,
        source,
    };
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(error)?;
    let bound = listener.local_addr().map_err(error)?;
    Ok((listener, format!("http://127.0.0.1:{}", bound.port())))
}

/// A [`Handler`] that gives each request to `handle` with the shared `service`.
pub fn handler<S, F, Fut>(service: S, handle: F) -> Handler
where
    S: Send + Sync + 'static,
    F: Fn(Arc<S>, Req) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Reply> + Send + 'static,
{
    let service = Arc::new(service);
    Arc::new(move |req| Box::pin(handle(Arc::clone(&service), req)))
}

/// Serves `listener` until the task is aborted.
pub fn serve(listener: TcpListener, handler: Handler) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Ok((stream, peer)) = listener.accept().await {
            let handler = Arc::clone(&handler);
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<Incoming>| {
                    let handler = Arc::clone(&handler);
                    async move { Ok::<_, std::convert::Infallible>(handle(req, peer, handler).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

async fn handle(req: Request<Incoming>, peer: std::net::SocketAddr, handler: Handler) -> Reply {
    let (parts, body) = req.into_parts();
    let body = match http_body_util::Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return reply(
                413,
                &[("content-type", "application/json")],
                r#"{"message":"Request Entity Too Large"}"#,
            );
        }
    };
    let headers = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    handler(Req {
        method: parts.method.as_str().to_owned(),
        target,
        headers,
        body,
        peer,
    })
    .await
}

/// One `application/x-www-form-urlencoded` name or value: `+` is a space, then percent
/// escapes; bytes that are not UTF-8 become U+FFFD rather than an error, as the services the
/// local stack stands in for pass them on.
pub fn form_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// A response with `headers` and `body`.
pub fn reply(status: u16, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
    let mut builder =
        Response::builder().status(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(Full::new(body.into()))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::from_static(b"bad header"))))
}

/// Calls a JSON-protocol AWS operation on moto (`X-Amz-Target`), as the SDK would, with a
/// credential scope naming `service` (moto routes on it; it checks no signature).
pub async fn aws_json(
    endpoint: &str,
    service: &str,
    target: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, (u16, serde_json::Value)> {
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let request = Request::post(endpoint)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", target)
        .header(
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={}/20240101/{}/{service}/aws4_request, SignedHeaders=host, Signature=0",
                runtime_api::ACCESS_KEY_ID,
                runtime_api::REGION
            ),
        )
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(|e| (500, serde_json::json!({"message": e.to_string()})))?;
    let answer = client
        .request(request)
        .await
        .map_err(|e| (502, serde_json::json!({"message": format!("moto: {e}")})))?;
    let status = answer.status().as_u16();
    let bytes = answer
        .into_body()
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if status == 200 {
        Ok(value)
    } else {
        Err((status, value))
    }
}
