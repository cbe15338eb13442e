//! `imap-load`: holds many IMAP sessions open at once against a server and
//! keeps each busy (SELECT, FETCH, STORE, IDLE, NOOP) for a while; prints
//! the sessions held, the commands answered per second, the errors, and the
//! peak memory of the server's processes (the sum of their PSS). Loopback load tests of our
//! `imap-server` beside Dovecot use it.
//!
//! Exit status: 0 when every session logged in and no command failed, 1
//! otherwise, 2 for usage errors.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use imap_wire::client::ClientConfig;
use imap_wire::{Command, CommandBody, Data};
use mail_codec::ImapClient;
use mail_examples::cli::{self, Failure};
use tokio::sync::Barrier;

/// Many busy IMAP sessions at once, to load a server.
#[derive(Debug, Parser)]
#[command(name = "imap-load", version)]
struct Args {
    /// Server host.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Server port (plain IMAP).
    #[arg(long)]
    port: u16,
    /// A user:password to log in as; repeat to spread the sessions over
    /// several users.
    #[arg(long = "login", value_name = "USER:PASSWORD", required = true)]
    logins: Vec<String>,
    /// Sessions held at once.
    #[arg(long, default_value_t = 500)]
    sessions: usize,
    /// How long the sessions work, once all are logged in.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// The mailbox the sessions work in (filled with messages first when
    /// it holds fewer than 20).
    #[arg(long, default_value = "INBOX")]
    mailbox: String,
    /// A process whose peak memory to report (repeatable).
    #[arg(long = "rss-pid", value_name = "PID")]
    rss_pids: Vec<u32>,
    /// Report the memory of every process with this command name
    /// (repeatable; for servers with a process per session).
    #[arg(long = "rss-comm", value_name = "NAME")]
    rss_comms: Vec<String>,
}

/// Sessions connecting and logging in at the same time.
const LOGINS_AT_ONCE: usize = 32;

#[derive(Default)]
struct Counters {
    commands: AtomicU64,
    errors: AtomicU64,
    logged_in: AtomicU64,
}

fn body(text: &str) -> Result<CommandBody, Failure> {
    Command::parse(format!("X {text}\r\n").as_bytes())
        .map(|c| c.body)
        .map_err(|e| Failure::Run(format!("bad command {text:?}: {e}")))
}

async fn connect(args: &Args, login: &str) -> Result<ImapClient, Failure> {
    let (user, password) =
        login.split_once(':').ok_or_else(|| Failure::Usage(format!("{login}: want USER:PASSWORD")))?;
    let tcp = tokio::net::TcpStream::connect((args.host.as_str(), args.port))
        .await
        .map_err(|e| Failure::Run(format!("cannot connect: {e}")))?;
    let _ = tcp.set_nodelay(true);
    let mut imap = ImapClient::new(tcp, ClientConfig::default()).await.map_err(|e| Failure::Run(e.to_string()))?;
    imap.login(user, password).await.map_err(|e| Failure::Run(e.to_string()))?;
    Ok(imap)
}

/// Makes sure the user's mailbox has messages to fetch.
async fn fill(args: &Args, login: &str) -> Result<(), Failure> {
    let mut imap = connect(args, login).await?;
    let run = |e: mail_codec::Error| Failure::Run(e.to_string());
    let _ = imap.execute(body(&format!("CREATE \"{}\"", args.mailbox))?).await;
    let status = imap.execute(body(&format!("STATUS \"{}\" (MESSAGES)", args.mailbox))?).await.map_err(run)?;
    let count = status
        .data
        .iter()
        .find_map(|d| match d {
            Data::Status { items, .. } => items.first().and_then(|i| i.value.as_number()),
            _ => None,
        })
        .unwrap_or(0);
    for i in count..20 {
        let message = format!(
            "From: load{i}@example.org\r\nSubject: load test message {i}\r\n\r\n{}\r\n",
            "Some text to fetch. ".repeat(50)
        );
        let append =
            CommandBody::append(imap_wire::Mailbox::from_utf8(&args.mailbox), Vec::new(), None, message.into());
        imap.execute(append).await.map_err(run)?;
    }
    imap.logout().await.map_err(run)
}

