//! Runnable programs built on the mail protocol crates, and the library
//! code they share.
//!
//! - `mail-inspect`: a protocol dissector for recorded sessions
//!   (see [`inspect`] for one IMAP stream, [`imap_replay`] for an IMAP
//!   pair through both machines, and [`pop3_replay`] for POP3).
//! - `imap-client` and `pop3-client`: command-line clients ([`imap_tool`],
//!   [`pop3_tool`]) with the options of [`cli`], writing Maildirs with
//!   [`maildir`].
//! - `imap-server` and `pop3-server`: the mail-serve layer over its
//!   Maildir store, with the users file, TLS and accept loop of [`serve`].

pub mod cli;
pub mod imap_replay;
pub mod imap_tool;
pub mod inspect;
pub mod maildir;
pub mod pop3_replay;
pub mod pop3_tool;
pub mod serve;

/// The README's code examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
