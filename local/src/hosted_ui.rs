//! A stand-in for the Cognito hosted UI, which moto does not serve: the authorization-code
//! flow with PKCE as a browser app uses it ("Authorization endpoint", "Token endpoint",
//! "Logout endpoint" of the Cognito user pools OAuth 2.0 endpoints).
//!
//! * `GET /oauth2/authorize`: checks the client, `response_type=code` (the client's allowed
//!   flow), `redirect_uri` (one of the client's callback URLs) and, when given, PKCE's
//!   `code_challenge_method=S256`; shows a sign-in form.
//! * `POST /login`: signs in with moto's Cognito (InitiateAuth, USER_PASSWORD_AUTH) and
//!   redirects to `redirect_uri` with a one-time `code` (valid 5 minutes) and the `state`.
//! * `POST /oauth2/token`: `authorization_code` (with the PKCE verifier when the code was
//!   issued for a challenge) or `refresh_token`; answers the pool's tokens.
//! * `GET /logout`: redirects to `logout_uri` when it is one of the client's sign-out URLs.
//!
//! The token endpoint answers browsers (CORS) from the origins of the client's callback URLs.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::deployment::SignInSpec;
use crate::http::{Reply, Req, aws_json, form_decode, reply};

const CODE_LIFETIME: Duration = Duration::from_secs(300);

struct Grant {
    client_id: String,
    redirect_uri: String,
    challenge: Option<String>,
    tokens: Value,
    issued: Instant,
}

pub struct HostedUi {
    pub spec: SignInSpec,
    /// moto's endpoint (Cognito's API).
    pub cognito: String,
    codes: Mutex<HashMap<String, Grant>>,
}

fn form(text: &str) -> BTreeMap<String, String> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: u16, body: &str) -> Reply {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign in</title>\
         <meta name=\"viewport\" content=\"width=device-width\"></head>\
         <body style=\"font-family:sans-serif;max-width:24em;margin:3em auto\">{body}</body></html>"
    );
    reply(
        status,
        &[
            ("content-type", "text/html; charset=utf-8"),
            ("cache-control", "no-store"),
        ],
        html,
    )
}

fn error_page(status: u16, message: &str) -> Reply {
    page(
        status,
        &format!(
            "<h1>An error was encountered</h1><p>{}</p>",
            html_escape(message)
        ),
    )
}

fn token_error(status: u16, error: &str, origin: Option<String>) -> Reply {
    with_cors(
        reply(
            status,
            &[("content-type", "application/json")],
            json!({"error": error}).to_string(),
        ),
        origin,
    )
}

