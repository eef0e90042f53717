//! S3's event encodings: URL-encoded object keys and sequencers, made comparable.

use percent_encoding::percent_decode_str;

/// Why a form-encoded string did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormDecodeError {
    /// A `%` not followed by two hex digits.
    BadEscape,
    /// The decoded bytes are not UTF-8.
    NotUtf8,
}

/// `application/x-www-form-urlencoded` decoding, strictly: `+` is a space, `%XX` a byte, and
/// a malformed escape or bytes that are not UTF-8 are errors (percent-encoding alone passes a
/// malformed escape through unchanged). S3 encodes event keys this way, and API Gateway
/// forwards query strings as browsers encode them, which is this too.
pub fn form_decode(raw: &str) -> Result<String, FormDecodeError> {
    let bytes = raw.as_bytes();
    let malformed = bytes.iter().enumerate().any(|(i, &b)| {
        b == b'%'
            && !bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if malformed {
        return Err(FormDecodeError::BadEscape);
    }
    // `+` first: a literal plus arrives as `%2B` and must survive the decoding.
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| FormDecodeError::NotUtf8)
}

/// An S3 object key as S3 sends it in an event is URL-encoded: `+` and `%20` are spaces,
/// non-ASCII characters are percent-encoded UTF-8.
pub fn decode_s3_key(raw: &str) -> Result<String, String> {
    let key = form_decode(raw).map_err(|e| match e {
        FormDecodeError::BadEscape => format!("S3 key {raw:?} has a malformed percent escape"),
        FormDecodeError::NotUtf8 => format!("S3 key {raw:?} does not decode to UTF-8"),
    })?;
    if key.is_empty() {
        return Err("S3 key is empty".into());
    }
    Ok(key)
}

/// Width every stored sequencer is padded to.
pub const SEQUENCER_WIDTH: usize = 64;

/// S3's documentation: sequencers of one key can differ in length; to compare them, right-pad
/// the shorter with zeros, then compare lexicographically. Padding every sequencer to one
/// fixed width (and one letter case) makes DynamoDB's string comparison that same order, so
/// a condition expression can compare them.
pub fn normalize_sequencer(raw: &str) -> Result<String, String> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("S3 sequencer {raw:?} is not a hexadecimal string"));
    }
    if raw.len() > SEQUENCER_WIDTH {
        return Err(format!(
            "S3 sequencer {raw:?} is longer than {SEQUENCER_WIDTH} digits"
        ));
    }
    let mut s = raw.to_ascii_uppercase();
    s.extend(std::iter::repeat_n('0', SEQUENCER_WIDTH - raw.len()));
    Ok(s)
}
