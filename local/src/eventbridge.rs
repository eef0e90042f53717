//! EventBridge event patterns, evaluated as EventBridge documents them ("Amazon EventBridge
//! event patterns", "Content filtering"), so the local stack delivers an event to a rule's
//! target only when the rule's own pattern matches it:
//!
//! * A pattern is an object. Each field names a field of the event; a nested object descends
//!   into the event's object at that name; an array is the leaf: the event's value there must
//!   match one of its elements.
//! * An element that is a string, number, boolean or null matches an equal value (numbers by
//!   value, a string never equals a number). When the event's value is an array, one of its
//!   elements must match.
//! * An element that is an object is a content filter. The ones implemented: `prefix`,
//!   `suffix`, `equals-ignore-case`, `anything-but` (a value, a list, or `{"prefix": ...}`),
//!   `exists` and `numeric`. Any other operator (`wildcard`, `cidr`, `$or`) is refused when
//!   the pattern is read, so a template that starts using one fails loudly here rather than
//!   matching wrongly.
//! * A field absent from the event matches only `{"exists": false}`.

use serde_json::{Map, Value};
use std::fmt;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinHandle;

use crate::lambda::Lambda;

/// A pattern this module cannot evaluate (an unknown operator or a malformed leaf).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError(pub String);

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unsupported event pattern: {}", self.0)
    }
}

impl std::error::Error for PatternError {}

/// A checked event pattern.
#[derive(Debug, Clone)]
pub struct Pattern(Map<String, Value>);

impl Pattern {
    /// Reads a pattern (the `EventPattern` of an `AWS::Events::Rule`), refusing what
    /// [`Pattern::matches`] could not evaluate.
    pub fn new(pattern: &Value) -> Result<Pattern, PatternError> {
        let Value::Object(fields) = pattern else {
            return Err(PatternError(format!(
                "a pattern is an object, not {pattern}"
            )));
        };
        check_object(fields, "")?;
        Ok(Pattern(fields.clone()))
    }

    pub fn matches(&self, event: &Value) -> bool {
        match_object(&self.0, Some(event))
    }
}

fn check_object(fields: &Map<String, Value>, path: &str) -> Result<(), PatternError> {
    for (name, value) in fields {
        let here = format!("{path}/{name}");
        match value {
            Value::Object(inner) => check_object(inner, &here)?,
            Value::Array(elements) => {
                if elements.is_empty() {
                    return Err(PatternError(format!(
                        "{here}: an empty list matches nothing"
                    )));
                }
                for element in elements {
                    if let Value::Object(filter) = element {
                        check_filter(filter, &here)?;
                    }
                }
            }
            other => {
                return Err(PatternError(format!(
                    "{here}: a leaf must be a list of values, not {other}"
                )));
            }
        }
    }
    Ok(())
}

fn check_filter(filter: &Map<String, Value>, here: &str) -> Result<(), PatternError> {
    let mut ops = filter.iter();
    let (Some((op, arg)), None) = (ops.next(), ops.next()) else {
        return Err(PatternError(format!(
            "{here}: a filter has exactly one operator"
        )));
    };
    let ok = match op.as_str() {
        "prefix" | "suffix" | "equals-ignore-case" => arg.is_string(),
        "exists" => arg.is_boolean(),
        "anything-but" => match arg {
            Value::Object(inner) => {
                inner.len() == 1 && inner.get("prefix").is_some_and(Value::is_string)
            }
            Value::Array(values) => values.iter().all(|v| v.is_string() || v.is_number()),
            v => v.is_string() || v.is_number(),
        },
        "numeric" => numeric_conditions(arg).is_some(),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(PatternError(format!("{here}: operator {op:?} with {arg}")))
    }
}

fn match_object(fields: &Map<String, Value>, event: Option<&Value>) -> bool {
    fields.iter().all(|(name, pattern)| {
        let value = event.and_then(|e| e.get(name));
        match pattern {
            Value::Object(inner) => match value {
                Some(v @ Value::Object(_)) => match_object(inner, Some(v)),
                // Only `exists: false` leaves below can match a missing object.
                _ => match_object(inner, None),
            },
            Value::Array(elements) => elements.iter().any(|e| match_leaf(e, value)),
            _ => false,
        }
    })
}

fn match_leaf(element: &Value, value: Option<&Value>) -> bool {
    if let Value::Object(filter) = element
        && let Some(Value::Bool(wanted)) = filter.get("exists")
    {
        return value.is_some() == *wanted;
    }
    let Some(value) = value else {
        return false;
    };
    match value {
        Value::Array(items) => items.iter().any(|item| match_scalar(element, item)),
        scalar => match_scalar(element, scalar),
    }
}

