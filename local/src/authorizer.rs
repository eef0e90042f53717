//! API Gateway's HTTP API JWT authorizer, as AWS documents it ("Controlling access to HTTP
//! APIs with JWT authorizers"), for the local stack and the tests of bad tokens:
//!
//! 1. The identity source (`Authorization`) holds the token, with or without `Bearer `.
//! 2. The token is a JWT signed with an RSA algorithm; its header's `kid` names a key of the
//!    issuer's JWKS, which is fetched once and cached (AWS caches it up to two hours).
//! 3. `iss` equals the issuer; `aud`, or `client_id` when there is no `aud`, is one of the
//!    audiences; `exp` is after now, `nbf` and `iat` are not after now. AWS documents no
//!    clock leeway, so there is none.
//! 4. When the route names scopes, the token's `scope` (or `scp`) holds at least one of them.
//!
//! Any failure answers 401 `{"message":"Unauthorized"}` with a `www-authenticate` header
//! naming the reason, as API Gateway does; a valid token without a route's scope answers 403
//! `{"message":"Forbidden"}` (RFC 6750's `insufficient_scope`). On success the claims are
//! what API Gateway passes in payload 2.0's `requestContext.authorizer.jwt.claims`: every
//! value a string.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::{Map, Value, json};

/// How long a fetched key set is used before it is fetched again (AWS: up to two hours).
pub const KEY_SET_LIFETIME: Duration = Duration::from_secs(2 * 60 * 60);

/// The default shortest time between two fetches that an unknown `kid` causes, so that
/// tokens with made-up key ids cannot make every request fetch the key set.
pub const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// One authorizer: the `JwtConfiguration` of an `AWS::ApiGatewayV2::Authorizer` and where its
/// issuer's keys are served.
#[derive(Debug, Clone)]
pub struct AuthorizerConfig {
    /// Compared with the token's `iss` as is.
    pub issuer: String,
    pub audiences: Vec<String>,
    /// The issuer's `jwks_uri`. API Gateway derives it from the issuer; locally the issuer
    /// names AWS while the keys are served on loopback, so it is given apart.
    pub jwks_url: String,
    pub min_refetch_interval: Duration,
}

impl AuthorizerConfig {
    /// A Cognito user pool's authorizer: the issuer AWS writes into the pool's tokens, with
    /// the keys served by a local Cognito (moto) at `<endpoint>/<pool id>/.well-known/jwks.json`.
    pub fn cognito(endpoint: &str, region: &str, pool_id: &str, audiences: Vec<String>) -> Self {
        AuthorizerConfig {
            issuer: format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}"),
            audiences,
            jwks_url: format!(
                "{}/{pool_id}/.well-known/jwks.json",
                endpoint.trim_end_matches('/')
            ),
            min_refetch_interval: MIN_REFETCH_INTERVAL,
        }
    }
}

/// An authorized request: what API Gateway hands the integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorized {
    /// Every claim of the token, each value as a string.
    pub claims: BTreeMap<String, String>,
    /// The token's scopes when the route requires scopes; none otherwise.
    pub scopes: Option<Vec<String>>,
}

impl Authorized {
    /// Payload 2.0's `requestContext.authorizer`.
    pub fn request_context(&self) -> Value {
        json!({"jwt": {"claims": self.claims, "scopes": self.scopes}})
    }
}

/// A refused request. The body is the same whatever the reason; the reason goes into the
/// `www-authenticate` header, as API Gateway's does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
}

impl Denied {
    fn invalid(description: impl Into<String>) -> Self {
        Denied {
            status: 401,
            error: "invalid_token",
            description: description.into(),
        }
    }

    pub fn body(&self) -> &'static str {
        if self.status == 403 {
            r#"{"message":"Forbidden"}"#
        } else {
            r#"{"message":"Unauthorized"}"#
        }
    }

    pub fn www_authenticate(&self, route_scopes: &[&str]) -> String {
        format!(
            "Bearer scope=\"{}\" error=\"{}\" error_description=\"{}\"",
            route_scopes.join(" "),
            self.error,
            self.description
        )
    }
}

#[derive(Default)]
struct KeySet {
    keys: HashMap<String, Jwk>,
    fetched: Option<Instant>,
}

pub struct Authorizer {
    config: AuthorizerConfig,
    client: Client<HttpConnector, Empty<Bytes>>,
    keys: tokio::sync::Mutex<KeySet>,
    fetches: AtomicUsize,
}

impl Authorizer {
    pub fn new(config: AuthorizerConfig) -> Self {
        Authorizer {
            config,
            client: Client::builder(TokioExecutor::new()).build_http(),
            keys: tokio::sync::Mutex::new(KeySet::default()),
            fetches: AtomicUsize::new(0),
        }
    }

