//! `imap-server`: serves each user's Maildir++ (`MAIL_ROOT/NAME/`, with
//! subfolders) over IMAP4rev1 (RFC 3501) with LITERAL+, IDLE, UIDPLUS,
//! MOVE, UNSELECT, ENABLE, NAMESPACE, ID, SASL-IR, CHILDREN, SPECIAL-USE,
//! STARTTLS and COMPRESS=DEFLATE.
//!
//! Exit status: 0 after a clean shutdown (SIGINT or SIGTERM), 1 when it
//! cannot serve (a port taken), 2 for usage errors.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use mail_examples::imap_service::{self, ImapService};
use mail_examples::serve::{self, ServerArgs};

/// An IMAP server over Maildir++ folders, built on imap-wire and mail-codec.
#[derive(Debug, Parser)]
#[command(name = "imap-server", version)]
struct Args {
    #[command(flatten)]
    server: ServerArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
    serve::server_main("imap-server", args.server, |users, mail_root, acceptor| {
        let service = Arc::new(ImapService::new(users, mail_root, acceptor));
        move |stream, _peer, entry, shutdown| imap_service::session(service.clone(), stream, entry, shutdown)
    })
}
