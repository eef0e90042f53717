//! The stand-in over real sockets on 127.0.0.1: the handshake, tokens, the owner rule,
//! wildcards, keep-alives, the drop hook and SigV4-checked publishes.

mod support;

use std::time::{Duration, SystemTime};

use appsync_local::Jwks;
use serde_json::{Value, json};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn a_missing_or_bad_subprotocol_is_refused() {
    let server = start().await;
    let good = auth_protocol(&auth(&server, &id_token(ANA)));
    for protocols in [
        vec![],
        vec![good.as_str()],
        vec!["aws-appsync-event-ws"],
        vec!["graphql-ws", good.as_str()],
        vec!["aws-appsync-event-ws", "header-%%%"],
        vec!["aws-appsync-event-ws", "header-eyJob3N0Ijoi"],
    ] {
        assert_eq!(
            refused_status(&server, &protocols).await,
            400,
            "{protocols:?}"
        );
    }
    assert_eq!(server.connections(), 0);
    // The good pair is accepted and the protocol name selected (checked inside `open`).
    open(&server, &["aws-appsync-event-ws", &good])
        .await
        .unwrap();
}

#[tokio::test]
async fn bad_expired_and_foreign_tokens_are_refused() {
    let server = start().await;
    let claims = |edit: &dyn Fn(&mut Value)| {
        let mut claims = json!({
            "sub": ANA, "iss": ISSUER, "aud": CLIENT_ID, "token_use": "id",
            "iat": now(), "exp": now() + 3600,
        });
        edit(&mut claims);
        sign(&claims)
    };
    let valid = id_token(ANA);
    let (head, rest) = valid.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let forged_claims = base64_json(&json!({
        "sub": BEN, "iss": ISSUER, "aud": CLIENT_ID, "token_use": "id", "exp": now() + 3600,
    }));
    let cases = [
        (
            "a forged payload",
            format!("{head}.{forged_claims}.{signature}"),
        ),
        ("expired", claims(&|c| c["exp"] = json!(now() - 1))),
        (
            "another issuer",
            claims(&|c| c["iss"] = json!("https://issuer.example")),
        ),
        (
            "another app client",
            claims(&|c| c["aud"] = json!("other-client")),
        ),
        ("no token_use", claims(&|c| c["token_use"] = Value::Null)),
        ("not a JWT", "not-a-token".to_string()),
    ];
    for (what, token) in cases {
        let protocol = auth_protocol(&auth(&server, &token));
        let status = refused_status(&server, &["aws-appsync-event-ws", &protocol]).await;
        assert_eq!(status, 401, "{what}");
    }
    // The auth JSON must name the API's host.
    let elsewhere = json!({"host": "other.example", "Authorization": valid});
    let status = refused_status(
        &server,
        &["aws-appsync-event-ws", &auth_protocol(&elsewhere)],
    )
    .await;
    assert_eq!(status, 401);
    // An access token (the app client in client_id) is accepted as AppSync accepts it.
    let access = sign(&json!({
        "sub": ANA, "iss": ISSUER, "client_id": CLIENT_ID, "token_use": "access",
        "exp": now() + 3600,
    }));
    open(
        &server,
        &[
            "aws-appsync-event-ws",
            &auth_protocol(&auth(&server, &access)),
        ],
    )
    .await
    .unwrap();
}

