//! A stand-in on 127.0.0.1:0 with a test user pool (an RSA key made at test time), a
//! WebSocket client of the protocol and a SigV4-signed publisher.

#![allow(dead_code)]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use appsync_local::{Config, Credentials, Jwks, JwtConfig, Server};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

pub const REGION: &str = "us-east-1";
pub const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test";
pub const CLIENT_ID: &str = "test-app-client";
pub const KID: &str = "test-key";
pub const ANA: &str = "0d6e3c1a-7b5f-4a2e-9c8d-1f2e3a4b5c6d";
pub const BEN: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

pub fn credentials() -> Credentials {
    Credentials {
        access_key_id: "AKIDLOCALTEST".into(),
        secret_access_key: "local-test-secret".into(),
        session_token: None,
    }
}

/// One RSA key per test binary (a 2048-bit key takes a moment to make).
pub fn key() -> &'static KeyPair {
    static KEY: OnceLock<KeyPair> = OnceLock::new();
    KEY.get_or_init(|| KeyPair::generate(KeySize::Rsa2048).expect("an RSA key"))
}

/// The pool's JWKS: the test key's public half.
pub fn jwks() -> String {
    let public = key().public_key();
    json!({"keys": [{
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": KID,
        "n": B64.encode(public.modulus().big_endian_without_leading_zero()),
        "e": B64.encode(public.exponent().big_endian_without_leading_zero()),
    }]})
    .to_string()
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// An RS256 JWT with the given claims, signed with the test key.
pub fn sign(claims: &Value) -> String {
    let header = json!({"alg": "RS256", "kid": KID, "typ": "JWT"});
    let input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let mut signature = vec![0; key().public_modulus_len()];
    key()
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            input.as_bytes(),
            &mut signature,
        )
        .unwrap();
    format!("{input}.{}", B64.encode(signature))
}

/// A Cognito id token of `sub`, valid for an hour.
pub fn id_token(sub: &str) -> String {
    sign(&json!({
        "sub": sub, "iss": ISSUER, "aud": CLIENT_ID, "token_use": "id",
        "iat": now(), "exp": now() + 3600,
    }))
}

pub fn config(jwks: Jwks) -> Config {
    let mut config = Config::new(
        REGION,
        credentials(),
        JwtConfig {
            issuer: ISSUER.into(),
            client_ids: vec![CLIENT_ID.into()],
            jwks,
        },
    );
    config.keep_alive = Duration::from_millis(150);
    config
}

pub async fn start() -> Server {
    start_with(config(Jwks::Document(jwks()))).await
}

pub async fn start_with(config: Config) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    appsync_local::serve(listener, config).unwrap()
}

/// The auth JSON for a token.
pub fn auth(server: &Server, token: &str) -> Value {
    json!({"host": server.http_host(), "Authorization": token})
}

pub fn auth_protocol(auth: &Value) -> String {
    format!("header-{}", B64.encode(auth.to_string()))
}

pub type Socket = WebSocketStream<TcpStream>;

/// Opens the realtime socket offering `protocols`.
pub async fn open(server: &Server, protocols: &[&str]) -> Result<Socket, WsError> {
    let mut request = server.realtime_url().into_client_request().unwrap();
    if !protocols.is_empty() {
        request.headers_mut().insert(
            "sec-websocket-protocol",
            protocols.join(", ").parse().unwrap(),
        );
    }
    let stream = TcpStream::connect(server.addr()).await.unwrap();
    let (socket, response) = tokio_tungstenite::client_async(request, stream).await?;
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "aws-appsync-event-ws"
    );
    Ok(socket)
}

/// Opens the socket as `sub` and waits for `connection_ack`.
pub async fn connect(server: &Server, sub: &str) -> Socket {
    let auth = auth(server, &id_token(sub));
    let mut socket = open(server, &["aws-appsync-event-ws", &auth_protocol(&auth)])
        .await
        .expect("the handshake succeeds");
    send(&mut socket, json!({"type": "connection_init"})).await;
    let ack = next(&mut socket).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    socket
}

