//! The grammar: commands, status lines and the lines of multi-line replies.
//! Each function takes one line with its line ending (CRLF, or a bare LF
//! from a sloppy peer).

use std::num::NonZeroU32;

use bytes::Bytes;

use crate::error::{ParseError, ParseErrorKind};
use crate::types::*;

/// Strips the line ending and checks the line holds no other CR, LF or NUL.
fn line_body(line: &[u8]) -> Result<&[u8], ParseError> {
    let body = line
        .strip_suffix(b"\r\n")
        .or_else(|| line.strip_suffix(b"\n"))
        .ok_or(ParseError::expected(line.len(), "CRLF at the end of the line"))?;
    if let Some(offset) = body.iter().position(|&b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(ParseError { offset, kind: ParseErrorKind::Expected("a byte other than CR, LF or NUL") });
    }
    Ok(body)
}

fn arg(bytes: &[u8]) -> Arg {
    Arg::from_validated(Bytes::copy_from_slice(bytes))
}

/// A message number: digits only, 1 to `u32::MAX`.
fn message_number(token: &[u8], offset: usize) -> Result<NonZeroU32, ParseError> {
    let n = number(token, offset)?;
    NonZeroU32::new(n).ok_or(ParseError { offset, kind: ParseErrorKind::Invalid("message number 0") })
}

fn number(token: &[u8], offset: usize) -> Result<u32, ParseError> {
    if token.is_empty() {
        return Err(ParseError::expected(offset, "a number"));
    }
    let mut n: u32 = 0;
    for (i, &b) in token.iter().enumerate() {
        if !b.is_ascii_digit() {
            return Err(ParseError { offset: offset + i, kind: ParseErrorKind::Expected("a digit") });
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add((b - b'0') as u32))
            .ok_or(ParseError { offset, kind: ParseErrorKind::NumberOverflow("u32") })?;
    }
    Ok(n)
}

/// Splits on single spaces, remembering offsets.
fn tokens(body: &[u8], start: usize) -> impl Iterator<Item = (usize, &[u8])> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos > body.len() || (pos == body.len() && pos != 0) {
            return None;
        }
        let end = body[pos..].iter().position(|&b| b == b' ').map_or(body.len(), |p| pos + p);
        let tok = (start + pos, &body[pos..end]);
        pos = end + 1;
        Some(tok)
    })
}

