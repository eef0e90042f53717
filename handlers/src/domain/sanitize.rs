//! Error messages from MediaConvert, made fit for the front end.

/// Drops every `s3://bucket/` prefix (bucket names never reach the front end) and every
/// 12-digit account id (as in ARNs), keeping the rest of the message readable.
pub fn sanitize_error_message(message: &str) -> String {
    let mut without_buckets = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("s3://") {
        without_buckets.push_str(&rest[..at]);
        let after = &rest[at + 5..];
        let bucket_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_'))
            .unwrap_or(after.len());
        rest = &after[bucket_len..];
        if let Some(stripped) = rest.strip_prefix('/') {
            rest = stripped;
        }
    }
    without_buckets.push_str(rest);

    let mut out = String::with_capacity(without_buckets.len());
    let mut digits = String::new();
    for c in without_buckets.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if digits.len() != 12 {
            out.push_str(&digits);
        }
        digits.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out
}