fn base64_json(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn the_ack_announces_the_timeout_and_keep_alives_follow() {
    let server = start().await;
    let auth = auth(&server, &id_token(ANA));
    let mut socket = open(&server, &["aws-appsync-event-ws", &auth_protocol(&auth)])
        .await
        .unwrap();
    send(&mut socket, json!({"type": "connection_init"})).await;
    let ack = next_any(&mut socket).await;
    assert_eq!(
        ack,
        json!({"type": "connection_ack", "connectionTimeoutMs": 300000})
    );
    let started = tokio::time::Instant::now();
    for _ in 0..3 {
        assert_eq!(next_any(&mut socket).await, json!({"type": "ka"}));
    }
    // Three at a 150 ms interval, the first at once: at least 300 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(290),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn only_the_callers_own_channels_may_be_subscribed() {
    let server = start().await;
    let mut socket = connect(&server, ANA).await;
    let answer = subscribe(
        &mut socket,
        &server,
        "s1",
        &format!("/jobs/{BEN}/job1"),
        ANA,
    )
    .await;
    assert_eq!(answer["type"], "subscribe_error", "{answer}");
    assert_eq!(answer["id"], "s1");
    assert_eq!(answer["errors"][0]["errorType"], "UnauthorizedException");

    for channel in ["/jobs/*", "/jobs"] {
        let answer = subscribe(&mut socket, &server, "s2", channel, ANA).await;
        assert_eq!(
            answer["errors"][0]["errorType"], "UnauthorizedException",
            "{channel}"
        );
    }
    for channel in ["/other/x/y", "/jobs/a_b/x", "/jobs/*/x", "/jobs/a/b/c/d/e"] {
        let answer = subscribe(&mut socket, &server, "s3", channel, ANA).await;
        assert_eq!(
            answer["errors"][0]["errorType"], "BadRequestException",
            "{channel}"
        );
    }
    // A subscribe carrying another user's token names that user as the caller: still refused
    // for Ana's channel.
    let answer = subscribe(
        &mut socket,
        &server,
        "s4",
        &format!("/jobs/{ANA}/job1"),
        BEN,
    )
    .await;
    assert_eq!(answer["errors"][0]["errorType"], "UnauthorizedException");
    // A subscribe without a valid token is refused.
    send(
        &mut socket,
        json!({"type": "subscribe", "id": "s5", "channel": format!("/jobs/{ANA}/job1"),
               "authorization": auth(&server, "garbage")}),
    )
    .await;
    let answer = next(&mut socket).await;
    assert_eq!(answer["type"], "subscribe_error");
    assert_eq!(answer["errors"][0]["errorType"], "UnauthorizedException");

    let answer = subscribe(
        &mut socket,
        &server,
        "s6",
        &format!("/jobs/{ANA}/job1"),
        ANA,
    )
    .await;
    assert_eq!(answer, json!({"type": "subscribe_success", "id": "s6"}));
    let again = subscribe(
        &mut socket,
        &server,
        "s6",
        &format!("/jobs/{ANA}/job2"),
        ANA,
    )
    .await;
    assert_eq!(
        again["type"], "subscribe_error",
        "a second subscription under one id"
    );
}

#[tokio::test]
async fn signed_publishes_reach_exact_and_wildcard_subscriptions_only() {
    let server = start().await;
    let mut ana = connect(&server, ANA).await;
    let mut ben = connect(&server, BEN).await;
    let job = format!("/jobs/{ANA}/job1");
    let all = format!("/jobs/{ANA}/*");
    assert_eq!(
        subscribe(&mut ana, &server, "exact", &job, ANA).await["type"],
        "subscribe_success"
    );
    assert_eq!(
        subscribe(&mut ana, &server, "all", &all, ANA).await["type"],
        "subscribe_success"
    );
    assert_eq!(
        subscribe(&mut ben, &server, "bens", &format!("/jobs/{BEN}/*"), BEN).await["type"],
        "subscribe_success"
    );

    let event = json!({"status": "PROGRESSING", "progress": 42, "seq": 7});
    let (status, answer) = publish(
        &server,
        &body(&job, std::slice::from_ref(&event)),
        Some(Signing::valid()),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["failed"], json!([]));
    assert_eq!(answer["successful"][0]["index"], 0);
    let identifier = answer["successful"][0]["identifier"].as_str().unwrap();
    assert_eq!(identifier.len(), 36);
    assert_eq!(
        identifier.as_bytes()[14],
        b'4',
        "a version 4 UUID: {identifier}"
    );

    let mut ids = Vec::new();
    for _ in 0..2 {
        let data = next(&mut ana).await;
        assert_eq!(data["type"], "data");
        assert_eq!(
            serde_json::from_str::<Value>(data["event"].as_str().unwrap()).unwrap(),
            event
        );
        ids.push(data["id"].as_str().unwrap().to_string());
    }
    ids.sort();
    assert_eq!(ids, ["all", "exact"]);

    // Another job of Ana's reaches the wildcard alone; Ben sees none of Ana's events, only
    // his own.
    let other = format!("/jobs/{ANA}/job2");
    publish(
        &server,
        &body(&other, &[json!({"n": 2})]),
        Some(Signing::valid()),
    )
    .await;
    publish(
        &server,
        &body(&format!("/jobs/{BEN}/j"), &[json!({"n": 3})]),
        Some(Signing::valid()),
    )
    .await;
    let data = next(&mut ana).await;
    assert_eq!(
        (data["id"].as_str(), data["event"].as_str()),
        (Some("all"), Some(r#"{"n":2}"#))
    );
    let data = next(&mut ben).await;
    assert_eq!(
        (data["id"].as_str(), data["event"].as_str()),
        (Some("bens"), Some(r#"{"n":3}"#))
    );

    // After unsubscribing, the exact subscription gets nothing more.
    send(&mut ana, json!({"type": "unsubscribe", "id": "exact"})).await;
    assert_eq!(
        next(&mut ana).await,
        json!({"type": "unsubscribe_success", "id": "exact"})
    );
    publish(
        &server,
        &body(&job, &[json!({"n": 4}), json!({"n": 5})]),
        Some(Signing::valid()),
    )
    .await;
    for n in [4, 5] {
        let data = next(&mut ana).await;
        assert_eq!(data["id"], "all");
        assert_eq!(data["event"], json!({"n": n}).to_string());
    }

    let log = server.publishes();
    assert_eq!(log.len(), 4);
    assert_eq!(log[0].channel, job);
    assert_eq!(log[3].events, [r#"{"n":4}"#, r#"{"n":5}"#]);
}

#[tokio::test]
async fn publishes_without_a_valid_signature_are_refused() {
    let server = start().await;
    let mut ana = connect(&server, ANA).await;
    let job = format!("/jobs/{ANA}/job1");
    assert_eq!(
        subscribe(&mut ana, &server, "s", &job, ANA).await["type"],
        "subscribe_success"
    );
    let request = body(&job, &[json!({"x": 1})]);

    let (status, answer) = publish(&server, &request, None).await;
    assert_eq!(
        (status, answer["errors"][0]["errorType"].as_str()),
        (401, Some("UnauthorizedException"))
    );

    let cases: [(&str, Signing, &str); 5] = [
        (
            "a wrong secret",
            Signing {
                secret_access_key: "wrong".into(),
                ..Signing::valid()
            },
            "InvalidSignatureException",
        ),
        (
            "another key id",
            Signing {
                access_key_id: "AKIDOTHER".into(),
                ..Signing::valid()
            },
            "UnrecognizedClientException",
        ),
        (
            "another service",
            Signing {
                service: "execute-api",
                ..Signing::valid()
            },
            "InvalidSignatureException",
        ),
        (
            "another region",
            Signing {
                region: "eu-west-1",
                ..Signing::valid()
            },
            "InvalidSignatureException",
        ),
        (
            "ten minutes old",
            Signing {
                time: SystemTime::now() - Duration::from_secs(600),
                ..Signing::valid()
            },
            "InvalidSignatureException",
        ),
    ];
    for (what, signing, error_type) in cases {
        let (status, answer) = publish(&server, &request, Some(signing)).await;
        assert_eq!(status, 403, "{what}: {answer}");
        assert_eq!(answer["errors"][0]["errorType"], error_type, "{what}");
    }
    // Four minutes of skew is within AWS's five.
    let late = Signing {
        time: SystemTime::now() - Duration::from_secs(240),
        ..Signing::valid()
    };
    assert_eq!(publish(&server, &request, Some(late)).await.0, 200);
    assert_eq!(server.publishes().len(), 1);
    assert_eq!(next(&mut ana).await["event"], r#"{"x":1}"#);
}

/// job-state signs with its session credentials: the token is signed and, when the config
/// names one, must be it.
#[tokio::test]
async fn session_credentials_sign_publishes() {
    let job = format!("/jobs/{ANA}/job1");
    let request = body(&job, &[json!({"x": 1})]);
    let with_token = |token| Signing {
        session_token: Some(token),
        ..Signing::valid()
    };
    let any_token = start().await;
    let (status, answer) = publish(&any_token, &request, Some(with_token("testing"))).await;
    assert_eq!(status, 200, "{answer}");

    let mut config = config(Jwks::Document(jwks()));
    config.credentials.session_token = Some("testing".into());
    let one_token = start_with(config).await;
    assert_eq!(
        publish(&one_token, &request, Some(with_token("testing")))
            .await
            .0,
        200
    );
    let (status, answer) = publish(&one_token, &request, Some(with_token("other"))).await;
    assert_eq!(
        (status, answer["errors"][0]["errorType"].as_str()),
        (403, Some("UnrecognizedClientException"))
    );
    assert_eq!(
        publish(&one_token, &request, Some(Signing::valid()))
            .await
            .0,
        403
    );
}

/// A body changed after signing no longer matches the signature.
#[tokio::test]
async fn a_body_changed_after_signing_is_refused() {
    let server = start().await;
    let job = format!("/jobs/{ANA}/job1");
    let signed = body(&job, &[json!({"x": 1})]).to_string();
    let tampered = body(&job, &[json!({"x": 2})]).to_string();
    let headers = publish_headers(&server, &signed, Some(Signing::valid()));
    let answer = raw_post(&server, &headers, &signed).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let answer = raw_post(&server, &headers, &tampered).await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("InvalidSignatureException"), "{answer}");
    assert_eq!(server.publishes().len(), 1);
}

/// `POST /event` over a raw socket, with exactly these headers.
async fn raw_post(
    server: &appsync_local::Server,
    headers: &[(String, String)],
    body: &str,
) -> String {
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let mut request = String::from("POST /event HTTP/1.1\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ));
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test]
async fn too_many_oversized_or_malformed_events_are_refused() {
    let server = start().await;
    let job = format!("/jobs/{ANA}/job1");
    let six: Vec<Value> = (0..6).map(|n| json!({"n": n})).collect();
    let big = json!("x".repeat(240 * 1024 - 2)); // exactly 240 KB of JSON text
    let too_big = json!("x".repeat(240 * 1024 - 1));
    let cases = [
        ("six events", body(&job, &six)),
        ("no events", body(&job, &[])),
        ("an event over 240 KB", body(&job, &[too_big])),
        (
            "an event that is not JSON",
            json!({"channel": job, "events": ["{not json"]}),
        ),
        (
            "an event that is not a string",
            json!({"channel": job, "events": [{"a": 1}]}),
        ),
        (
            "a wildcard channel",
            body(&format!("/jobs/{ANA}/*"), &[json!(1)]),
        ),
        ("another namespace", body("/other/a/b", &[json!(1)])),
        ("six segments", body("/jobs/a/b/c/d/e", &[json!(1)])),
        ("no channel", json!({"events": ["1"]})),
    ];
    for (what, request) in cases {
        let (status, answer) = publish(&server, &request, Some(Signing::valid())).await;
        assert_eq!(status, 400, "{what}: {answer}");
        assert_eq!(
            answer["errors"][0]["errorType"], "BadRequestException",
            "{what}"
        );
    }
    assert!(server.publishes().is_empty());
    let five: Vec<Value> = (0..5).map(|n| json!({"n": n})).collect();
    let (status, answer) = publish(&server, &body(&job, &five), Some(Signing::valid())).await;
    assert_eq!(status, 200);
    let indexes: Vec<&Value> = answer["successful"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["index"])
        .collect();
    assert_eq!(indexes, [0, 1, 2, 3, 4]);
    assert_eq!(
        publish(&server, &body(&job, &[big]), Some(Signing::valid()))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn the_drop_hook_closes_a_users_sockets() {
    let server = start().await;
    let mut ana = connect(&server, ANA).await;
    let mut ana_too = connect(&server, ANA).await;
    let mut ben = connect(&server, BEN).await;
    assert_eq!((server.connections(), server.connections_of(ANA)), (3, 2));

    assert_eq!(server.drop_user(ANA), 2);
    for socket in [&mut ana, &mut ana_too] {
        // Keep-alives sent before the drop may still be buffered; then the stream ends.
        let ended = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match futures_util::StreamExt::next(socket).await {
                    Some(Ok(Message::Text(text))) if text.as_str() == r#"{"type":"ka"}"# => {}
                    other => return other,
                }
            }
        })
        .await
        .expect("the socket ends within 5 s");
        assert!(!matches!(ended, Some(Ok(_))), "{ended:?}");
    }
    assert_eq!(server.connections(), 1);
    // Ben's socket still works.
    let answer = subscribe(&mut ben, &server, "b", &format!("/jobs/{BEN}/x"), BEN).await;
    assert_eq!(answer["type"], "subscribe_success");
    assert_eq!(server.drop_all(), 1);
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn unknown_messages_and_socket_publishes_get_errors() {
    let server = start().await;
    let mut socket = connect(&server, ANA).await;
    send(&mut socket, json!({"type": "start", "id": "1"})).await;
    let answer = next(&mut socket).await;
    assert_eq!(answer["type"], "error", "{answer}");
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("start")
    );

    socket.send_text("not json").await;
    assert_eq!(next(&mut socket).await["type"], "error");

    send(
        &mut socket,
        json!({"type": "publish", "id": "p", "channel": format!("/jobs/{ANA}/x"), "events": ["1"],
               "authorization": auth(&server, &id_token(ANA))}),
    )
    .await;
    let answer = next(&mut socket).await;
    assert_eq!(answer["type"], "publish_error");
    assert_eq!(answer["errors"][0]["errorType"], "UnauthorizedException");

    send(&mut socket, json!({"type": "unsubscribe", "id": "never"})).await;
    assert_eq!(next(&mut socket).await["type"], "unsubscribe_error");
    assert!(server.publishes().is_empty());
}

/// The local stack points the stand-in at moto's `jwks_uri`: the keys are fetched over HTTP.
#[tokio::test]
async fn keys_are_fetched_from_a_jwks_url() {
    let jwks_server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/pool/.well-known/jwks.json",
        jwks_server.local_addr().unwrap()
    );
    let document = jwks();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = jwks_server.accept().await.unwrap();
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer).await;
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{document}",
                document.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    let server = start_with(config(Jwks::Url(url))).await;
    let mut socket = connect(&server, ANA).await;
    let answer = subscribe(&mut socket, &server, "s", &format!("/jobs/{ANA}/job"), ANA).await;
    assert_eq!(answer["type"], "subscribe_success");

    let unreachable = start_with(config(Jwks::Url("http://127.0.0.1:9/jwks.json".into()))).await;
    let protocol = auth_protocol(&auth(&unreachable, &id_token(ANA)));
    assert_eq!(
        refused_status(&unreachable, &["aws-appsync-event-ws", &protocol]).await,
        401
    );
}

trait SendText {
    async fn send_text(&mut self, text: &str);
}

impl SendText for Socket {
    async fn send_text(&mut self, text: &str) {
        futures_util::SinkExt::send(self, Message::text(text))
            .await
            .unwrap();
    }
}

/// A request over a raw socket: the status and the JSON answer.
async fn hook(server: &appsync_local::Server, method: &str, path: &str) -> (u16, Value) {
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_http_test_hooks_answer_only_when_enabled() {
    let server = start().await;
    for (method, path) in [
        ("GET", "/test-hooks/publishes"),
        ("GET", "/test-hooks/connections"),
        ("POST", "/test-hooks/drop-all"),
    ] {
        assert_eq!(hook(&server, method, path).await.0, 404, "{method} {path}");
    }

    let mut config = config(Jwks::Document(jwks()));
    config.test_hooks = true;
    let server = start_with(config).await;
    let _ana = connect(&server, ANA).await;
    let _ana_too = connect(&server, ANA).await;
    let mut ben = connect(&server, BEN).await;
    let (status, open) = hook(&server, "GET", "/test-hooks/connections").await;
    assert_eq!(status, 200);
    assert_eq!(open, json!({"open": 3, "bySub": {ANA: 2, BEN: 1}}));

    let before = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap();
    let job = format!("/jobs/{ANA}/job1");
    let event = json!({"status": "PROGRESSING", "progress": 42});
    let (status, _) = publish(
        &server,
        &body(&job, std::slice::from_ref(&event)),
        Some(Signing::valid()),
    )
    .await;
    assert_eq!(status, 200);
    let after = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap();
    let (status, publishes) = hook(&server, "GET", "/test-hooks/publishes").await;
    assert_eq!(status, 200);
    assert_eq!(publishes.as_array().unwrap().len(), 1, "{publishes}");
    assert_eq!(publishes[0]["channel"], job.as_str());
    assert_eq!(publishes[0]["events"], json!([event.to_string()]));
    let received = publishes[0]["receivedMs"].as_f64().unwrap();
    assert!(
        before.as_secs_f64() * 1000.0 <= received && received <= after.as_secs_f64() * 1000.0,
        "{before:?} <= {received} <= {after:?}"
    );

    assert_eq!(hook(&server, "POST", "/test-hooks/drop-user").await.0, 400);
    assert_eq!(hook(&server, "GET", "/test-hooks/nothing").await.0, 404);
    let (status, dropped) =
        hook(&server, "POST", &format!("/test-hooks/drop-user?sub={ANA}")).await;
    assert_eq!((status, dropped), (200, json!({"dropped": 2})));
    assert_eq!(server.connections_of(ANA), 0);
    let answer = subscribe(&mut ben, &server, "b", &format!("/jobs/{BEN}/x"), BEN).await;
    assert_eq!(answer["type"], "subscribe_success");
    let (_, dropped) = hook(&server, "POST", "/test-hooks/drop-all").await;
    assert_eq!(dropped, json!({"dropped": 1}));
    assert_eq!(server.connections(), 0);
}