fn match_scalar(element: &Value, value: &Value) -> bool {
    let Value::Object(filter) = element else {
        return equal(element, value);
    };
    let Some((op, arg)) = filter.iter().next() else {
        return false;
    };
    let text = value.as_str();
    match op.as_str() {
        "prefix" => text
            .zip(arg.as_str())
            .is_some_and(|(t, p)| t.starts_with(p)),
        "suffix" => text.zip(arg.as_str()).is_some_and(|(t, s)| t.ends_with(s)),
        "equals-ignore-case" => text
            .zip(arg.as_str())
            .is_some_and(|(t, a)| t.to_lowercase() == a.to_lowercase()),
        "anything-but" => match arg {
            Value::Object(inner) => {
                let prefix = inner.get("prefix").and_then(Value::as_str).unwrap_or("");
                text.is_some_and(|t| !t.starts_with(prefix))
            }
            Value::Array(values) => !values.iter().any(|v| equal(v, value)),
            v => !equal(v, value),
        },
        "numeric" => value.as_f64().is_some_and(|n| {
            numeric_conditions(arg).is_some_and(|conds| conds.iter().all(|(cmp, x)| cmp(n, *x)))
        }),
        _ => false,
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

type Comparison = fn(f64, f64) -> bool;

/// `["<", 10, ">=", 0]` as comparisons.
fn numeric_conditions(arg: &Value) -> Option<Vec<(Comparison, f64)>> {
    let items = arg.as_array()?;
    if items.is_empty() || items.len() % 2 != 0 {
        return None;
    }
    items
        .chunks(2)
        .map(|pair| {
            let cmp: Comparison = match pair[0].as_str()? {
                "<" => |a, b| a < b,
                "<=" => |a, b| a <= b,
                "=" => |a, b| a == b,
                ">" => |a, b| a > b,
                ">=" => |a, b| a >= b,
                _ => return None,
            };
            Some((cmp, pair[1].as_f64()?))
        })
        .collect()
}

/// The bus: each event from `events` goes, as an asynchronous invocation, to the targets of
/// every rule whose pattern matches it. An event no rule takes is logged, where EventBridge
/// would drop it silently: here it means the template's rule and the stand-in disagree.
pub fn deliver(
    rules: Vec<(Pattern, Vec<Arc<Lambda>>)>,
    mut events: UnboundedReceiver<Value>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            let mut matched = false;
            for (pattern, targets) in &rules {
                if pattern.matches(&event) {
                    matched = true;
                    for target in targets {
                        target.invoke_async(event.to_string().into_bytes());
                    }
                }
            }
            if !matched {
                eprintln!(
                    "local: EventBridge: a {} event ({}) matched no rule",
                    event["detail-type"].as_str().unwrap_or("?"),
                    event["detail"]["status"].as_str().unwrap_or("?")
                );
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn matches(pattern: Value, event: Value) -> bool {
        Pattern::new(&pattern).unwrap().matches(&event)
    }

    #[test]
    fn operators() {
        let event = json!({"a": "Hello", "n": 5, "list": ["x", "y"], "o": {"b": null}});
        assert!(matches(json!({"a": [{"prefix": "He"}]}), event.clone()));
        assert!(!matches(json!({"a": [{"prefix": "he"}]}), event.clone()));
        assert!(matches(json!({"a": [{"suffix": "llo"}]}), event.clone()));
        assert!(matches(
            json!({"a": [{"equals-ignore-case": "hello"}]}),
            event.clone()
        ));
        assert!(matches(
            json!({"a": [{"anything-but": ["x", "y"]}]}),
            event.clone()
        ));
        assert!(!matches(
            json!({"a": [{"anything-but": "Hello"}]}),
            event.clone()
        ));
        assert!(!matches(
            json!({"a": [{"anything-but": {"prefix": "H"}}]}),
            event.clone()
        ));
        assert!(matches(
            json!({"n": [{"numeric": [">", 4, "<=", 5]}]}),
            event.clone()
        ));
        assert!(!matches(
            json!({"n": [{"numeric": [">", 5]}]}),
            event.clone()
        ));
        assert!(matches(json!({"n": [5.0]}), event.clone()));
        assert!(!matches(json!({"n": ["5"]}), event.clone()));
        assert!(matches(json!({"list": ["y"]}), event.clone()));
        assert!(matches(json!({"o": {"b": [null]}}), event.clone()));
        assert!(matches(
            json!({"missing": [{"exists": false}]}),
            event.clone()
        ));
        assert!(!matches(
            json!({"missing": [{"exists": true}]}),
            event.clone()
        ));
        assert!(matches(json!({"a": [{"exists": true}]}), event.clone()));
        assert!(matches(
            json!({"nope": {"deeper": [{"exists": false}]}}),
            event.clone()
        ));
        assert!(!matches(json!({"missing": ["x"]}), event));
    }

    #[test]
    fn refuses_what_it_cannot_evaluate() {
        for pattern in [
            json!({"a": [{"wildcard": "*.png"}]}),
            json!({"a": [{"cidr": "10.0.0.0/24"}]}),
            json!({"$or": [{"a": ["x"]}, {"b": ["y"]}]}),
            json!({"a": "not a list"}),
            json!({"a": []}),
            json!({"a": [{"prefix": "x", "suffix": "y"}]}),
            json!({"n": [{"numeric": [">"]}]}),
            json!(["not", "an", "object"]),
        ] {
            assert!(Pattern::new(&pattern).is_err(), "accepted {pattern}");
        }
    }
}
