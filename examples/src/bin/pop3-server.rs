//! `pop3-server`: serves each user's Maildir INBOX (`MAIL_ROOT/NAME/`) over
//! POP3 (RFC 1939 with CAPA, RESP-CODES, PIPELINING, SASL PLAIN, STLS and
//! UTF8): the mail-serve layer over its Maildir store, with this crate's
//! command line. It shares the mail root with `imap-server`.
//!
//! Exit status: 0 after a clean shutdown (SIGINT or SIGTERM), 1 when it
//! cannot serve (a port taken), 2 for usage errors.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use mail_examples::serve::{self, ServerArgs};
use mail_serve::maildir::MaildirStore;
use mail_serve::pop3::Pop3Service;

/// A POP3 server over Maildirs, built on mail-serve.
#[derive(Debug, Parser)]
#[command(name = "pop3-server", version)]
struct Args {
    #[command(flatten)]
    server: ServerArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
    serve::server_main("pop3-server", args.server, |users, mail_root, settings| {
        let store = MaildirStore::new(&mail_root, users);
        Arc::new(Pop3Service::new(store, serve::pop3_config(settings)))
    })
}
