use super::function::Function;
use super::{Grantee, add};
use crate::model::iam::{Conditions, Effect, PolicyDocument, Principal, Statement};
use crate::model::resources::{
    AbortIncompleteMultipartUpload, Bucket as BucketProps, BucketEncryption, BucketPolicy,
    CorsConfiguration, CorsRule, FilterRule, LambdaConfiguration, LifecycleConfiguration,
    LifecycleRule, LoggingConfiguration, NoncurrentVersionExpiration, NotificationConfiguration,
    NotificationFilter, OwnershipControls, OwnershipControlsRule, Permission, Properties,
    PublicAccessBlockConfiguration, S3KeyFilter, ServerSideEncryptionByDefault,
    ServerSideEncryptionRule, VersioningConfiguration,
};
use crate::model::{Expr, Id, Pseudo, Resource, Template};

/// Days an overwritten or deleted object version is kept before S3 removes it.
const NONCURRENT_VERSION_DAYS: i64 = 7;

pub struct BucketOptions<'a> {
    /// A name fixed before the bucket exists. Needed when something must know the bucket's
    /// ARN without depending on it (see [`Bucket::notify_function`]); else CloudFormation names it.
    pub name: Option<Expr>,
    /// Browser origins allowed to PUT objects (presigned uploads).
    pub upload_origins: Option<Expr>,
    /// Where S3 writes this bucket's server access logs; `None` only for the log bucket.
    pub access_logs: Option<&'a Bucket>,
    /// Objects are deleted this many days after creation (the log bucket's retention).
    pub expire_after_days: Option<Expr>,
    /// Objects under the prefix are deleted this many days after creation (the uploads).
    pub expire_prefix_after_days: Option<(&'a str, Expr)>,
}

/// Why the access-log bucket itself does not log access.
const LOG_BUCKET_LOGS: &str = "This is the access-log bucket: logging its own access would \
    log every log delivery, endlessly. Its writers are the S3 logging service only.";

/// A private bucket: all four public-access blocks, default encryption, ACLs disabled,
/// versioning with old versions expiring, and a policy denying every non-TLS request.
pub struct Bucket {
    pub id: Id,
    pub policy: Id,
    fixed_name: Option<Expr>,
}

impl Bucket {
    pub fn new(t: &mut Template, id: &str, options: BucketOptions) -> Self {
        let props = BucketProps {
            bucket_name: options.name.clone(),
            bucket_encryption: BucketEncryption {
                server_side_encryption_configuration: vec![ServerSideEncryptionRule {
                    server_side_encryption_by_default: ServerSideEncryptionByDefault {
                        sse_algorithm: "AES256".to_owned(),
                    },
                }],
            },
            public_access_block_configuration: PublicAccessBlockConfiguration {
                block_public_acls: true,
                block_public_policy: true,
                ignore_public_acls: true,
                restrict_public_buckets: true,
            },
            ownership_controls: OwnershipControls {
                rules: vec![OwnershipControlsRule {
                    object_ownership: "BucketOwnerEnforced".to_owned(),
                }],
            },
            versioning_configuration: Some(VersioningConfiguration {
                status: "Enabled".into(),
            }),
            lifecycle_configuration: Some(LifecycleConfiguration {
                rules: std::iter::once(LifecycleRule {
                    id: "ExpireOldVersionsAndAbandonedUploads".to_owned(),
                    status: "Enabled".into(),
                    prefix: None,
                    expiration_in_days: options.expire_after_days,
                    abort_incomplete_multipart_upload: Some(AbortIncompleteMultipartUpload {
                        days_after_initiation: 1,
                    }),
                    noncurrent_version_expiration: Some(NoncurrentVersionExpiration {
                        noncurrent_days: NONCURRENT_VERSION_DAYS,
                    }),
                })
                .chain(
                    options
                        .expire_prefix_after_days
                        .map(|(prefix, days)| LifecycleRule {
                            id: "ExpireUnderPrefix".to_owned(),
                            status: "Enabled".into(),
                            prefix: Some(prefix.to_owned()),
                            expiration_in_days: Some(days),
                            abort_incomplete_multipart_upload: None,
                            noncurrent_version_expiration: None,
                        }),
                )
                .collect(),
            }),
            cors_configuration: options.upload_origins.map(|origins| CorsConfiguration {
                cors_rules: vec![CorsRule {
                    allowed_origins: origins,
                    allowed_methods: vec!["PUT".to_owned()],
                    allowed_headers: vec!["*".to_owned()],
                    // A multipart upload is completed with each part's ETag, which a page
                    // reads from UploadPart's answer only when CORS exposes it.
                    exposed_headers: vec!["ETag".to_owned()],
                    max_age: 3600,
                }],
            }),
            logging_configuration: options.access_logs.map(|logs| LoggingConfiguration {
                destination_bucket_name: logs.name(),
                log_file_prefix: format!("{id}/"),
            }),
            notification_configuration: None,
        };
        let mut resource = Resource::new(Properties::Bucket(Box::new(props)));
        if options.access_logs.is_none() {
            resource = resource.skip_checkov("CKV_AWS_18", LOG_BUCKET_LOGS);
        }
        let handle = t.add(id, resource);
        let bucket = Bucket {
            id: handle,
            policy: t.reserve(&format!("{id}Policy")),
            fixed_name: options.name,
        };
        let deny_plain_http = Statement {
            effect: Effect::Deny,
            ..Statement::allow(&["s3:*"], vec![bucket.arn(), bucket.objects_arn("")])
        }
        .principal(Principal::Everyone)
        .condition("Bool", "aws:SecureTransport", "false")
        .sid("DenyInsecureTransport");
        let policy = Properties::BucketPolicy(BucketPolicy {
            bucket: bucket.id.r(),
            policy_document: PolicyDocument::new(vec![deny_plain_http]),
        });
        t.fill(&bucket.policy, Resource::new(policy));
        if let Some(logs) = options.access_logs {
            logs.accept_access_logs_from(t, &bucket);
        }
        bucket
    }

