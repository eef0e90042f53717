//! Cold start, warm per-event cost and peak memory of the three handler binaries, each run
//! the way Lambda runs it: a fresh process talking to a Runtime API stub, DynamoDB and S3 on
//! moto, MediaConvert on a loopback stand-in. Prints numbers; asserts nothing.
//!
//! `scripts/bench-handlers.sh` builds the release binaries and runs this. Options (after `--`):
//! `--cold N` fresh processes per function (default 20), `--events N` warm events (default 500),
//! `--bin-dir DIR` where the binaries to measure are (default: the ones cargo built for this
//! target, in its own profile), `--moto closing|keep-alive|both` which moto server (default
//! both, one table each), `--only NAME` one function instead of all three.
//!
//! `--against DIR` compares two builds instead: for each function, one warm process from
//! `--bin-dir` (A) and one from DIR (B) take turns, `--rounds N` (default 9) blocks of
//! `--events N` events each, against the same moto. The table shows each build's median
//! per-event CPU over its blocks, from the scheduler's nanosecond account (the default table
//! counts 10 ms ticks). Taking turns cancels the drift of a shared virtual machine (other
//! tenants, the CPU's clock), which moves separate runs of one binary by up to a fifth.
//!
//! The two moto servers:
//! - closing: moto's own server (werkzeug's dev server), which ends every connection after one
//!   answer, so each AWS call pays a TCP connect (and the SDK's connection setup) again.
//! - keep-alive: the same moto behind a request handler that keeps connections open
//!   ([`Moto::start_keep_alive`]). AWS's endpoints keep connections alive and the SDK reuses
//!   them across the invocations of a warm Lambda environment, so this table is the closer one
//!   to Lambda for warm figures. Neither has TLS, which AWS adds: a handshake per new
//!   connection (so on a cold start) and encryption per byte.
//!
//! What the figures mean:
//! - cold start: process spawn until the runtime API received the first answer (init, first
//!   poll, one event end to end); "init" is spawn until the first poll for an event.
//! - warm wall: from queuing an event to receiving its answer, in one long-lived process;
//!   dominated by moto (Python), so it is an upper bound for the handler's own latency.
//! - warm CPU: the process's own user+system time (/proc/<pid>/stat, all threads) over the
//!   warm events divided by their number; clock ticks are 10 ms, hence many events. "Of which
//!   kernel" is the system part: syscalls, the loopback TCP stack, page faults.
//! - peak RSS: VmHWM of /proc/<pid>/status after the warm events.

use std::time::Duration;

use runtime_api::{CpuTime, Function, HttpStub, Invocation};
use testkit::Moto;
use testkit::fixtures::{get_job_event, mediaconvert_event};
use testkit::functions::{Binary, LocalAws, mediaconvert_stub};

testkit::handler_binaries!();

const ANSWER: Duration = Duration::from_secs(30);
/// Events a fresh process handles before the measured ones (connection pools, lazy init).
const WARM_UP: usize = 20;
/// The job status-api reads: completed once by job-state before the runs.
const SEEDED_JOB: &str = "0000000000000000000062656e636830";
/// The videos of the listed page (`GET /jobs`, the page's default size): each COMPLETE, with
/// a poster, written by job-state itself.
const LISTED_VIDEOS: usize = 20;

struct Options {
    cold: usize,
    events: usize,
    bin_dir: Option<String>,
    servers: Vec<Server>,
    only: Option<String>,
    against: Option<String>,
    rounds: usize,
}

#[derive(Clone, Copy)]
enum Server {
    Closing,
    KeepAlive,
}

impl Server {
    fn start(self) -> Moto {
        match self {
            Server::Closing => Moto::start(),
            Server::KeepAlive => Moto::start_keep_alive(),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Server::Closing => {
                "moto closing every connection after one answer (a TCP connect per AWS call; \
                 further from Lambda than keep-alive)"
            }
            Server::KeepAlive => {
                "moto keeping connections alive, as AWS's endpoints do (the SDK reuses one \
                 connection across warm events; the closer one to Lambda, which adds TLS)"
            }
        }
    }
}