impl Command {
    /// Parses one command line.
    ///
    /// ```
    /// use pop3_wire::Command;
    /// assert_eq!(Command::parse(b"top 3 0\r\n").unwrap(), Command::Top { message: 3.try_into().unwrap(), lines: 0 });
    /// assert!(Command::parse(b"RETR 0\r\n").is_err());
    /// assert!(Command::parse(b"DELE 1 2\r\n").is_err());
    /// ```
    pub fn parse(line: &[u8]) -> Result<Command, ParseError> {
        let body = line_body(line)?;
        let kw_end = body.iter().position(|&b| b == b' ').unwrap_or(body.len());
        let keyword = &body[..kw_end];
        if keyword.is_empty() || !keyword.iter().all(|b| b.is_ascii_graphic()) {
            return Err(ParseError::expected(0, "a command keyword"));
        }
        let rest = body.get(kw_end + 1..);
        let rest_offset = kw_end + 1;
        let upper = keyword.to_ascii_uppercase();
        // Arguments as single-space separated tokens; none when absent.
        let args: Vec<(usize, &[u8])> = match rest {
            Some(r) => tokens(r, rest_offset).collect(),
            None => Vec::new(),
        };
        let no_args = |cmd: Command| {
            if rest.is_some() {
                Err(ParseError { offset: kw_end, kind: ParseErrorKind::Invalid("noise after the command") })
            } else {
                Ok(cmd)
            }
        };
        let exactly = |n: usize| -> Result<(), ParseError> {
            if args.len() < n {
                return Err(ParseError::expected(body.len(), "an argument"));
            }
            if args.len() > n {
                return Err(ParseError {
                    offset: args[n].0 - 1,
                    kind: ParseErrorKind::Invalid("noise after the arguments"),
                });
            }
            Ok(())
        };
        let optional_message = |args: &[(usize, &[u8])]| -> Result<Option<NonZeroU32>, ParseError> {
            match args {
                [] => Ok(None),
                [(o, t)] => message_number(t, *o).map(Some),
                [_, (o, _), ..] => {
                    Err(ParseError { offset: o - 1, kind: ParseErrorKind::Invalid("noise after the message number") })
                }
            }
        };
        match upper.as_slice() {
            b"STAT" => no_args(Command::Stat),
            b"NOOP" => no_args(Command::Noop),
            b"RSET" => no_args(Command::Rset),
            b"QUIT" => no_args(Command::Quit),
            b"CAPA" => no_args(Command::Capa),
            b"STLS" => no_args(Command::Stls),
            b"UTF8" => no_args(Command::Utf8),
            b"USER" => match rest {
                Some(r) if !r.is_empty() => Ok(Command::User(arg(r))),
                _ => Err(ParseError::expected(body.len(), "a user name")),
            },
            // Everything after the first space, spaces included.
            b"PASS" => match rest {
                Some(r) => Ok(Command::Pass(arg(r))),
                None => Err(ParseError::expected(body.len(), "SP and a password")),
            },
            b"APOP" => {
                exactly(2)?;
                let (o, digest) = args[1];
                if digest.len() != 32 || !digest.iter().all(|b| b.is_ascii_hexdigit()) {
                    return Err(ParseError::expected(o, "a 32-digit hex MD5 digest"));
                }
                Ok(Command::Apop { name: arg(args[0].1), digest: arg(digest) })
            }
            b"LIST" => Ok(Command::List(optional_message(&args)?)),
            b"UIDL" => Ok(Command::Uidl(optional_message(&args)?)),
            b"RETR" | b"DELE" => {
                exactly(1)?;
                let n = message_number(args[0].1, args[0].0)?;
                Ok(if upper == b"RETR" { Command::Retr(n) } else { Command::Dele(n) })
            }
            b"TOP" => {
                exactly(2)?;
                let message = message_number(args[0].1, args[0].0)?;
                Ok(Command::Top { message, lines: number(args[1].1, args[1].0)? })
            }
            b"AUTH" => {
                if args.len() > 2 {
                    return Err(ParseError {
                        offset: args[2].0 - 1,
                        kind: ParseErrorKind::Invalid("noise after the initial response"),
                    });
                }
                let mechanism = args.first().map(|(_, m)| arg(m));
                if mechanism.as_ref().is_some_and(|m| m.is_empty()) {
                    return Err(ParseError::expected(rest_offset, "a SASL mechanism"));
                }
                let initial_response = match args.get(1) {
                    None => None,
                    Some((_, b"=")) => Some(Bytes::new()),
                    Some((o, ir)) => {
                        Some(crate::base64::decode(ir).map(Bytes::from).ok_or(ParseError::expected(*o, "base64"))?)
                    }
                };
                Ok(Command::Auth { mechanism, initial_response })
            }
            b"LANG" => match args.as_slice() {
                [] => Ok(Command::Lang(None)),
                [(_, t)] if !t.is_empty() => Ok(Command::Lang(Some(arg(t)))),
                [(o, _)] => Err(ParseError::expected(*o, "a language tag")),
                [_, (o, _), ..] => {
                    Err(ParseError { offset: o - 1, kind: ParseErrorKind::Invalid("noise after the language tag") })
                }
            },
            _ => Ok(Command::Other { keyword: arg(&upper), arguments: rest.map(arg) }),
        }
    }
}

impl StatusLine {
    /// Parses a status line (`+OK` / `-ERR`, optional `[code]`, text).
    /// A bare `+OK` is accepted; the indicator is case-insensitive.
    pub fn parse(line: &[u8]) -> Result<StatusLine, ParseError> {
        let body = line_body(line)?;
        let (status, after) = if body.len() >= 3 && body[..3].eq_ignore_ascii_case(b"+OK") {
            (Status::Ok, 3)
        } else if body.len() >= 4 && body[..4].eq_ignore_ascii_case(b"-ERR") {
            (Status::Err, 4)
        } else {
            return Err(ParseError::expected(0, "+OK or -ERR"));
        };
        let rest = match body.get(after) {
            None => &[][..],
            Some(b' ') => &body[after + 1..],
            Some(_) => return Err(ParseError::expected(after, "SP or CRLF after the status")),
        };
        let (code, text) = match parse_code(rest) {
            Some((code, used)) => (Some(code), rest[used..].strip_prefix(b" ").unwrap_or(&rest[used..])),
            None => (None, rest),
        };
        Ok(StatusLine { status, code, text: arg(text) })
    }
}