    /// Lets the S3 logging service deliver `source`'s access logs under `<source id>/`, only
    /// on behalf of that bucket in this account.
    fn accept_access_logs_from(&self, t: &mut Template, source: &Bucket) {
        let statement = Statement::allow(
            &["s3:PutObject"],
            vec![self.objects_arn(&format!("{}/", source.id))],
        )
        .principal(Principal::Service("logging.s3.amazonaws.com".to_owned()))
        .condition("ArnLike", "aws:SourceArn", source.arn())
        .condition(
            "StringEquals",
            "aws:SourceAccount",
            Expr::pseudo(Pseudo::AccountId),
        )
        .sid(&format!("AccessLogsFrom{}", source.id));
        self.add_to_policy(t, statement);
    }

    /// Lets one CloudFront distribution (through its origin access control) GetObject
    /// under `prefix` only: the condition on the distribution's ARN keeps every other
    /// distribution, in any account, out.
    pub fn grant_read_to_distribution(&self, t: &mut Template, prefix: &str, distribution: Expr) {
        let statement = Statement::allow(&["s3:GetObject"], vec![self.objects_arn(prefix)])
            .principal(Principal::Service("cloudfront.amazonaws.com".to_owned()))
            .condition("StringEquals", "AWS:SourceArn", distribution)
            .sid("CloudFrontReadsPlayback");
        self.add_to_policy(t, statement);
    }

    fn add_to_policy(&self, t: &mut Template, statement: Statement) {
        let policy = t
            .resource_mut(&self.policy)
            .expect("the bucket policy was added by Bucket::new");
        if let Properties::BucketPolicy(p) = &mut policy.properties {
            p.policy_document.statement.push(statement);
        }
    }

    pub fn name(&self) -> Expr {
        self.id.r()
    }

    /// The bucket's ARN. For a bucket with a fixed name it is built from the name, so using
    /// it creates no dependency on the bucket.
    pub fn arn(&self) -> Expr {
        self.objects_or_bucket(None)
    }

    /// ARN of the objects under `prefix` (`""`: every object).
    pub fn objects_arn(&self, prefix: &str) -> Expr {
        self.objects_or_bucket(Some(prefix))
    }

    fn objects_or_bucket(&self, prefix: Option<&str>) -> Expr {
        let suffix = prefix.map(|p| format!("/{p}*")).unwrap_or_default();
        match &self.fixed_name {
            Some(name) => Expr::sub_with(
                format!("arn:${{AWS::Partition}}:s3:::${{BucketName}}{suffix}"),
                vec![("BucketName", name.clone())],
            ),
            None if suffix.is_empty() => self.id.arn(),
            None => Expr::sub(format!("${{{}.Arn}}{suffix}", self.id)),
        }
    }

    /// GetObject under `prefix` only (`""`: anywhere in the bucket).
    pub fn grant_read_objects(&self, to: &mut impl Grantee, prefix: &str) {
        to.policy()
            .allow(&["s3:GetObject"], vec![self.objects_arn(prefix)]);
    }

    /// PutObject under `prefix` only (`""`: anywhere in the bucket).
    pub fn grant_put(&self, to: &mut impl Grantee, prefix: &str) {
        to.policy()
            .allow(&["s3:PutObject"], vec![self.objects_arn(prefix)]);
    }

