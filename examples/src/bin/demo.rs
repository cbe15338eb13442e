//! `demo`: the whole family in one run, with nothing to set up. Starts the
//! example IMAP and POP3 servers on free loopback ports over a temporary
//! Maildir holding three built-in messages (plain text, multipart with an
//! attachment, a forwarded message/rfc822), then drives them with the
//! example clients' library code and prints what happens: login, LIST,
//! SELECT, envelopes, one MIME part, a server-side SEARCH, a flag change by
//! a second client seen live through IDLE, APPEND, and a POP3 download
//! that leaves the mail on the server, run twice.
//!
//! Exit status: 0 when every step worked, 1 otherwise.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use mail_examples::cli::{self, ConnectArgs, Failure, TlsMode};
use mail_examples::serve;
use mail_examples::{imap_tool, maildir, pop3_tool};
use mail_serve::imap::ImapService;
use mail_serve::imap::Security;
use mail_serve::listen::{serve_listeners, ConnectionLimits};
use mail_serve::maildir::MaildirStore;
use mail_serve::pop3::Pop3Service;
use mail_serve::users::UserList;
use mail_serve::Service;
use tokio::sync::oneshot;

/// Runs the example servers and clients against each other on loopback and
/// prints a transcript.
#[derive(Debug, Parser)]
#[command(name = "demo", version)]
struct Args {
    /// Keep the temporary mail directory instead of removing it.
    #[arg(long)]
    keep: bool,
}

const MESSAGES: [(&str, &[u8]); 3] = [
    ("plain", include_bytes!("../../sessions/mail/01-plain.eml")),
    ("multipart", include_bytes!("../../sessions/mail/02-multipart.eml")),
    ("forward", include_bytes!("../../sessions/mail/03-forward.eml")),
];

fn step(title: &str) {
    println!("\n== {title}");
}

fn run_error(e: impl std::fmt::Display) -> Failure {
    Failure::Run(e.to_string())
}

/// A server on a free loopback port, stopped through the sender.
async fn start<S: Service>(
    service: Arc<S>,
) -> Result<(u16, oneshot::Sender<()>, tokio::task::JoinHandle<()>), Failure> {
    let listener = serve::bind("127.0.0.1:0").await?;
    let port = listener.local_addr().map_err(run_error)?.port();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let stop = async {
            let _ = stopped.await;
        };
        let listeners = vec![(listener, Security::Plain)];
        serve_listeners(service, listeners, ConnectionLimits::default(), stop, Duration::from_secs(2)).await;
    });
    Ok((port, stop, task))
}

fn client_args(port: u16) -> ConnectArgs {
    ConnectArgs {
        host: "127.0.0.1".into(),
        port: Some(port),
        tls: TlsMode::None,
        insecure: false,
        ca: None,
        user: "alice".into(),
        password: Some("secret".into()),
        password_env: None,
        timeout: 10,
    }
}

