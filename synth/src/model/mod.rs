//! A typed CloudFormation template.
//!
//! Resources, parameters and conditions are added through [`Template`], which hands back an
//! [`Id`] to reference them with. References written by hand (a `${Name}` inside `Fn::Sub`, a
//! `DependsOn`) cannot be checked by the compiler, so [`Template::validate`] checks every
//! reference in the serialized template, and the dependency graph for cycles, before anything
//! is printed.

pub mod expr;
pub mod iam;
pub mod resources;
mod validate;

pub use expr::{Choice, Expr, Logical, Pseudo};
pub use validate::Invalid;

use expr::OrderedMap;
use resources::Properties;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// The logical id of something in the template; the only way stack code references it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Id(String);

impl Id {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `Ref` of the resource or parameter.
    pub fn r(&self) -> Expr {
        Expr::reference(self)
    }

    /// `Fn::GetAtt` of the resource.
    pub fn att(&self, attribute: &str) -> Expr {
        Expr::get_att(self, attribute)
    }

    pub fn arn(&self) -> Expr {
        self.att("Arn")
    }
}

impl Logical for Id {
    fn logical_id(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    #[serde(rename = "Type")]
    pub kind: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraint_description: Option<String>,
}

impl Parameter {
    fn of(kind: &str, description: &str) -> Self {
        Parameter {
            kind: kind.to_owned(),
            description: description.to_owned(),
            default: None,
            allowed_values: Vec::new(),
            allowed_pattern: None,
            min_value: None,
            max_value: None,
            constraint_description: None,
        }
    }

    pub fn string(description: &str) -> Self {
        Self::of("String", description)
    }

    pub fn number(description: &str) -> Self {
        Self::of("Number", description)
    }

    pub fn comma_delimited_list(description: &str) -> Self {
        Self::of("CommaDelimitedList", description)
    }

    pub fn default(mut self, value: impl ToString) -> Self {
        self.default = Some(value.to_string());
        self
    }

    pub fn allowed<T: ToString>(mut self, values: &[T]) -> Self {
        self.allowed_values = values.iter().map(ToString::to_string).collect();
        self
    }

    pub fn pattern(mut self, pattern: &str, constraint: &str) -> Self {
        self.allowed_pattern = Some(pattern.to_owned());
        self.constraint_description = Some(constraint.to_owned());
        self
    }

    pub fn range(mut self, min: i64, max: i64) -> Self {
        self.min_value = Some(min);
        self.max_value = Some(max);
        self
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    pub description: String,
    pub value: Expr,
    /// The output exists only when this condition holds (its value may name conditional
    /// resources).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Id>,
}

/// A resource: its typed properties plus the attributes CloudFormation reads beside them.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    pub properties: Properties,
    /// `Condition`: the resource is created only when this condition holds.
    pub condition: Option<Id>,
    pub depends_on: Vec<Id>,
    /// `DeletionPolicy` and `UpdateReplacePolicy` `Retain`: neither deleting the stack nor
    /// replacing the resource destroys what it holds.
    pub retain: bool,
    /// checkov skips, `(check id, written reason)`: the only place a skip may live.
    pub checkov_skips: Vec<(String, String)>,
    /// cfn-lint rules that do not apply to this resource (the reason lives at the call site).
    pub cfn_lint_ignores: Vec<String>,
}

impl Resource {
    pub fn new(properties: Properties) -> Self {
        Resource {
            properties,
            condition: None,
            depends_on: Vec::new(),
            retain: false,
            checkov_skips: Vec::new(),
            cfn_lint_ignores: Vec::new(),
        }
    }

    pub fn depends_on(mut self, id: &Id) -> Self {
        self.depends_on.push(id.clone());
        self
    }

    /// Creates the resource only when `condition` holds; see [`Template::validate`] for what
    /// that demands of the resources that reference this one.
    pub fn condition(mut self, condition: &Id) -> Self {
        self.condition = Some(condition.clone());
        self
    }

