//! SigV4 checks of a publish: the `Authorization` header's credential scope, the clock, then
//! the signature recomputed with `aws-sigv4` (the signer the SDK uses) over the headers the
//! client says it signed, compared in constant time.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials as SdkCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use subtle::ConstantTimeEq;

/// The service name a publish is signed for.
pub const SERVICE: &str = "appsync";

/// How far the request's `x-amz-date` may be from the stand-in's clock, either way (AWS: 5 min).
pub const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

/// The one set of credentials publishes must be signed with.
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// When set, the request's `x-amz-security-token` must equal it; when not, any token the
    /// request signs is accepted (a Lambda's session credentials locally carry one).
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// A refused publish, with the status and `errorType` AppSync answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub status: u16,
    pub error_type: &'static str,
    pub message: String,
}

impl Refused {
    fn new(status: u16, error_type: &'static str, message: impl Into<String>) -> Self {
        Refused {
            status,
            error_type,
            message: message.into(),
        }
    }

    fn signature(message: impl Into<String>) -> Self {
        Refused::new(403, "InvalidSignatureException", message)
    }
}

/// The parts of the `Authorization` header.
struct Authorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (name, value) = part.trim().split_once('=')?;
        match name {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed = Some(value),
            "Signature" => signature = Some(value),
            _ => return None,
        }
    }
    let mut scope = credential?.split('/');
    let parts = (
        scope.next()?,
        scope.next()?,
        scope.next()?,
        scope.next()?,
        scope.next()?,
    );
    if scope.next().is_some() || parts.4 != "aws4_request" {
        return None;
    }
    Some(Authorization {
        access_key_id: parts.0,
        date: parts.1,
        region: parts.2,
        service: parts.3,
        signed_headers: signed?.split(';').collect(),
        signature: signature?,
    })
}

fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let time = chrono::NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ").ok()?;
    let seconds = u64::try_from(time.and_utc().timestamp()).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))
}

/// Checks one request. `headers` are the request's, names in lower case; `path_and_query` as
/// received.
pub fn verify(
    method: &str,
    path_and_query: &str,
    headers: &[(String, String)],
    body: &[u8],
    credentials: &Credentials,
    region: &str,
    now: SystemTime,
) -> Result<(), Refused> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let raw = header("authorization").ok_or_else(|| {
        Refused::new(
            401,
            "UnauthorizedException",
            "Valid authorization header not provided.",
        )
    })?;
    let auth = parse_authorization(raw).ok_or_else(|| {
        Refused::new(
            400,
            "IncompleteSignatureException",
            "The Authorization header is not a well-formed AWS4-HMAC-SHA256 signature.",
        )
    })?;
    if auth.access_key_id != credentials.access_key_id {
        return Err(Refused::new(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ));
    }
    if auth.service != SERVICE {
        return Err(Refused::signature(format!(
            "Credential should be scoped to correct service: '{SERVICE}', not '{}'.",
            auth.service
        )));
    }
    if auth.region != region {
        return Err(Refused::signature(format!(
            "Credential should be scoped to a valid region: '{region}', not '{}'.",
            auth.region
        )));
    }
    let amz_date = header("x-amz-date")
        .ok_or_else(|| Refused::signature("The request has no x-amz-date header."))?;
    let time = parse_amz_date(amz_date)
        .ok_or_else(|| Refused::signature("x-amz-date is not of the form YYYYMMDDTHHMMSSZ."))?;
    if !amz_date.starts_with(auth.date) || auth.date.len() != 8 {
        return Err(Refused::signature(
            "The credential scope's date is not the day of x-amz-date.",
        ));
    }
    let skew = now
        .duration_since(time)
        .or_else(|_| time.duration_since(now))
        .unwrap_or_default();
    if skew > MAX_SKEW {
        return Err(Refused::signature(format!(
            "Signature expired or not yet valid: x-amz-date {amz_date} is more than {} minutes \
             from the server's time.",
            MAX_SKEW.as_secs() / 60
        )));
    }
    if !auth.signed_headers.contains(&"host") {
        return Err(Refused::signature("The host header must be signed."));
    }
    let token = header("x-amz-security-token");
    if let Some(expected) = &credentials.session_token
        && token != Some(expected.as_str())
    {
        return Err(Refused::new(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ));
    }

    // The signer adds x-amz-date and the token itself; every other signed header is passed as
    // received, and a header claimed as signed but absent fails the comparison.
    let mut signed = Vec::new();
    for name in &auth.signed_headers {
        if matches!(*name, "x-amz-date" | "x-amz-security-token") {
            continue;
        }
        let value = header(name).ok_or_else(|| {
            Refused::signature(format!("Signed header {name} is not in the request."))
        })?;
        signed.push((*name, value));
    }
    let identity: Identity = SdkCredentials::new(
        &credentials.access_key_id,
        &credentials.secret_access_key,
        token.map(str::to_string),
        None,
        "appsync-local",
    )
    .into();
    let mut settings = SigningSettings::default();
    settings.excluded_headers = None;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| Refused::signature(format!("cannot sign: {e}")))?
        .into();
    let request = SignableRequest::new(
        method,
        path_and_query,
        signed.into_iter(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| Refused::signature(format!("the request cannot be signed: {e}")))?;
    let expected = sign(request, &params)
        .map_err(|e| Refused::signature(format!("the request cannot be signed: {e}")))?
        .signature()
        .to_string();
    if bool::from(expected.as_bytes().ct_eq(auth.signature.as_bytes())) {
        Ok(())
    } else {
        Err(Refused::signature(
            "The request signature we calculated does not match the signature you provided.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorization_header_is_read_strictly() {
        let auth = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/appsync/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=abc",
        )
        .unwrap();
        assert_eq!(
            (auth.access_key_id, auth.date, auth.region, auth.service),
            ("AK", "20260101", "us-east-1", "appsync")
        );
        assert_eq!(auth.signed_headers, ["host", "x-amz-date"]);
        assert_eq!(auth.signature, "abc");
        for bad in [
            "Bearer x",
            "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/appsync/other, SignedHeaders=host, Signature=a",
            "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/appsync, SignedHeaders=host, Signature=a",
            "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/appsync/aws4_request, Signature=a",
            "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/appsync/aws4_request, Extra=1, SignedHeaders=host, Signature=a",
        ] {
            assert!(parse_authorization(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn amz_dates_are_basic_iso_8601_utc() {
        let t = parse_amz_date("20260102T030405Z").unwrap();
        let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(secs, 1_767_323_045);
        assert!(parse_amz_date("2026-01-02T03:04:05Z").is_none());
    }
}
