//! The front end: one page and its static assets, served by status-api on the API's two
//! public routes (`GET /`, `GET /assets/{file}`).
//!
//! Served from the API's own URL rather than the playback distribution: the page then shares
//! its origin with the API (no CORS for the JSON calls, the key request included), the stage's
//! settings are injected at request time from status-api's environment (no build step per
//! stage, nothing to upload at deploy), and the distribution keeps serving `hls/` only.
//!
//! The page is rendered with minijinja from `templates/page.html.j2`, autoescaped as HTML; the
//! settings go in as JSON inside a `<script type="application/json">` block, which browsers
//! never execute, so the Content-Security-Policy admits no inline script at all: the one
//! script is `/assets/page.js`, plus the vendored hls.js.

use crate::adapters::Storage;
pub use crate::config::{PageConfig, SignInKind, origin};
use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use base64::Engine;
use serde::Serialize;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

const TEMPLATE_NAME: &str = "page.html.j2";
const TEMPLATE: &str = include_str!("../../templates/page.html.j2");

/// One static file: its name under `/assets/`, its content type and its text (all are text).
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub text: &'static str,
}

/// hls.js's light build (no subtitles, alternate audio, EME or CMCD: our HLS has muxed AAC and
/// AES-128, which the light build plays), vendored from the npm package pinned in
/// `handlers/assets/vendor/package-lock.json` (see scripts/vendor-hlsjs.sh).
pub const HLS_JS: &str = "hls.light.min.js";
pub const HLS_JS_LICENSE: &str = "hls.js-LICENSE.txt";

pub const ASSETS: [Asset; 6] = [
    Asset {
        name: "page.js",
        content_type: "text/javascript; charset=utf-8",
        text: include_str!("../assets/page.js"),
    },
    // The bar's model (pure, tested by node) and the AppSync Events client, both plain
    // scripts page.js uses.
    Asset {
        name: "progress.js",
        content_type: "text/javascript; charset=utf-8",
        text: include_str!("../assets/progress.js"),
    },
    Asset {
        name: "events.js",
        content_type: "text/javascript; charset=utf-8",
        text: include_str!("../assets/events.js"),
    },
    Asset {
        name: "page.css",
        content_type: "text/css; charset=utf-8",
        text: include_str!("../assets/page.css"),
    },
    Asset {
        name: HLS_JS,
        content_type: "text/javascript; charset=utf-8",
        text: include_str!("../assets/vendor/hls.light.min.js"),
    },
    Asset {
        name: HLS_JS_LICENSE,
        content_type: "text/plain; charset=utf-8",
        text: include_str!("../assets/vendor/LICENSE"),
    },
];

/// The page's settings as its script reads them (`#settings`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Settings<'a> {
    sign_in: SignInSettings<'a>,
    status_interval_seconds: u32,
    max_upload_bytes: u64,
    video_suffixes: &'a [String],
    playback_url: &'a str,
    /// Where progress is pushed; absent: the page polls only.
    #[serde(skip_serializing_if = "Option::is_none")]
    push: Option<PushSettings<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PushSettings<'a> {
    /// The `host` of the socket's auth JSON (`Dns.Http`).
    http_domain: &'a str,
    realtime_url: &'a str,
    namespace: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SignInSettings<'a> {
    kind: SignInKind,
    url: &'a str,
    client_id: &'a str,
    scope: &'static str,
}

/// JSON that can sit inside a `<script>` element: no `<`, `>` or `&` (so never `</script>` or
/// `<!--`), and no U+2028/U+2029.
fn json_for_script<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value)
        .expect("settings serialize")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// The Content-Security-Policy of the page: scripts and styles from the page's own origin