/// `"[" resp-level *("/" resp-level) "]"` at the start of `text`; a bracket
/// that does not open a well-formed code is text.
fn parse_code(text: &[u8]) -> Option<(ResponseCode, usize)> {
    let inner = text.strip_prefix(b"[")?;
    let end = inner.iter().position(|&b| b == b']')?;
    let levels: Vec<&[u8]> = inner[..end].split(|&b| b == b'/').collect();
    let rchar = |b: &u8| b.is_ascii_graphic() && !matches!(b, b'/' | b']' | b'[');
    if levels.iter().any(|l| l.is_empty() || !l.iter().all(rchar)) {
        return None;
    }
    Some((ResponseCode::from_levels(&levels)?, end + 2))
}

/// Splits on runs of spaces (listings tolerate extra spaces).
fn words(body: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        while pos < body.len() && body[pos] == b' ' {
            pos += 1;
        }
        if pos >= body.len() {
            return None;
        }
        let start = pos;
        while pos < body.len() && body[pos] != b' ' {
            pos += 1;
        }
        Some((start, &body[start..pos]))
    })
}

/// A size in octets: digits, fitting in 64 bits.
fn octets(token: &[u8], offset: usize) -> Result<u64, ParseError> {
    if token.is_empty() || !token.iter().all(u8::is_ascii_digit) {
        return Err(ParseError::expected(offset, "a size in octets"));
    }
    token
        .iter()
        .try_fold(0u64, |n, &b| n.checked_mul(10)?.checked_add((b - b'0') as u64))
        .ok_or(ParseError { offset, kind: ParseErrorKind::NumberOverflow("u64") })
}

impl DropListing {
    /// Parses `count SP octets`, the text of `+OK` to STAT, tolerating
    /// extra spaces and trailing text (RFC 1939 allows servers to add
    /// information after the two numbers).
    pub fn parse_text(text: &[u8]) -> Result<DropListing, ParseError> {
        let mut w = words(text);
        let (o, count) = w.next().ok_or(ParseError::expected(0, "a message count"))?;
        let messages = number(count, o)?;
        let (o, size) = w.next().ok_or(ParseError::expected(text.len(), "a size in octets"))?;
        Ok(DropListing { messages, octets: octets(size, o)? })
    }
}

impl ScanListing {
    /// Parses `msg SP octets` (a scan listing line, or the text of
    /// `+OK` to `LIST n`), tolerating extra spaces and trailing text.
    pub fn parse_text(text: &[u8]) -> Result<ScanListing, ParseError> {
        let mut w = words(text);
        let (o, msg) = w.next().ok_or(ParseError::expected(0, "a message number"))?;
        let message = message_number(msg, o)?;
        let (o, size) = w.next().ok_or(ParseError::expected(text.len(), "a size in octets"))?;
        Ok(ScanListing { message, octets: octets(size, o)? })
    }
}

impl UniqueIdListing {
    /// Parses `msg SP uid` (a unique-id listing line, or the text of `+OK`
    /// to `UIDL n`), tolerating extra spaces and trailing text.
    pub fn parse_text(text: &[u8]) -> Result<UniqueIdListing, ParseError> {
        let mut w = words(text);
        let (o, msg) = w.next().ok_or(ParseError::expected(0, "a message number"))?;
        let message = message_number(msg, o)?;
        let (o, uid) = w.next().ok_or(ParseError::expected(text.len(), "a unique id"))?;
        if uid.len() > 70 || !uid.iter().all(|b| (0x21..=0x7e).contains(b)) {
            return Err(ParseError::expected(o, "a unique id of 1 to 70 printable characters"));
        }
        Ok(UniqueIdListing { message, uid: arg(uid) })
    }
}

