//! The merge rule as a property: for random histories of one job, every delivery (any order,
//! any duplicates) ends in the state the true order gives. `store_moto.rs` shows, on moto,
//! that the store's condition expressions give the same result as this rule.

mod common;

use handlers::domain::{JobStatus, fold};
use proptest::test_runner::{Config, TestRunner};
use std::cell::Cell;

/// How many random histories the property is checked on.
pub const CASES: u32 = 10_000;

#[test]
fn every_delivery_of_a_history_ends_in_its_in_order_state() {
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let checked = Cell::new(0u32);
    let events = Cell::new(0usize);
    runner
        .run(&common::history_and_delivery(), |(in_order, delivered)| {
            let expected = fold(&in_order).expect("a history has events");
            let got = fold(&delivered).expect("a delivery has events");
            proptest::prop_assert_eq!(&got, &expected);
            // What the in-order state must be, independently of the merge's own code.
            let last = in_order.last().unwrap();
            proptest::prop_assert_eq!(expected.status, last.status);
            let max_progress = in_order
                .iter()
                .filter_map(|u| u.progress)
                .max()
                .unwrap_or(0);
            if expected.status.is_terminal() {
                proptest::prop_assert_eq!(expected.progress, 100);
            } else {
                proptest::prop_assert_eq!(expected.progress, max_progress);
            }
            // The details travel with their status.
            proptest::prop_assert_eq!(
                expected.complete.is_some(),
                expected.status == JobStatus::Complete
            );
            proptest::prop_assert_eq!(
                expected.error.is_some(),
                expected.status == JobStatus::Error
            );
            checked.set(checked.get() + 1);
            events.set(events.get() + delivered.len());
            Ok(())
        })
        .unwrap();
    println!(
        "merge property: {} histories, {} delivered events, all converged",
        checked.get(),
        events.get()
    );
    assert!(checked.get() >= CASES);
}