    /// What a multipart upload needs beyond [`Bucket::grant_put`] (which covers
    /// CreateMultipartUpload, UploadPart and CompleteMultipartUpload): ListParts and
    /// AbortMultipartUpload, under `prefix` only.
    pub fn grant_multipart(&self, to: &mut impl Grantee, prefix: &str) {
        to.policy().allow(
            &["s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
            vec![self.objects_arn(prefix)],
        );
    }

    /// Objects under each of `prefixes` expire `days` after creation when `condition` holds
    /// (the rules are there but `Disabled` otherwise: a rule cannot expire after 0 days),
    /// and their old versions a day after that, so nothing of them outlives the rule's day
    /// by more than one.
    pub fn expire_prefixes_when(
        &self,
        t: &mut Template,
        condition: &Id,
        prefixes: &[(&str, &str)],
        days: Expr,
    ) {
        let resource = t
            .resource_mut(&self.id)
            .expect("the bucket was added by Bucket::new");
        let Properties::Bucket(props) = &mut resource.properties else {
            return;
        };
        let Some(lifecycle) = props.lifecycle_configuration.as_mut() else {
            return;
        };
        for (id, prefix) in prefixes {
            lifecycle.rules.push(LifecycleRule {
                id: (*id).to_owned(),
                status: Expr::when(condition, "Enabled".into(), "Disabled".into()),
                prefix: Some((*prefix).to_owned()),
                expiration_in_days: Some(Expr::when(condition, days.clone(), 1.into())),
                abort_incomplete_multipart_upload: None,
                noncurrent_version_expiration: Some(NoncurrentVersionExpiration {
                    noncurrent_days: 1,
                }),
            });
        }
    }

    /// Deleting every version of the objects under each of `prefixes`, and listing the
    /// versions there to find them (ListObjectVersions is `s3:ListBucketVersions` on the
    /// bucket, narrowed by `s3:prefix` to the same prefixes).
    pub fn grant_delete_versions(&self, to: &mut impl Grantee, prefixes: &[&str]) {
        to.policy().allow(
            &["s3:DeleteObject", "s3:DeleteObjectVersion"],
            prefixes.iter().map(|p| self.objects_arn(p)).collect(),
        );
        to.policy().allow_if(
            &["s3:ListBucketVersions"],
            vec![self.arn()],
            Conditions::default().with(
                "StringLike",
                "s3:prefix",
                Expr::strs(&prefixes.iter().map(|p| format!("{p}*")).collect::<Vec<_>>()),
            ),
        );
    }

    /// Invokes `function` for every object created under `prefix` with one of `suffixes`
    /// (one configuration per suffix, each filtering on both: S3 filters are one prefix and
    /// one suffix per configuration).
    ///
    /// The classic cycle (bucket -> notification -> function permission -> bucket ARN) is
    /// broken by the fixed name: the permission names the bucket by its name-derived ARN,
    /// and the bucket waits for the permission (S3 tests the destination when the
    /// notification is saved). No custom resource is needed.
    ///
    /// # Panics
    /// When the bucket has no fixed name: without one the cycle cannot be broken.
    pub fn notify_function(
        &self,
        t: &mut Template,
        function: &Function,
        prefix: &str,
        suffixes: &[&str],
    ) -> Id {
        assert!(
            self.fixed_name.is_some(),
            "bucket `{}` needs a fixed name to notify a function without a dependency cycle",
            self.id
        );
        let permission = add(
            t,
            &format!("{}Invoke{}Permission", self.id, function.name()),
            Properties::Permission(Permission {
                action: "lambda:InvokeFunction".to_owned(),
                function_name: function.arn(),
                principal: "s3.amazonaws.com".to_owned(),
                source_arn: self.arn(),
                source_account: Some(Expr::pseudo(Pseudo::AccountId)),
            }),
        );
        let configurations = suffixes
            .iter()
            .map(|suffix| LambdaConfiguration {
                event: "s3:ObjectCreated:*".to_owned(),
                function: function.arn(),
                filter: NotificationFilter {
                    s3_key: S3KeyFilter {
                        rules: vec![
                            FilterRule {
                                name: "prefix".to_owned(),
                                value: prefix.to_owned(),
                            },
                            FilterRule {
                                name: "suffix".to_owned(),
                                value: (*suffix).to_owned(),
                            },
                        ],
                    },
                },
            })
            .collect();
        let resource = t
            .resource_mut(&self.id)
            .expect("the bucket was added by Bucket::new");
        if let Properties::Bucket(props) = &mut resource.properties {
            props.notification_configuration = Some(NotificationConfiguration {
                lambda_configurations: configurations,
            });
        }
        resource.depends_on.push(permission.clone());
        permission
    }
}
