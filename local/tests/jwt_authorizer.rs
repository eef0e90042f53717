//! The JWT authorizer against moto's Cognito: real tokens from a user pool, and tokens this
//! test signs with moto's own signing key, every one checked with the JWKS moto serves on
//! loopback.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use local::authorizer::{Authorized, Authorizer, AuthorizerConfig, Denied};
use num_bigint::BigUint;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use testkit::{Moto, REGION};

const PASSWORD: &str = "Correct-Horse-9-battery";

/// One AWS JSON 1.1 call to moto's Cognito. The authorization header only names the service
/// and region for moto's routing; moto checks no signature.
async fn cognito(moto: &Moto, operation: &str, body: Value) -> Value {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = hyper::Request::post(moto.endpoint())
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{operation}"),
        )
        .header(
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={}/20260101/{REGION}/cognito-idp/aws4_request, \
                 SignedHeaders=host, Signature=0",
                testkit::ACCESS_KEY_ID
            ),
        )
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    let response = client.request(request).await.expect("moto answers");
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert!(
        status.is_success(),
        "{operation} answered {status}: {}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&body).unwrap_or(Value::Null)
}

/// A user pool with two app clients and one user with a permanent password.
struct Pool {
    id: String,
    client_id: String,
    other_client_id: String,
    user_sub: String,
}

const USER: &str = "ana@example.com";

