//! `pop3-server`: serves each user's Maildir INBOX over POP3 (RFC 1939,
//! with CAPA, UIDL, TOP, STLS, SASL PLAIN, RESP-CODES, PIPELINING).
//!
//! Exit status: 0 after a clean shutdown (SIGINT or SIGTERM), 1 when it
//! cannot serve (a port taken), 2 for usage errors.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use mail_examples::pop3_service::{self, Pop3Service};
use mail_examples::serve::{self, ServerArgs};

/// A POP3 server over Maildirs, built on pop3-wire and mail-codec.
#[derive(Debug, Parser)]
#[command(name = "pop3-server", version)]
struct Args {
    #[command(flatten)]
    server: ServerArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
    serve::server_main("pop3-server", args.server, |users, mail_root, acceptor| {
        let service = Arc::new(Pop3Service::new(users, mail_root, acceptor));
        move |stream, _peer, entry, shutdown| pop3_service::session(service.clone(), stream, entry, shutdown)
    })
}