/// only (no inline script, no `eval`), the API on the same origin, the upload bucket, the
/// sign-in provider's token endpoint and the playlists by their origins, media from the
/// playback origin or hls.js's MediaSource (`blob:`), images (the posters) from the playback
/// origin, and the Event API's realtime origin (`wss://<Dns.Realtime>`) alone, not its HTTP
/// one: the page never publishes.
pub fn content_security_policy(config: &PageConfig, upload_origin: &str) -> String {
    let playback = origin(&config.playback_url).unwrap_or_default();
    let sign_in = origin(&config.sign_in_url).unwrap_or_default();
    let realtime = config.push.as_ref().map(|p| p.realtime_origin());
    let mut connect = vec!["'self'".to_string(), upload_origin.to_string()];
    for o in [&playback, &sign_in].into_iter().chain(realtime.as_ref()) {
        if !connect.contains(o) {
            connect.push(o.clone());
        }
    }
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: {playback}; \
         media-src 'self' blob: {playback}; connect-src {}; form-action 'self'; \
         base-uri 'none'; frame-ancestors 'none'",
        connect.join(" ")
    )
}

/// A short fingerprint of the assets, appended to their links so that they can be cached for
/// long and still change with each deployment.
fn assets_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for asset in &ASSETS {
            asset.text.hash(&mut hasher);
        }
        format!("{:016x}", hasher.finish())
    })
}

fn environment() -> &'static minijinja::Environment<'static> {
    static ENV: OnceLock<minijinja::Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = minijinja::Environment::new();
        // Every template here is HTML, whatever its file name says.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        env.add_template(TEMPLATE_NAME, TEMPLATE)
            .expect("templates/page.html.j2 parses");
        env
    })
}

/// Renders the page's HTML.
pub fn render(config: &PageConfig) -> Result<String, minijinja::Error> {
    let settings = Settings {
        sign_in: SignInSettings {
            kind: config.sign_in_kind,
            url: &config.sign_in_url,
            client_id: &config.client_id,
            scope: "openid email",
        },
        status_interval_seconds: config.status_interval_seconds,
        max_upload_bytes: config.max_upload_bytes,
        video_suffixes: &config.video_suffixes,
        playback_url: &config.playback_url,
        push: config.push.as_ref().map(|p| PushSettings {
            http_domain: &p.http_domain,
            realtime_url: &p.realtime_url,
            namespace: wiring::events::NAMESPACE,
        }),
    };
    let accept: Vec<String> = config
        .video_suffixes
        .iter()
        .map(|s| s.to_string())
        .chain(
            config
                .video_suffixes
                .iter()
                .filter_map(|s| crate::domain::upload::content_type_for(s))
                .map(str::to_string),
        )
        .collect();
    let template = environment().get_template(TEMPLATE_NAME)?;
    template.render(minijinja::context! {
        settings_json => minijinja::Value::from_safe_string(json_for_script(&settings)),
        accept => accept.join(","),
        suffixes => config.video_suffixes.join(", "),
        max_upload => human_bytes(config.max_upload_bytes),
        version => assets_version(),
        hls_js => HLS_JS,
        hls_js_license => HLS_JS_LICENSE,
    })
}

/// `1073741824` -> `1 GiB`, `1500000` -> `1.4 MiB`.
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut value = n as f64;
    let mut unit = "bytes";
    for u in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    if (value - value.round()).abs() < 0.05 {
        format!("{} {unit}", value.round())
    } else {
        format!("{value:.1} {unit}")
    }
}

/// The page's part of status-api: the answers of its two public routes ([`Route::Page`] and
/// [`Route::Asset`], routed with the API's own).
///
/// [`Route::Page`]: crate::http::Route::Page
/// [`Route::Asset`]: crate::http::Route::Asset
#[derive(Debug)]
pub struct Page {
    config: PageConfig,
    storage: Storage,
    input_bucket: String,
    probe_key: String,
    /// The page is the same for every request of a process (its settings come from the
    /// environment): rendered, compressed and given its CSP once, on the first request.
    rendered: OnceLock<Rendered>,
}

#[derive(Debug)]
struct Rendered {
    html: String,
    /// The gzipped page, base64-encoded as the Lambda answer carries it.
    gzipped: String,
    csp: String,
}

impl Page {
    pub fn new(
        config: PageConfig,
        storage: Storage,
        input_bucket: String,
        upload_prefix: &str,
    ) -> Self {
        Page {
            config,
            storage,
            input_bucket,
            probe_key: format!("{upload_prefix}origin-probe.mp4"),
            rendered: OnceLock::new(),
        }
    }

