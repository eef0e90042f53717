//! `cargo run -p local`: the whole stack on loopback. See the README's "Local stack".

use clap::Parser;
use local::authorizer::{Authorizer, AuthorizerConfig};
use local::deployment::{Deployment, FunctionSpec};
use local::distribution::Distribution;
use local::gateway::{Gateway, Route, RouteKey};
use local::hosted_ui::HostedUi;
use local::http::{Handler, serve};
use local::lambda::Lambda;
use local::notifications::{self, Seen};
use mediaconvert_model::{Model, Naming};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, ChildStdin, Command};
use tokio::signal::unix::{SignalKind, signal};

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
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // Both handlers are in place before anything starts: a signal during start-up drops the
    // start-up future, whose children are killed on drop.
    let (mut interrupt, mut terminate) = match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(i), Ok(t)) => (i, t),
        _ => {
            eprintln!("local: cannot install the signal handlers");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let stack = tokio::select! {
        result = start(args) => result,
        _ = interrupt.recv() => Err("interrupted during start-up".into()),
        _ = terminate.recv() => Err("terminated during start-up".into()),
    };
    let stack = match stack {
        Ok(stack) => stack,
        Err(message) => {
            eprintln!("local: {message}");
            return ExitCode::FAILURE;
        }
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
    ExitCode::SUCCESS
}

/// Everything that runs; dropping it kills every child process.
struct Stack {
    moto: Child,
    moto_stdin: Option<ChildStdin>,
    lambdas: Vec<Arc<Lambda>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    mediaconvert: mediaconvert_local::Server,
}

impl Stack {
    async fn stop(mut self) {
        for task in &self.tasks {
            task.abort();
        }
        for lambda in &self.lambdas {
            lambda.stop().await;
        }
        // Dropping the server drops its jobs, whose ffmpeg processes are killed on drop.
        drop(self.mediaconvert);
        drop(self.moto_stdin.take());
        if tokio::time::timeout(Duration::from_secs(5), self.moto.wait())
            .await
            .is_err()
        {
            let _ = self.moto.kill().await;
        }
    }
}

async fn bind(port: u16, what: &str, flag: &str) -> Result<TcpListener, String> {
    TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
            format!("; another process holds the port: stop it, or choose another with {flag}")
        } else {
            String::new()
        };
        format!("cannot listen on 127.0.0.1:{port} for {what}: {e}{hint}")
    })
}

