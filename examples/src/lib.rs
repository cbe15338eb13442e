//! Runnable programs built on the mail protocol crates, and the library
//! code they share.
//!
//! - `mail-inspect`: a protocol dissector for recorded sessions
//!   (see [`inspect`]).

pub mod inspect;