/// The handshake's HTTP status when the server refuses the upgrade.
pub async fn refused_status(server: &Server, protocols: &[&str]) -> u16 {
    match open(server, protocols).await {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("the handshake failed otherwise: {other}"),
        Ok(_) => panic!("the handshake succeeded"),
    }
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
}

/// The next message that is not a keep-alive.
pub async fn next(socket: &mut Socket) -> Value {
    loop {
        let message = next_any(socket).await;
        if message["type"] != "ka" {
            return message;
        }
    }
}

/// The next message, keep-alives included.
pub async fn next_any(socket: &mut Socket) -> Value {
    let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("a message within 5 s")
        .expect("the socket is open")
        .expect("a readable message");
    match message {
        Message::Text(text) => serde_json::from_str(text.as_str()).unwrap(),
        other => panic!("not a text message: {other:?}"),
    }
}

/// Subscribes as `sub` and returns the answer.
pub async fn subscribe(
    socket: &mut Socket,
    server: &Server,
    id: &str,
    channel: &str,
    sub: &str,
) -> Value {
    let authorization = auth(server, &id_token(sub));
    send(
        socket,
        json!({"type": "subscribe", "id": id, "channel": channel, "authorization": authorization}),
    )
    .await;
    next(socket).await
}

/// How a test signs a publish.
pub struct Signing {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub service: &'static str,
    pub region: &'static str,
    pub time: SystemTime,
    /// A Lambda's session credentials carry one (the local functions' is `testing`).
    pub session_token: Option<&'static str>,
}

impl Signing {
    pub fn valid() -> Self {
        let c = credentials();
        Signing {
            access_key_id: c.access_key_id,
            secret_access_key: c.secret_access_key,
            service: "appsync",
            region: REGION,
            time: SystemTime::now(),
            session_token: None,
        }
    }
}

/// The headers a publisher sends: the host and type it signs, then what aws-sigv4 adds for
/// `body` (none when unsigned).
pub fn publish_headers(
    server: &Server,
    body: &str,
    signing: Option<Signing>,
) -> Vec<(String, String)> {
    use aws_credential_types::Credentials as SdkCredentials;
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings};
    use aws_smithy_runtime_api::client::identity::Identity;

    let mut headers = vec![
        ("host".to_string(), server.http_host().to_string()),
        ("content-type".to_string(), "application/json".to_string()),
    ];
    let Some(signing) = signing else {
        return headers;
    };
    let identity: Identity = SdkCredentials::new(
        signing.access_key_id,
        signing.secret_access_key,
        signing.session_token.map(str::to_string),
        None,
        "test",
    )
    .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(signing.region)
        .name(signing.service)
        .time(signing.time)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let url = server.http_url();
    let signable = SignableRequest::new(
        "POST",
        url.as_str(),
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(body.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = aws_sigv4::http_request::sign(signable, &params)
        .unwrap()
        .into_parts();
    let added: Vec<(String, String)> = instructions
        .headers()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    headers.extend(added);
    headers
}

/// `POST /event` with `body`, signed as `signing` says (none: unsigned). Returns the status
/// and the JSON answer.
pub async fn publish(server: &Server, body: &Value, signing: Option<Signing>) -> (u16, Value) {
    let body = body.to_string();
    let mut request = hyper::Request::post(server.http_url());
    for (name, value) in publish_headers(server, &body, signing) {
        request = request.header(name, value);
    }
    let request = request.body(Full::new(Bytes::from(body))).unwrap();
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = client.request(request).await.expect("the stand-in answers");
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A publish body of `events` (each given as a JSON value, sent as its text).
pub fn body(channel: &str, events: &[Value]) -> Value {
    let texts: Vec<String> = events.iter().map(Value::to_string).collect();
    json!({"channel": channel, "events": texts})
}
