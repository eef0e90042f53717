//! The merge rule as a property: for random histories of one job, every delivery (any order,
//! any duplicates) ends in the state the true order gives. `store_moto.rs` shows, on moto,
//! that the store's condition expressions give the same result as this rule.

mod common;

use handlers::domain::{JobStatus, StateUpdate, fold};
use proptest::prelude::*;
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

/// A delete's tombstone wins the merge wherever it lands in a delivery: before, among or
/// after the job's events (late and redelivered ones included), once or twice, the state is
/// DELETED, so no MediaConvert event brings a deleted job back.
#[test]
fn a_tombstone_wins_over_every_event_delivered_around_it() {
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let checked = Cell::new(0u32);
    let cases = common::history_and_delivery().prop_flat_map(|(_, delivered)| {
        let n = delivered.len();
        (Just(delivered), 0..=n, 0..=n, any::<bool>())
    });
    runner
        .run(&cases, |(mut delivered, at, again_at, twice)| {
            let job_id = delivered[0].job_id.clone();
            let tombstone = StateUpdate::deleted(&job_id, 1_700_000_000_000);
            delivered.insert(at, tombstone.clone());
            if twice {
                delivered.insert(again_at.min(delivered.len()), tombstone.clone());
            }
            let got = fold(&delivered).expect("a delivery has events");
            proptest::prop_assert_eq!(got.status, JobStatus::Deleted);
            proptest::prop_assert_eq!(&got, &tombstone.state());
            // Without the tombstone the same events end elsewhere: it is the tombstone that wins.
            let without: Vec<_> = delivered
                .iter()
                .filter(|u| u.status != JobStatus::Deleted)
                .cloned()
                .collect();
            proptest::prop_assert_ne!(fold(&without).map(|s| s.status), Some(JobStatus::Deleted));
            checked.set(checked.get() + 1);
            Ok(())
        })
        .unwrap();
    assert!(checked.get() >= CASES);
}