async fn start(args: Args) -> Result<Stack, String> {
    let root = workspace_root();
    let template = args
        .template
        .clone()
        .unwrap_or_else(|| root.join("cloudformation/stack.yaml"));
    if !template.is_file() {
        return Err(format!(
            "the template {} does not exist",
            template.display()
        ));
    }
    let python = args
        .python
        .clone()
        .unwrap_or_else(|| root.join(".tools/venv/bin/python"));
    if !python.is_file() {
        return Err(format!(
            "the pinned tools' python is missing at {}: run `bash scripts/tools.sh`",
            python.display()
        ));
    }
    // Ports first: a port in use is reported before anything starts.
    let api_listener = bind(args.api_port, "the HTTP API", "--api-port").await?;
    let auth_listener = bind(args.auth_port, "the hosted UI", "--auth-port").await?;
    let playback_listener = bind(args.playback_port, "playback", "--playback-port").await?;
    let url = |l: &TcpListener| {
        l.local_addr()
            .map(|a| format!("http://127.0.0.1:{}", a.port()))
            .map_err(|e| e.to_string())
    };
    let (api_url, auth_url, playback_url) = (
        url(&api_listener)?,
        url(&auth_listener)?,
        url(&playback_listener)?,
    );

    let ffmpeg = match &args.ffmpeg {
        Some(path) if path.is_file() => path.clone(),
        Some(path) => return Err(format!("ffmpeg not found at {}", path.display())),
        None => mediaconvert_local::locate_ffmpeg(&python)?,
    };
    let model = Model::from_botocore(&python)
        .map_err(|e| format!("the MediaConvert model: {e}; run `bash scripts/tools.sh`"))?;

    let bin_dir = match &args.bin_dir {
        Some(dir) => dir.clone(),
        None => std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| root.join("target/debug")),
    };
    if !args.no_build {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .args([
                "build", "--quiet", "-p", "local", "-p", "handlers", "--bins",
            ])
            .current_dir(&root);
        // `cargo run` gives this process its package's variables and a library path with
        // build-script outputs; build scripts that watch them would rerun and rebuild the
        // SDK on every start, so the build gets the environment cargo run was started with.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if key.starts_with("CARGO_PKG_") || key.starts_with("CARGO_MANIFEST_") {
                build.env_remove(key.as_ref());
            }
        }
        if let Some(paths) = std::env::var_os("LD_LIBRARY_PATH") {
            let toolchain = std::env::var_os("RUSTUP_HOME").map(PathBuf::from);
            let kept: Vec<PathBuf> = std::env::split_paths(&paths)
                .filter(|p| !p.starts_with(root.join("target")))
                .filter(|p| !toolchain.as_ref().is_some_and(|t| p.starts_with(t)))
                .collect();
            match std::env::join_paths(kept) {
                Ok(joined) if !joined.is_empty() => build.env("LD_LIBRARY_PATH", joined),
                _ => build.env_remove("LD_LIBRARY_PATH"),
            };
        }
        let status = build
            .status()
            .await
            .map_err(|e| format!("running cargo build: {e}"))?;
        if !status.success() {
            return Err(format!("cargo build -p handlers --bins failed ({status})"));
        }
    }

    // moto with the template deployed (local/moto/deploy.py, over the rehearsal's server).
    let mut origins = vec![api_url.clone()];
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
            .ok_or(format!("--parameter {p:?}: expected KEY=VALUE"))?;
        parameters.insert(k.to_owned(), v.to_owned());
    }
    let mut launcher = Command::new(&python);
    launcher
        .arg(root.join("local/moto/deploy.py"))
        .arg(&template)
        .arg(&args.stack_name)
        .env("AWS_ACCESS_KEY_ID", runtime_api::ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", runtime_api::SECRET_ACCESS_KEY)
        .env("AWS_DEFAULT_REGION", runtime_api::REGION)
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in &parameters {
        launcher.arg("--parameter").arg(format!("{k}={v}"));
    }
    for user in &args.user {
        launcher.arg("--user").arg(user);
    }
    let mut moto = launcher
        .spawn()
        .map_err(|e| format!("moto failed to start: cannot run {}: {e}", python.display()))?;
    let moto_stdin = moto.stdin.take();
    let moto_log = Arc::new(Mutex::new(String::new()));
    if let Some(stderr) = moto.stderr.take() {
        let log = Arc::clone(&moto_log);
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                // Only the tail is kept: it holds the cause of a failed start.
                if log.len() > 64 * 1024 {
                    let cut = log.len() - 32 * 1024;
                    let cut = (cut..log.len())
                        .find(|&i| log.is_char_boundary(i))
                        .unwrap_or(0);
                    log.drain(..cut);
                }
                log.push_str(&line);
                log.push('\n');
            }
        });
    }
    let mut stdout = BufReader::new(moto.stdout.take().ok_or("moto's stdout")?);
    let mut line = String::new();
    let read = tokio::time::timeout(Duration::from_secs(120), stdout.read_line(&mut line)).await;
    if !matches!(read, Ok(Ok(n)) if n > 0) {
        let status = tokio::time::timeout(Duration::from_secs(5), moto.wait()).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let log = moto_log.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let cause = log
            .lines()
            // moto's warnings about resource types it skips and its access log are noise here.
            .filter(|l| {
                !l.contains("UserWarning")
                    && !l.contains("No Moto CloudFormation support")
                    && !l.trim_start().starts_with("parse_resource")
                    && !l.contains("\" 200 -")
                    && !l.contains("\" 400 -")
            })
            .rev()
            .take(3)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join(" | ");
        let status = match status {
            Ok(Ok(s)) => s.to_string(),
            _ => "no answer within 120 s".into(),
        };
        return Err(format!(
            "moto failed to start or to deploy the template ({status}): {cause}"
        ));
    }
    // Drain the rest, so moto never blocks on a full pipe.
    tokio::spawn(async move {
        let mut sink = Vec::new();
        let _ = stdout.read_to_end(&mut sink).await;
    });
    let deployment = Deployment::parse(&line)?;
    let moto_url = deployment.endpoint();
    let region = deployment.region();

    let credentials = aws_sdk_s3::config::Credentials::new(
        runtime_api::ACCESS_KEY_ID,
        runtime_api::SECRET_ACCESS_KEY,
        None,
        None,
        "local",
    );
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.clone()))
        .credentials_provider(credentials)
        .endpoint_url(&moto_url)
        .load()
        .await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(true)
            .build(),
    );

    // EventBridge: the MediaConvert stand-in's events, through the template's rules.
    let (events_tx, mut events_rx) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let mediaconvert = mediaconvert_local::Server::start(
        mediaconvert_local::Options {
            model: Arc::new(model),
            ffmpeg,
            s3: s3.clone(),
            events: Arc::new(move |event| {
                let _ = events_tx.send(event);
            }),
            region: region.clone(),
            account_id: deployment.account_id(),
            interval_scale: args.interval_scale,
            token_window: mediaconvert_local::TOKEN_WINDOW,
        },
        0,
    )
    .await?;
    if let Some((name, settings, interval)) = deployment.job_template() {
        mediaconvert.register_job_template(
            &name,
            settings,
            Naming::MemberNames,
            interval.as_deref(),
        )?;
    }

    // The AWS URLs the functions are given, and the local services standing in for them.
    let api = deployment.api()?;
    let distribution = deployment.distribution()?;
    let sign_in = deployment.sign_in();
    let mut stand_ins = vec![(api.endpoint.clone(), api_url.clone())];
    if let Some(d) = &distribution {
        stand_ins.push((format!("https://{}", d.domain), playback_url.clone()));
    }
    if let Some(domain) = sign_in.as_ref().and_then(|s| s.domain_url.clone()) {
        stand_ins.push((domain, auth_url.clone()));
    }

    let functions = deployment.functions()?;
    let mut lambdas: Vec<(FunctionSpec, Arc<Lambda>)> = Vec::new();
    for spec in functions {
        let binary = bin_dir.join(&spec.binary);
        if !binary.is_file() {
            return Err(format!(
                "the handler binary {} is missing: run `cargo build -p handlers --bins`",
                binary.display()
            ));
        }
        let mut env: BTreeMap<String, String> = spec
            .env
            .iter()
            .map(|(k, v)| {
                let v = stand_ins
                    .iter()
                    .fold(v.clone(), |v, (aws, local)| v.replace(aws.as_str(), local));
                (k.clone(), v)
            })
            .collect();
        env.insert("AWS_ENDPOINT_URL".into(), moto_url.clone());
        env.insert(
            "AWS_ENDPOINT_URL_MEDIACONVERT".into(),
            mediaconvert.endpoint(),
        );
        let lambda = Lambda::start(
            &spec.binary,
            &spec.name,
            binary,
            env,
            Duration::from_secs(spec.timeout_seconds),
            spec.memory_mb,
        )?;
        lambdas.push((spec, Arc::new(lambda)));
    }
    let function = |arn: &str| -> Result<Arc<Lambda>, String> {
        lambdas
            .iter()
            .find(|(spec, _)| spec.is(arn))
            .map(|(_, l)| Arc::clone(l))
            .ok_or(format!("{arn} is not a function of the stack"))
    };

    let mut tasks = Vec::new();

    // EventBridge rules.
    let mut rules = Vec::new();
    for rule in deployment.rules()? {
        let targets = rule
            .targets
            .iter()
            .map(|arn| function(arn))
            .collect::<Result<Vec<_>, _>>()?;
        rules.push((rule, targets));
    }
    tasks.push(tokio::spawn(async move {
        while let Some(event) = events_rx.recv().await {
            let mut matched = false;
            for (rule, targets) in &rules {
                if rule.pattern.matches(&event) {
                    matched = true;
                    for target in targets {
                        target.invoke_async(event.to_string().into_bytes());
                    }
                }
            }
            if !matched {
                eprintln!(
                    "local: EventBridge: a {} event ({}) matched no rule",
                    event["detail-type"].as_str().unwrap_or("?"),
                    event["detail"]["status"].as_str().unwrap_or("?")
                );
            }
        }
    }));

    // S3 notifications.
    for (bucket, configured) in deployment.notifications()? {
        let targets = configured
            .iter()
            .map(|n| function(&n.function_arn))
            .collect::<Result<Vec<_>, _>>()?;
        let s3 = s3.clone();
        let region = region.clone();
        tasks.push(tokio::spawn(async move {
            let mut seen = Seen::default();
            let mut failing = false;
            loop {
                match notifications::list_versions(&s3, &bucket).await {
                    Ok(listing) => {
                        failing = false;
                        for object in seen.new_objects(listing) {
                            for (n, target) in configured.iter().zip(&targets) {
                                if n.matches("Put", &object.key) {
                                    let sequencer = format!(
                                        "{:016X}",
                                        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
                                    );
                                    let event = notifications::event(
                                        &bucket, &region, &object, &n.id, &sequencer,
                                    );
                                    target.invoke_async(event.to_string().into_bytes());
                                }
                            }
                        }
                    }
                    Err(e) if !failing => {
                        failing = true;
                        eprintln!("local: S3 notifications: {e}");
                    }
                    Err(_) => {}
                }
                tokio::time::sleep(notifications::POLL_INTERVAL).await;
            }
        }));
    }

    // The HTTP API.
    // One authorizer per JWT configuration, as API Gateway shares an authorizer between
    // the routes that name it (its key cache and JWKS included).
    let mut authorizers: BTreeMap<(String, Vec<String>), Arc<Authorizer>> = BTreeMap::new();
    let mut routes = Vec::new();
    let cognito_prefix = format!("https://cognito-idp.{region}.amazonaws.com/");
    for spec in api.routes.clone() {
        let authorizer = match &spec.jwt {
            None => None,
            Some(jwt) => {
                let pool = jwt
                    .issuer
                    .strip_prefix(&cognito_prefix)
                    .ok_or(format!(
                        "the route {} trusts the issuer {}, whose keys the local stack cannot serve (only the stack's own Cognito user pool)",
                        spec.key, jwt.issuer
                    ))?;
                let authorizer = authorizers
                    .entry((jwt.issuer.clone(), jwt.audiences.clone()))
                    .or_insert_with(|| {
                        Arc::new(Authorizer::new(AuthorizerConfig::cognito(
                            &moto_url,
                            &region,
                            pool,
                            jwt.audiences.clone(),
                        )))
                    });
                Some(Arc::clone(authorizer))
            }
        };
        routes.push(Route {
            key: RouteKey::parse(&spec.key)?,
            function: function(&spec.function_arn)?,
            authorizer,
            spec,
        });
    }
    let route_keys: Vec<String> = routes.iter().map(|r| r.key.key.clone()).collect();
    let gateway = Arc::new(Gateway::new(
        api.api_id.clone(),
        deployment.account_id(),
        api.cors.clone(),
        routes,
    ));
    let handler: Handler = Arc::new(move |req| {
        let gateway = Arc::clone(&gateway);
        Box::pin(async move { gateway.handle(req).await })
    });
    tasks.push(serve(api_listener, handler));

    if let Some(spec) = distribution {
        let playback = Arc::new(Distribution {
            spec,
            s3: s3.clone(),
        });
        let handler: Handler = Arc::new(move |req| {
            let playback = Arc::clone(&playback);
            Box::pin(async move { playback.handle(req).await })
        });
        tasks.push(serve(playback_listener, handler));
    }
    let client_id = sign_in.as_ref().map(|s| s.client_id.clone());
    let pool_id = sign_in.as_ref().map(|s| s.pool_id.clone());
    if let Some(spec) = sign_in {
        let ui = Arc::new(HostedUi::new(spec, moto_url.clone()));
        let handler: Handler = Arc::new(move |req| {
            let ui = Arc::clone(&ui);
            Box::pin(async move { ui.handle(req).await })
        });
        tasks.push(serve(auth_listener, handler));
    }

    println!("local: api          {api_url}");
    println!("local: hosted-ui    {auth_url}");
    println!("local: playback     {playback_url}");
    println!("local: mediaconvert {}", mediaconvert.endpoint());
    println!("local: moto         {moto_url}");
    if let (Some(client), Some(pool)) = (client_id, pool_id) {
        println!("local: user-pool    {pool}");
        println!("local: client-id    {client}");
        println!(
            "local: sign-in      {auth_url}/oauth2/authorize?client_id={client}&response_type=code&scope=openid+email&redirect_uri={api_url}"
        );
    }
    println!("local: routes       {}", route_keys.join(", "));
    for user in &args.user {
        println!(
            "local: user         {}",
            user.split(':').next().unwrap_or_default()
        );
    }
    for (_, lambda) in &lambdas {
        println!(
            "local: function     {} (pid {})",
            lambda.name,
            lambda.pid().unwrap_or(0)
        );
    }
    Ok(Stack {
        moto,
        moto_stdin,
        lambdas: lambdas.into_iter().map(|(_, l)| l).collect(),
        tasks,
        mediaconvert,
    })
}