fn options() -> Options {
    let mut opts = Options {
        cold: 20,
        events: 500,
        bin_dir: None,
        servers: vec![Server::Closing, Server::KeepAlive],
        only: None,
        against: None,
        rounds: 9,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> usize {
            args.next()
                .and_then(|v| v.parse().ok())
                .filter(|&n| n > 0)
                .unwrap_or_else(|| panic!("{name} needs a positive number"))
        };
        match arg.as_str() {
            "--cold" => opts.cold = value("--cold"),
            "--events" => opts.events = value("--events"),
            "--bin-dir" => opts.bin_dir = Some(args.next().expect("--bin-dir needs a folder")),
            "--against" => opts.against = Some(args.next().expect("--against needs a folder")),
            "--rounds" => opts.rounds = value("--rounds"),
            "--only" => {
                let name = args.next().expect("--only needs a function name");
                assert!(
                    [STATUS_API, JOB_STATE, CREATE_JOB]
                        .iter()
                        .any(|b| b.name == name),
                    "--only needs status-api, job-state or create-job, not {name}"
                );
                opts.only = Some(name);
            }
            "--moto" => {
                opts.servers = match args.next().as_deref() {
                    Some("closing") => vec![Server::Closing],
                    Some("keep-alive") => vec![Server::KeepAlive],
                    Some("both") => vec![Server::Closing, Server::KeepAlive],
                    _ => panic!("--moto needs closing, keep-alive or both"),
                }
            }
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            other => panic!(
                "unknown option {other}; expected --cold N, --events N, --bin-dir DIR, --moto closing|keep-alive|both, --only NAME, --against DIR, --rounds N"
            ),
        }
    }
    opts
}

/// One function under test: its binary, extra environment, and a cheap representative event
/// per sequence number (distinct where the handler would otherwise see a duplicate and skip
/// its real work).
struct Subject<'a> {
    /// The table's row name: the binary's, or what it is asked when one binary has two rows.
    label: &'static str,
    binary: Binary,
    extra: Vec<(&'a str, &'a str)>,
    event: Box<dyn Fn(usize) -> Vec<u8> + 'a>,
}

struct Figures {
    cold: Vec<Duration>,
    init: Vec<Duration>,
    warm_wall: Vec<Duration>,
    warm_cpu: CpuTime,
    peak_rss_kib: u64,
}

impl Subject<'_> {
    /// The next distinct event (`serial` counts over the whole run, all functions).
    fn next_event(&self, serial: &mut usize) -> Vec<u8> {
        *serial += 1;
        (self.event)(*serial)
    }

    /// A fresh process of `binary` with this function's environment, past its warm-up events.
    fn warm_process(&self, aws: &LocalAws, binary: Binary, serial: &mut usize) -> Function {
        let mut function = aws.spawn(binary, &self.extra);
        for _ in 0..WARM_UP {
            invoke(&mut function, binary, self.next_event(serial));
        }
        function
    }
}

fn measure(aws: &LocalAws, subject: &Subject, opts: &Options, serial: &mut usize) -> Figures {
    let mut cold = Vec::new();
    let mut init = Vec::new();
    for _ in 0..opts.cold {
        let mut function = aws.spawn(subject.binary, &subject.extra);
        let done = invoke(&mut function, subject.binary, subject.next_event(serial));
        let spawned = function.spawned_at();
        cold.push(done.answered_at() - spawned);
        init.push(
            function
                .api()
                .first_poll()
                .expect("polled before answering")
                - spawned,
        );
    }

    let mut function = subject.warm_process(aws, subject.binary, serial);
    let cpu_before = function.cpu_time();
    let mut warm_wall = Vec::new();
    for _ in 0..opts.events {
        let done = invoke(&mut function, subject.binary, subject.next_event(serial));
        warm_wall.push(done.answered_at() - done.enqueued_at);
    }
    let warm_cpu = function.cpu_time() - cpu_before;
    let per_event = |d: Duration| d / opts.events as u32;
    let warm_cpu = CpuTime {
        user: per_event(warm_cpu.user),
        system: per_event(warm_cpu.system),
    };
    Figures {
        cold,
        init,
        warm_wall,
        warm_cpu,
        peak_rss_kib: function.peak_rss_kib(),
    }
}

/// Per-event CPU of one warm process of each build, `opts.rounds` blocks each, taking turns
/// (the first of a pair alternates too, so neither always runs right after the other).
fn compare(
    aws: &LocalAws,
    subject: &Subject,
    against: Binary,
    opts: &Options,
    serial: &mut usize,
) -> (Vec<Duration>, Vec<Duration>) {
    let mut functions = [subject.binary, against].map(|binary| {
        (
            binary,
            subject.warm_process(aws, binary, serial),
            Vec::new(),
        )
    });
    for round in 0..opts.rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            let (binary, function, blocks) = &mut functions[i];
            let before = function.cpu_time_precise();
            for _ in 0..opts.events {
                invoke(function, *binary, subject.next_event(serial));
            }
            blocks.push((function.cpu_time_precise() - before) / opts.events as u32);
        }
    }
    let [(_, _, a), (_, _, b)] = functions;
    (a, b)
}

