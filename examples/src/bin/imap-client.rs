//! `imap-client`: list, fetch, read, search, flag, append, move, expunge,
//! watch and sync a mailbox on any IMAP server.
//!
//! Exit status: 0 on success, 1 when the server, the network or the disk
//! fails (one line on stderr says what), 2 for usage errors.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mail_codec::imap_wire::SequenceSet;
use mail_examples::cli::{self, ConnectArgs, Failure};
use mail_examples::imap_tool;

/// An IMAP client built on imap-wire and mail-codec.
#[derive(Debug, Parser)]
#[command(name = "imap-client", version)]
struct Args {
    #[command(flatten)]
    connect: ConnectArgs,
    #[command(subcommand)]
    command: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// One line per mailbox: name, delimiter, attributes (tab-separated).
    List,
    /// One line per message: UID, flags, decoded subject (tab-separated).
    Fetch {
        /// The mailbox.
        mailbox: String,
        /// Message sequence numbers, e.g. 1:* or 2,4:6.
        set: String,
    },
    /// The raw bytes of one MIME part (`BODY.PEEK[SECTION]`) to stdout.
    Part {
        /// The mailbox.
        mailbox: String,
        /// The message's UID.
        uid: String,
        /// The section, e.g. 1.2, TEXT, HEADER, 2.MIME, or "" for all.
        section: String,
    },
    /// The UIDs of the messages matching the search keys, one per line.
    Search {
        /// The mailbox.
        mailbox: String,
        /// Search keys, e.g. FROM alice UNSEEN, or SUBJECT "two words".
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
        keys: Vec<String>,
    },
    /// Adds, removes or replaces flags of one message.
    Store {
        /// The mailbox.
        mailbox: String,
        /// The message's UID.
        uid: String,
        /// +FLAGS, -FLAGS or FLAGS.
        #[arg(allow_hyphen_values = true)]
        action: String,
        /// The flags, e.g. \Seen \Flagged $Work (quote them for the shell).
        flags: Vec<String>,
    },
    /// Appends the message in FILE (prints its UID when the server says).
    Append {
        /// The mailbox.
        mailbox: String,
        /// The message file (RFC 5322, CRLF line ends preferred).
        file: PathBuf,
    },
    /// Moves one message to another mailbox.
    Move {
        /// The mailbox.
        mailbox: String,
        /// The message's UID.
        uid: String,
        /// The target mailbox.
        dest: String,
    },
    /// Removes the messages flagged \Deleted; prints how many.
    Expunge {
        /// The mailbox.
        mailbox: String,
    },
    /// Prints each update (EXISTS, EXPUNGE, FETCH FLAGS) as it arrives.
    Idle {
        /// The mailbox.
        mailbox: String,
        /// How long to watch.
        seconds: u64,
    },
    /// Downloads the mailbox into a Maildir; later runs fetch only changes.
    Sync {
        /// The mailbox.
        mailbox: String,
        /// The Maildir.
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return cli::finish("imap-client", Err(Failure::Run(e.to_string()))),
    };
    cli::finish("imap-client", runtime.block_on(run(args)))
}

