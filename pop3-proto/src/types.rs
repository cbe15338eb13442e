//! POP3 values: commands, status lines, response codes, listings and
//! capabilities.

use std::fmt;
use std::num::NonZeroU32;

use bytes::Bytes;

/// A command argument or free text: bytes without CR, LF or NUL.
///
/// ```
/// use pop3_wire::Arg;
/// assert_eq!(Arg::new("mrose").unwrap().as_str(), Some("mrose"));
/// assert!(Arg::new("two\r\nlines").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Arg(Bytes);

impl Arg {
    /// Validates an argument: no CR, LF or NUL.
    pub fn new(value: impl Into<Bytes>) -> Result<Arg, crate::ValidationError> {
        let value = value.into();
        match value.iter().position(|&b| matches!(b, b'\r' | b'\n' | 0)) {
            Some(offset) => Err(crate::ValidationError::InvalidByte { byte: value[offset], offset }),
            None => Ok(Arg(value)),
        }
    }

    pub(crate) fn from_validated(value: Bytes) -> Arg {
        Arg(value)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The value as UTF-8, if it is.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// Whether the argument is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

impl TryFrom<&str> for Arg {
    type Error = crate::ValidationError;
    fn try_from(s: &str) -> Result<Arg, Self::Error> {
        Arg::new(Bytes::copy_from_slice(s.as_bytes()))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Arg {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.as_str() {
            Some(text) => s.serialize_str(text),
            None => s.serialize_bytes(&self.0),
        }
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Arg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Arg::new(s).map_err(serde::de::Error::custom)
    }
}

/// A message number: 1 or more, at most `u32::MAX`.
pub type MessageNumber = NonZeroU32;

/// A POP3 command.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Command {
    /// `USER name`
    User(Arg),
    /// `PASS secret` (everything after the first space, spaces included).
    Pass(Arg),
    /// `APOP name digest` (digest: 32 lower-case hex digits).
    Apop {
        /// The mailbox name.
        name: Arg,
        /// MD5 of timestamp + secret, as 32 hex digits.
        digest: Arg,
    },
    /// `STAT`
    Stat,
    /// `LIST [msg]`
    List(Option<MessageNumber>),
    /// `RETR msg`
    Retr(MessageNumber),
    /// `DELE msg`
    Dele(MessageNumber),
    /// `NOOP`
    Noop,
    /// `RSET`
    Rset,
    /// `QUIT`
    Quit,
    /// `TOP msg n` (n = 0 is valid: headers only).
    Top {
        /// The message.
        message: MessageNumber,
        /// Body lines to send after the header.
        lines: u32,
    },
    /// `UIDL [msg]`
    Uidl(Option<MessageNumber>),
    /// `CAPA` (RFC 2449)
    Capa,
    /// `STLS` (RFC 2595)
    Stls,
    /// `AUTH mechanism [initial-response]` (RFC 5034); an empty initial
    /// response is sent as `=`. Without a mechanism (`AUTH` alone, a
    /// widespread pre-standard form) it lists mechanisms.
    Auth {
        /// SASL mechanism, e.g. `PLAIN`; `None` for the listing form.
        mechanism: Option<Arg>,
        /// Initial response, base64-decoded.
        #[cfg_attr(feature = "serde", serde(with = "crate::serde_text::option"))]
        initial_response: Option<Bytes>,
    },
    /// `UTF8` (RFC 6856)
    Utf8,
    /// `LANG [tag]` (RFC 6856); `LANG` alone lists languages.
    Lang(Option<Arg>),
    /// Any other command, with its arguments as sent.
    Other {
        /// The keyword, upper-cased.
        keyword: Arg,
        /// The rest of the line after the keyword and one space.
        arguments: Option<Arg>,
    },
}

impl Command {
    /// The keyword as sent on the wire.
    pub fn keyword(&self) -> &str {
        match self {
            Command::User(_) => "USER",
            Command::Pass(_) => "PASS",
            Command::Apop { .. } => "APOP",
            Command::Stat => "STAT",
            Command::List(_) => "LIST",
            Command::Retr(_) => "RETR",
            Command::Dele(_) => "DELE",
            Command::Noop => "NOOP",
            Command::Rset => "RSET",
            Command::Quit => "QUIT",
            Command::Top { .. } => "TOP",
            Command::Uidl(_) => "UIDL",
            Command::Capa => "CAPA",
            Command::Stls => "STLS",
            Command::Auth { .. } => "AUTH",
            Command::Utf8 => "UTF8",
            Command::Lang(_) => "LANG",
            Command::Other { keyword, .. } => keyword.as_str().unwrap_or("?"),
        }
    }

    /// Whether a positive reply to this command is multi-line.
    pub fn has_multiline_reply(&self) -> bool {
        matches!(
            self,
            Command::List(None)
                | Command::Uidl(None)
                | Command::Retr(_)
                | Command::Top { .. }
                | Command::Capa
                | Command::Lang(None)
                | Command::Auth { mechanism: None, .. }
        )
    }
}

/// `+OK` or `-ERR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Status {
    /// `+OK`
    Ok,
    /// `-ERR`
    Err,
}

/// An RFC 2449 extended response code, e.g. `[SYS/TEMP]`: the typed
/// first levels and any further sub-levels, kept as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ResponseCode {
    /// What the code means.
    pub kind: CodeKind,
    /// Levels after the ones `kind` covers (`[SYS/TEMP/DISK]` has `DISK`).
    pub sublevels: Vec<Arg>,
}

