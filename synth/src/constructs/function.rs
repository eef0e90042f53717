use super::logs::LogGroup;
use super::queue::Queue;
use super::{Grantee, Policy, service_role};
use crate::model::iam::Conditions;
use crate::model::resources::{
    DeadLetterConfig, Environment, Function as FunctionProps_, LoggingConfig, Properties,
};
use crate::model::{Expr, Id, Resource, Template};

pub struct FunctionProps<'a> {
    /// The binary's name in `handlers/src/bin`; also cargo-lambda's output folder.
    pub binary: &'a str,
    pub memory_mb: i64,
    pub timeout_seconds: i64,
    pub architecture: Expr,
    pub log_retention_days: Expr,
    /// Invoked asynchronously (S3, EventBridge): failed events go to a dead-letter queue.
    pub asynchronous: bool,
}

/// A Lambda function with its own role (one inline policy grown by grants), its own log
/// group with a retention, and for asynchronous triggers its own dead-letter queue.
///
/// The function and role are reserved where the function is created, so the template reads
/// in data-flow order, and written by [`Function::finish`] once every grant is known.
pub struct Function {
    name: String,
    pub id: Id,
    pub role: Id,
    pub log_group: LogGroup,
    pub dead_letter_queue: Option<Queue>,
    props: FunctionProps_,
    policy: Policy,
    checkov_skips: Vec<(String, String)>,
}

const NO_VPC: &str = "The function reaches only AWS service endpoints (S3, DynamoDB, \
    MediaConvert) and no private network; a VPC would need NAT gateways or interface endpoints, \
    which cost per hour while the stack is idle.";
const NO_RESERVED_CONCURRENCY: &str = "Reserving concurrency fails to deploy in accounts at \
    the default concurrency quota (Lambda keeps 100 unreserved; new accounts may have only 10 \
    in total). Load is bounded upstream: the HTTP API stage throttles, S3 uploads need a \
    presigned URL from that API, and job events are a few per job.";
const NO_SECRETS_IN_ENV: &str = "The environment holds only resource names, the role ARN and \
    numbers, no secrets; Lambda encrypts it at rest with its AWS-managed key.";
const SYNCHRONOUS: &str = "Invoked synchronously by API Gateway, which gets the error itself: \
    Lambda never sends synchronous invocations to a dead-letter queue.";

impl Function {
    /// `name` is the logical-id stem: `CreateJob` gives `CreateJobFunction`,
    /// `CreateJobFunctionRole`, `CreateJobLogGroup`, `CreateJobDeadLetterQueue`.
    pub fn new(t: &mut Template, name: &str, props: FunctionProps<'_>) -> Self {
        let log_group = LogGroup::new(t, &format!("{name}LogGroup"), props.log_retention_days);
        let dead_letter_queue = props
            .asynchronous
            .then(|| Queue::new(t, &format!("{name}DeadLetterQueue")));
        let role = t.reserve(&format!("{name}FunctionRole"));
        let id = t.reserve(&format!("{name}Function"));
        let mut function = Function {
            name: name.to_owned(),
            props: FunctionProps_ {
                // `aws cloudformation package` uploads the zip and rewrites the path.
                code: wiring::zip_path(props.binary),
                handler: "bootstrap".to_owned(),
                runtime: "provided.al2023".to_owned(),
                architectures: vec![props.architecture],
                memory_size: props.memory_mb,
                timeout: props.timeout_seconds,
                role: role.arn(),
                logging_config: LoggingConfig {
                    log_group: log_group.name(),
                },
                dead_letter_config: dead_letter_queue.as_ref().map(|q| DeadLetterConfig {
                    target_arn: q.arn(),
                }),
                environment: Environment::default(),
            },
            id,
            role,
            log_group,
            dead_letter_queue: None,
            policy: Policy::default(),
            checkov_skips: Vec::new(),
        };
        function.log_group.grant_write(&mut function.policy);
        if let Some(queue) = &dead_letter_queue {
            queue.grant_send(&mut function.policy);
        }
        function.dead_letter_queue = dead_letter_queue;
        function
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn arn(&self) -> Expr {
        self.id.arn()
    }

    pub fn env(&mut self, key: &str, value: impl Into<Expr>) {
        self.props
            .environment
            .0
            .push((key.to_owned(), value.into()));
    }

    /// A checkov skip on the function, with the reason written beside it.
    pub fn skip_checkov(&mut self, check: &str, reason: &str) {
        self.checkov_skips
            .push((check.to_owned(), reason.to_owned()));
    }

    /// Writes the role (with every grant made so far) and the function into their slots.
    pub fn finish(self, t: &mut Template) -> Id {
        let role = service_role(
            "lambda.amazonaws.com",
            Conditions::default(),
            &format!("{}Policy", self.name),
            &self.policy,
        );
        t.fill(&self.role, role);
        let asynchronous = self.props.dead_letter_config.is_some();
        let mut function = Resource::new(Properties::Function(Box::new(self.props)))
            // W3002: `Code` is a local path on purpose; `aws cloudformation package` uploads it.
            .ignore_cfn_lint("W3002")
            .skip_checkov("CKV_AWS_117", NO_VPC)
            .skip_checkov("CKV_AWS_115", NO_RESERVED_CONCURRENCY)
            .skip_checkov("CKV_AWS_173", NO_SECRETS_IN_ENV);
        if !asynchronous {
            function = function.skip_checkov("CKV_AWS_116", SYNCHRONOUS);
        }
        function.checkov_skips.extend(self.checkov_skips);
        t.fill(&self.id, function);
        self.id
    }
}

impl Grantee for Function {
    fn policy(&mut self) -> &mut Policy {
        &mut self.policy
    }
}

impl Grantee for Policy {
    fn policy(&mut self) -> &mut Policy {
        self
    }
}
