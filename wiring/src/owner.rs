//! The two forms of a caller's identity (`sub`) the stack writes down: the owner segment of
//! upload keys and items, and the owner segment of push channels. Both are pure and shared
//! here so that handlers, the local AppSync stand-in and the tests compute the same text; the
//! template's `onSubscribe` handler (APPSYNC_JS) and the page compute the channel form too,
//! pinned to the same vectors (`wiring/tests/owner_vectors.json`).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// The caller's segment of upload keys and the `Owner` stored on every item: the `sub` itself
/// when it is a plain token (`^[A-Za-z0-9_-]{1,128}$`, as Cognito's UUIDs are), otherwise `~`
/// and the URL-safe base64 (no padding) of its bytes. `~` is not in the plain alphabet, so the
/// two forms never collide, and neither ever holds a `/`.
pub fn owner_segment(sub: &str) -> String {
    let plain = (1..=128).contains(&sub.len())
        && sub
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain {
        sub.to_string()
    } else {
        format!("~{}", URL_SAFE_NO_PAD.encode(sub.as_bytes()))
    }
}

/// The `sub` an owner segment was made from (`None` for text no `sub` makes).
pub fn sub_of_owner_segment(segment: &str) -> Option<String> {
    match segment.strip_prefix('~') {
        Some(encoded) => {
            let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
            let sub = String::from_utf8(bytes).ok()?;
            (owner_segment(&sub) == segment).then_some(sub)
        }
        None => (owner_segment(segment) == segment).then(|| segment.to_string()),
    }
}

/// Longest channel segment: AppSync's namespace-name limit, which the stack applies to every
/// segment of its channels.
pub const MAX_CHANNEL_SEGMENT: usize = 50;

/// Marks the encoded channel form. A plain form never holds `--`, so the forms never collide.
pub const ENCODED_CHANNEL_PREFIX: &str = "b--";

/// The caller's segment of push channels (`/jobs/<this>/<job>`), or `None` when it would not
/// fit in a channel segment (that caller's page keeps polling).
///
/// Channel segments are narrower than owner segments: AppSync's namespace-name pattern
/// (`[A-Za-z0-9]`, then `[A-Za-z0-9-]`, ending alphanumeric, at most 50) has no `_` or `~`.
/// So: the `sub` itself when it matches that pattern and holds no `--` (Cognito's UUID subs
/// do); otherwise `b--` and the standard base64 of its UTF-8 bytes without padding, `+`
/// written `-p` and `/` written `-s` (base64 has no `-`, so this decodes one way). The
/// template's `onSubscribe` computes it with `util.base64Encode`, which is why it is standard
/// base64 and string replacements rather than a hash APPSYNC_JS lacks.
pub fn channel_owner(sub: &str) -> Option<String> {
    let bytes = sub.as_bytes();
    let alnum = |b: &u8| b.is_ascii_alphanumeric();
    let plain = (1..=MAX_CHANNEL_SEGMENT).contains(&bytes.len())
        && bytes.first().is_some_and(alnum)
        && bytes.last().is_some_and(alnum)
        && bytes.iter().all(|b| alnum(b) || *b == b'-')
        && !sub.contains("--");
    if plain {
        return Some(sub.to_string());
    }
    if sub.is_empty() {
        return None;
    }
    let encoded = STANDARD_NO_PAD
        .encode(bytes)
        .replace('+', "-p")
        .replace('/', "-s");
    let form = format!("{ENCODED_CHANNEL_PREFIX}{encoded}");
    (form.len() <= MAX_CHANNEL_SEGMENT).then_some(form)
}