impl Language {
    /// Parses `tag SP description` from a LANG listing.
    pub fn parse_text(text: &[u8]) -> Result<Language, ParseError> {
        let mut w = words(text);
        let (_, tag) = w.next().ok_or(ParseError::expected(0, "a language tag"))?;
        let desc_start = w.next().map_or(text.len(), |(o, _)| o);
        Ok(Language { tag: arg(tag), description: arg(&text[desc_start..]) })
    }
}

impl Capability {
    /// Parses one capability line of a CAPA reply (without line ending).
    pub fn parse_text(text: &[u8]) -> Result<Capability, ParseError> {
        let mut w = words(text);
        let (_, tag) = w.next().ok_or(ParseError::expected(0, "a capability"))?;
        let params: Vec<(usize, &[u8])> = w.collect();
        let is = |p: &(usize, &[u8]), s: &[u8]| p.1.eq_ignore_ascii_case(s);
        let up = tag.to_ascii_uppercase();
        let simple = |c: Capability| if params.is_empty() { Some(c) } else { None };
        let known = match up.as_slice() {
            b"TOP" => simple(Capability::Top),
            b"USER" => simple(Capability::User),
            b"RESP-CODES" => simple(Capability::RespCodes),
            b"PIPELINING" => simple(Capability::Pipelining),
            b"UIDL" => simple(Capability::Uidl),
            b"STLS" => simple(Capability::Stls),
            b"LANG" => simple(Capability::Lang),
            b"SASL" => Some(Capability::Sasl(params.iter().map(|p| arg(p.1)).collect())),
            b"IMPLEMENTATION" => {
                let start = params.first().map_or(text.len(), |p| p.0);
                Some(Capability::Implementation(arg(&text[start..])))
            }
            b"UTF8" => match params.as_slice() {
                [] => Some(Capability::Utf8 { user: false }),
                [p] if is(p, b"USER") => Some(Capability::Utf8 { user: true }),
                _ => None,
            },
            b"LOGIN-DELAY" => match params.as_slice() {
                [n] => number(n.1, n.0).ok().map(|seconds| Capability::LoginDelay { seconds, per_user: false }),
                [n, u] if is(u, b"USER") => {
                    number(n.1, n.0).ok().map(|seconds| Capability::LoginDelay { seconds, per_user: true })
                }
                _ => None,
            },
            b"EXPIRE" => {
                let days = |p: &(usize, &[u8])| {
                    if is(p, b"NEVER") {
                        Some(None)
                    } else {
                        number(p.1, p.0).ok().map(Some)
                    }
                };
                match params.as_slice() {
                    [n] => days(n).map(|days| Capability::Expire { days, per_user: false }),
                    [n, u] if is(u, b"USER") => days(n).map(|days| Capability::Expire { days, per_user: true }),
                    _ => None,
                }
            }
            _ => None,
        };
        Ok(known.unwrap_or_else(|| Capability::Other {
            tag: arg(tag),
            parameters: params.iter().map(|p| arg(p.1)).collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Encode;

    fn n(v: u32) -> NonZeroU32 {
        NonZeroU32::new(v).unwrap()
    }

    #[test]
    fn every_command() {
        let cases: Vec<(&[u8], Command)> = vec![
            (b"USER mrose\r\n", Command::User(Arg::try_from("mrose").unwrap())),
            (b"PASS secret with spaces \r\n", Command::Pass(Arg::try_from("secret with spaces ").unwrap())),
            (b"PASS \r\n", Command::Pass(Arg::default())),
            (
                b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n",
                Command::Apop {
                    name: Arg::try_from("mrose").unwrap(),
                    digest: Arg::try_from("c4c9334bac560ecc979e58001b3e22fb").unwrap(),
                },
            ),
            (b"STAT\r\n", Command::Stat),
            (b"LIST\r\n", Command::List(None)),
            (b"LIST 2\r\n", Command::List(Some(n(2)))),
            (b"RETR 1\r\n", Command::Retr(n(1))),
            (b"DELE 4294967295\r\n", Command::Dele(n(u32::MAX))),
            (b"NOOP\r\n", Command::Noop),
            (b"RSET\r\n", Command::Rset),
            (b"QUIT\r\n", Command::Quit),
            (b"TOP 1 10\r\n", Command::Top { message: n(1), lines: 10 }),
            (b"TOP 1 0\r\n", Command::Top { message: n(1), lines: 0 }),
            (b"UIDL\r\n", Command::Uidl(None)),
            (b"UIDL 3\r\n", Command::Uidl(Some(n(3)))),
            (b"CAPA\r\n", Command::Capa),
            (b"STLS\r\n", Command::Stls),
            (
                b"AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\n",
                Command::Auth {
                    mechanism: Some(Arg::try_from("PLAIN").unwrap()),
                    initial_response: Some(Bytes::from_static(b"test\0test\0test")),
                },
            ),
            (
                b"AUTH EXTERNAL =\r\n",
                Command::Auth {
                    mechanism: Some(Arg::try_from("EXTERNAL").unwrap()),
                    initial_response: Some(Bytes::new()),
                },
            ),
            (b"AUTH\r\n", Command::Auth { mechanism: None, initial_response: None }),
            (b"UTF8\r\n", Command::Utf8),
            (b"LANG\r\n", Command::Lang(None)),
            (b"LANG es\r\n", Command::Lang(Some(Arg::try_from("es").unwrap()))),
            (b"stat\n", Command::Stat),
            (
                b"XTND XMIT\r\n",
                Command::Other {
                    keyword: Arg::try_from("XTND").unwrap(),
                    arguments: Some(Arg::try_from("XMIT").unwrap()),
                },
            ),
        ];
        for (line, cmd) in cases {
            assert_eq!(Command::parse(line).as_ref(), Ok(&cmd), "{:?}", String::from_utf8_lossy(line));
            assert_eq!(Command::parse(&cmd.to_bytes()).as_ref(), Ok(&cmd));
        }
    }

    #[test]
    fn bad_message_numbers() {
        let kind = |l: &[u8]| Command::parse(l).unwrap_err().kind;
        assert_eq!(kind(b"RETR 0\r\n"), ParseErrorKind::Invalid("message number 0"));
        assert_eq!(kind(b"RETR 4294967296\r\n"), ParseErrorKind::NumberOverflow("u32"));
        assert_eq!(kind(b"DELE 1 2\r\n"), ParseErrorKind::Invalid("noise after the arguments"));
        assert_eq!(kind(b"LIST 1 x\r\n"), ParseErrorKind::Invalid("noise after the message number"));
        assert_eq!(kind(b"RETR 1x\r\n"), ParseErrorKind::Expected("a digit"));
        assert_eq!(kind(b"RETR\r\n"), ParseErrorKind::Expected("an argument"));
        assert_eq!(kind(b"STAT 1\r\n"), ParseErrorKind::Invalid("noise after the command"));
        assert_eq!(kind(b"RETR -1\r\n"), ParseErrorKind::Expected("a digit"));
        assert!(Command::parse(b"APOP mrose nothex\r\n").is_err());
        assert!(Command::parse(b"AUTH PLAIN !!!\r\n").is_err());
        assert!(Command::parse(b"\r\n").is_err());
        assert!(Command::parse(b"NOOP").is_err());
    }

    #[test]
    fn status_lines_and_codes() {
        let l = StatusLine::parse(b"-ERR [SYS/TEMP/DISK] full\r\n").unwrap();
        assert_eq!(
            l.code,
            Some(ResponseCode { kind: CodeKind::SysTemp, sublevels: vec![Arg::try_from("DISK").unwrap()] })
        );
        assert_eq!(l.to_bytes(), &b"-ERR [SYS/TEMP/DISK] full\r\n"[..]);
        for (code, kind) in [
            ("IN-USE", CodeKind::InUse),
            ("LOGIN-DELAY", CodeKind::LoginDelay),
            ("SYS/PERM", CodeKind::SysPerm),
            ("SYS/OTHER", CodeKind::Sys),
            ("AUTH", CodeKind::Auth),
            ("UTF8", CodeKind::Utf8),
            ("X-FOO/BAR", CodeKind::Other(Arg::try_from("X-FOO").unwrap())),
        ] {
            let line = format!("-ERR [{code}] x\r\n");
            let parsed = StatusLine::parse(line.as_bytes()).unwrap();
            assert_eq!(parsed.code.as_ref().unwrap().kind, kind, "{code}");
            assert_eq!(parsed.to_bytes(), line.as_bytes());
        }
        assert_eq!(StatusLine::parse(b"+OK\r\n").unwrap(), StatusLine::ok("").unwrap());
        assert_eq!(StatusLine::parse(b"-ERR [] x\r\n").unwrap().code, None);
        assert_eq!(StatusLine::parse(b"-ERR [a b] x\r\n").unwrap().text.as_str(), Some("[a b] x"));
        assert!(StatusLine::parse(b"+OKAY\r\n").is_err());
        let g = StatusLine::parse(b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n").unwrap();
        assert_eq!(g.apop_timestamp(), Some("<1896.697170952@dbc.mtview.ca.us>"));
        assert_eq!(StatusLine::parse(b"+OK Dovecot ready.\r\n").unwrap().apop_timestamp(), None);
    }

    #[test]
    fn listings_tolerate_extra_spaces_and_trailing_text() {
        assert_eq!(ScanListing::parse_text(b"1  120 extra").unwrap(), ScanListing { message: n(1), octets: 120 });
        assert_eq!(
            UniqueIdListing::parse_text(b" 2 QhdPYR:00WBw1Ph7x7 ").unwrap().uid.as_str(),
            Some("QhdPYR:00WBw1Ph7x7")
        );
        assert!(ScanListing::parse_text(b"0 120").is_err());
        assert!(ScanListing::parse_text(b"1").is_err());
        assert!(UniqueIdListing::parse_text(&[b"1 ".as_slice(), &[b'u'; 71]].concat()).is_err());
        assert_eq!(
            Language::parse_text(b"en-boont English Boontling dialect").unwrap().description.as_str(),
            Some("English Boontling dialect")
        );
    }

    #[test]
    fn capabilities() {
        let cases: Vec<(&[u8], Capability)> = vec![
            (b"TOP", Capability::Top),
            (b"USER", Capability::User),
            (
                b"SASL PLAIN LOGIN",
                Capability::Sasl(vec![Arg::try_from("PLAIN").unwrap(), Arg::try_from("LOGIN").unwrap()]),
            ),
            (b"RESP-CODES", Capability::RespCodes),
            (b"LOGIN-DELAY 900", Capability::LoginDelay { seconds: 900, per_user: false }),
            (b"LOGIN-DELAY 0 USER", Capability::LoginDelay { seconds: 0, per_user: true }),
            (b"PIPELINING", Capability::Pipelining),
            (b"EXPIRE NEVER", Capability::Expire { days: None, per_user: false }),
            (b"EXPIRE 60 USER", Capability::Expire { days: Some(60), per_user: true }),
            (b"UIDL", Capability::Uidl),
            (
                b"IMPLEMENTATION Shlemazle-Plotz-v302",
                Capability::Implementation(Arg::try_from("Shlemazle-Plotz-v302").unwrap()),
            ),
            (b"STLS", Capability::Stls),
            (b"UTF8", Capability::Utf8 { user: false }),
            (b"UTF8 USER", Capability::Utf8 { user: true }),
            (b"LANG", Capability::Lang),
            (
                b"X-FOO a b",
                Capability::Other {
                    tag: Arg::try_from("X-FOO").unwrap(),
                    parameters: vec![Arg::try_from("a").unwrap(), Arg::try_from("b").unwrap()],
                },
            ),
            (
                b"EXPIRE soon",
                Capability::Other {
                    tag: Arg::try_from("EXPIRE").unwrap(),
                    parameters: vec![Arg::try_from("soon").unwrap()],
                },
            ),
        ];
        for (line, cap) in cases {
            assert_eq!(Capability::parse_text(line).as_ref(), Ok(&cap), "{:?}", String::from_utf8_lossy(line));
            let mut wire = cap.to_bytes();
            wire.truncate(wire.len() - 2);
            assert_eq!(Capability::parse_text(&wire).as_ref(), Ok(&cap));
        }
    }
}