    /// How many times the key set was fetched (successfully or not).
    pub fn key_set_fetches(&self) -> usize {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Checks a request's `Authorization` header for a route that requires `route_scopes`
    /// (none: any valid token).
    pub async fn authorize(
        &self,
        authorization: Option<&str>,
        route_scopes: &[&str],
    ) -> Result<Authorized, Denied> {
        let token = authorization
            .map(|h| strip_bearer(h.trim_start()).trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Denied::invalid("the request has no token"))?;
        let header =
            decode_header(token).map_err(|e| Denied::invalid(format!("not a valid JWT: {e}")))?;
        if !matches!(
            header.alg,
            Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512
        ) {
            return Err(Denied::invalid(format!(
                "the token's algorithm {:?} is not an RSA signature",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| Denied::invalid("the token has no kid"))?;
        let jwk = self.key(&kid).await?;
        if let Some(alg) = jwk.common.key_algorithm
            && alg.to_string() != format!("{:?}", header.alg)
        {
            return Err(Denied::invalid(format!(
                "key {kid} is for {alg}, not {:?}",
                header.alg
            )));
        }
        let key = DecodingKey::from_jwk(&jwk)
            .map_err(|e| Denied::invalid(format!("key {kid} is not usable: {e}")))?;

        let mut validation = Validation::new(header.alg);
        validation.leeway = 0;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        validation.required_spec_claims = ["exp".to_string()].into();
        let claims = decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                Denied::invalid(match e.kind() {
                    ErrorKind::ExpiredSignature => "the token has expired".to_string(),
                    ErrorKind::ImmatureSignature => "the token is not valid yet".to_string(),
                    ErrorKind::InvalidSignature => "the token's signature is invalid".to_string(),
                    _ => format!("the token is not valid: {e}"),
                })
            })?
            .claims;

        if claims.get("iss").and_then(Value::as_str) != Some(self.config.issuer.as_str()) {
            return Err(Denied::invalid("the token does not have a valid issuer"));
        }
        // AWS reads client_id only when there is no aud (Cognito's access tokens).
        let audience_ok = match claims.get("aud") {
            Some(Value::String(aud)) => self.config.audiences.contains(aud),
            Some(Value::Array(auds)) => auds
                .iter()
                .filter_map(Value::as_str)
                .any(|a| self.config.audiences.iter().any(|c| c == a)),
            Some(_) => false,
            None => claims
                .get("client_id")
                .and_then(Value::as_str)
                .is_some_and(|c| self.config.audiences.iter().any(|a| a == c)),
        };
        if !audience_ok {
            return Err(Denied::invalid("the token does not have a valid audience"));
        }
        if let Some(iat) = claims.get("iat") {
            let iat = iat
                .as_f64()
                .ok_or_else(|| Denied::invalid("the token's iat is not a number"))?;
            if iat > now_epoch() as f64 {
                return Err(Denied::invalid("the token was issued in the future"));
            }
        }

        let token_scopes = scopes(&claims);
        if !route_scopes.is_empty()
            && !route_scopes
                .iter()
                .any(|s| token_scopes.contains(&s.to_string()))
        {
            return Err(Denied {
                status: 403,
                error: "insufficient_scope",
                description: format!("expected scopes: [{}]", route_scopes.join(" ")),
            });
        }
        Ok(Authorized {
            claims: claims
                .iter()
                .map(|(name, value)| (name.clone(), claim_string(value)))
                .collect(),
            scopes: (!route_scopes.is_empty()).then_some(token_scopes),
        })
    }

    /// The key named `kid`: from the cached set, or from a fresh fetch when the set is
    /// missing or old, or when the kid is unknown and the last fetch is old enough.
    async fn key(&self, kid: &str) -> Result<Jwk, Denied> {
        let mut set = self.keys.lock().await;
        let age = set.fetched.map(|at| at.elapsed());
        let stale = age.is_none_or(|age| age >= KEY_SET_LIFETIME);
        let unknown = !set.keys.contains_key(kid);
        let may_refetch = age.is_none_or(|age| age >= self.config.min_refetch_interval);
        if stale || (unknown && may_refetch) {
            set.fetched = Some(Instant::now());
            self.fetches.fetch_add(1, Ordering::Relaxed);
            match self.fetch_keys().await {
                Ok(keys) => set.keys = keys,
                Err(e) => {
                    tracing::warn!(url = %self.config.jwks_url, error = %e, "JWKS fetch failed");
                    return Err(Denied::invalid("the issuer's keys could not be fetched"));
                }
            }
        }
        set.keys
            .get(kid)
            .cloned()
            .ok_or_else(|| Denied::invalid(format!("no key of the issuer has kid {kid:?}")))
    }

    async fn fetch_keys(&self) -> Result<HashMap<String, Jwk>, String> {
        let uri: hyper::Uri = self
            .config
            .jwks_url
            .parse()
            .map_err(|e| format!("bad JWKS URL: {e}"))?;
        let answer = tokio::time::timeout(FETCH_TIMEOUT, async {
            let response = self.client.get(uri).await.map_err(|e| e.to_string())?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok::<_, String>((status, body))
        })
        .await
        .map_err(|_| format!("no answer within {FETCH_TIMEOUT:?}"))??;
        let (status, body) = answer;
        if !status.is_success() {
            return Err(format!("answered {status}"));
        }
        let set: Value = serde_json::from_slice(&body).map_err(|e| format!("not JSON: {e}"))?;
        let keys = set
            .get("keys")
            .and_then(Value::as_array)
            .ok_or("no \"keys\" array")?;
        // A key of a type this authorizer cannot use (EC, oct, ...) is skipped, not fatal.
        Ok(keys
            .iter()
            .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
            .filter(|k| matches!(k.algorithm, AlgorithmParameters::RSA(_)))
            .filter_map(|k| Some((k.common.key_id.clone()?, k)))
            .collect())
    }
}

fn strip_bearer(value: &str) -> &str {
    match value.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => value[7..].trim_start(),
        _ => value,
    }
}

fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `scope` (space-separated, OAuth) or `scp` (a list or a string).
fn scopes(claims: &Map<String, Value>) -> Vec<String> {
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    match claims.get("scope").or_else(|| claims.get("scp")) {
        Some(Value::String(s)) => words(s),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// A claim as payload 2.0 carries it: strings as they are, numbers and booleans as their
/// JSON text, lists as `[a b c]` (what API Gateway writes, e.g. for `cognito:groups`).
/// Objects and null keep their JSON text.
pub fn claim_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(claim_string).collect::<Vec<_>>().join(" ")
        ),
        other => other.to_string(),
    }
}