    /// Keeps the resource when the stack is deleted or the resource replaced.
    pub fn retain(mut self) -> Self {
        self.retain = true;
        self
    }

    pub fn skip_checkov(mut self, check: &str, reason: &str) -> Self {
        self.checkov_skips
            .push((check.to_owned(), reason.to_owned()));
        self
    }

    pub fn ignore_cfn_lint(mut self, rule: &str) -> Self {
        self.cfn_lint_ignores.push(rule.to_owned());
        self
    }
}

struct CheckovSkip<'a>(&'a str, &'a str);

impl Serialize for CheckovSkip<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("id", self.0)?;
        m.serialize_entry("comment", self.1)?;
        m.end()
    }
}

/// `Metadata`: `checkov: {skip: [{id, comment}]}` and `cfn-lint: {config: {ignore_checks}}`.
struct Metadata<'a>(&'a Resource);

impl Serialize for Metadata<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if !self.0.checkov_skips.is_empty() {
            let skips: Vec<CheckovSkip<'_>> = (self.0.checkov_skips.iter())
                .map(|(id, why)| CheckovSkip(id, why))
                .collect();
            m.serialize_entry("checkov", &OrderedMap(&[("skip".to_owned(), skips)]))?;
        }
        if !self.0.cfn_lint_ignores.is_empty() {
            let ignores = [("ignore_checks".to_owned(), &self.0.cfn_lint_ignores)];
            m.serialize_entry(
                "cfn-lint",
                &OrderedMap(&[("config".to_owned(), OrderedMap(&ignores))]),
            )?;
        }
        m.end()
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("Type", self.properties.type_name())?;
        if let Some(condition) = &self.condition {
            m.serialize_entry("Condition", condition.as_str())?;
        }
        if self.retain {
            m.serialize_entry("DeletionPolicy", "Retain")?;
            m.serialize_entry("UpdateReplacePolicy", "Retain")?;
        }
        if !self.depends_on.is_empty() {
            let ids: Vec<&str> = self.depends_on.iter().map(Id::as_str).collect();
            m.serialize_entry("DependsOn", &ids)?;
        }
        if !self.checkov_skips.is_empty() || !self.cfn_lint_ignores.is_empty() {
            m.serialize_entry("Metadata", &Metadata(self))?;
        }
        m.serialize_entry("Properties", &self.properties)?;
        m.end()
    }
}

/// The template. Sections keep insertion order, so the printed stack reads in the order the
/// stack code builds it (data-flow order).
#[derive(Clone, Debug, Default)]
pub struct Template {
    pub description: String,
    pub parameters: Vec<(String, Parameter)>,
    pub conditions: Vec<(String, Expr)>,
    /// `Rules`: assertions on the parameters, checked before any change is made.
    pub rules: Vec<(String, Expr)>,
    /// `None` marks an id reserved by a construct that fills it in later.
    pub resources: Vec<(String, Option<Resource>)>,
    pub outputs: Vec<(String, Output)>,
    /// Ids added twice; reported by `validate`.
    duplicates: Vec<String>,
}

impl Template {
    pub fn new(description: &str) -> Self {
        Template {
            description: description.to_owned(),
            ..Template::default()
        }
    }

    fn claim(&mut self, id: &str) -> Id {
        let taken = self.parameters.iter().any(|(k, _)| k == id)
            || self.conditions.iter().any(|(k, _)| k == id)
            || self.resources.iter().any(|(k, _)| k == id);
        if taken {
            self.duplicates.push(id.to_owned());
        }
        Id(id.to_owned())
    }

    pub fn parameter(&mut self, id: &str, parameter: Parameter) -> Id {
        let handle = self.claim(id);
        self.parameters.push((id.to_owned(), parameter));
        handle
    }

    pub fn condition(&mut self, id: &str, condition: Expr) -> Id {
        let handle = self.claim(id);
        self.conditions.push((id.to_owned(), condition));
        handle
    }