/// The known extended response codes (RFC 2449, 3206, 6856).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CodeKind {
    /// `IN-USE`: the maildrop is locked by another session.
    InUse,
    /// `LOGIN-DELAY`: logging in again too soon.
    LoginDelay,
    /// `SYS/TEMP`: a temporary system problem.
    SysTemp,
    /// `SYS/PERM`: a permanent system problem.
    SysPerm,
    /// `SYS/...` with another second level, or `SYS` alone.
    Sys,
    /// `AUTH`: the credentials were refused.
    Auth,
    /// `UTF8`: the command needs UTF8 mode.
    Utf8,
    /// Any other code; its first level.
    Other(Arg),
}

impl ResponseCode {
    /// Builds a code from its levels (`["SYS", "TEMP"]`).
    pub fn from_levels(levels: &[&[u8]]) -> Option<ResponseCode> {
        let first = levels.first()?;
        let up = |b: &[u8]| b.to_ascii_uppercase();
        let (kind, used) = match up(first).as_slice() {
            b"IN-USE" => (CodeKind::InUse, 1),
            b"LOGIN-DELAY" => (CodeKind::LoginDelay, 1),
            b"AUTH" => (CodeKind::Auth, 1),
            b"UTF8" => (CodeKind::Utf8, 1),
            b"SYS" => match levels.get(1).map(|l| up(l)) {
                Some(l) if l == b"TEMP" => (CodeKind::SysTemp, 2),
                Some(l) if l == b"PERM" => (CodeKind::SysPerm, 2),
                _ => (CodeKind::Sys, 1),
            },
            _ => (CodeKind::Other(Arg::from_validated(Bytes::copy_from_slice(first))), 1),
        };
        let sublevels = levels[used..].iter().map(|l| Arg::from_validated(Bytes::copy_from_slice(l))).collect();
        Some(ResponseCode { kind, sublevels })
    }

    /// The levels as written on the wire.
    pub fn levels(&self) -> Vec<&[u8]> {
        let mut out: Vec<&[u8]> = match &self.kind {
            CodeKind::InUse => vec![b"IN-USE"],
            CodeKind::LoginDelay => vec![b"LOGIN-DELAY"],
            CodeKind::SysTemp => vec![b"SYS", b"TEMP"],
            CodeKind::SysPerm => vec![b"SYS", b"PERM"],
            CodeKind::Sys => vec![b"SYS"],
            CodeKind::Auth => vec![b"AUTH"],
            CodeKind::Utf8 => vec![b"UTF8"],
            CodeKind::Other(a) => vec![a.as_bytes()],
        };
        out.extend(self.sublevels.iter().map(|s| s.as_bytes()));
        out
    }

