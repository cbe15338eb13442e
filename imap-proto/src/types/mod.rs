//! The owned value types for everything that travels on an IMAP connection.
//!
//! All types are `Send + Sync + 'static` and cheap to clone: short strings
//! are stored inline, long strings and literal data share the receive buffer
//! through [`bytes::Bytes`].

pub(crate) mod body;
pub(crate) mod command;
pub(crate) mod core;
pub(crate) mod datetime;
pub(crate) mod fetch;
pub(crate) mod flag;
pub(crate) mod mailbox;
pub(crate) mod metadata;
pub(crate) mod quota;
pub(crate) mod response;
pub(crate) mod search;
pub(crate) mod sequence;
pub(crate) mod small_bytes;
pub(crate) mod status;

pub use self::body::*;
pub use self::command::*;
pub use self::core::{Atom, IString, IdParameters, Modifier, RawArguments, RawValue, Tag, Text};
pub use self::datetime::*;
pub use self::fetch::*;
pub use self::flag::*;
pub use self::mailbox::{decode_modified_utf7, encode_modified_utf7, Mailbox, Utf7Error};
pub use self::metadata::*;
pub use self::quota::*;
pub use self::response::*;
pub use self::search::*;
pub use self::sequence::*;
pub use self::status::*;
