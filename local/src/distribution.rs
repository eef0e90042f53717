//! The playback distribution: the output bucket under the origin path (`/hls`), GET and HEAD
//! only, with the response-headers policy's CORS and security headers, as CloudFront serves
//! it. A path maps to `<origin path>/<path>`, so nothing outside the origin path (key files
//! under `keys/`) can be named; a missing object answers 403 as S3 does to a reader (the
//! origin access control) without `s3:ListBucket`.

use crate::deployment::DistributionSpec;
use crate::http::{Reply, Req, reply};

pub struct Distribution {
    pub spec: DistributionSpec,
    pub s3: aws_sdk_s3::Client,
}

const ACCESS_DENIED: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";

impl Distribution {
    pub async fn handle(&self, req: Req) -> Reply {
        let mut headers: Vec<(String, String)> = req
            .header("origin")
            .map(|origin| self.spec.cors.response_headers(origin))
            .unwrap_or_default()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        if self.spec.nosniff {
            headers.push(("x-content-type-options".into(), "nosniff".into()));
        }
        if let Some(hsts) = &self.spec.hsts {
            headers.push(("strict-transport-security".into(), hsts.clone()));
        }
        let answer = |status: u16, mut extra: Vec<(String, String)>, body: Vec<u8>| {
            extra.extend(headers.iter().cloned());
            let refs: Vec<(&str, &str)> = extra
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            reply(status, &refs, body)
        };
        if req.method != "GET" && req.method != "HEAD" {
            // The cache behaviour allows GET and HEAD only.
            return answer(
                403,
                vec![("content-type".into(), "text/plain".into())],
                b"This distribution is not configured to allow the HTTP request method that was used for this request.".to_vec(),
            );
        }
        let path = percent_encoding::percent_decode_str(req.path().trim_start_matches('/'))
            .decode_utf8_lossy()
            .into_owned();
        let denied = || {
            answer(
                403,
                vec![("content-type".into(), "application/xml".into())],
                ACCESS_DENIED.as_bytes().to_vec(),
            )
        };
        if path.is_empty() || path.split('/').any(|s| s == ".." || s == ".") {
            return denied();
        }
        let key = format!("{}{path}", self.spec.key_prefix);
        let object = match self
            .s3
            .get_object()
            .bucket(&self.spec.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(object) => object,
            Err(_) => return denied(),
        };
        let mut extra = vec![(
            "content-type".into(),
            object
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned(),
        )];
        if let Some(etag) = object.e_tag() {
            extra.push(("etag".into(), etag.to_owned()));
        }
        let body = match object.body.collect().await {
            Ok(data) => data.into_bytes().to_vec(),
            Err(_) => return answer(502, vec![], vec![]),
        };
        if req.method == "HEAD" {
            extra.push(("content-length".into(), body.len().to_string()));
            return answer(200, extra, vec![]);
        }
        answer(200, extra, body)
    }
}
