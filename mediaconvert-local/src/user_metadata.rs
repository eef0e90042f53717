//! MediaConvert's rule for user metadata values, which the published model does not carry
//! (botocore's `__mapOf__string` has no pattern): "at most 256 characters" of "Unicode
//! letters, digits, white space, or these symbols: _ . : / = + - @" (User Guide, "Adding
//! user metadata tags"). A CreateJob that breaks it is a `BadRequestException` naming the
//! value, as the service answered in aws-samples/aws-media-services-vod-automation issue 5
//! (`The user metadata value '...test%26.mp4' is invalid`).

use serde_json::Value;

/// The longest value, in characters.
pub const MAX_VALUE_CHARS: usize = 256;

/// Whether one value is one MediaConvert accepts. White space is taken as the space
/// character alone: the guide does not say which other characters it counts, and this
/// stand-in refuses what it cannot show the service accepts.
pub fn value_fits(value: &str) -> bool {
    value.chars().count() <= MAX_VALUE_CHARS
        && value.chars().all(|c| {
            c.is_alphabetic()
                || c.is_numeric()
                || matches!(c, ' ' | '_' | '.' | ':' | '/' | '=' | '+' | '-' | '@')
        })
}

/// The request's `userMetadata` checked value by value; the error is the service's.
pub fn check(user_metadata: Option<&Value>) -> Result<(), String> {
    let Some(map) = user_metadata.and_then(Value::as_object) else {
        return Ok(());
    };
    match map
        .values()
        .filter_map(Value::as_str)
        .find(|v| !value_fits(v))
    {
        None => Ok(()),
        Some(bad) => Err(format!(
            "The user metadata value '{bad}' is invalid: a value has at most {MAX_VALUE_CHARS} \
             characters, each a Unicode letter, a digit, a space or one of _ . : / = + - @"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn letters_digits_spaces_and_the_listed_symbols_fit() {
        for ok in [
            "",
            "vod-test",
            "uploads/owner-1/x/Été 2024.mp4",
            "a_b.c:d=e+f@g",
            "日本語",
        ] {
            assert!(value_fits(ok), "{ok:?}");
        }
    }

    #[test]
    fn other_symbols_and_overlong_values_do_not() {
        for bad in [
            "IMG_0042 (1).MOV",
            "Tom's party.mp4",
            "a&b.mp4",
            "#1.mp4",
            "~b64",
            "50%",
        ] {
            assert!(!value_fits(bad), "{bad:?}");
        }
        assert!(
            value_fits(&"é".repeat(256)),
            "256 characters fit, whatever their bytes"
        );
        assert!(!value_fits(&"a".repeat(257)));
    }

    #[test]
    fn the_error_names_the_value_as_the_service_does() {
        let e = check(Some(&json!({"stack": "s", "inputFile": "test&.mp4"}))).unwrap_err();
        assert!(
            e.starts_with("The user metadata value 'test&.mp4' is invalid"),
            "{e}"
        );
        assert_eq!(check(Some(&json!({"stack": "s"}))), Ok(()));
        assert_eq!(check(None), Ok(()));
    }
}
