//! Runnable programs built on the mail protocol crates, and the library
//! code they share.
//!
//! - `mail-inspect`: a protocol dissector for recorded sessions
//!   (see [`inspect`] for one IMAP stream, [`imap_replay`] for an IMAP
//!   pair through both machines, and [`pop3_replay`] for POP3).

pub mod imap_replay;
pub mod inspect;
pub mod pop3_replay;

/// The README's code examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
