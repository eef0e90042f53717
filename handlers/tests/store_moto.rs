//! The store on moto's DynamoDB: its condition expressions give exactly the domain's merge
//! (random shuffled, duplicated histories applied through the real store), and the upload
//! claim orders uploads by S3 sequencer.

mod common;

use common::{Local, TTL_DAYS};
use handlers::domain::{fold, normalize_sequencer};
use handlers::store::{Claim, InputFileTable, StatusTable, Ttl, now_epoch};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, TestRunner};
use testkit::Moto;

/// How many random histories go through the real store.
const STORE_CASES: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_conditions_give_the_domain_merge() {
    let local = Local::create(&Moto::shared().endpoint(), "prop").await;
    let statuses = StatusTable::new(
        local.dynamodb.clone(),
        &local.names.job_status_table,
        Ttl { days: TTL_DAYS },
    );
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = common::history_and_delivery();
    let cases: Vec<_> = (0..STORE_CASES)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect();
    let events: usize = cases.iter().map(|(_, d)| d.len()).sum();

    let mut running = tokio::task::JoinSet::new();
    let mut mismatches = Vec::new();
    for (i, (in_order, delivered)) in cases.into_iter().enumerate() {
        let statuses = statuses.clone();
        running.spawn(async move {
            let job_id = format!("prop-{i}");
            for update in &delivered {
                let mut update = update.clone();
                update.job_id = job_id.clone();
                statuses
                    .apply(&update, None, None, now_epoch())
                    .await
                    .unwrap();
            }
            let stored = statuses.get(&job_id).await.unwrap().expect("an item");
            let expected = fold(&in_order).unwrap();
            (stored.state != expected).then(|| {
                format!(
                    "job {job_id}: stored {:?}, domain {expected:?}, delivered {delivered:?}",
                    stored.state
                )
            })
        });
        while running.len() >= 16 {
            mismatches.extend(running.join_next().await.unwrap().unwrap());
        }
    }
    while let Some(done) = running.join_next().await {
        mismatches.extend(done.unwrap());
    }
    assert!(
        mismatches.is_empty(),
        "{} of {STORE_CASES} differ; first: {}",
        mismatches.len(),
        mismatches[0]
    );
    assert_eq!(
        local.scan(&local.names.job_status_table).await.len(),
        STORE_CASES
    );
    for item in local.scan(&local.names.job_status_table).await {
        common::assert_ttl(&item);
    }
    println!(
        "store property: {STORE_CASES} histories, {events} delivered events through DynamoDB \
         condition expressions on moto, all equal to the domain merge"
    );
}

#[tokio::test]
async fn uploads_are_claimed_in_sequencer_order() {
    let local = Local::create(&Moto::shared().endpoint(), "claim").await;
    let inputs = InputFileTable::new(
        local.dynamodb.clone(),
        &local.names.input_file_table,
        Ttl { days: TTL_DAYS },
    );
    let key = "uploads/a b.mp4";
    let seq = |raw: &str| normalize_sequencer(raw).unwrap();
    let now = now_epoch();
    // The longer sequencer with the same prefix is the newer one (right padding).
    let (old, new, newest) = (
        seq("0055AED6DCD90281E5"),
        seq("0055AED6DCD90281E501"),
        seq("0055AED6DCD90281E6"),
    );

    assert_eq!(
        inputs.claim(key, &new, "job-new", None, now).await.unwrap(),
        Claim::Fresh
    );
    assert_eq!(
        inputs.latest_job(key).await.unwrap().as_deref(),
        Some("job-new"),
        "the claim points the key at its job"
    );
    assert_eq!(
        inputs.claim(key, &new, "job-new", None, now).await.unwrap(),
        Claim::Again
    );
    // An older upload, claimed late, never replaces the newer one's job.
    assert_eq!(
        inputs.claim(key, &old, "job-old", None, now).await.unwrap(),
        Claim::Superseded
    );
    assert_eq!(
        inputs.latest_job(key).await.unwrap().as_deref(),
        Some("job-new")
    );

    assert_eq!(
        inputs
            .claim(key, &newest, "job-newest", None, now)
            .await
            .unwrap(),
        Claim::Fresh
    );
    assert_eq!(
        inputs.latest_job(key).await.unwrap().as_deref(),
        Some("job-newest")
    );
    let item = local
        .item(&local.names.input_file_table, "InputFile", key)
        .await
        .unwrap();
    assert_eq!(common::s(&item, "Sequencer"), newest);
    assert_eq!(common::s(&item, "JobSequencer"), newest);
    common::assert_ttl(&item);
    assert_eq!(inputs.latest_job("uploads/other.mp4").await.unwrap(), None);
}
