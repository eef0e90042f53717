//! What the validator reports: a [`Violation`] per place (its JSON path, the shape expected
//! there, the [`Problem`]), and [`Invalid`], every violation of one value.
//!
//! The messages never show a string value unless it is an enum value (a public constant):
//! request bodies carry the HLS static key as a plain string member.

use std::fmt;

/// What is wrong at one place in a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The shape named to [`crate::Model::validate`] is not in the model.
    UnknownShape,
    /// A key the structure does not have; `suggestion` is the closest member it has.
    UnknownMember {
        member: String,
        suggestion: Option<String>,
    },
    MissingRequired {
        member: String,
    },
    /// A string that is not among the enum's values (enum values are public constants, so
    /// the value is shown); `suggestion` is the closest value.
    NotInEnum {
        value: String,
        suggestion: Option<String>,
        allowed: Vec<String>,
    },
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    /// A number outside the shape's `min`..=`max`.
    OutOfRange {
        value: String,
        min: Option<String>,
        max: Option<String>,
    },
    /// A string, list or map whose length is outside the shape's `min`..=`max`.
    BadLength {
        unit: &'static str,
        length: usize,
        min: Option<u64>,
        max: Option<u64>,
    },
    /// A string that does not match the shape's pattern (the value is not shown).
    NoPatternMatch {
        pattern: String,
    },
}

/// One violation: where (a JSON path such as `settings.outputGroups[0].name`; empty for the
/// whole value), the shape expected there, and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub path: String,
    pub shape: String,
    pub problem: Problem,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(the value)"
        } else {
            &self.path
        };
        write!(f, "{path}: ")?;
        let shape = &self.shape;
        match &self.problem {
            Problem::UnknownShape => write!(f, "the model has no shape named {shape}"),
            Problem::UnknownMember { member, suggestion } => {
                write!(f, "{shape} has no member {member:?}")?;
                match suggestion {
                    Some(s) => write!(f, " (did you mean {s:?}?)"),
                    None => Ok(()),
                }
            }
            Problem::MissingRequired { member } => {
                write!(f, "{shape} requires member {member:?}, which is missing")
            }
            Problem::NotInEnum {
                value,
                suggestion,
                allowed,
            } => {
                write!(f, "{value:?} is not a value of {shape}")?;
                if let Some(s) = suggestion {
                    write!(f, " (did you mean {s:?}?)")?;
                }
                if allowed.len() <= 12 {
                    write!(f, "; allowed: {}", allowed.join(", "))?;
                }
                Ok(())
            }
            Problem::WrongType { expected, found } => {
                write!(f, "{shape} expects {expected}, found {found}")
            }
            Problem::OutOfRange { value, min, max } => {
                write!(f, "{value} is outside {shape}'s range {}", range(min, max))
            }
            Problem::BadLength {
                unit,
                length,
                min,
                max,
            } => write!(
                f,
                "{length} {unit} is outside {shape}'s length range {}",
                range(min, max)
            ),
            Problem::NoPatternMatch { pattern } => {
                write!(f, "the string does not match {shape}'s pattern {pattern}")
            }
        }
    }
}

fn range<T: fmt::Display>(min: &Option<T>, max: &Option<T>) -> String {
    let show = |b: &Option<T>| b.as_ref().map(|v| v.to_string()).unwrap_or_default();
    format!("[{}, {}]", show(min), show(max))
}

/// Every violation of one value.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid(pub Vec<Violation>);

impl Invalid {
    /// The paths of the violations, in order.
    pub fn paths(&self) -> Vec<&str> {
        self.0.iter().map(|v| v.path.as_str()).collect()
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Invalid {}
