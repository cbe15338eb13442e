//! Runnable programs built on the mail protocol crates, and the library
//! code they share.
//!
//! - `mail-inspect`: a protocol dissector for recorded sessions
//!   (see [`inspect`] for one IMAP stream, [`imap_replay`] for an IMAP
//!   pair through both machines, and [`pop3_replay`] for POP3).
//! - `imap-client` and `pop3-client`: command-line clients ([`imap_tool`],
//!   [`pop3_tool`]) with the options of [`cli`], writing Maildirs with
//!   [`maildir`].
//! - `pop3-server`: a POP3 server over Maildirs ([`pop3_service`], with
//!   the users file and accept loop of [`serve`]).

pub mod cli;
pub mod imap_message;
pub mod imap_replay;
pub mod imap_service;
pub mod imap_store;
pub mod imap_tool;
pub mod inspect;
pub mod maildir;
pub mod pop3_replay;
pub mod pop3_service;
pub mod pop3_tool;
pub mod serve;

/// The README's code examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
