//! The AppSync Events publisher job-state pushes progress with: `POST <EVENTS_PUBLISH_URL>`
//! signed with SigV4 (service `appsync`) by the function's own credentials. There is no SDK
//! operation for it, so the request is signed with `aws-sigv4` (the SDK's signer) and sent
//! over hyper and rustls (the SDK's transport).
//!
//! A failed publish never fails the event: the state is stored, and the page recovers by
//! polling. It is logged and counted (EMF `PublishFailures`), and the caller moves on.

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::{Duration, SystemTime};

/// A publish waits at most this long: it runs inside job-state's invocation, after the write.
pub const PUBLISH_TIMEOUT: Duration = Duration::from_secs(2);

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// Why a publish did not go through (never holds a credential or the signature).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishError(pub String);

impl std::fmt::Display for PublishError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub struct Publisher {
    url: String,
    host: String,
    region: String,
    credentials: SharedCredentialsProvider,
    client: Client<Https, Full<Bytes>>,
}

impl Publisher {
    /// `url` is `EVENTS_PUBLISH_URL` (checked by the config); `region` and `credentials` are
    /// the function's, from aws-config.
    pub fn new(url: &str, region: &str, credentials: SharedCredentialsProvider) -> Self {
        let mut roots = rustls::RootCertStore::empty();
        // Certificates the system cannot parse are skipped, as the SDK does.
        let (_, _) =
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        let tls = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        let host = url
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or_default())
            .unwrap_or_default()
            .to_string();
        Publisher {
            url: url.to_string(),
            host,
            region: region.to_string(),
            credentials,
            client: Client::builder(TokioExecutor::new()).build(connector),
        }
    }

    /// Sends one publish body; `Ok` only when AppSync accepted every event.
    pub async fn publish(&self, body: String) -> Result<(), PublishError> {
        match tokio::time::timeout(PUBLISH_TIMEOUT, self.send(body)).await {
            Ok(result) => result,
            Err(_) => Err(PublishError(format!(
                "no answer within {} s",
                PUBLISH_TIMEOUT.as_secs()
            ))),
        }
    }

    async fn send(&self, body: String) -> Result<(), PublishError> {
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| PublishError(format!("no credentials: {e}")))?;
        let identity: Identity = credentials.into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("appsync")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| PublishError(format!("cannot sign: {e}")))?
            .into();
        let headers = [
            ("host", self.host.as_str()),
            ("content-type", "application/json"),
        ];
        let signable = SignableRequest::new(
            "POST",
            &self.url,
            headers.into_iter(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| PublishError(format!("cannot sign: {e}")))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| PublishError(format!("cannot sign: {e}")))?
            .into_parts();
        let mut request = hyper::Request::post(&self.url);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| PublishError(format!("bad request: {e}")))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| PublishError(format!("not sent: {e}")))?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| PublishError(format!("answer cut off: {e}")))?
            .to_bytes();
        let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        if status != 200 {
            return Err(PublishError(format!(
                "HTTP {status}: {}",
                clip(&String::from_utf8_lossy(&bytes))
            )));
        }
        let failed = answer["failed"].as_array().map_or(0, Vec::len);
        if failed > 0 {
            return Err(PublishError(format!(
                "{failed} event(s) failed: {}",
                clip(&answer["failed"].to_string())
            )));
        }
        Ok(())
    }
}

fn clip(text: &str) -> String {
    text.chars().take(300).collect()
}
