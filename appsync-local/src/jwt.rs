//! The `AMAZON_COGNITO_USER_POOLS` auth mode: a JWT in the auth JSON's `Authorization`, checked
//! against the pool's JWKS.
//!
//! As AppSync's Cognito mode does, both of a pool's token kinds are accepted: an id token
//! (`token_use` `id`, the app client in `aud`) and an access token (`token_use` `access`, the
//! app client in `client_id`). The app client must be one of [`JwtConfig::client_ids`] (the
//! service matches a regex, `AppIdClientRegex`; an empty list accepts any client, as a missing
//! regex does). `iss` must equal the issuer, `exp` must be in the future, with no leeway.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

/// Where the pool's signing keys come from.
#[derive(Debug, Clone)]
pub enum Jwks {
    /// A JWKS document (`{"keys": [...]}`), for tests.
    Document(String),
    /// A `jwks_uri` over plain HTTP on loopback (moto's `<endpoint>/<pool>/.well-known/jwks.json`).
    Url(String),
}

#[derive(Debug, Clone)]
pub struct JwtConfig {
    /// The pool's issuer, `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
    pub issuer: String,
    /// The app clients allowed; empty: any.
    pub client_ids: Vec<String>,
    pub jwks: Jwks,
}

impl JwtConfig {
    /// A Cognito pool served by moto at `endpoint`: the issuer AWS writes into the pool's
    /// tokens, the keys on loopback.
    pub fn cognito(endpoint: &str, region: &str, pool_id: &str, client_ids: Vec<String>) -> Self {
        JwtConfig {
            issuer: format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}"),
            client_ids,
            jwks: Jwks::Url(format!(
                "{}/{pool_id}/.well-known/jwks.json",
                endpoint.trim_end_matches('/')
            )),
        }
    }
}

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub sub: String,
}

/// An unknown `kid` fetches the key set again at most this often.
const REFETCH_AFTER: Duration = Duration::from_secs(10);
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Verifier {
    config: JwtConfig,
    client: Client<HttpConnector, Empty<Bytes>>,
    keys: tokio::sync::Mutex<(HashMap<String, Jwk>, Option<Instant>)>,
}

impl Verifier {
    pub fn new(config: JwtConfig) -> Self {
        Verifier {
            config,
            client: Client::builder(TokioExecutor::new()).build_http(),
            keys: tokio::sync::Mutex::new((HashMap::new(), None)),
        }
    }

    /// Checks one token; the error is the message for the client.
    pub async fn verify(&self, token: &str) -> Result<Identity, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| format!("not a JWT: {e}"))?;
        if header.alg != Algorithm::RS256 {
            return Err(format!(
                "the token is signed with {:?}, not RS256",
                header.alg
            ));
        }
        let kid = header.kid.ok_or("the token's header has no kid")?;
        let jwk = self.key(&kid).await?;
        let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("key {kid} is unusable: {e}"))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        validation.validate_aud = false;
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    "the token has expired".to_string()
                }
                jsonwebtoken::errors::ErrorKind::InvalidIssuer => {
                    "the token's issuer is not the user pool".to_string()
                }
                jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                    "the token's signature is invalid".to_string()
                }
                _ => format!("the token is invalid: {e}"),
            })?
            .claims;
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        let client = match text("token_use") {
            Some("id") => text("aud"),
            Some("access") => text("client_id"),
            _ => return Err("the token's token_use is neither id nor access".into()),
        }
        .ok_or("the token names no app client")?;
        if !self.config.client_ids.is_empty() && !self.config.client_ids.iter().any(|c| c == client)
        {
            return Err(format!("app client {client} is not allowed"));
        }
        let sub = text("sub").ok_or("the token's sub is not a string")?;
        Ok(Identity {
            sub: sub.to_string(),
        })
    }

    async fn key(&self, kid: &str) -> Result<Jwk, String> {
        let mut guard = self.keys.lock().await;
        let (keys, fetched) = &mut *guard;
        let may_fetch = fetched.is_none_or(|at| at.elapsed() >= REFETCH_AFTER);
        if !keys.contains_key(kid) && may_fetch {
            *fetched = Some(Instant::now());
            let document = match &self.config.jwks {
                Jwks::Document(text) => text.clone(),
                Jwks::Url(url) => self.fetch(url).await.map_err(|e| {
                    tracing::warn!(%url, error = %e, "JWKS fetch failed");
                    "the user pool's keys could not be fetched".to_string()
                })?,
            };
            let set: JwkSet =
                serde_json::from_str(&document).map_err(|e| format!("the JWKS is invalid: {e}"))?;
            *keys = set
                .keys
                .into_iter()
                .filter_map(|k| Some((k.common.key_id.clone()?, k)))
                .collect();
        }
        keys.get(kid)
            .cloned()
            .ok_or_else(|| format!("no key of the user pool has kid {kid:?}"))
    }

    async fn fetch(&self, url: &str) -> Result<String, String> {
        let uri: hyper::Uri = url.parse().map_err(|e| format!("bad URL: {e}"))?;
        let work = async {
            let response = self.client.get(uri).await.map_err(|e| e.to_string())?;
            if !response.status().is_success() {
                return Err(format!("answered {}", response.status()));
            }
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?;
            String::from_utf8(body.to_bytes().to_vec()).map_err(|e| e.to_string())
        };
        tokio::time::timeout(FETCH_TIMEOUT, work)
            .await
            .map_err(|_| format!("no answer within {FETCH_TIMEOUT:?}"))?
    }
}
