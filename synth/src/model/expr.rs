//! CloudFormation values: literals and intrinsic functions as one Rust type.
//!
//! Every value a property can hold is an [`Expr`], so an intrinsic can appear wherever
//! CloudFormation allows one. Intrinsics serialize in the long form (`Ref:`, `Fn::GetAtt:`,
//! `Fn::Sub:`), which every consumer (cfn-lint, checkov, `aws cloudformation package`) reads.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// Anything with a logical id: a resource, a parameter or a condition handle.
pub trait Logical {
    fn logical_id(&self) -> &str;
}

impl Logical for str {
    fn logical_id(&self) -> &str {
        self
    }
}

impl Logical for String {
    fn logical_id(&self) -> &str {
        self
    }
}

/// Pseudo parameters CloudFormation resolves at deploy time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pseudo {
    StackName,
    StackId,
    Region,
    AccountId,
    Partition,
    UrlSuffix,
}

impl Pseudo {
    pub const ALL: [Pseudo; 6] = [
        Pseudo::StackName,
        Pseudo::StackId,
        Pseudo::Region,
        Pseudo::AccountId,
        Pseudo::Partition,
        Pseudo::UrlSuffix,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Pseudo::StackName => "AWS::StackName",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::Region => "AWS::Region",
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
        }
    }

    pub fn is_pseudo(name: &str) -> bool {
        Self::ALL.iter().any(|p| p.name() == name) || name == "AWS::NoValue"
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Str(String),
    Int(i64),
    Bool(bool),
    /// A literal JSON tree (no intrinsics inside), e.g. rendered MediaConvert settings.
    Json(serde_json::Value),
    List(Vec<Expr>),
    /// A map whose values may hold intrinsics; keys keep their insertion order.
    Map(Vec<(String, Expr)>),
    Ref(String),
    GetAtt(String, String),
    /// `Fn::Sub` with its optional variable map.
    Sub(String, Vec<(String, Expr)>),
    Join(String, Vec<Expr>),
    /// `Fn::Join` of one list-valued expression (a `CommaDelimitedList` parameter's `Ref`).
    JoinList(String, Box<Expr>),
    Select(u32, Box<Expr>),
    Split(String, Box<Expr>),
    If(String, Box<Expr>, Box<Expr>),
    Equals(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

impl Expr {
    pub fn reference(target: &(impl Logical + ?Sized)) -> Expr {
        Expr::Ref(target.logical_id().to_owned())
    }

    pub fn get_att(target: &(impl Logical + ?Sized), attribute: &str) -> Expr {
        Expr::GetAtt(target.logical_id().to_owned(), attribute.to_owned())
    }

    pub fn pseudo(p: Pseudo) -> Expr {
        Expr::Ref(p.name().to_owned())
    }

    pub fn sub(template: impl Into<String>) -> Expr {
        Expr::Sub(template.into(), Vec::new())
    }

    pub fn sub_with(template: impl Into<String>, vars: Vec<(&str, Expr)>) -> Expr {
        Expr::Sub(
            template.into(),
            vars.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        )
    }

    pub fn join(delimiter: &str, parts: Vec<Expr>) -> Expr {
        Expr::Join(delimiter.to_owned(), parts)
    }

    pub fn join_list(delimiter: &str, list: Expr) -> Expr {
        Expr::JoinList(delimiter.to_owned(), Box::new(list))
    }

    pub fn select(index: u32, list: Expr) -> Expr {
        Expr::Select(index, Box::new(list))
    }

    pub fn split(delimiter: &str, source: Expr) -> Expr {
        Expr::Split(delimiter.to_owned(), Box::new(source))
    }

    pub fn map(entries: Vec<(&str, Expr)>) -> Expr {
        Expr::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    /// `Fn::If`: `then` when `condition` holds, else `otherwise`.
    pub fn when(condition: &(impl Logical + ?Sized), then: Expr, otherwise: Expr) -> Expr {
        Expr::If(
            condition.logical_id().to_owned(),
            Box::new(then),
            Box::new(otherwise),
        )
    }

    pub fn equals(a: Expr, b: Expr) -> Expr {
        Expr::Equals(Box::new(a), Box::new(b))
    }

    pub fn strs<S: AsRef<str>>(items: &[S]) -> Expr {
        Expr::List(items.iter().map(|s| Expr::from(s.as_ref())).collect())
    }
}

/// `!e` is `Fn::Not [e]`.
impl std::ops::Not for Expr {
    type Output = Expr;

    fn not(self) -> Expr {
        Expr::Not(Box::new(self))
    }
}

impl From<&str> for Expr {
    fn from(s: &str) -> Self {
        Expr::Str(s.to_owned())
    }
}

impl From<String> for Expr {
    fn from(s: String) -> Self {
        Expr::Str(s)
    }
}

impl From<i64> for Expr {
    fn from(n: i64) -> Self {
        Expr::Int(n)
    }
}

impl From<bool> for Expr {
    fn from(b: bool) -> Self {
        Expr::Bool(b)
    }
}

impl From<Vec<Expr>> for Expr {
    fn from(items: Vec<Expr>) -> Self {
        Expr::List(items)
    }
}

/// A one-key map `{ name: value }`, the shape of every intrinsic.
struct Intrinsic<'a, T: Serialize + ?Sized>(&'static str, &'a T);

impl<T: Serialize + ?Sized> Serialize for Intrinsic<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(self.0, self.1)?;
        m.end()
    }
}

/// Pairs serialized as a map in their given order.
pub(crate) struct OrderedMap<'a, V>(pub &'a [(String, V)]);

