//! Playback delivery: a CloudFront distribution reading one prefix of a private bucket
//! through an origin access control, with the stage's CORS for hls.js.

use super::Bucket;
use crate::model::resources::{
    ContentTypeOptions, CorsConfig, DefaultCacheBehavior, Distribution as DistributionProps,
    DistributionConfig, Items, Origin, OriginAccessControl, OriginAccessControlConfig, Properties,
    ResponseHeadersPolicy, ResponseHeadersPolicyConfig, S3OriginConfig, SecurityHeadersConfig,
    StrictTransportSecurity, ViewerCertificate,
};
use crate::model::{Expr, Id, Resource, Template};

/// CloudFront's managed cache policy `CachingOptimized`: no cookies, query strings or
/// headers in the cache key (segments and playlists vary by path only), compression on.
pub const CACHING_OPTIMIZED_POLICY_ID: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";

/// How long browsers may cache a CORS preflight answer, and keep HTTPS-only (HSTS).
const CORS_MAX_AGE_SECONDS: i64 = 3600;
const HSTS_MAX_AGE_SECONDS: i64 = 63_072_000;

const ORIGIN_ID: &str = "OutputBucket";

const NO_WAF: &str = "A WAF web ACL is billed per month (plus per rule) even while idle, for \
    every stage. The distribution serves only GET/HEAD of encrypted HLS playlists and \
    segments from a private bucket (no origin compute, no key files); abuse shows up as \
    CloudFront request cost, which the stage's alarms and AWS budgets watch.";
const NO_ACCESS_LOGS: &str = "CloudFront's standard logging (legacy) writes to S3 through ACLs, \
    which this stack's buckets disable (BucketOwnerEnforced); standard logging v2 is \
    delivered as CloudWatch vended logs, billed per GB. Segment fetches are anonymous and \
    carry no user data; the API's access logs record who started and watched which job.";
const DEFAULT_CERTIFICATE_TLS: &str = "The distribution uses its cloudfront.net name and \
    CloudFront's default certificate, with which CloudFront sets the security policy itself \
    whatever MinimumProtocolVersion says, and checkov fails every default certificate. A \
    TLS 1.2 policy needs an alternate domain name and an ACM certificate in us-east-1, \
    which a stage does not have. Viewers are HTTPS only.";

pub struct DistributionOptions<'a> {
    /// Unique per stack (OAC and response-headers policy names are unique per account).
    pub name_suffix: Expr,
    pub bucket: &'a Bucket,
    /// The bucket prefix served, e.g. `hls/`; it becomes the origin path `/hls`.
    pub prefix: &'a str,
    /// Browser origins allowed to read playlists and segments (CORS).
    pub allowed_origins: Expr,
}

pub struct Distribution {
    pub id: Id,
    pub origin_access_control: Id,
    pub response_headers_policy: Id,
}

impl Distribution {
    /// The distribution, its OAC and response-headers policy, and the bucket policy
    /// statement that lets this distribution (and no other) read `prefix` (and nothing else).
    pub fn new(t: &mut Template, id: &str, options: DistributionOptions) -> Self {
        let origin_path = format!("/{}", options.prefix.trim_end_matches('/'));
        let oac = t.add(
            &format!("{id}OriginAccessControl"),
            Resource::new(Properties::OriginAccessControl(OriginAccessControl {
                origin_access_control_config: OriginAccessControlConfig {
                    name: Expr::join("-", vec!["playback".into(), options.name_suffix.clone()]),
                    description: "Signs CloudFront's requests to the output bucket".to_owned(),
                    origin_access_control_origin_type: "s3".to_owned(),
                    signing_behavior: "always".to_owned(),
                    signing_protocol: "sigv4".to_owned(),
                },
            })),
        );
        let headers = t.add(
            &format!("{id}ResponseHeadersPolicy"),
            Resource::new(Properties::ResponseHeadersPolicy(Box::new(
                ResponseHeadersPolicy {
                    response_headers_policy_config: ResponseHeadersPolicyConfig {
                        name: Expr::join("-", vec!["playback".into(), options.name_suffix.clone()]),
                        comment: "CORS for the stage's origins (hls.js), nosniff, HSTS".to_owned(),
                        cors_config: CorsConfig {
                            access_control_allow_credentials: false,
                            access_control_allow_headers: Items {
                                items: Expr::strs(&["*"]),
                            },
                            access_control_allow_methods: Items {
                                items: Expr::strs(&["GET", "HEAD"]),
                            },
                            access_control_allow_origins: Items {
                                items: options.allowed_origins,
                            },
                            // hls.js reads these to track byte ranges and progress.
                            access_control_expose_headers: Items {
                                items: Expr::strs(&["Content-Length", "Content-Range"]),
                            },
                            access_control_max_age_sec: CORS_MAX_AGE_SECONDS,
                            origin_override: true,
                        },
                        security_headers_config: SecurityHeadersConfig {
                            content_type_options: ContentTypeOptions { r#override: true },
                            strict_transport_security: StrictTransportSecurity {
                                access_control_max_age_sec: HSTS_MAX_AGE_SECONDS,
                                include_subdomains: false,
                                r#override: true,
                            },
                        },
                    },
                },
            ))),
        );
        let get_head = || vec!["GET".to_owned(), "HEAD".to_owned()];
        let distribution = Resource::new(Properties::Distribution(Box::new(DistributionProps {
            distribution_config: DistributionConfig {
                comment: "HLS playlists and segments of the output bucket".to_owned(),
                enabled: true,
                http_version: "http2and3".to_owned(),
                ipv6_enabled: true,
                // North America and Europe edges only: the cheapest class.
                price_class: "PriceClass_100".to_owned(),
                origins: vec![Origin {
                    id: ORIGIN_ID.to_owned(),
                    domain_name: options.bucket.id.att("RegionalDomainName"),
                    origin_path,
                    origin_access_control_id: oac.att("Id"),
                    s3_origin_config: S3OriginConfig {
                        origin_access_identity: String::new(),
                    },
                }],
                default_cache_behavior: DefaultCacheBehavior {
                    target_origin_id: ORIGIN_ID.to_owned(),
                    viewer_protocol_policy: "https-only".to_owned(),
                    allowed_methods: get_head(),
                    cached_methods: get_head(),
                    cache_policy_id: CACHING_OPTIMIZED_POLICY_ID.to_owned(),
                    response_headers_policy_id: headers.att("Id"),
                    compress: true,
                },
                viewer_certificate: ViewerCertificate {
                    cloud_front_default_certificate: true,
                },
            },
        })))
        .skip_checkov("CKV_AWS_68", NO_WAF)
        .skip_checkov("CKV_AWS_86", NO_ACCESS_LOGS)
        .skip_checkov("CKV_AWS_174", DEFAULT_CERTIFICATE_TLS);
        let handle = t.add(id, distribution);
        let cdn = Distribution {
            id: handle,
            origin_access_control: oac,
            response_headers_policy: headers,
        };
        options
            .bucket
            .grant_read_to_distribution(t, options.prefix, cdn.arn());
        cdn
    }

    /// `Ref` of a distribution is its id; its ARN has no attribute.
    pub fn arn(&self) -> Expr {
        Expr::sub(format!(
            "arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{}}}",
            self.id
        ))
    }

    pub fn url(&self) -> Expr {
        Expr::sub(format!("https://${{{}.DomainName}}", self.id))
    }
}