    /// A code without sub-levels.
    pub fn new(kind: CodeKind) -> ResponseCode {
        ResponseCode { kind, sublevels: Vec::new() }
    }
}

/// The first line of every POP3 reply.
///
/// ```
/// use pop3_wire::{CodeKind, Status, StatusLine};
/// let line = StatusLine::parse(b"-ERR [SYS/TEMP] try later\r\n").unwrap();
/// assert_eq!(line.status, Status::Err);
/// assert_eq!(line.code.unwrap().kind, CodeKind::SysTemp);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StatusLine {
    /// The status indicator.
    pub status: Status,
    /// An RFC 2449 extended response code.
    pub code: Option<ResponseCode>,
    /// The text after the indicator and code (may be empty).
    pub text: Arg,
}

impl StatusLine {
    /// A status line from its parts.
    pub fn new(status: Status, code: Option<ResponseCode>, text: Arg) -> StatusLine {
        StatusLine { status, code, text }
    }

    /// `+OK text`; text with CR, LF or NUL is refused.
    ///
    /// ```
    /// use pop3_wire::StatusLine;
    /// assert!(StatusLine::ok("maildrop ready").unwrap().is_ok());
    /// assert!(StatusLine::ok("two\r\nlines").is_err());
    /// ```
    pub fn ok(text: &str) -> Result<StatusLine, crate::ValidationError> {
        Ok(StatusLine::new(Status::Ok, None, Arg::try_from(text)?))
    }

    /// `-ERR text`; text with CR, LF or NUL is refused.
    pub fn err(text: &str) -> Result<StatusLine, crate::ValidationError> {
        Ok(StatusLine::new(Status::Err, None, Arg::try_from(text)?))
    }

    /// `-ERR [code] text`; text with CR, LF or NUL is refused.
    pub fn err_with_code(code: CodeKind, text: &str) -> Result<StatusLine, crate::ValidationError> {
        Ok(StatusLine::new(Status::Err, Some(ResponseCode::new(code)), Arg::try_from(text)?))
    }

    /// A line the machines write themselves, from constant text.
    pub(crate) fn fixed(status: Status, text: &'static str) -> StatusLine {
        debug_assert!(Arg::new(text).is_ok());
        StatusLine::new(status, None, Arg::from_validated(Bytes::from_static(text.as_bytes())))
    }

    /// Whether this is `+OK`.
    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }

    /// The APOP timestamp (`<...>`) in a greeting's text, if there is one.
    pub fn apop_timestamp(&self) -> Option<&str> {
        let text = self.text.as_str()?;
        let start = text.find('<')?;
        let end = start + text[start..].find('>')?;
        let stamp = &text[start..=end];
        (stamp.len() > 2 && stamp.bytes().all(|b| b.is_ascii_graphic())).then_some(stamp)
    }
}

/// The reply to `STAT` (a "drop listing"): messages in the maildrop and
/// their total size.
///
/// ```
/// use pop3_wire::{DropListing, StatusLine};
/// let line = StatusLine::from(&DropListing { messages: 2, octets: 320 });
/// assert_eq!(line.text.as_str(), Some("2 320"));
/// assert_eq!(DropListing::parse_text(b"2 320").unwrap().octets, 320);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DropListing {
    /// Messages in the maildrop (not counting those marked deleted).
    pub messages: u32,
    /// Their total size in octets.
    pub octets: u64,
}

/// One line of a scan listing (`LIST`): message number and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ScanListing {
    /// The message.
    pub message: MessageNumber,
    /// Its size in octets.
    pub octets: u64,
}