impl<V: Serialize> Serialize for OrderedMap<'_, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// One argument of an intrinsic's argument list; the list mixes strings, numbers and values.
enum Arg<'a> {
    Str(&'a str),
    Index(u32),
    Value(&'a Expr),
    Values(&'a [Expr]),
    Vars(OrderedMap<'a, Expr>),
}

impl Serialize for Arg<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Arg::Str(v) => s.serialize_str(v),
            Arg::Index(v) => s.serialize_u32(*v),
            Arg::Value(v) => v.serialize(s),
            Arg::Values(v) => v.serialize(s),
            Arg::Vars(v) => v.serialize(s),
        }
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Expr::Str(v) => s.serialize_str(v),
            Expr::Int(v) => s.serialize_i64(*v),
            Expr::Bool(v) => s.serialize_bool(*v),
            Expr::Json(v) => v.serialize(s),
            Expr::List(items) => items.serialize(s),
            Expr::Map(entries) => OrderedMap(entries).serialize(s),
            Expr::Ref(id) => Intrinsic("Ref", id).serialize(s),
            Expr::GetAtt(id, attr) => Intrinsic("Fn::GetAtt", &[id, attr]).serialize(s),
            Expr::Sub(template, vars) if vars.is_empty() => {
                Intrinsic("Fn::Sub", template).serialize(s)
            }
            Expr::Sub(template, vars) => Intrinsic(
                "Fn::Sub",
                &[Arg::Str(template), Arg::Vars(OrderedMap(vars))],
            )
            .serialize(s),
            Expr::Join(delimiter, parts) => {
                Intrinsic("Fn::Join", &[Arg::Str(delimiter), Arg::Values(parts)]).serialize(s)
            }
            Expr::JoinList(delimiter, list) => {
                Intrinsic("Fn::Join", &[Arg::Str(delimiter), Arg::Value(list)]).serialize(s)
            }
            Expr::Select(index, list) => {
                Intrinsic("Fn::Select", &[Arg::Index(*index), Arg::Value(list)]).serialize(s)
            }
            Expr::Split(delimiter, source) => {
                Intrinsic("Fn::Split", &[Arg::Str(delimiter), Arg::Value(source)]).serialize(s)
            }
            Expr::If(condition, then, otherwise) => Intrinsic(
                "Fn::If",
                &[Arg::Str(condition), Arg::Value(then), Arg::Value(otherwise)],
            )
            .serialize(s),
            Expr::Equals(a, b) => {
                Intrinsic("Fn::Equals", &[Arg::Value(a), Arg::Value(b)]).serialize(s)
            }
            Expr::Not(a) => Intrinsic("Fn::Not", &[Arg::Value(a)]).serialize(s),
        }
    }
}

/// A typed property value a condition chooses: `Fn::If` over two typed values, either of which
/// may be absent (`Ref: AWS::NoValue`), for the places where the stage's sign-in changes a
/// property's shape and not only its value (AppSync's Cognito or OIDC provider config).
#[derive(Clone, Debug, PartialEq)]
pub enum Choice<T> {
    Always(T),
    Absent,
    If(String, Box<Choice<T>>, Box<Choice<T>>),
}

impl<T> Choice<T> {
    pub fn when(
        condition: &(impl Logical + ?Sized),
        then: Choice<T>,
        otherwise: Choice<T>,
    ) -> Self {
        Choice::If(
            condition.logical_id().to_owned(),
            Box::new(then),
            Box::new(otherwise),
        )
    }
}

impl<T: Serialize> Serialize for Choice<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Choice::Always(value) => value.serialize(s),
            Choice::Absent => Intrinsic("Ref", "AWS::NoValue").serialize(s),
            Choice::If(condition, then, otherwise) => {
                Intrinsic("Fn::If", &(condition, then, otherwise)).serialize(s)
            }
        }
    }
}
