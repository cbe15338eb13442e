//! `pop3-client`: list, retrieve and download a POP3 maildrop.
//!
//! Exit status: 0 on success, 1 when the server, the network or the disk
//! fails (one line on stderr says what), 2 for usage errors.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mail_examples::cli::{self, ConnectArgs, Failure};
use mail_examples::pop3_tool;

/// A POP3 client built on pop3-wire and mail-codec.
#[derive(Debug, Parser)]
#[command(name = "pop3-client", version)]
struct Args {
    #[command(flatten)]
    connect: ConnectArgs,
    #[command(subcommand)]
    command: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// One line per message: number, size, UIDL (tab-separated).
    List,
    /// The message's bytes (unstuffed) to stdout.
    Retr {
        /// The message number.
        number: String,
    },
    /// Downloads the maildrop into a Maildir.
    Download {
        /// The Maildir.
        dir: PathBuf,
        /// Leave the messages on the server (a state file of UIDLs makes
        /// sure none is downloaded twice).
        #[arg(long)]
        keep: bool,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return cli::finish("pop3-client", Err(Failure::Run(e.to_string()))),
    };
    cli::finish("pop3-client", runtime.block_on(run(args)))
}

async fn run(args: Args) -> Result<(), Failure> {
    let number = match &args.command {
        Action::Retr { number } => Some(pop3_tool::parse_number(number)?),
        _ => None,
    };
    let wait = args.connect.step_timeout();
    let mut pop = pop3_tool::connect(&args.connect).await?;
    let mut out = std::io::stdout().lock();
    let mut report = None;
    let outcome: Result<(), Failure> = async {
        match args.command {
            Action::List => {
                for listing in pop3_tool::list(&mut pop).await? {
                    writeln!(out, "{listing}")?;
                }
            }
            Action::Retr { .. } => {
                let number = number.ok_or_else(|| Failure::Usage("a message number is needed".into()))?;
                let data = tokio::time::timeout(wait, pop.retrieve(number)).await??;
                out.write_all(&data)?;
            }
            Action::Download { dir, keep } => {
                let mut done = pop3_tool::DownloadReport::default();
                let finished = tokio::select! {
                    finished = pop3_tool::download(&mut pop, &dir, keep, &mut done) => finished,
                    _ = cli::stop_requested() => {
                        let got = format!("{} of {} downloaded", done.downloaded, done.to_download);
                        return Err(Failure::Run(format!("interrupted after {got}; nothing was deleted")));
                    }
                };
                if let Err(e) = finished {
                    // How far it got, then the error.
                    writeln!(out, "downloaded {}, skipped {}, deleted 0", done.downloaded, done.skipped)?;
                    return Err(e);
                }
                report = Some(done);
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        // Interrupted or failed: RSET unmarks what was marked for
        // deletion, and QUIT closes politely (TLS close_notify included).
        let _ = tokio::time::timeout(wait, pop.execute(pop3_wire::Command::Rset)).await;
        let _ = tokio::time::timeout(wait, pop.quit()).await;
        return Err(e);
    }
    tokio::time::timeout(wait, pop.quit()).await??;
    if let Some(report) = report {
        writeln!(out, "{report}")?;
    }
    out.flush()?;
    Ok(())
}