/// One line of a unique-id listing (`UIDL`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct UniqueIdListing {
    /// The message.
    pub message: MessageNumber,
    /// Its unique id: 1 to 70 characters in 0x21..=0x7E.
    pub uid: Arg,
}

/// One language of a `LANG` listing (RFC 6856).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Language {
    /// The language tag, e.g. `en-boont`.
    pub tag: Arg,
    /// Its description (may be empty).
    pub description: Arg,
}

/// A capability line of a `CAPA` reply (RFC 2449 and later).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Capability {
    /// `TOP`
    Top,
    /// `USER`
    User,
    /// `SASL mech...`
    Sasl(Vec<Arg>),
    /// `RESP-CODES`
    RespCodes,
    /// `LOGIN-DELAY n [USER]`
    LoginDelay {
        /// Minimum seconds between logins.
        seconds: u32,
        /// `USER`: the value may change after login.
        per_user: bool,
    },
    /// `PIPELINING`
    Pipelining,
    /// `EXPIRE n|NEVER [USER]`
    Expire {
        /// Days messages are kept; `None` for `NEVER`.
        days: Option<u32>,
        /// `USER`: the value may change after login.
        per_user: bool,
    },
    /// `UIDL`
    Uidl,
    /// `IMPLEMENTATION text`
    Implementation(Arg),
    /// `STLS` (RFC 2595)
    Stls,
    /// `UTF8 [USER]` (RFC 6856)
    Utf8 {
        /// `USER`: UTF-8 user names and passwords too.
        user: bool,
    },
    /// `LANG` (RFC 6856)
    Lang,
    /// Any other capability, with its parameters.
    Other {
        /// The tag, as sent.
        tag: Arg,
        /// The parameters.
        parameters: Vec<Arg>,
    },
}

/// `+OK` with a listing as its text: the positive replies to STAT,
/// `LIST n` and `UIDL n`.
macro_rules! listing_status_line {
    ($ty:ty) => {
        impl From<&$ty> for StatusLine {
            fn from(listing: &$ty) -> StatusLine {
                use crate::Encode;
                let wire = listing.to_bytes();
                // The listing's wire form is validated text plus CRLF.
                let text = wire.slice(..wire.len() - 2);
                StatusLine::new(Status::Ok, None, Arg::from_validated(text))
            }
        }
    };
}

listing_status_line!(DropListing);
listing_status_line!(ScanListing);
listing_status_line!(UniqueIdListing);

/// An APOP timestamp as a server puts it in its greeting: `<`, printable
/// ASCII without spaces or angle brackets, `>` (RFC 1939 section 7 uses a
/// msg-id such as `<1896.697170952@dbc.mtview.ca.us>`).
///
/// ```
/// use pop3_wire::ApopTimestamp;
/// assert!(ApopTimestamp::new("<1896.697170952@dbc.mtview.ca.us>").is_ok());
/// assert!(ApopTimestamp::new("<a>\r\n+OK").is_err());
/// assert!(ApopTimestamp::new("no brackets").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApopTimestamp(String);

impl ApopTimestamp {
    /// Validates a timestamp.
    pub fn new(value: &str) -> Result<ApopTimestamp, crate::ValidationError> {
        let bytes = value.as_bytes();
        if bytes.len() < 3 || bytes[0] != b'<' || bytes[bytes.len() - 1] != b'>' {
            return Err(crate::ValidationError::Malformed("an APOP timestamp is <...>"));
        }
        let inner = &bytes[1..bytes.len() - 1];
        if let Some(i) = inner.iter().position(|&b| !b.is_ascii_graphic() || b == b'<' || b == b'>') {
            return Err(crate::ValidationError::InvalidByte { byte: inner[i], offset: i + 1 });
        }
        Ok(ApopTimestamp(value.to_string()))
    }

    /// The timestamp, brackets included.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for ApopTimestamp {
    type Error = crate::ValidationError;
    fn try_from(value: &str) -> Result<ApopTimestamp, Self::Error> {
        ApopTimestamp::new(value)
    }
}