fn print_line(line: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

async fn run(args: Args) -> Result<(), Failure> {
    // Read inputs before connecting: a usage error costs no login.
    let message = match &args.command {
        Action::Append { file, .. } => {
            Some(std::fs::read(file).map_err(|e| Failure::Usage(format!("cannot read {}: {e}", file.display())))?)
        }
        _ => None,
    };
    let uid = match &args.command {
        Action::Part { uid, .. } | Action::Store { uid, .. } | Action::Move { uid, .. } => imap_tool::parse_uid(uid)?,
        _ => 0,
    };
    // Every argument is checked here too; an error says what is wrong
    // with it, in the user's words.
    let set = match &args.command {
        Action::Fetch { set, .. } => Some(imap_tool::parse_set(set)?),
        _ => None,
    };
    let section = match &args.command {
        Action::Part { section, .. } => Some(imap_tool::parse_section(section)?),
        _ => None,
    };
    let search = match &args.command {
        Action::Search { keys, .. } => imap_tool::parse_search(keys)?,
        _ => Vec::new(),
    };
    let store = match &args.command {
        Action::Store { action, flags, .. } => {
            Some((imap_tool::parse_store_action(action)?, imap_tool::parse_flags(flags)?))
        }
        _ => None,
    };
    let wait = args.connect.step_timeout();
    let mut imap = imap_tool::connect(&args.connect).await?;
    let outcome: Result<(), Failure> = async {
        match args.command {
            Action::List => {
                for line in tokio::time::timeout(wait, imap_tool::list(&mut imap)).await?? {
                    print_line(&line)?;
                }
            }
            Action::Fetch { mailbox, .. } => {
                let set = set.unwrap_or_else(SequenceSet::all);
                for summary in
                    tokio::time::timeout(wait, imap_tool::fetch_summaries(&mut imap, &mailbox, set)).await??
                {
                    print_line(&summary.to_string())?;
                }
            }
            Action::Part { mailbox, .. } => {
                let section = section.unwrap_or_default();
                let data = tokio::time::timeout(wait, imap_tool::part(&mut imap, &mailbox, uid, section)).await??;
                let mut out = std::io::stdout().lock();
                out.write_all(&data)?;
                out.flush()?;
            }
            Action::Search { mailbox, .. } => {
                for uid in tokio::time::timeout(wait, imap_tool::search(&mut imap, &mailbox, search)).await?? {
                    print_line(&uid.to_string())?;
                }
            }
            Action::Store { mailbox, .. } => {
                let (action, flags) = store.ok_or_else(|| Failure::Usage("no flags".into()))?;
                tokio::time::timeout(wait, imap_tool::store(&mut imap, &mailbox, uid, action, &flags)).await??
            }
            Action::Append { mailbox, .. } => {
                let message = message.unwrap_or_default();
                if let Some(uid) = tokio::time::timeout(wait, imap_tool::append(&mut imap, &mailbox, message)).await?? {
                    print_line(&uid.to_string())?;
                }
            }
            Action::Move { mailbox, dest, .. } => {
                tokio::time::timeout(wait, imap_tool::move_message(&mut imap, &mailbox, uid, &dest)).await??
            }
            Action::Expunge { mailbox } => {
                let removed = tokio::time::timeout(wait, imap_tool::expunge(&mut imap, &mailbox)).await??;
                print_line(&removed.to_string())?;
            }
            Action::Idle { mailbox, seconds } => {
                let duration = std::time::Duration::from_secs(seconds);
                let mut failed = None;
                imap_tool::idle(&mut imap, &mailbox, duration, cli::stop_requested(), |line| {
                    if let Err(e) = print_line(line) {
                        failed.get_or_insert(e);
                    }
                })
                .await?;
                if let Some(e) = failed {
                    return Err(e);
                }
            }
            Action::Sync { mailbox, dir } => {
                // No timeout around the whole sync: it takes as long as the
                // mailbox is big; SIGINT/SIGTERM stop it between messages.
                let mut report = imap_tool::SyncReport::default();
                let done = tokio::select! {
                    done = imap_tool::sync(&mut imap, &mailbox, &dir, &mut report) => done,
                    _ = cli::stop_requested() => {
                        let got = format!("{} of {} downloaded", report.new, report.to_download);
                        return Err(Failure::Run(format!("interrupted after {got} ({report}); the next sync resumes")));
                    }
                };
                if let Err(e) = done {
                    // The summary says how far it got, then the error.
                    print_line(&report.to_string())?;
                    return Err(e);
                }
                print_line(&report.to_string())?;
            }
        }
        Ok(())
    }
    .await;
    // LOGOUT (and TLS close_notify) whatever happened, unless the
    // connection is gone: a server sees a client that says goodbye.
    let logout = tokio::time::timeout(wait, imap.logout()).await;
    outcome?;
    logout??;
    Ok(())
}