/// A benchmark of failures would measure the wrong thing: stop at the first one.
fn invoke(function: &mut Function, binary: Binary, event: Vec<u8>) -> Invocation {
    let done = function.invoke_ok(event, ANSWER);
    if binary.name == STATUS_API.name {
        let text = done
            .outcome
            .as_ref()
            .map(|o| o.posted().text())
            .unwrap_or_default();
        assert!(
            text.contains("\"statusCode\":200"),
            "status-api did not answer 200: {text}"
        );
    }
    done
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

fn main() {
    let opts = options();
    let [status_api, job_state, create_job] =
        [STATUS_API, JOB_STATE, CREATE_JOB].map(|b| located(b, opts.bin_dir.as_deref()));
    let binaries_dir = std::path::Path::new(status_api.path)
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    println!(
        "handler binaries from {binaries_dir}; {} cold starts and {} warm events (after {WARM_UP} warm-up) per function",
        opts.cold, opts.events
    );
    for &server in &opts.servers {
        println!();
        println!("## {}", server.describe());
        run(server, [status_api, job_state, create_job], &opts);
    }
}

/// Measures the three functions against a fresh `server` and prints their table.
fn run(server: Server, [status_api, job_state, create_job]: [Binary; 3], opts: &Options) {
    let moto = server.start();
    let aws = LocalAws::create(&moto, "bench");
    let mediaconvert: HttpStub = mediaconvert_stub();
    let mediaconvert_endpoint = mediaconvert.endpoint();
    seed_completed_job(&aws, job_state);
    seed_listed_videos(&aws, job_state);

    let input_bucket = aws.names.input_bucket.clone();
    let subjects = [
        Subject {
            label: "status-api",
            binary: status_api,
            extra: vec![],
            event: Box::new(|_| get_job_event(SEEDED_JOB)),
        },
        Subject {
            label: "status-api GET /jobs (20 videos)",
            binary: status_api,
            extra: vec![],
            event: Box::new(|_| list_jobs_event()),
        },
        Subject {
            label: "job-state",
            binary: job_state,
            extra: vec![],
            event: Box::new(|n| {
                mediaconvert_event("mediaconvert/status-update.json", &format!("{n:032x}"))
            }),
        },
        Subject {
            label: "create-job",
            binary: create_job,
            extra: vec![("AWS_ENDPOINT_URL_MEDIACONVERT", &mediaconvert_endpoint)],
            event: Box::new(move |n| upload_event(&input_bucket, n)),
        },
    ];

    let subjects: Vec<Subject> = subjects
        .into_iter()
        .filter(|s| {
            opts.only
                .as_deref()
                .is_none_or(|name| name == s.binary.name)
        })
        .collect();

    println!("moto at {}", aws.endpoint);
    println!();
    let mut serial = 0;
    if let Some(against) = opts.against.as_deref() {
        println!(
            "{} turns of {} events each; A = {}, B = {against}",
            opts.rounds,
            opts.events,
            opts.bin_dir.as_deref().unwrap_or("cargo's build")
        );
        println!();
        println!(
            "| function | A warm CPU µs/event median | A min–max | B median | B min–max | B / A |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: |");
        for subject in &subjects {
            let b = located(subject.binary, Some(against));
            let (mut a, mut b) = compare(&aws, subject, b, opts, &mut serial);
            a.sort();
            b.sort();
            let (a_median, b_median) = (percentile(&a, 0.5), percentile(&b, 0.5));
            let us = |d: Duration| format!("{:.0}", d.as_secs_f64() * 1e6);
            println!(
                "| {} | {} | {}–{} | {} | {}–{} | {:.2} |",
                subject.label,
                us(a_median),
                us(a[0]),
                us(a[a.len() - 1]),
                us(b_median),
                us(b[0]),
                us(b[b.len() - 1]),
                b_median.as_secs_f64() / a_median.as_secs_f64(),
            );
        }
    } else {
        println!(
            "| function | cold start ms median | cold p95 | init ms median | warm wall ms median | warm p95 | warm CPU µs/event | of which kernel | peak RSS MiB |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for subject in &subjects {
            let mut f = measure(&aws, subject, opts, &mut serial);
            f.cold.sort();
            f.init.sort();
            f.warm_wall.sort();
            println!(
                "| {} | {} | {} | {} | {} | {} | {:.0} | {:.0} | {:.1} |",
                subject.label,
                ms(percentile(&f.cold, 0.5)),
                ms(percentile(&f.cold, 0.95)),
                ms(percentile(&f.init, 0.5)),
                ms(percentile(&f.warm_wall, 0.5)),
                ms(percentile(&f.warm_wall, 0.95)),
                f.warm_cpu.total().as_secs_f64() * 1e6,
                f.warm_cpu.system.as_secs_f64() * 1e6,
                f.peak_rss_kib as f64 / 1024.0,
            );
        }
    }
    println!();
    println!(
        "CreateJob requests answered by the MediaConvert stand-in: {}",
        mediaconvert.requests().len()
    );
}

/// `binary` with its path moved into `dir`, when one is given.
fn located(binary: Binary, dir: Option<&str>) -> Binary {
    let Some(dir) = dir else { return binary };
    let path = std::path::Path::new(dir).join(binary.name);
    assert!(
        path.is_file(),
        "no {} in {dir}: build it first",
        binary.name
    );
    Binary {
        // Lives for the whole run, like the env!() paths it stands in for.
        path: Box::leak(path.display().to_string().into_boxed_str()),
        ..binary
    }
}

/// Gives status-api a COMPLETE job to read, written by job-state itself.
fn seed_completed_job(aws: &LocalAws, job_state: Binary) {
    aws.put_output_item(
        SEEDED_JOB,
        &format!("hls/{SEEDED_JOB}/"),
        &format!("keys/{SEEDED_JOB}/bench.key"),
        "000102030405060708090a0b0c0d0e0f",
    );
    let mut job_state = aws.spawn(job_state, &[]);
    for fixture in [
        "mediaconvert/status-update.json",
        "mediaconvert/complete.json",
    ] {
        // Owned by the API fixture's caller, who asks for it.
        let event = testkit::fixtures::owned_mediaconvert_event(
            fixture,
            SEEDED_JOB,
            &testkit::fixtures::fixture_owner(),
        );
        job_state.invoke_ok(event, ANSWER);
    }
}

/// Gives status-api's listing a full page: [`LISTED_VIDEOS`] uploads of the API fixture's
/// caller, each claimed (its input-file item) and COMPLETE with a poster through job-state.
fn seed_listed_videos(aws: &LocalAws, job_state: Binary) {
    use aws_sdk_dynamodb::types::AttributeValue;
    use wiring::table::{CREATION_TIME, INPUT_FILE, JOB_ID, OWNER};
    let owner = testkit::fixtures::fixture_owner();
    let mut job_state = aws.spawn(job_state, &[]);
    for n in 0..LISTED_VIDEOS {
        let job = testkit::fixtures::job_id(&format!("listed{n:02}"));
        let put = aws
            .dynamodb
            .put_item()
            .table_name(&aws.names.input_file_table)
            .item(
                INPUT_FILE,
                testkit::functions::s(&format!("uploads/{owner}/u{n:02}/clip {n:02}.mp4")),
            )
            .item(OWNER, testkit::functions::s(&owner))
            .item(
                CREATION_TIME,
                AttributeValue::N((1_764_000_000 + n).to_string()),
            )
            .item(JOB_ID, testkit::functions::s(&job));
        aws.rt
            .block_on(put.send())
            .expect("put an input-file item into moto");
        aws.put_output_item(
            &job,
            &format!("hls/{job}/"),
            &format!("keys/{job}/bench.key"),
            "000102030405060708090a0b0c0d0e0f",
        );
        let event = testkit::fixtures::owned_mediaconvert_event(
            "mediaconvert/complete-with-poster.json",
            &job,
            &owner,
        );
        job_state.invoke_ok(event, ANSWER);
    }
}

/// `GET /jobs?limit=20` by the API fixture's caller: the page "My videos" asks for.
fn list_jobs_event() -> Vec<u8> {
    let mut event = testkit::fixtures::fixture("apigw/get-job.json");
    event["routeKey"] = "GET /jobs".into();
    event["requestContext"]["routeKey"] = "GET /jobs".into();
    event["rawPath"] = "/jobs".into();
    event["requestContext"]["http"]["path"] = "/jobs".into();
    event["rawQueryString"] = format!("limit={LISTED_VIDEOS}").into();
    event["queryStringParameters"] = serde_json::json!({"limit": LISTED_VIDEOS.to_string()});
    if let Some(e) = event.as_object_mut() {
        e.remove("pathParameters");
    }
    event.to_string().into_bytes()
}

/// An S3 ObjectCreated event for a new object (`n` makes key and sequencer unique).
fn upload_event(bucket: &str, n: usize) -> Vec<u8> {
    let mut event = testkit::fixtures::fixture("s3/object-created.json");
    let record = &mut event["Records"][0]["s3"];
    record["bucket"]["name"] = bucket.into();
    record["bucket"]["arn"] = format!("arn:aws:s3:::{bucket}").into();
    record["object"]["key"] = format!("uploads/bench+{n:05}.mp4").into();
    record["object"]["sequencer"] = format!("0055AED6DCD9{n:06X}").into();
    event.to_string().into_bytes()
}
