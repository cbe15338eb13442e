//! `imap-server`: serves each user's Maildir++ (`MAIL_ROOT/NAME/`, with
//! subfolders) over IMAP4rev1 (RFC 3501) with LITERAL+, IDLE, UIDPLUS,
//! MOVE, UNSELECT, ENABLE, NAMESPACE, ID, SASL-IR, CHILDREN, SPECIAL-USE,
//! STARTTLS and COMPRESS=DEFLATE.
//!
//! Exit status: 0 after a clean shutdown (SIGINT or SIGTERM), 1 when it
//! cannot serve (a port taken), 2 for usage errors.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use mail_examples::cli::{self, Failure};
use mail_examples::imap_service::{self, ImapService};
use mail_examples::serve::{self, Entry, Users};

/// An IMAP server over Maildir++ folders, built on imap-proto and mail-codec.
#[derive(Debug, Parser)]
#[command(name = "imap-server", version)]
struct Args {
    /// Address for plain IMAP (STARTTLS on offer when a certificate is given).
    #[arg(long, value_name = "ADDR")]
    listen: String,
    /// Address for IMAP over TLS from the first byte (needs --cert/--key).
    #[arg(long, value_name = "ADDR", requires = "cert")]
    tls_listen: Option<String>,
    /// PEM certificate chain.
    #[arg(long, value_name = "PEM", requires = "key")]
    cert: Option<PathBuf>,
    /// PEM private key.
    #[arg(long, value_name = "PEM", requires = "cert")]
    key: Option<PathBuf>,
    /// Users file: one name:password per line.
    #[arg(long, value_name = "FILE")]
    users: PathBuf,
    /// Each user's Maildir++ is MAIL_ROOT/NAME/ (created at first login).
    #[arg(long, value_name = "DIR")]
    mail_root: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return cli::finish("imap-server", Err(Failure::Run(e.to_string()))),
    };
    cli::finish("imap-server", runtime.block_on(run(args)))
}

async fn run(args: Args) -> Result<(), Failure> {
    let users = Users::load(&args.users)?;
    let acceptor = serve::acceptor(args.cert.as_deref(), args.key.as_deref())?;
    std::fs::create_dir_all(&args.mail_root)
        .map_err(|e| Failure::Usage(format!("cannot use {}: {e}", args.mail_root.display())))?;
    let mut listeners = vec![(serve::bind(&args.listen).await?, Entry::Plain)];
    if let Some(addr) = &args.tls_listen {
        listeners.push((serve::bind(addr).await?, Entry::Tls));
    }
    for (listener, entry) in &listeners {
        if let Ok(addr) = listener.local_addr() {
            eprintln!("imap-server: listening on {addr} ({})", if *entry == Entry::Tls { "TLS" } else { "plain" });
        }
    }
    let service = Arc::new(ImapService::new(users, args.mail_root, acceptor));
    serve::run(listeners, cli::stop_requested(), Duration::from_secs(5), move |stream, _peer, entry, shutdown| {
        imap_service::session(service.clone(), stream, entry, shutdown)
    })
    .await?;
    eprintln!("imap-server: stopped");
    Ok(())
}
