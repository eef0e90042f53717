//! `cargo run -p local`: the whole stack on loopback (local/README.md describes it).
//!
//! [`run`] starts the stack, serves until a signal and stops it; [`start`] wires it, top to
//! bottom in the order data flows: the inputs and the stand-ins' ports, moto with the template
//! deployed, the MediaConvert stand-in (whose events EventBridge routes), the functions, then
//! what invokes them (EventBridge's rules, S3's notifications, the HTTP API) and the other
//! stand-ins a browser talks to (playback, sign-in). The functions after `start` are its
//! steps, in the same order.

use clap::Parser;
use local::authorizer::{Authorizer, AuthorizerConfig};
use local::deployment::{ApiSpec, Deployment, DistributionSpec, EventsSpec, SignInSpec};
use local::distribution::Distribution;
use local::error::Error;
use local::functions::{self, Endpoints, Functions};
use local::gateway::{Gateway, Route, RouteKey};
use local::hosted_ui::HostedUi;
use local::http::{handler, listen, serve};
use local::moto::{self, Moto};
use local::{eventbridge, notifications};
use mediaconvert_model::{Model, Naming};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::task::JoinHandle;

#[derive(Parser)]
#[command(
    about = "The whole stack on 127.0.0.1: moto with the template's resources, the real handler binaries under a Lambda Runtime API, MediaConvert, API Gateway, EventBridge, S3 notifications, the Cognito hosted UI and CloudFront stand-ins"
)]
struct Args {
    /// Port of the HTTP API (0 = a free port).
    #[arg(long, default_value_t = 4000)]
    api_port: u16,
    /// Port of the hosted-UI stand-in (sign-in; 0 = a free port).
    #[arg(long, default_value_t = 4001)]
    auth_port: u16,
    /// Port of the playback distribution stand-in (0 = a free port).
    #[arg(long, default_value_t = 4002)]
    playback_port: u16,
    /// Port of the AppSync Events stand-in, publish and realtime (0 = a free port).
    #[arg(long, default_value_t = 4003)]
    events_port: u16,
    /// Creates a user who can sign in (repeatable): EMAIL:PASSWORD. The template's password
    /// policy applies (12 characters, upper and lower case, a digit).
    #[arg(long, value_name = "EMAIL:PASSWORD")]
    user: Vec<String>,
    /// A further browser origin for CORS and the sign-in redirects (repeatable); the API's own
    /// origin is always allowed (the page is served there).
    #[arg(long, value_name = "URL")]
    allowed_origin: Vec<String>,
    /// A template parameter (repeatable), KEY=VALUE, over the local defaults
    /// (Stage=local, StatusUpdateIntervalSeconds=10, AllowedOrigins=the origins above).
    #[arg(long, value_name = "KEY=VALUE")]
    parameter: Vec<String>,
    #[arg(long, default_value = "vod-local")]
    stack_name: String,
    /// The synthesized template (default: the committed cloudformation/stack.yaml).
    #[arg(long)]
    template: Option<PathBuf>,
    /// Python of the pinned tools (moto, botocore's MediaConvert model, imageio-ffmpeg).
    #[arg(long)]
    python: Option<PathBuf>,
    /// An ffmpeg to use instead of the pinned imageio-ffmpeg one.
    #[arg(long)]
    ffmpeg: Option<PathBuf>,
    /// Multiplies each job's status update interval (1.0 = the job's own; 0.1 = ten times
    /// as many progress events).
    #[arg(long, default_value_t = 1.0)]
    interval_scale: f64,
    /// Folder of the handler binaries (default: the folder of this binary, target/debug).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Do not run `cargo build -p handlers --bins` first.
    #[arg(long)]
    no_build: bool,
    /// For tests only: serves the events stand-in's hooks (its publishes with their receive
    /// times, its connections, dropping sockets) under `/test-hooks/` on the events port.
    #[arg(long)]
    test_hooks: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("local: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Starts the stack, serves until SIGINT or SIGTERM, then stops everything it started.
async fn run(args: Args) -> Result<(), Error> {
    // Both handlers are in place before anything starts: a signal during start-up drops the
    // start-up future, whose children are killed on drop.
    let mut interrupt = signal(SignalKind::interrupt()).map_err(Error::Signals)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(Error::Signals)?;
    let started = Instant::now();
    let stack = tokio::select! {
        stack = start(&args) => stack?,
        _ = interrupt.recv() => return Err(Error::Interrupted),
        _ = terminate.recv() => return Err(Error::Terminated),
    };
    println!(
        "local: ready in {:.1} s; Ctrl-C stops everything",
        started.elapsed().as_secs_f64()
    );
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    eprintln!("local: stopping");
    stack.stop().await;
    Ok(())
}

/// Everything that runs; dropping it kills every child process.
struct Stack {
    moto: Moto,
    functions: Functions,
    tasks: Vec<JoinHandle<()>>,
    mediaconvert: mediaconvert_local::Server,
    events: appsync_local::Server,
}

impl Stack {
    async fn stop(self) {
        for task in &self.tasks {
            task.abort();
        }
        self.functions.stop().await;
        // Dropping the server drops its jobs, whose ffmpeg processes are killed on drop.
        drop(self.mediaconvert);
        drop(self.events);
        self.moto.stop().await;
    }
}

async fn start(args: &Args) -> Result<Stack, Error> {
    let inputs = Inputs::resolve(args)?;
    // Ports first: a port in use is reported before anything starts.
    let ports = Ports::bind(args).await?;
    let transcoder = Transcoder::locate(args, &inputs.python)?;
    if !args.no_build {
        functions::build(&inputs.root).await?;
    }

    let moto = Moto::deploy(&moto::Launch {
        python: &inputs.python,
        root: &inputs.root,
        template: &inputs.template,
        stack_name: &args.stack_name,
        parameters: &parameters(args, &ports.urls.api)?,
        users: &args.user,
    })
    .await?;
    let deployment = &moto.deployment;
    let s3 = moto.s3().await;
    let (mediaconvert, events) =
        mediaconvert(transcoder, deployment, &s3, args.interval_scale).await?;

    // The AWS URLs the functions are given, and the local services standing in for them.
    let api = deployment.api().map_err(Error::Deployment)?;
    let distribution = deployment.distribution().map_err(Error::Deployment)?;
    let sign_in = deployment.sign_in();
    let events_spec = deployment.events();
    let push = events_stand_in(ports.events, deployment, sign_in.as_ref(), args.test_hooks)?;
    let mut replaced = stand_ins(&api, distribution.as_ref(), sign_in.as_ref(), &ports.urls);
    if let Some(spec) = &events_spec {
        replaced.extend(events_stand_ins(spec, &push));
    }
    let functions = Functions::start(
        deployment.functions().map_err(Error::Deployment)?,
        &inputs.bin_dir,
        &Endpoints {
            moto: &deployment.endpoint(),
            mediaconvert: &mediaconvert.endpoint(),
            stand_ins: &replaced,
        },
    )?;

    let mut tasks = vec![event_rules(deployment, &functions, events)?];
    tasks.extend(bucket_notifications(deployment, &functions, &s3)?);
    let gateway = http_api(&api, deployment, &functions)?;
    tasks.push(serve(
        ports.api,
        handler(
            gateway,
            |gateway, req| async move { gateway.handle(req).await },
        ),
    ));
    if let Some(spec) = distribution {
        let playback = Distribution { spec, s3 };
        tasks.push(serve(
            ports.playback,
            handler(playback, |playback, req| async move {
                playback.handle(req).await
            }),
        ));
    }
    if let Some(spec) = sign_in.clone() {
        let ui = HostedUi::new(spec, deployment.endpoint());
        tasks.push(serve(
            ports.hosted_ui,
            handler(ui, |ui, req| async move { ui.handle(req).await }),
        ));
    }

    let stack = Stack {
        moto,
        functions,
        tasks,
        mediaconvert,
        events: push,
    };
    print_urls(&stack, &ports.urls, sign_in.as_ref(), &api, &args.user);
    Ok(stack)
}

/// The files the stack starts from, each checked before anything runs.
struct Inputs {
    root: PathBuf,
    template: PathBuf,
    python: PathBuf,
    bin_dir: PathBuf,
}

impl Inputs {
    fn resolve(args: &Args) -> Result<Inputs, Error> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let given_or = |given: &Option<PathBuf>, default: &str| {
            given.clone().unwrap_or_else(|| root.join(default))
        };
        let template = given_or(&args.template, "cloudformation/stack.yaml");
        if !template.is_file() {
            return Err(Error::MissingTemplate(template));
        }
        let python = given_or(&args.python, ".tools/venv/bin/python");
        if !python.is_file() {
            return Err(Error::MissingPython(python));
        }
        let bin_dir = match &args.bin_dir {
            Some(dir) => dir.clone(),
            None => std::env::current_exe()
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf))
                .unwrap_or_else(|| root.join("target/debug")),
        };
        Ok(Inputs {
            root,
            template,
            python,
            bin_dir,
        })
    }
}