impl Pool {
    async fn create(moto: &Moto, name: &str) -> Pool {
        let pool = cognito(
            moto,
            "CreateUserPool",
            json!({"PoolName": name, "UsernameAttributes": ["email"]}),
        )
        .await;
        let id = pool["UserPool"]["Id"].as_str().unwrap().to_string();
        let mut clients = Vec::new();
        for client in ["web", "other"] {
            let answer = cognito(
                moto,
                "CreateUserPoolClient",
                json!({"UserPoolId": id, "ClientName": client,
                       "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
            )
            .await;
            clients.push(
                answer["UserPoolClient"]["ClientId"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        let user = cognito(
            moto,
            "AdminCreateUser",
            json!({"UserPoolId": id, "Username": USER, "MessageAction": "SUPPRESS",
                   "UserAttributes": [{"Name": "email", "Value": USER}]}),
        )
        .await;
        cognito(
            moto,
            "AdminSetUserPassword",
            json!({"UserPoolId": id, "Username": USER, "Password": PASSWORD, "Permanent": true}),
        )
        .await;
        let user_sub = user["User"]["Attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["Name"] == "sub")
            .map(|a| a["Value"].as_str().unwrap().to_string())
            .expect("the user has a sub");
        let [client_id, other_client_id] = clients.try_into().unwrap();
        Pool {
            id,
            client_id,
            other_client_id,
            user_sub,
        }
    }

    /// (ID token, access token) from USER_PASSWORD_AUTH, as the app client gets them.
    async fn sign_in(&self, moto: &Moto, client_id: &str) -> (String, String) {
        let answer = cognito(
            moto,
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id,
                   "AuthParameters": {"USERNAME": USER, "PASSWORD": PASSWORD}}),
        )
        .await;
        let result = &answer["AuthenticationResult"];
        (
            result["IdToken"].as_str().unwrap().to_string(),
            result["AccessToken"].as_str().unwrap().to_string(),
        )
    }

    fn issuer(&self) -> String {
        format!("https://cognito-idp.{REGION}.amazonaws.com/{}", self.id)
    }

    fn authorizer(&self, moto: &Moto) -> Authorizer {
        Authorizer::new(AuthorizerConfig::cognito(
            &moto.endpoint(),
            REGION,
            &self.id,
            vec![self.client_id.clone()],
        ))
    }
}

/// moto's signing key (the private half of the JWKS it serves for every pool), read from
/// the installed package.
fn moto_private_key() -> Value {
    let out = std::process::Command::new(testkit::tool("python"))
        .arg("-c")
        .arg(
            // Found without importing moto, which takes seconds.
            "import gzip, os, importlib.util as u\n\
             m = u.find_spec('moto').submodule_search_locations[0]\n\
             p = os.path.join(m, 'cognitoidp', 'resources', 'jwks-private.json.gz')\n\
             print(gzip.open(p).read().decode())",
        )
        .output()
        .expect("run the venv's python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key: Value = serde_json::from_slice(&out.stdout).unwrap();
    key.get("keys").map(|k| k[0].clone()).unwrap_or(key)
}

/// An RS256 JWT (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 3.3) signed with a JWK's n and d.
fn sign_rs256(key: &Value, header: &Value, claims: &Value) -> String {
    let int =
        |name: &str| BigUint::from_bytes_be(&B64.decode(key[name].as_str().unwrap()).unwrap());
    let (n, d) = (int("n"), int("d"));
    let input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    // DER of DigestInfo { sha256, hash } ahead of the hash (RFC 8017 9.2, note 1).
    let mut t = vec![
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    t.extend_from_slice(&Sha256::digest(input.as_bytes()));
    let k = n.to_bytes_be().len();
    let mut em = vec![0x00, 0x01];
    em.resize(k - t.len() - 1, 0xff);
    em.push(0x00);
    em.extend_from_slice(&t);
    let s = BigUint::from_bytes_be(&em).modpow(&d, &n).to_bytes_be();
    let mut signature = vec![0; k - s.len()];
    signature.extend_from_slice(&s);
    format!("{input}.{}", B64.encode(signature))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn rs256_header(kid: &str) -> Value {
    json!({"alg": "RS256", "kid": kid, "typ": "JWT"})
}

/// Claims of an ID token of the pool, as Cognito writes them.
fn id_claims(pool: &Pool, client_id: &str) -> Value {
    json!({"iss": pool.issuer(), "sub": pool.user_sub, "aud": client_id, "token_use": "id",
           "iat": now() - 5, "auth_time": now() - 5, "exp": now() + 3600, "email": USER})
}

fn denied(result: Result<Authorized, Denied>) -> Denied {
    match result {
        Ok(a) => panic!("authorized, expected a refusal: {a:?}"),
        Err(d) => d,
    }
}

fn assert_unauthorized(result: Result<Authorized, Denied>, reason: &str) -> Denied {
    let d = denied(result);
    assert_eq!(d.status, 401, "{d:?}");
    assert_eq!(d.body(), r#"{"message":"Unauthorized"}"#);
    assert!(
        d.description.contains(reason),
        "expected a refusal for {reason:?}, got {d:?}"
    );
    d
}

#[tokio::test]
async fn real_cognito_tokens_are_authorized_with_their_claims() {
    let moto = Moto::shared();
    let pool = Pool::create(moto, "authz-ok").await;
    let authorizer = pool.authorizer(moto);
    let (id_token, access_token) = pool.sign_in(moto, &pool.client_id).await;

    let by_id = authorizer
        .authorize(Some(&format!("Bearer {id_token}")), &[])
        .await
        .expect("the pool's ID token is authorized");
    assert_eq!(by_id.claims["sub"], pool.user_sub);
    assert_eq!(by_id.claims["aud"], pool.client_id);
    assert_eq!(by_id.claims["iss"], pool.issuer());
    assert_eq!(by_id.claims["token_use"], "id");
    // Payload 2.0 carries every claim as a string, numbers as their digits.
    assert!(
        by_id.claims["exp"].parse::<i64>().unwrap() > now(),
        "{:?}",
        by_id.claims
    );
    assert_eq!(by_id.scopes, None);
    let context = by_id.request_context();
    assert_eq!(context["jwt"]["claims"]["sub"], pool.user_sub.as_str());
    assert!(context["jwt"]["claims"]["iat"].is_string(), "{context}");

    // The access token has no aud: its client_id is the audience. No `Bearer ` works too.
    let by_access = authorizer
        .authorize(Some(&access_token), &[])
        .await
        .expect("the pool's access token is authorized");
    assert_eq!(by_access.claims["sub"], pool.user_sub);
    assert_eq!(by_access.claims["client_id"], pool.client_id);
    assert!(!by_access.claims.contains_key("aud"));

    assert_eq!(
        authorizer.key_set_fetches(),
        1,
        "the key set is fetched once and cached"
    );
}

#[tokio::test]
async fn bad_tokens_get_401() {
    let moto = Moto::shared();
    let pool = Pool::create(moto, "authz-bad").await;
    let other_pool = Pool::create(moto, "authz-other").await;
    let authorizer = pool.authorizer(moto);
    let key = moto_private_key();
    let (id_token, _) = pool.sign_in(moto, &pool.client_id).await;
    // Control: a token this test signs with moto's key is accepted like Cognito's own.
    let own = sign_rs256(
        &key,
        &rs256_header("dummy"),
        &id_claims(&pool, &pool.client_id),
    );
    authorizer
        .authorize(Some(&own), &[])
        .await
        .expect("moto's key signs tokens the JWKS verifies");

    assert_unauthorized(authorizer.authorize(None, &[]).await, "no token");
    assert_unauthorized(authorizer.authorize(Some(""), &[]).await, "no token");
    assert_unauthorized(authorizer.authorize(Some("Bearer "), &[]).await, "no token");
    assert_unauthorized(
        authorizer.authorize(Some("Bearer not-a-jwt"), &[]).await,
        "not a valid JWT",
    );

    // Payload changed (another sub), signature kept.
    let parts: Vec<&str> = id_token.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = "someone-else".into();
    let tampered_payload = format!(
        "{}.{}.{}",
        parts[0],
        B64.encode(claims.to_string()),
        parts[2]
    );
    assert_unauthorized(
        authorizer.authorize(Some(&tampered_payload), &[]).await,
        "signature is invalid",
    );

    // One bit of the signature flipped.
    let mut signature = B64.decode(parts[2]).unwrap();
    signature[10] ^= 0x01;
    let tampered_signature = format!("{}.{}.{}", parts[0], parts[1], B64.encode(signature));
    assert_unauthorized(
        authorizer.authorize(Some(&tampered_signature), &[]).await,
        "signature is invalid",
    );

    // Another app client of the same pool: same issuer and key, another audience.
    let (other_client_id_token, other_client_access) =
        pool.sign_in(moto, &pool.other_client_id).await;
    for token in [&other_client_id_token, &other_client_access] {
        assert_unauthorized(
            authorizer.authorize(Some(token), &[]).await,
            "valid audience",
        );
    }
    let wrong_aud = sign_rs256(
        &key,
        &rs256_header("dummy"),
        &id_claims(&pool, "some-other-app"),
    );
    assert_unauthorized(
        authorizer.authorize(Some(&wrong_aud), &[]).await,
        "valid audience",
    );

    // Another pool: moto signs every pool's tokens with the same key, so only iss tells.
    let (other_pool_token, _) = other_pool.sign_in(moto, &other_pool.client_id).await;
    let mut other_pool_authorizer = AuthorizerConfig::cognito(
        &moto.endpoint(),
        REGION,
        &pool.id,
        vec![other_pool.client_id.clone()],
    );
    other_pool_authorizer.audiences.push(pool.client_id.clone());
    assert_unauthorized(
        Authorizer::new(other_pool_authorizer)
            .authorize(Some(&other_pool_token), &[])
            .await,
        "valid issuer",
    );

    let mut expired = id_claims(&pool, &pool.client_id);
    expired["iat"] = (now() - 7200).into();
    expired["exp"] = (now() - 60).into();
    let expired = sign_rs256(&key, &rs256_header("dummy"), &expired);
    assert_unauthorized(authorizer.authorize(Some(&expired), &[]).await, "expired");

    let mut early = id_claims(&pool, &pool.client_id);
    early["nbf"] = (now() + 600).into();
    let early = sign_rs256(&key, &rs256_header("dummy"), &early);
    assert_unauthorized(
        authorizer.authorize(Some(&early), &[]).await,
        "not valid yet",
    );

    let mut future = id_claims(&pool, &pool.client_id);
    future["iat"] = (now() + 600).into();
    let future = sign_rs256(&key, &rs256_header("dummy"), &future);
    assert_unauthorized(
        authorizer.authorize(Some(&future), &[]).await,
        "issued in the future",
    );

    let unknown_kid = sign_rs256(
        &key,
        &rs256_header("rotated-away"),
        &id_claims(&pool, &pool.client_id),
    );
    assert_unauthorized(
        authorizer.authorize(Some(&unknown_kid), &[]).await,
        "no key of the issuer has kid",
    );

    let claims = B64.encode(id_claims(&pool, &pool.client_id).to_string());
    let none = format!(
        "{}.{claims}.",
        B64.encode(json!({"alg": "none", "kid": "dummy"}).to_string())
    );
    assert_unauthorized(
        authorizer.authorize(Some(&none), &[]).await,
        "not a valid JWT",
    );

    // HS256 keyed with the public modulus: the classic algorithm confusion.
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header {
            kid: Some("dummy".into()),
            ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
        },
        &id_claims(&pool, &pool.client_id),
        &jsonwebtoken::EncodingKey::from_secret(key["n"].as_str().unwrap().as_bytes()),
    )
    .unwrap();
    assert_unauthorized(
        authorizer.authorize(Some(&hs256), &[]).await,
        "not an RSA signature",
    );
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_key_set_at_most_once_per_interval() {
    let moto = Moto::shared();
    let pool = Pool::create(moto, "authz-kid").await;
    let key = moto_private_key();
    let unknown = sign_rs256(
        &key,
        &rs256_header("new-key"),
        &id_claims(&pool, &pool.client_id),
    );
    let known = sign_rs256(
        &key,
        &rs256_header("dummy"),
        &id_claims(&pool, &pool.client_id),
    );

    let authorizer = pool.authorizer(moto);
    for _ in 0..5 {
        assert!(authorizer.authorize(Some(&unknown), &[]).await.is_err());
    }
    assert!(authorizer.authorize(Some(&known), &[]).await.is_ok());
    assert_eq!(
        authorizer.key_set_fetches(),
        1,
        "made-up kids must not fetch per request"
    );

    let mut config = AuthorizerConfig::cognito(
        &moto.endpoint(),
        REGION,
        &pool.id,
        vec![pool.client_id.clone()],
    );
    config.min_refetch_interval = Duration::ZERO;
    let eager = Authorizer::new(config);
    assert!(eager.authorize(Some(&known), &[]).await.is_ok());
    assert!(eager.authorize(Some(&unknown), &[]).await.is_err());
    assert_eq!(
        eager.key_set_fetches(),
        2,
        "an unknown kid refetches (a rotated key)"
    );
}

#[tokio::test]
async fn route_scopes_and_claim_strings_follow_payload_2_0() {
    let moto = Moto::shared();
    let pool = Pool::create(moto, "authz-scope").await;
    let authorizer = pool.authorizer(moto);
    let key = moto_private_key();
    let mut claims = id_claims(&pool, &pool.client_id);
    claims["aud"] = json!(["elsewhere", pool.client_id]);
    claims["scope"] = "openid email".into();
    claims["cognito:groups"] = json!(["admins", "editors"]);
    claims["email_verified"] = true.into();
    let token = sign_rs256(&key, &rs256_header("dummy"), &claims);

    let ok = authorizer
        .authorize(Some(&token), &["videos/write", "email"])
        .await
        .expect("one of the route's scopes is enough");
    assert_eq!(
        ok.scopes,
        Some(vec!["openid".to_string(), "email".to_string()])
    );
    assert_eq!(ok.claims["cognito:groups"], "[admins editors]");
    assert_eq!(ok.claims["email_verified"], "true");
    assert_eq!(ok.claims["aud"], format!("[elsewhere {}]", pool.client_id));

    let d = denied(authorizer.authorize(Some(&token), &["videos/write"]).await);
    assert_eq!(
        (d.status, d.error, d.body()),
        (403, "insufficient_scope", r#"{"message":"Forbidden"}"#)
    );
    assert_eq!(
        d.www_authenticate(&["videos/write"]),
        "Bearer scope=\"videos/write\" error=\"insufficient_scope\" \
         error_description=\"expected scopes: [videos/write]\""
    );
}