/// One session: log in, wait for the others, then work until `stop`.
async fn session(
    args: Arc<Args>,
    n: usize,
    counters: Arc<Counters>,
    ready: Arc<Barrier>,
    logins: Arc<tokio::sync::Semaphore>,
    stop: Arc<AtomicBool>,
) -> Result<(), String> {
    let login = &args.logins[n % args.logins.len()];
    // Sessions log in a few dozen at a time (a load, not a SYN flood); each
    // gets 60 s once its turn comes.
    let connected = {
        let _turn = logins.acquire().await;
        match tokio::time::timeout(Duration::from_secs(60), connect(&args, login)).await {
            Ok(connected) => connected,
            Err(_) => Err(Failure::Run("no login within 60 s".into())),
        }
    };
    let mut imap = match connected {
        Ok(imap) => {
            counters.logged_in.fetch_add(1, Ordering::Relaxed);
            Some(imap)
        }
        Err(e) => {
            ready.wait().await;
            return Err(e.to_string());
        }
    };
    ready.wait().await;
    let Some(mut imap) = imap.take() else { return Ok(()) };
    let mut seed = (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut random = move |below: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % below.max(1)
    };
    let select = body(&format!("SELECT \"{}\"", args.mailbox)).map_err(|e| e.to_string())?;
    let mut exists = 0u64;
    let mut step = 0u64;
    let mut result = Ok(());
    while !stop.load(Ordering::Relaxed) {
        let command = async {
            match step % 6 {
                0 => imap.execute(select.clone()).await.map(|o| {
                    exists = o
                        .data
                        .iter()
                        .find_map(|d| if let Data::Exists(n) = d { Some(u64::from(*n)) } else { None })
                        .unwrap_or(0);
                }),
                1 => imap.execute(body("FETCH 1:* (UID FLAGS)").expect("valid")).await.map(drop),
                2 if exists > 0 => {
                    let n = random(exists) + 1;
                    imap.execute(body(&format!("FETCH {n} (BODY.PEEK[] BODYSTRUCTURE)")).expect("valid"))
                        .await
                        .map(drop)
                }
                3 if exists > 0 => {
                    let n = random(exists) + 1;
                    let sign = if random(2) == 0 { '+' } else { '-' };
                    imap.execute(body(&format!("STORE {n} {sign}FLAGS (\\Flagged)")).expect("valid")).await.map(drop)
                }
                4 => match imap.idle().await {
                    Ok(mut idle) => {
                        let wait = Duration::from_millis(200 + random(300));
                        let _ = tokio::time::timeout(wait, idle.next_update()).await;
                        idle.done().await.map(drop)
                    }
                    Err(e) => Err(e),
                },
                _ => imap.execute(CommandBody::Noop).await.map(drop),
            }
        };
        let outcome = match tokio::time::timeout(Duration::from_secs(30), command).await {
            Ok(outcome) => outcome,
            Err(_) => {
                Err(mail_codec::Error::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer within 30 s")))
            }
        };
        step += 1;
        match outcome {
            Ok(()) => {
                counters.commands.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                counters.errors.fetch_add(1, Ordering::Relaxed);
                result = Err(e.to_string());
                break;
            }
        }
    }
    let _ = imap.logout().await;
    result
}

/// Memory in KiB of the given processes and of every process with one of
/// the given names, as the sum of their proportional set sizes (PSS: a
/// page shared by n processes counts 1/n in each, so a server of many
/// processes is not charged its shared libraries once per process).
fn rss_kib(pids: &[u32], comms: &[String]) -> u64 {
    let read = |pid: &str| -> u64 {
        let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        rollup
            .lines()
            .find_map(|l| l.strip_prefix("Pss:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    let mut total: u64 = pids.iter().map(|p| read(&p.to_string())).sum();
    if !comms.is_empty() {
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if !name.bytes().all(|b| b.is_ascii_digit()) {
                    continue;
                }
                let comm = std::fs::read_to_string(format!("/proc/{name}/comm")).unwrap_or_default();
                if comms.iter().any(|c| c == comm.trim()) {
                    total += read(&name);
                }
            }
        }
    }
    total
}

async fn run(args: Args) -> Result<(), Failure> {
    if args.sessions == 0 {
        return Err(Failure::Usage("--sessions must be at least 1".into()));
    }
    for login in &args.logins {
        fill(&args, login).await?;
    }
    let args = Arc::new(args);
    let counters = Arc::new(Counters::default());
    let ready = Arc::new(Barrier::new(args.sessions + 1));
    let stop = Arc::new(AtomicBool::new(false));
    let logins = Arc::new(tokio::sync::Semaphore::new(LOGINS_AT_ONCE));
    let mut tasks = tokio::task::JoinSet::new();
    let measuring = args.rss_pids.len() + args.rss_comms.len() > 0;
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (args, peak, stop) = (args.clone(), peak.clone(), stop.clone());
        tokio::spawn(async move {
            while measuring && !stop.load(Ordering::Relaxed) {
                let (pids, comms) = (args.rss_pids.clone(), args.rss_comms.clone());
                let now = tokio::task::spawn_blocking(move || rss_kib(&pids, &comms)).await.unwrap_or(0);
                peak.fetch_max(now, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    };
    let started = Instant::now();
    for n in 0..args.sessions {
        tasks.spawn(session(args.clone(), n, counters.clone(), ready.clone(), logins.clone(), stop.clone()));
    }
    ready.wait().await;
    let held = counters.logged_in.load(Ordering::Relaxed);
    let progress = std::io::stderr().is_terminal();
    if progress {
        eprintln!(
            "imap-load: {held} sessions logged in after {:.1} s; working for {} s",
            started.elapsed().as_secs_f64(),
            args.seconds
        );
    }
    let work_started = Instant::now();
    let deadline = work_started + Duration::from_secs(args.seconds);
    let interrupted = cli::stop_requested();
    tokio::pin!(interrupted);
    while Instant::now() < deadline {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = &mut interrupted => break,
        }
        if progress {
            eprint!(
                "\rimap-load: {:>3} s, {} commands, {} errors",
                work_started.elapsed().as_secs(),
                counters.commands.load(Ordering::Relaxed),
                counters.errors.load(Ordering::Relaxed)
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    let worked = work_started.elapsed().as_secs_f64();
    let mut first_error = None;
    // Each session ends after its command in flight; one that does not
    // within 20 s counts as an error.
    let finishing = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        match tokio::time::timeout_at(finishing, tasks.join_next()).await {
            Ok(Some(Ok(Err(e)))) => {
                first_error.get_or_insert(e);
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                let stuck = tasks.len() as u64;
                counters.errors.fetch_add(stuck, Ordering::Relaxed);
                first_error.get_or_insert(format!("{stuck} sessions did not finish within 20 s"));
                tasks.abort_all();
                break;
            }
        }
    }
    let _ = sampler.await;
    if progress {
        eprintln!();
    }
    let commands = counters.commands.load(Ordering::Relaxed);
    let errors = counters.errors.load(Ordering::Relaxed) + (args.sessions as u64 - held);
    let mut report = format!(
        "sessions {held}/{}, commands {commands} in {worked:.1} s = {:.0} commands/s, errors {errors}",
        args.sessions,
        commands as f64 / worked.max(0.001)
    );
    if measuring {
        report.push_str(&format!(", server peak PSS {:.1} MiB", peak.load(Ordering::Relaxed) as f64 / 1024.0));
    }
    println!("{report}");
    match first_error {
        Some(e) => Err(Failure::Run(format!("{errors} errors; the first: {e}"))),
        None if errors > 0 => Err(Failure::Run(format!("{errors} sessions could not log in"))),
        None => Ok(()),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return cli::finish("imap-load", Err(Failure::Run(e.to_string()))),
    };
    cli::finish("imap-load", runtime.block_on(run(args)))
}
