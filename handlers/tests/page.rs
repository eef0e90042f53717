//! The front end's page and assets as status-api serves them: rendering (escaping, injected
//! settings), the Content-Security-Policy, the asset route, and the page's size.

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::encodings::Body;
use aws_sdk_s3::config::{Credentials, Region};
use base64::Engine;
use handlers::http::{self, Route};
use handlers::page::{self, Page, PageConfig, SignInKind};
use serde_json::{Value, json};
use std::io::Read;

fn config() -> PageConfig {
    PageConfig::new(
        "cognito",
        "https://signin-x.auth.eu-west-1.amazoncognito.com".into(),
        "client123".into(),
        15,
        1 << 30,
        "https://d111111abcdef8.cloudfront.net".into(),
        vec![".mp4".into(), ".mov".into()],
    )
    .unwrap()
}

fn s3(endpoint: Option<&str>) -> aws_sdk_s3::Client {
    let mut builder = aws_sdk_s3::Config::builder()
        .behavior_version_latest()
        .region(Region::new("eu-west-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"));
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint_url(endpoint).force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(builder.build())
}

fn page(config: PageConfig, endpoint: Option<&str>) -> Page {
    Page::new(
        config,
        handlers::adapters::Storage::new(s3(endpoint)),
        "vod-dev-input".into(),
        "uploads/",
    )
}

fn event(route: &str, file: Option<&str>, gzip: bool) -> Value {
    let mut e = json!({
        "version": "2.0",
        "routeKey": route,
        "rawPath": "/",
        "rawQueryString": "",
        "headers": {},
        "requestContext": {"http": {"method": "GET", "path": "/"}},
        "isBase64Encoded": false,
    });
    if let Some(file) = file {
        e["pathParameters"] = json!({ "file": file });
    }
    if gzip {
        e["headers"]["accept-encoding"] = json!("gzip, deflate, br");
    }
    e
}

/// The answer to `event` when status-api's router sends it to the page, `None` otherwise.
fn serve(page: &Page, event: Value) -> Option<ApiGatewayV2httpResponse> {
    let request = http::read_event(event).ok()?;
    let gzip = request.accepts_gzip;
    match request.route {
        Route::Page => Some(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(page.page(gzip)),
        ),
        Route::Asset(name) => Some(page::asset(&name, gzip)),
        _ => None,
    }
}

fn header<'a>(r: &'a ApiGatewayV2httpResponse, name: &str) -> &'a str {
    r.headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

fn body_bytes(r: &ApiGatewayV2httpResponse) -> Vec<u8> {
    let Some(Body::Text(text)) = &r.body else {
        panic!("no text body")
    };
    let raw = if r.is_base64_encoded {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap()
    } else {
        text.as_bytes().to_vec()
    };
    if r.headers.get("content-encoding").is_some() {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        raw
    }
}

