//! docs/wiring.md is what `wiring::doc::render` produces.

use std::path::Path;

#[test]
fn docs_wiring_md_is_rendered_from_the_crate() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/wiring.md");
    let rendered = wiring::doc::render();
    if std::env::var_os("UPDATE_WIRING_DOC").is_some() {
        std::fs::write(&path, &rendered).expect("docs/wiring.md is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "docs/wiring.md differs from what the wiring crate renders; rewrite it with \
         `UPDATE_WIRING_DOC=1 cargo test -p wiring --test doc`"
    );
}
