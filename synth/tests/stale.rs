//! The committed `cloudformation/stack.yaml` is exactly what synth prints.

mod common;

#[test]
fn committed_stack_yaml_is_current() {
    let path = common::workspace_file("cloudformation/stack.yaml");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let fresh = synth::stack::stack()
        .to_yaml()
        .expect("the stack validates");
    assert!(
        committed == fresh,
        "cloudformation/stack.yaml is stale (or missing): regenerate it with \
         `cargo run -p synth -- --out cloudformation/stack.yaml` and commit it"
    );
}