    /// A rule: when `when` holds (always, for `None`), `assert` must hold, else the stack
    /// operation fails before any change with `description`.
    pub fn rule(&mut self, id: &str, when: Option<Expr>, assert: Expr, description: &str) {
        self.claim(id);
        let assertion = Expr::map(vec![
            ("Assert", assert),
            ("AssertDescription", description.into()),
        ]);
        let mut rule = Vec::new();
        if let Some(when) = when {
            rule.push(("RuleCondition", when));
        }
        rule.push(("Assertions", vec![assertion].into()));
        self.rules.push((id.to_owned(), Expr::map(rule)));
    }

    pub fn add(&mut self, id: &str, resource: Resource) -> Id {
        let handle = self.claim(id);
        self.resources.push((id.to_owned(), Some(resource)));
        handle
    }

    /// Reserves a logical id at this point of the template, for a resource a construct
    /// completes later (a role whose policy grows with every grant).
    pub fn reserve(&mut self, id: &str) -> Id {
        let handle = self.claim(id);
        self.resources.push((id.to_owned(), None));
        handle
    }

    pub fn fill(&mut self, id: &Id, resource: Resource) {
        if let Some((_, slot)) = self.resources.iter_mut().find(|(k, _)| k == id.as_str()) {
            *slot = Some(resource);
        }
    }

    pub fn output(&mut self, id: &str, description: &str, value: Expr) {
        self.push_output(id, description, value, None);
    }

    /// An output that exists only when `condition` holds.
    pub fn output_if(&mut self, condition: &Id, id: &str, description: &str, value: Expr) {
        self.push_output(id, description, value, Some(condition.clone()));
    }

    fn push_output(&mut self, id: &str, description: &str, value: Expr, condition: Option<Id>) {
        self.claim(id);
        self.outputs.push((
            id.to_owned(),
            Output {
                description: description.to_owned(),
                value,
                condition,
            },
        ));
    }

    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources
            .iter()
            .find(|(k, _)| k == id)
            .and_then(|(_, r)| r.as_ref())
    }

    pub fn resource_mut(&mut self, id: &Id) -> Option<&mut Resource> {
        self.resources
            .iter_mut()
            .find(|(k, _)| k == id.as_str())
            .and_then(|(_, r)| r.as_mut())
    }

    pub fn resource_count(&self) -> usize {
        self.resources.len()
    }

    /// Checks every reference and the dependency graph; see [`validate`].
    pub fn validate(&self) -> Result<(), Invalid> {
        validate::check(self, &self.duplicates)
    }

    pub fn to_yaml(&self) -> Result<String, Invalid> {
        self.validate()?;
        serde_yaml::to_string(self).map_err(|e| Invalid(vec![e.to_string()]))
    }

    pub fn to_json(&self) -> Result<String, Invalid> {
        self.validate()?;
        let mut text =
            serde_json::to_string_pretty(self).map_err(|e| Invalid(vec![e.to_string()]))?;
        text.push('\n');
        Ok(text)
    }
}

/// Reserved slots serialize as null; `validate` rejects them before any printing.
struct Resources<'a>(&'a [(String, Option<Resource>)]);

impl Serialize for Resources<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        OrderedMap(self.0).serialize(s)
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("AWSTemplateFormatVersion", "2010-09-09")?;
        m.serialize_entry("Description", &self.description)?;
        if !self.parameters.is_empty() {
            m.serialize_entry("Parameters", &OrderedMap(&self.parameters))?;
        }
        if !self.rules.is_empty() {
            m.serialize_entry("Rules", &OrderedMap(&self.rules))?;
        }
        if !self.conditions.is_empty() {
            m.serialize_entry("Conditions", &OrderedMap(&self.conditions))?;
        }
        m.serialize_entry("Resources", &Resources(&self.resources))?;
        if !self.outputs.is_empty() {
            m.serialize_entry("Outputs", &OrderedMap(&self.outputs))?;
        }
        m.end()
    }
}