/// The JSON in `<script type="application/json" id="settings">`.
fn settings_of(html: &str) -> Value {
    let start = html
        .find(r#"<script type="application/json" id="settings">"#)
        .expect("a settings block");
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find("</script>").unwrap();
    serde_json::from_str(&rest[open..close]).unwrap()
}

#[test]
fn the_page_carries_the_stages_settings() {
    let html = page::render(&config()).unwrap();
    assert_eq!(
        settings_of(&html),
        json!({
            "signIn": {
                "kind": "cognito",
                "url": "https://signin-x.auth.eu-west-1.amazoncognito.com",
                "clientId": "client123",
                "scope": "openid email",
            },
            "statusIntervalSeconds": 15,
            "maxUploadBytes": 1u64 << 30,
            "videoSuffixes": [".mp4", ".mov"],
            "playbackUrl": "https://d111111abcdef8.cloudfront.net",
        })
    );
    // minijinja escapes `/` too (`&#x2f;`), which attributes decode.
    assert!(
        html.contains(r#"accept=".mp4,.mov,video&#x2f;mp4,video&#x2f;quicktime""#),
        "{html}"
    );
    assert!(html.contains(".mp4, .mov; up to 1 GiB."), "{html}");
    // Only external scripts besides the JSON block.
    for tag in html.match_indices("<script").map(|(i, _)| &html[i..]) {
        let tag = &tag[..tag.find('>').unwrap()];
        assert!(
            tag.contains("type=\"application/json\"") || tag.contains(" src=\"/assets/"),
            "inline script: {tag}"
        );
    }
    assert!(!html.contains(" style="), "inline style attribute");
    assert!(!html.contains("<style"), "inline style element");
    // Accessibility hooks the script drives.
    assert_eq!(html.matches(r#"role="progressbar""#).count(), 2);
    assert!(html.contains(r#"aria-live="polite""#));
    assert!(html.contains(r#"name="viewport""#));
}

#[test]
fn settings_and_attributes_are_escaped() {
    let mut hostile = config();
    hostile.client_id = "</script><script>alert(1)</script><!--".into();
    hostile.video_suffixes = vec![r#".mp4"><img src=x onerror=alert(2)>"#.into()];
    hostile.playback_url = "https://x\u{2028}'&".into();
    let html = page::render(&hostile).unwrap();
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(!html.contains("<!--"), "{html}");
    assert!(!html.contains('\u{2028}'), "{html}");
    assert!(
        html.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "{html}"
    );
    // The values survive the escaping: the script reads them back unchanged.
    let settings = settings_of(&html);
    assert_eq!(settings["signIn"]["clientId"], json!(hostile.client_id));
    assert_eq!(
        settings["videoSuffixes"][0],
        json!(hostile.video_suffixes[0])
    );
    assert_eq!(settings["playbackUrl"], json!(hostile.playback_url));
}

#[test]
fn get_page_answers_html_with_a_strict_content_security_policy() {
    let page = page(config(), None);
    let r = serve(&page, event("GET /", None, false)).expect("the page route");
    assert_eq!(r.status_code, 200);
    assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&r, "cache-control"), "no-store");
    assert_eq!(header(&r, "referrer-policy"), "no-referrer");
    assert_eq!(header(&r, "x-content-type-options"), "nosniff");
    let csp = header(&r, "content-security-policy");
    let directives: std::collections::BTreeMap<&str, Vec<&str>> = csp
        .split(';')
        .map(|d| {
            let mut words = d.split_whitespace();
            (words.next().unwrap(), words.collect())
        })
        .collect();
    assert_eq!(directives["default-src"], ["'none'"]);
    assert_eq!(directives["script-src"], ["'self'"], "{csp}");
    assert_eq!(directives["style-src"], ["'self'"], "{csp}");
    assert!(!csp.contains("unsafe-"), "{csp}");
    assert_eq!(
        directives["connect-src"],
        [
            "'self'",
            // The presigned PUT's origin: the input bucket's regional endpoint.
            "https://vod-dev-input.s3.eu-west-1.amazonaws.com",
            "https://d111111abcdef8.cloudfront.net",
            "https://signin-x.auth.eu-west-1.amazoncognito.com",
        ],
        "{csp}"
    );
    assert_eq!(
        directives["media-src"],
        ["'self'", "blob:", "https://d111111abcdef8.cloudfront.net"]
    );
    assert_eq!(directives["frame-ancestors"], ["'none'"]);
    assert_eq!(directives["base-uri"], ["'none'"]);
    let html = String::from_utf8(body_bytes(&r)).unwrap();
    assert!(html.starts_with("<!doctype html>"), "{html}");
}

#[test]
fn the_upload_origin_follows_the_s3_endpoint() {
    // The local stack: S3 on loopback, path-style.
    let page = page(config(), Some("http://127.0.0.1:45123"));
    let r = serve(&page, event("GET /", None, true)).unwrap();
    let csp = header(&r, "content-security-policy");
    assert!(
        csp.contains("connect-src 'self' http://127.0.0.1:45123 "),
        "{csp}"
    );
    assert_eq!(header(&r, "content-encoding"), "gzip");
    assert!(
        String::from_utf8(body_bytes(&r))
            .unwrap()
            .contains("<title>")
    );
}

#[test]
fn assets_are_served_by_name_and_compressed_when_accepted() {
    let page = page(config(), None);
    for (name, content_type) in [
        ("page.js", "text/javascript; charset=utf-8"),
        ("page.css", "text/css; charset=utf-8"),
        ("hls.light.min.js", "text/javascript; charset=utf-8"),
        ("hls.js-LICENSE.txt", "text/plain; charset=utf-8"),
    ] {
        let asset = page::ASSETS.iter().find(|a| a.name == name).unwrap();
        for gzip in [false, true] {
            let r = serve(&page, event("GET /assets/{file}", Some(name), gzip)).unwrap();
            assert_eq!(r.status_code, 200, "{name}");
            assert_eq!(header(&r, "content-type"), content_type);
            assert_eq!(
                header(&r, "cache-control"),
                "public, max-age=31536000, immutable"
            );
            assert_eq!(r.headers.get("content-encoding").is_some(), gzip, "{name}");
            assert_eq!(body_bytes(&r), asset.text.as_bytes(), "{name} gzip={gzip}");
        }
    }
    for unknown in ["", "nope.js", "../Cargo.toml", "page.js/"] {
        let r = serve(&page, event("GET /assets/{file}", Some(unknown), false)).unwrap();
        assert_eq!(r.status_code, 404, "{unknown:?}");
    }
    // The licence of the vendored hls.js is served beside it and linked from the page.
    let license = page::ASSETS
        .iter()
        .find(|a| a.name == page::HLS_JS_LICENSE)
        .unwrap();
    assert!(license.text.contains("Apache License"));
    let html = page::render(&config()).unwrap();
    assert!(html.contains("/assets/hls.js-LICENSE.txt"));
}

#[test]
fn other_routes_are_left_to_the_api() {
    let page = page(config(), None);
    for route in [
        "GET /jobs",
        "GET /jobs/{jobId}",
        "POST /uploads",
        "$default",
    ] {
        assert!(serve(&page, event(route, None, false)).is_none(), "{route}");
        let mut signed_in = event(route, None, false);
        signed_in["requestContext"]["authorizer"] = json!({"jwt": {"claims": {"sub": "u1"}}});
        if let Ok(request) = http::read_event(signed_in) {
            assert!(!request.route.is_public(), "{route}");
            assert_eq!(request.owner.as_deref(), Some("u1"), "{route}");
        }
    }
    assert!(serve(&page, json!({})).is_none());
}

#[test]
fn sign_in_by_another_oidc_provider_names_its_origin() {
    let mut oidc = config();
    oidc.sign_in_kind = SignInKind::Oidc;
    oidc.sign_in_url = "https://login.example.org/realms/videos".into();
    let csp = page::content_security_policy(&oidc, "https://b.s3.amazonaws.com");
    assert!(csp.contains(" https://login.example.org;"), "{csp}");
    assert_eq!(
        settings_of(&page::render(&oidc).unwrap())["signIn"]["kind"],
        "oidc"
    );
}

#[test]
fn origins_are_checked() {
    assert_eq!(
        page::origin("https://Example.com:8443/a?b").unwrap(),
        "https://example.com:8443"
    );
    assert_eq!(
        page::origin("http://127.0.0.1:9000/x").unwrap(),
        "http://127.0.0.1:9000"
    );
    for bad in [
        "http://example.com",
        "ftp://example.com",
        "example.com",
        "https://",
        "https://a b.com",
        "https://a.com;script-src",
        "https://a.com:x",
    ] {
        assert!(page::origin(bad).is_err(), "{bad}");
    }
}

/// The page's own weight (HTML + CSS + own JS, gzip), printed for the README and kept small:
/// no framework for one screen.
#[test]
fn with_push_the_page_gets_the_event_api_and_its_csp_admits_the_realtime_origin_only() {
    let mut with_push = config();
    with_push.push = Some(
        handlers::config::PushEndpoints::new(
            "abc.appsync-api.eu-west-1.amazonaws.com".into(),
            "wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime".into(),
        )
        .unwrap(),
    );
    let page = page(with_push, None);
    let r = serve(&page, event("GET /", None, false)).expect("the page route");
    let csp = header(&r, "content-security-policy");
    let connect = csp
        .split(';')
        .find_map(|d| d.trim().strip_prefix("connect-src "))
        .unwrap();
    assert!(
        connect.ends_with(" wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com"),
        "{csp}"
    );
    // The page never publishes: the HTTP endpoint is not admitted.
    assert!(!csp.contains("appsync-api"), "{csp}");
    let html = String::from_utf8(body_bytes(&r)).unwrap();
    assert_eq!(
        settings_of(&html)["push"],
        json!({
            "httpDomain": "abc.appsync-api.eu-west-1.amazonaws.com",
            "realtimeUrl": "wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com/event/realtime",
            "namespace": "jobs",
        })
    );
    for script in ["progress.js", "events.js", "page.js"] {
        assert!(
            html.contains(&format!("src=\"/assets/{script}?v=")),
            "{script}"
        );
    }
    // Without push (the handlers' tests' config), the settings say nothing of it.
    let plain = page::render(&config()).unwrap();
    assert!(settings_of(&plain).get("push").is_none());
}

#[test]
fn push_endpoints_are_checked() {
    use handlers::config::PushEndpoints;
    let ok = |d: &str, u: &str| PushEndpoints::new(d.into(), u.into());
    assert!(ok("a.b", "wss://a.c/event/realtime").is_ok());
    assert!(ok("127.0.0.1:4003", "ws://127.0.0.1:4003/event/realtime").is_ok());
    for (d, u) in [
        ("a.b", "ws://a.c/event/realtime"),
        ("a.b", "https://a.c/event/realtime"),
        ("a.b", "wss://a.c/other"),
        ("a b", "wss://a.c/event/realtime"),
        ("", "wss://a.c/event/realtime"),
        ("a.b\"", "wss://a.c/event/realtime"),
    ] {
        let e = ok(d, u).unwrap_err().to_string();
        assert!(e.contains("EVENTS_"), "{d} {u}: {e}");
    }
}

#[test]
fn the_page_stays_small() {
    let html = page::render(&config()).unwrap();
    let own = |name: &str| {
        page::ASSETS
            .iter()
            .find(|a| a.name == name)
            .unwrap()
            .text
            .as_bytes()
    };
    let parts = [
        ("html", html.as_bytes()),
        ("css", own("page.css")),
        ("js", own("page.js")),
        ("progress.js", own("progress.js")),
        ("events.js", own("events.js")),
    ];
    let mut total = 0;
    for (name, bytes) in parts {
        let gz = page::gzip_bytes(bytes).len();
        eprintln!("{name}: {} bytes, {gz} gzip", bytes.len());
        total += gz;
    }
    let hls = page::gzip_bytes(own(page::HLS_JS)).len();
    eprintln!("page (html+css+js): {total} bytes gzip; hls.js light: {hls} bytes gzip");
    assert!(total < 16 * 1024, "{total} bytes gzip");
}
