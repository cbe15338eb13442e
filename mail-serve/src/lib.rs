//! An IMAP and POP3 server layer over any mail store.
//!
//! - [`store`]: the storage boundary, async traits a store implements
//!   (accounts, mailboxes, messages streamed in and out, change
//!   notification), with optional capabilities declared up front.
//! - [`memory`]: an in-memory store, for tests and as the reference
//!   implementation.
//!
//! The session engines own the protocol: states, each session's view of
//! its selected mailbox and the update rules of RFC 3501 7.4.1, FETCH and
//! SEARCH from the MIME structure, LIST patterns, and the limits that keep
//! one session's memory and CPU bounded whatever the client sends or the
//! mail holds.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod imap;
pub mod maildir;
pub mod memory;
pub mod mime;
pub mod pattern;
pub mod pop3;
pub mod store;
pub mod users;