/// The sockets of the HTTP stand-ins, bound before anything starts, and their URLs.
struct Ports {
    api: TcpListener,
    hosted_ui: TcpListener,
    playback: TcpListener,
    events: TcpListener,
    urls: Urls,
}

struct Urls {
    api: String,
    hosted_ui: String,
    playback: String,
}

impl Ports {
    async fn bind(args: &Args) -> Result<Ports, Error> {
        let (api, api_url) = listen(args.api_port, "the HTTP API", "--api-port").await?;
        let (hosted_ui, hosted_ui_url) =
            listen(args.auth_port, "the hosted UI", "--auth-port").await?;
        let (playback, playback_url) =
            listen(args.playback_port, "playback", "--playback-port").await?;
        let (events, _) = listen(
            args.events_port,
            "the AppSync Events stand-in",
            "--events-port",
        )
        .await?;
        Ok(Ports {
            api,
            hosted_ui,
            playback,
            events,
            urls: Urls {
                api: api_url,
                hosted_ui: hosted_ui_url,
                playback: playback_url,
            },
        })
    }
}

/// What the MediaConvert stand-in transcodes with.
struct Transcoder {
    ffmpeg: PathBuf,
    model: Model,
}

impl Transcoder {
    fn locate(args: &Args, python: &Path) -> Result<Transcoder, Error> {
        let ffmpeg = match &args.ffmpeg {
            Some(path) if path.is_file() => path.clone(),
            Some(path) => return Err(Error::MissingFfmpeg(path.clone())),
            None => mediaconvert_local::locate_ffmpeg(python).map_err(Error::Ffmpeg)?,
        };
        let model = Model::from_botocore(python).map_err(|e| Error::Model(e.to_string()))?;
        Ok(Transcoder { ffmpeg, model })
    }
}