    /// The origin the browser uploads to, from a presigned URL like the ones `POST /uploads`
    /// answers with (presigning is local, no call is made): the bucket's regional endpoint
    /// on AWS, the endpoint the SDK is configured with elsewhere.
    async fn upload_origin(&self) -> Result<String, String> {
        let presigned = self
            .storage
            .presign_put(
                &self.input_bucket,
                &self.probe_key,
                Some("video/mp4"),
                1,
                Duration::from_secs(60),
            )
            .await
            .map_err(|e| e.to_string())?;
        origin(&presigned.url)
    }

    /// `GET /`: the page, gzipped when the client takes it.
    pub async fn page(&self, gzip: bool) -> ApiGatewayV2httpResponse {
        let rendered = match self.rendered.get() {
            Some(r) => r,
            None => match self.render_once().await {
                // A failure is not kept: the next request tries again.
                Ok(r) => self.rendered.get_or_init(|| r),
                Err(answer) => return answer,
            },
        };
        tracing::info!(decision = "page", "answered");
        let body = if gzip {
            Encoded::Gzip(&rendered.gzipped)
        } else {
            Encoded::Text(&rendered.html)
        };
        response(
            200,
            "text/html; charset=utf-8",
            body,
            // The settings may change with each deployment: never cached.
            "no-store",
            Some(&rendered.csp),
        )
    }

    async fn render_once(&self) -> Result<Rendered, ApiGatewayV2httpResponse> {
        let upload_origin = self.upload_origin().await.map_err(|e| {
            tracing::error!(error = %e, "no upload origin for the page");
            text_response(503, "the page is unavailable; retry later")
        })?;
        let html = render(&self.config).map_err(|e| {
            tracing::error!(error = %e, "the page did not render");
            text_response(500, "the page did not render")
        })?;
        Ok(Rendered {
            gzipped: gzip_base64(html.as_bytes()),
            csp: content_security_policy(&self.config, &upload_origin),
            html,
        })
    }
}

/// `GET /assets/{file}`: one asset by name, or 404.
pub fn asset(name: &str, gzip: bool) -> ApiGatewayV2httpResponse {
    // Compressed and encoded once per process: hls.js takes a noticeable moment at the best
    // level, and its base64 is 160 KB.
    static GZIPPED: [OnceLock<String>; ASSETS.len()] = [const { OnceLock::new() }; ASSETS.len()];
    let Some(index) = ASSETS.iter().position(|a| a.name == name) else {
        return text_response(404, "no such asset");
    };
    let a = &ASSETS[index];
    let body = if gzip {
        Encoded::Gzip(GZIPPED[index].get_or_init(|| gzip_base64(a.text.as_bytes())))
    } else {
        Encoded::Text(a.text)
    };
    response(
        200,
        a.content_type,
        body,
        // Linked with ?v=<fingerprint of every asset>: a new deployment is a new URL.
        "public, max-age=31536000, immutable",
        None,
    )
}

/// A body as it goes out: gzipped and base64-encoded already, or text as it is.
enum Encoded<'a> {
    Gzip(&'a str),
    Text(&'a str),
}

pub fn gzip_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

fn gzip_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(gzip_bytes(bytes))
}

fn text_response(status: u16, text: &str) -> ApiGatewayV2httpResponse {
    response(
        status,
        "text/plain; charset=utf-8",
        Encoded::Text(text),
        "no-store",
        None,
    )
}

fn response(
    status: u16,
    content_type: &'static str,
    body: Encoded<'_>,
    cache_control: &'static str,
    csp: Option<&str>,
) -> ApiGatewayV2httpResponse {
    let mut headers = vec![
        ("content-type", content_type),
        ("cache-control", cache_control),
        ("x-content-type-options", "nosniff"),
        // The page's URL carries the sign-in code for a moment: never sent to another site.
        ("referrer-policy", "no-referrer"),
        ("vary", "accept-encoding"),
    ];
    if let Some(csp) = csp {
        headers.push(("content-security-policy", csp));
    }
    // API Gateway's HTTP API does not compress: the function does, when the client accepts it.
    let (text, base64) = match body {
        Encoded::Gzip(encoded) => {
            headers.push(("content-encoding", "gzip"));
            (encoded, true)
        }
        Encoded::Text(text) => (text, false),
    };
    crate::http::response(status, &headers, text.to_string(), base64)
}