fn with_cors(mut answer: Reply, origin: Option<String>) -> Reply {
    if let Some(origin) = origin
        && let Ok(v) = hyper::header::HeaderValue::from_str(&origin)
    {
        answer
            .headers_mut()
            .insert("access-control-allow-origin", v);
    }
    answer
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

impl HostedUi {
    pub fn new(spec: SignInSpec, cognito: String) -> HostedUi {
        HostedUi {
            spec,
            cognito,
            codes: Mutex::new(HashMap::new()),
        }
    }

    pub async fn handle(&self, req: Req) -> Reply {
        match (req.method.as_str(), req.path()) {
            ("GET", "/oauth2/authorize") | ("GET", "/login") => {
                let params = form(req.query());
                match self.check_authorize(&params) {
                    Ok(()) => self.sign_in_form(&params, None),
                    Err(e) => *e,
                }
            }
            ("POST", "/login") => self.login(&req).await,
            ("OPTIONS", "/oauth2/token") => {
                let origin = self.cors_origin(&req);
                with_cors(
                    reply(
                        204,
                        &[
                            ("access-control-allow-methods", "POST"),
                            (
                                "access-control-allow-headers",
                                "content-type, authorization",
                            ),
                            ("access-control-max-age", "3600"),
                        ],
                        "",
                    ),
                    origin,
                )
            }
            ("POST", "/oauth2/token") => self.token(&req).await,
            ("GET", "/logout") => self.logout(&req),
            _ => error_page(404, "Not found"),
        }
    }

    fn cors_origin(&self, req: &Req) -> Option<String> {
        let origin = req.header("origin")?;
        self.spec
            .callback_urls
            .iter()
            .any(|u| origin_of(u).eq_ignore_ascii_case(origin))
            .then(|| origin.to_owned())
    }

    fn check_authorize(&self, p: &BTreeMap<String, String>) -> Result<(), Box<Reply>> {
        let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
        if get("client_id") != self.spec.client_id {
            return Err(Box::new(error_page(400, "Invalid client_id")));
        }
        if !self
            .spec
            .callback_urls
            .iter()
            .any(|u| u == get("redirect_uri"))
        {
            return Err(Box::new(error_page(400, "redirect_mismatch")));
        }
        let redirect_error = |error: &str| {
            let mut url = format!("{}?error={error}", get("redirect_uri"));
            if let Some(state) = p.get("state") {
                url.push_str(&format!("&state={}", encode(state)));
            }
            reply(302, &[("location", url.as_str())], "")
        };
        if !self
            .spec
            .oauth_flows
            .iter()
            .any(|f| f == get("response_type"))
        {
            return Err(Box::new(redirect_error("unsupported_response_type")));
        }
        if p.contains_key("code_challenge") && get("code_challenge_method") != "S256" {
            return Err(Box::new(redirect_error("invalid_request")));
        }
        if let Some(scope) = p.get("scope")
            && scope
                .split([' ', '+'])
                .filter(|s| !s.is_empty())
                .any(|s| !self.spec.scopes.iter().any(|a| a == s))
        {
            return Err(Box::new(redirect_error("invalid_scope")));
        }
        Ok(())
    }

    fn sign_in_form(&self, p: &BTreeMap<String, String>, problem: Option<&str>) -> Reply {
        let hidden: String = [
            "client_id",
            "redirect_uri",
            "response_type",
            "state",
            "scope",
            "code_challenge",
            "code_challenge_method",
        ]
        .iter()
        .filter_map(|k| {
            p.get(*k).map(|v| {
                format!(
                    "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                    html_escape(v)
                )
            })
        })
        .collect();
        let problem = problem
            .map(|m| {
                format!(
                    "<p role=\"alert\" style=\"color:#b00\">{}</p>",
                    html_escape(m)
                )
            })
            .unwrap_or_default();
        page(
            200,
            &format!(
                "<h1>Sign in</h1><p>Local stand-in for the Cognito hosted UI.</p>{problem}\
                 <form method=\"post\" action=\"/login\">{hidden}\
                 <p><label>Email<br><input type=\"email\" name=\"username\" autocomplete=\"username\" required></label></p>\
                 <p><label>Password<br><input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label></p>\
                 <p><button type=\"submit\">Sign in</button></p></form>"
            ),
        )
    }

    async fn login(&self, req: &Req) -> Reply {
        let p = form(&String::from_utf8_lossy(&req.body));
        if let Err(e) = self.check_authorize(&p) {
            return *e;
        }
        let get = |k: &str| p.get(k).cloned().unwrap_or_default();
        let answer = aws_json(
            &self.cognito,
            "cognito-idp",
            "AWSCognitoIdentityProviderService.InitiateAuth",
            &json!({
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": self.spec.client_id,
                "AuthParameters": {"USERNAME": get("username"), "PASSWORD": get("password")},
            }),
        )
        .await;
        let tokens = match answer {
            Ok(v) if v.get("AuthenticationResult").is_some() => v["AuthenticationResult"].clone(),
            Ok(v) => {
                let challenge = v["ChallengeName"]
                    .as_str()
                    .unwrap_or("an unknown challenge");
                return self.sign_in_form(
                    &p,
                    Some(&format!(
                        "This user must answer {challenge}, which the local sign-in does not offer; create users with `--user EMAIL:PASSWORD`."
                    )),
                );
            }
            Err((_, _)) => {
                return self.sign_in_form(&p, Some("Incorrect username or password."));
            }
        };
        let code = random_hex(16);
        let redirect_uri = get("redirect_uri");
        self.codes.lock().unwrap_or_else(|e| e.into_inner()).insert(
            code.clone(),
            Grant {
                client_id: get("client_id"),
                redirect_uri: redirect_uri.clone(),
                challenge: p.get("code_challenge").cloned(),
                tokens,
                issued: Instant::now(),
            },
        );
        let mut location = format!("{redirect_uri}?code={code}");
        if let Some(state) = p.get("state") {
            location.push_str(&format!("&state={}", encode(state)));
        }
        reply(302, &[("location", location.as_str())], "")
    }

    async fn token(&self, req: &Req) -> Reply {
        let origin = self.cors_origin(req);
        let p = form(&String::from_utf8_lossy(&req.body));
        let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
        if get("client_id") != self.spec.client_id {
            return token_error(400, "invalid_client", origin);
        }
        let result = match get("grant_type") {
            "authorization_code" => {
                let grant = self
                    .codes
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(get("code"));
                let Some(grant) = grant else {
                    return token_error(400, "invalid_grant", origin);
                };
                let verified = match &grant.challenge {
                    None => true,
                    Some(challenge) => {
                        URL_SAFE_NO_PAD.encode(Sha256::digest(get("code_verifier").as_bytes()))
                            == *challenge
                    }
                };
                if grant.issued.elapsed() > CODE_LIFETIME
                    || grant.client_id != get("client_id")
                    || grant.redirect_uri != get("redirect_uri")
                    || !verified
                {
                    return token_error(400, "invalid_grant", origin);
                }
                grant.tokens
            }
            "refresh_token" => {
                match aws_json(
                    &self.cognito,
                    "cognito-idp",
                    "AWSCognitoIdentityProviderService.InitiateAuth",
                    &json!({
                        "AuthFlow": "REFRESH_TOKEN_AUTH",
                        "ClientId": self.spec.client_id,
                        "AuthParameters": {"REFRESH_TOKEN": get("refresh_token")},
                    }),
                )
                .await
                {
                    Ok(v) if v.get("AuthenticationResult").is_some() => {
                        v["AuthenticationResult"].clone()
                    }
                    _ => return token_error(400, "invalid_grant", origin),
                }
            }
            _ => return token_error(400, "unsupported_grant_type", origin),
        };
        let mut body = json!({
            "id_token": result["IdToken"],
            "access_token": result["AccessToken"],
            "token_type": "Bearer",
            "expires_in": result["ExpiresIn"],
        });
        if let Some(refresh) = result.get("RefreshToken") {
            body["refresh_token"] = refresh.clone();
        }
        with_cors(
            reply(
                200,
                &[
                    ("content-type", "application/json"),
                    ("cache-control", "no-store"),
                ],
                body.to_string(),
            ),
            origin,
        )
    }

    fn logout(&self, req: &Req) -> Reply {
        let p = form(req.query());
        let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
        if get("client_id") != self.spec.client_id {
            return error_page(400, "Invalid client_id");
        }
        if !self.spec.logout_urls.iter().any(|u| u == get("logout_uri")) {
            return error_page(400, "Invalid logout_uri");
        }
        reply(302, &[("location", get("logout_uri"))], "")
    }
}

pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf).expect("the OS random source");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