/// The template's parameters: the local defaults (the API's own origin always allowed, as
/// the page is served there), then each `--parameter` over them.
fn parameters(args: &Args, api_url: &str) -> Result<BTreeMap<String, String>, Error> {
    let mut origins = vec![api_url.to_owned()];
    origins.extend(args.allowed_origin.iter().cloned());
    let mut parameters: BTreeMap<String, String> = [
        ("Stage", "local".to_owned()),
        ("StatusUpdateIntervalSeconds", "10".to_owned()),
        ("AllowedOrigins", origins.join(",")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for p in &args.parameter {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| Error::Parameter(p.clone()))?;
        parameters.insert(k.to_owned(), v.to_owned());
    }
    Ok(parameters)
}

/// The MediaConvert stand-in, with the template's job template registered; its job events
/// come out of the returned receiver, EventBridge's input.
async fn mediaconvert(
    transcoder: Transcoder,
    deployment: &Deployment,
    s3: &aws_sdk_s3::Client,
    interval_scale: f64,
) -> Result<(mediaconvert_local::Server, UnboundedReceiver<Value>), Error> {
    let (events_tx, events_rx) = unbounded_channel::<Value>();
    let server = mediaconvert_local::Server::start(
        mediaconvert_local::Options {
            model: Arc::new(transcoder.model),
            ffmpeg: transcoder.ffmpeg,
            s3: s3.clone(),
            events: Arc::new(move |event| {
                let _ = events_tx.send(event);
            }),
            region: deployment.region(),
            account_id: deployment.account_id(),
            interval_scale,
            token_window: mediaconvert_local::TOKEN_WINDOW,
        },
        0,
    )
    .await
    .map_err(Error::MediaConvert)?;
    if let Some((name, settings, interval)) = deployment.job_template() {
        server
            .register_job_template(&name, settings, Naming::MemberNames, interval.as_deref())
            .map_err(Error::MediaConvert)?;
    }
    Ok((server, events_rx))
}

/// (AWS URL, local URL) of each stand-in a function's environment may name: the API's
/// `execute-api` URL, the distribution's domain, the hosted UI's domain.
fn stand_ins(
    api: &ApiSpec,
    distribution: Option<&DistributionSpec>,
    sign_in: Option<&SignInSpec>,
    urls: &Urls,
) -> Vec<(String, String)> {
    let mut stand_ins = vec![(api.endpoint.clone(), urls.api.clone())];
    if let Some(d) = distribution {
        stand_ins.push((format!("https://{}", d.domain), urls.playback.clone()));
    }
    if let Some(domain) = sign_in.and_then(|s| s.domain_url.clone()) {
        stand_ins.push((domain, urls.hosted_ui.clone()));
    }
    stand_ins
}

/// The AppSync Events stand-in on its port: publishes signed with the functions' credentials
/// (any session token: the functions carry the Runtime API's), tokens of the stack's pool
/// and its browser client. Without a pool (OIDC mode) it refuses every subscription, and the
/// page polls.
fn events_stand_in(
    listener: TcpListener,
    deployment: &Deployment,
    sign_in: Option<&SignInSpec>,
    test_hooks: bool,
) -> Result<appsync_local::Server, Error> {
    let (pool, clients) = match sign_in {
        Some(s) => (s.pool_id.clone(), vec![s.client_id.clone()]),
        None => ("no-pool".to_owned(), Vec::new()),
    };
    let region = deployment.region();
    let jwt = appsync_local::JwtConfig::cognito(&deployment.endpoint(), &region, &pool, clients);
    let credentials = appsync_local::Credentials {
        access_key_id: runtime_api::ACCESS_KEY_ID.to_owned(),
        secret_access_key: runtime_api::SECRET_ACCESS_KEY.to_owned(),
        session_token: None,
    };
    let mut config = appsync_local::Config::new(&region, credentials, jwt);
    config.test_hooks = test_hooks;
    if let Some(namespace) = deployment.events().map(|e| e.namespace) {
        config.namespace = namespace;
    }
    appsync_local::serve(listener, config).map_err(Error::Events)
}

/// (AWS URL, local URL) of the Event API: the publish URL, the HTTP domain (the page's auth
/// `host`, which the stand-in checks) and the realtime URL. The longer forms come first, as
/// each replacement applies to what the earlier ones left.
fn events_stand_ins(spec: &EventsSpec, server: &appsync_local::Server) -> Vec<(String, String)> {
    let host = server.http_host().to_owned();
    vec![
        (
            format!("https://{}", spec.http_domain),
            format!("http://{host}"),
        ),
        (
            format!("wss://{}", spec.realtime_domain),
            server
                .realtime_url()
                .trim_end_matches(REALTIME_PATH)
                .to_owned(),
        ),
        (spec.http_domain.clone(), host),
    ]
}

/// The realtime endpoint's path, the same on AppSync and the stand-in.
const REALTIME_PATH: &str = "/event/realtime";

/// EventBridge: the MediaConvert stand-in's events, through the template's rules, to their
/// target functions.
fn event_rules(
    deployment: &Deployment,
    functions: &Functions,
    events: UnboundedReceiver<Value>,
) -> Result<JoinHandle<()>, Error> {
    let rules = deployment
        .rules()
        .map_err(Error::Deployment)?
        .into_iter()
        .map(|rule| {
            let targets = functions.all(rule.targets.iter().map(String::as_str))?;
            Ok((rule.pattern, targets))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(eventbridge::deliver(rules, events))
}

/// S3's notifications: each bucket's new objects to the functions its configuration names.
fn bucket_notifications(
    deployment: &Deployment,
    functions: &Functions,
    s3: &aws_sdk_s3::Client,
) -> Result<Vec<JoinHandle<()>>, Error> {
    deployment
        .notifications()
        .map_err(Error::Deployment)?
        .into_iter()
        .map(|(bucket, configured)| {
            let targets = functions.all(configured.iter().map(|n| n.function_arn.as_str()))?;
            Ok(notifications::deliver(
                s3.clone(),
                bucket,
                deployment.region(),
                configured,
                targets,
            ))
        })
        .collect()
}

/// API Gateway's HTTP API: each route of the template to its function, behind one authorizer
/// per JWT configuration, as API Gateway shares an authorizer (its key cache and JWKS
/// included) between the routes that name it.
fn http_api(
    api: &ApiSpec,
    deployment: &Deployment,
    functions: &Functions,
) -> Result<Gateway, Error> {
    let region = deployment.region();
    let cognito_prefix = format!("https://cognito-idp.{region}.amazonaws.com/");
    let mut authorizers: BTreeMap<(String, Vec<String>), Arc<Authorizer>> = BTreeMap::new();
    let mut routes = Vec::new();
    for spec in &api.routes {
        let authorizer = match &spec.jwt {
            None => None,
            Some(jwt) => {
                let pool = jwt.issuer.strip_prefix(&cognito_prefix).ok_or_else(|| {
                    Error::ForeignIssuer {
                        route: spec.key.clone(),
                        issuer: jwt.issuer.clone(),
                    }
                })?;
                let authorizer = authorizers
                    .entry((jwt.issuer.clone(), jwt.audiences.clone()))
                    .or_insert_with(|| {
                        Arc::new(Authorizer::new(AuthorizerConfig::cognito(
                            &deployment.endpoint(),
                            &region,
                            pool,
                            jwt.audiences.clone(),
                        )))
                    });
                Some(Arc::clone(authorizer))
            }
        };
        routes.push(Route {
            key: RouteKey::parse(&spec.key).map_err(Error::Route)?,
            function: functions.get(&spec.function_arn)?,
            authorizer,
            spec: spec.clone(),
        });
    }
    Ok(Gateway::new(
        api.api_id.clone(),
        deployment.account_id(),
        api.cors.clone(),
        routes,
    ))
}

/// What a user needs to reach the stack, and what runs, one `local: <name> <value>` a line.
fn print_urls(
    stack: &Stack,
    urls: &Urls,
    sign_in: Option<&SignInSpec>,
    api: &ApiSpec,
    users: &[String],
) {
    println!("local: api          {}", urls.api);
    println!("local: hosted-ui    {}", urls.hosted_ui);
    println!("local: playback     {}", urls.playback);
    println!("local: mediaconvert {}", stack.mediaconvert.endpoint());
    println!(
        "local: events       {} (realtime {})",
        stack.events.http_url(),
        stack.events.realtime_url()
    );
    if let Some(hooks) = stack.events.test_hooks_url() {
        println!("local: test-hooks   {hooks}");
    }
    println!("local: moto         {}", stack.moto.deployment.endpoint());
    if let Some(SignInSpec {
        pool_id, client_id, ..
    }) = sign_in
    {
        println!("local: user-pool    {pool_id}");
        println!("local: client-id    {client_id}");
        println!(
            "local: sign-in      {}/oauth2/authorize?client_id={client_id}&response_type=code&scope=openid+email&redirect_uri={}",
            urls.hosted_ui, urls.api
        );
    }
    let route_keys: Vec<&str> = api.routes.iter().map(|r| r.key.as_str()).collect();
    println!("local: routes       {}", route_keys.join(", "));
    for user in users {
        println!(
            "local: user         {}",
            user.split(':').next().unwrap_or_default()
        );
    }
    for lambda in stack.functions.iter() {
        println!(
            "local: function     {} (pid {})",
            lambda.name,
            lambda.pid().unwrap_or(0)
        );
    }
}
