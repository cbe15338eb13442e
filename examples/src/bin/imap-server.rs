//! `imap-server`: serves each user's Maildir++ (`MAIL_ROOT/NAME/`, with
//! subfolders) over IMAP4rev1 (RFC 3501) with LITERAL+, IDLE, UIDPLUS,
//! MOVE, UNSELECT, ENABLE, NAMESPACE, ID, SASL-IR, CHILDREN, SPECIAL-USE,
//! ESEARCH, WITHIN, BINARY, QUOTA, STARTTLS and COMPRESS=DEFLATE (and the
//! other extensions the README lists): the mail-serve
//! layer over its Maildir store, with this crate's command line.
//!
//! Exit status: 0 after a clean shutdown (SIGINT or SIGTERM), 1 when it
//! cannot serve (a port taken), 2 for usage errors.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use mail_examples::serve::{self, ServerArgs};
use mail_serve::imap::ImapService;
use mail_serve::maildir::MaildirStore;

/// An IMAP server over Maildir++ folders, built on mail-serve.
#[derive(Debug, Parser)]
#[command(name = "imap-server", version)]
struct Args {
    #[command(flatten)]
    server: ServerArgs,
    /// Each user's messages may take this many bytes together (QUOTA,
    /// RFC 9208): APPEND and COPY past it get `NO [OVERQUOTA]`. No limit
    /// when not given.
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    storage_limit: Option<u64>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let storage_limit = args.storage_limit;
    serve::server_main("imap-server", args.server, move |users, mail_root, settings| {
        let store = MaildirStore::new(&mail_root, users).with_storage_limit(storage_limit);
        Arc::new(ImapService::new(store, serve::imap_config(settings)))
    })
}