async fn demo(dir: &Path) -> Result<(), Failure> {
    let started = Instant::now();
    let mail_root = dir.join("mail");
    let inbox = maildir::Maildir::create(&mail_root.join("alice")).map_err(run_error)?;
    for (i, (name, data)) in MESSAGES.iter().enumerate() {
        inbox.deliver(&format!("170000000{i}.M{i}P1.{name}"), None, data).map_err(run_error)?;
    }
    for folder in [".Sent", ".Trash"] {
        maildir::Maildir::create(&mail_root.join("alice").join(folder)).map_err(run_error)?;
    }
    let users = UserList::parse("alice:secret\n").map_err(run_error)?;
    // One store for both servers: they share each folder's index.
    let store = MaildirStore::new(&mail_root, users);
    let settings = serve::Settings::default();
    let imap_service = Arc::new(ImapService::new(store.clone(), serve::imap_config(&settings)));
    let pop3_service = Arc::new(Pop3Service::new(store, serve::pop3_config(&settings)));
    let (imap_port, stop_imap, imap_task) = start(imap_service).await?;
    let (pop3_port, stop_pop3, pop3_task) = start(pop3_service).await?;
    println!("imap-server on 127.0.0.1:{imap_port}, pop3-server on 127.0.0.1:{pop3_port}");
    println!("mail in {} (user alice, three messages in INBOX)", mail_root.display());

    step("IMAP: log in and LIST");
    let mut imap = imap_tool::connect(&client_args(imap_port)).await?;
    println!("logged in as alice; the server offers: {}", capabilities(&mut imap).await?);
    for line in imap_tool::list(&mut imap).await? {
        println!("  {line}");
    }

    step("SELECT INBOX and FETCH the envelopes");
    let opened = imap_tool::open(&mut imap, "INBOX", true).await?;
    println!("  {}", opened.status.text);
    for summary in imap_tool::fetch_summaries(&mut imap, "INBOX", imap_tool::parse_set("1:*")?).await? {
        println!("  UID {}  [{}]  {}", summary.uid, summary.flags.join(" "), summary.subject);
    }

    step("FETCH one MIME part: BODY.PEEK[1.1] of UID 2 (the text/plain of multipart/alternative)");
    let part = imap_tool::part(&mut imap, "INBOX", 2, imap_tool::parse_section("1.1")?).await?;
    println!("  {:?}", String::from_utf8_lossy(&part));
    let attachment = imap_tool::part(&mut imap, "INBOX", 2, imap_tool::parse_section("2")?).await?;
    println!("  part 2 (application/pdf, base64): {} bytes", attachment.len());

    step("Server-side SEARCH: OR FROM robot SUBJECT lunch");
    let keys: Vec<String> = ["OR", "FROM", "robot", "SUBJECT", "lunch"].map(String::from).to_vec();
    let found = imap_tool::search(&mut imap, "INBOX", imap_tool::parse_search(&keys)?).await?;
    println!("  UIDs {found:?}");

    step("IDLE: a second client flags UID 1; the first sees it live");
    let mut other = imap_tool::connect(&client_args(imap_port)).await?;
    let (flagged, flag_done) = oneshot::channel::<()>();
    let changer = tokio::spawn(async move {
        // Once the first client idles.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let flags = [imap_wire::Flag::Flagged];
        let result = imap_tool::store(&mut other, "INBOX", 1, imap_wire::StoreAction::Add, &flags).await;
        println!("  second client: STORE UID 1 +FLAGS (\\Flagged) {}", if result.is_ok() { "OK" } else { "failed" });
        let _ = other.logout().await;
        let _ = flagged.send(());
        result
    });
    let mut seen = Vec::new();
    let until_flagged = async {
        let _ = flag_done.await;
        // The update travels after the STORE's answer: a moment for it.
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    imap_tool::idle(&mut imap, "INBOX", Duration::from_secs(10), until_flagged, |line| {
        println!("  first client, idling: * {line}");
        seen.push(line.to_string());
    })
    .await?;
    changer.await.map_err(run_error)??;
    if !seen.iter().any(|l| l.contains("\\Flagged")) {
        return Err(Failure::Run("the idling client did not see the flag change".into()));
    }

    step("APPEND a new message to INBOX");
    let message = b"From: alice@example.org\r\nTo: bob@example.org\r\nSubject: Written by the demo\r\n\r\nHello from the demo.\r\n";
    let uid = imap_tool::append(&mut imap, "INBOX", message.to_vec()).await?;
    println!("  stored as UID {}", uid.map_or("?".to_string(), |u| u.to_string()));
    imap.logout().await.map_err(run_error)?;
    println!("  logged out");

    step("POP3: download INBOX, leaving the mail on the server (by UIDL)");
    let download = dir.join("downloaded");
    let mut pop = pop3_tool::connect(&client_args(pop3_port)).await?;
    for listing in pop3_tool::list(&mut pop).await? {
        println!(
            "  message {}: {} octets, UIDL {}",
            listing.number,
            listing.size,
            listing.uidl.as_deref().unwrap_or("-")
        );
    }
    let mut report = pop3_tool::DownloadReport::default();
    pop3_tool::download(&mut pop, &download, true, &mut report).await?;
    println!("  downloaded {}, skipped {}, deleted {}", report.downloaded, report.skipped, report.deleted);
    pop.quit().await.map_err(run_error)?;

    step("POP3 again: everything is known by its UIDL, nothing is fetched");
    let mut pop = pop3_tool::connect(&client_args(pop3_port)).await?;
    let mut again = pop3_tool::DownloadReport::default();
    pop3_tool::download(&mut pop, &download, true, &mut again).await?;
    println!("  downloaded {}, skipped {}, deleted {}", again.downloaded, again.skipped, again.deleted);
    pop.quit().await.map_err(run_error)?;
    if report.downloaded != 4 || again.downloaded != 0 {
        return Err(Failure::Run("the downloads did not go as expected".into()));
    }

    let _ = stop_imap.send(());
    let _ = stop_pop3.send(());
    let _ = tokio::join!(imap_task, pop3_task);
    println!("\ndone in {:.2} s: both servers stopped", started.elapsed().as_secs_f64());
    Ok(())
}

async fn capabilities(imap: &mut mail_codec::ImapClient) -> Result<String, Failure> {
    let caps = imap.capabilities().await.map_err(run_error)?;
    Ok(caps
        .iter()
        .map(|c| match c {
            imap_wire::Capability::Auth(m) => format!("AUTH={}", m.as_str()),
            other => other.name().to_string(),
        })
        .collect::<Vec<_>>()
        .join(" "))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let dir: PathBuf = std::env::temp_dir().join(format!("mail-proto-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return cli::finish("demo", Err(Failure::Run(e.to_string()))),
    };
    let result = runtime.block_on(async {
        tokio::select! {
            result = demo(&dir) => result,
            _ = cli::stop_requested() => Err(Failure::Run("interrupted".into())),
        }
    });
    if args.keep {
        println!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    cli::finish("demo", result)
}
