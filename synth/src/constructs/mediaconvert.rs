use super::function::Function;
use super::{Grantee, Policy, add, regional_arn, service_role};
use crate::model::iam::Conditions;
use crate::model::resources::{AccelerationSettings, JobTemplate as JobTemplateProps, Properties};
use crate::model::{Expr, Id, Pseudo, Template};

const SERVICE: &str = "mediaconvert.amazonaws.com";

/// The role MediaConvert assumes to read inputs and write outputs. It holds only what grants
/// add to it; only MediaConvert working for this account can assume it.
pub struct MediaConvertRole {
    pub id: Id,
    policy: Policy,
}

impl MediaConvertRole {
    pub fn new(t: &mut Template, id: &str) -> Self {
        MediaConvertRole {
            id: t.reserve(id),
            policy: Policy::default(),
        }
    }

    pub fn arn(&self) -> Expr {
        self.id.arn()
    }

    pub fn finish(self, t: &mut Template) -> Id {
        // Confused-deputy guard: MediaConvert may assume the role only for this account.
        let trust = Conditions::default().with(
            "StringEquals",
            "aws:SourceAccount",
            Expr::pseudo(Pseudo::AccountId),
        );
        let role = service_role(SERVICE, trust, "MediaConvertJobPolicy", &self.policy);
        t.fill(&self.id, role);
        self.id
    }
}

impl Grantee for MediaConvertRole {
    fn policy(&mut self) -> &mut Policy {
        &mut self.policy
    }
}

/// A MediaConvert job template; its name is left to CloudFormation (`Ref` returns it).
pub struct JobTemplate {
    pub id: Id,
}

impl JobTemplate {
    pub fn new(
        t: &mut Template,
        id: &str,
        description: &str,
        settings: serde_json::Value,
        status_update_interval: Expr,
    ) -> Self {
        let id = add(
            t,
            id,
            Properties::JobTemplate(JobTemplateProps {
                description: description.to_owned(),
                category: "hls".to_owned(),
                // Automated ABR without acceleration "takes much longer to run" and is
                // already billed at the rate acceleration costs (MediaConvert's automated
                // ABR FAQ); PREFERRED falls back to standard speed for an input that
                // acceleration cannot take, where ENABLED would fail the job.
                acceleration_settings: AccelerationSettings {
                    mode: "PREFERRED".to_owned(),
                },
                status_update_interval,
                settings_json: Expr::Json(settings),
            }),
        );
        JobTemplate { id }
    }

    pub fn name(&self) -> Expr {
        self.id.r()
    }

    pub fn arn(&self) -> Expr {
        self.id.arn()
    }

    /// `mediaconvert:CancelJob` on this account's jobs in the stack's region. A job's ARN
    /// (`jobs/<id>`) holds only MediaConvert's random id, so no ARN names this stack's jobs;
    /// the caller cancels only the MediaConvert job id recorded on a job item it owns.
    pub fn grant_cancel_job(&self, to: &mut Function) {
        to.policy().allow(
            &["mediaconvert:CancelJob"],
            vec![regional_arn("mediaconvert", "jobs/*")],
        );
    }

    /// `mediaconvert:CreateJob` from this template on the account's default queue, and
    /// `iam:PassRole` of `role`, only towards MediaConvert.
    ///
    /// CreateJob's resource types (IAM service authorization reference) are the job
    /// (required: jobs are created with fresh ids, hence `jobs/*`), the job template, the
    /// queue and presets. The template uses no presets, so none is granted.
    pub fn grant_create_job(&self, to: &mut Function, role: &MediaConvertRole) {
        to.policy().allow(
            &["mediaconvert:CreateJob"],
            vec![
                self.arn(),
                regional_arn("mediaconvert", "queues/Default"),
                regional_arn("mediaconvert", "jobs/*"),
            ],
        );
        to.policy().allow_if(
            &["iam:PassRole"],
            vec![role.arn()],
            Conditions::default().with("StringEquals", "iam:PassedToService", SERVICE),
        );
    }
}
