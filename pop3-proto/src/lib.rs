//! Sans-IO POP3 (RFC 1939, with RFC 2449 extended response codes): the
//! status line of every reply.
//!
//! This crate grows into the full POP3 grammar and the client and server
//! state machines; today it parses and writes the `+OK` / `-ERR` status
//! line that starts every POP3 reply.
//!
//! ```
//! use pop3_proto::{StatusLine, Status};
//! let line = StatusLine::parse(b"-ERR [IN-USE] mailbox locked\r\n").unwrap();
//! assert_eq!(line.status, Status::Err);
//! assert_eq!(line.code.as_deref(), Some("IN-USE"));
//! assert_eq!(line.text, "mailbox locked");
//! assert_eq!(line.to_bytes(), b"-ERR [IN-USE] mailbox locked\r\n");
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// `+OK` or `-ERR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `+OK`
    Ok,
    /// `-ERR`
    Err,
}

/// The first line of a POP3 reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    /// The status indicator.
    pub status: Status,
    /// An RFC 2449 extended response code such as `IN-USE` or `SYS/TEMP`
    /// (without brackets).
    pub code: Option<String>,
    /// The text after the indicator and code (may be empty).
    pub text: String,
}

/// Why a status line did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{expected} expected at byte {offset}")]
pub struct ParseError {
    /// Where the problem is.
    pub offset: usize,
    /// What was required there.
    pub expected: &'static str,
}

impl StatusLine {
    /// Parses one status line, CRLF (or a bare LF) included. A bare `+OK`
    /// is accepted; the status keyword is case-insensitive.
    pub fn parse(line: &[u8]) -> Result<StatusLine, ParseError> {
        let body = line
            .strip_suffix(b"\r\n")
            .or_else(|| line.strip_suffix(b"\n"))
            .ok_or(ParseError { offset: line.len(), expected: "CRLF" })?;
        if let Some(offset) = body.iter().position(|&b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(ParseError { offset, expected: "text without CR, LF or NUL" });
        }
        let (status, rest) = if body.len() >= 3 && body[..3].eq_ignore_ascii_case(b"+OK") {
            (Status::Ok, &body[3..])
        } else if body.len() >= 4 && body[..4].eq_ignore_ascii_case(b"-ERR") {
            (Status::Err, &body[4..])
        } else {
            return Err(ParseError { offset: 0, expected: "+OK or -ERR" });
        };
        let skip = body.len() - rest.len();
        let rest = match rest.first() {
            None => &[][..],
            Some(b' ') => &rest[1..],
            Some(_) => return Err(ParseError { offset: skip, expected: "SP or CRLF" }),
        };
        let (code, text) =
            match rest.strip_prefix(b"[").and_then(|r| r.iter().position(|&b| b == b']').map(|end| (r, end))) {
                Some((r, end)) if end > 0 && r[..end].iter().all(|&b| b.is_ascii_graphic() && b != b'[') => {
                    let text = r[end + 1..].strip_prefix(b" ").unwrap_or(&r[end + 1..]);
                    (Some(String::from_utf8_lossy(&r[..end]).into_owned()), text)
                }
                _ => (None, rest),
            };
        Ok(StatusLine { status, code, text: String::from_utf8_lossy(text).into_owned() })
    }

    /// The wire form, CRLF included. Line breaks in `text` or `code` are
    /// replaced by spaces so the line stays one line.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.text.len() + 16);
        out.extend_from_slice(match self.status {
            Status::Ok => b"+OK",
            Status::Err => b"-ERR",
        });
        let clean =
            |s: &str| s.bytes().map(|b| if matches!(b, b'\r' | b'\n' | 0) { b' ' } else { b }).collect::<Vec<u8>>();
        if let Some(code) = &self.code {
            out.extend_from_slice(b" [");
            out.extend(clean(code).into_iter().filter(|&b| b != b']'));
            out.push(b']');
        }
        if !self.text.is_empty() {
            out.push(b' ');
            out.extend(clean(&self.text));
        }
        out.extend_from_slice(b"\r\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1939_and_2449_status_lines() {
        let ok = StatusLine::parse(b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n").unwrap();
        assert_eq!(
            (ok.status, ok.code, ok.text.as_str()),
            (Status::Ok, None, "POP3 server ready <1896.697170952@dbc.mtview.ca.us>")
        );
        assert_eq!(StatusLine::parse(b"+OK\r\n").unwrap().text, "");
        assert_eq!(StatusLine::parse(b"-ERR [SYS/TEMP] try later\r\n").unwrap().code.as_deref(), Some("SYS/TEMP"));
        assert_eq!(StatusLine::parse(b"+ok fine\n").unwrap().status, Status::Ok);
        assert_eq!(StatusLine::parse(b"-ERR [not a code here\r\n").unwrap().code, None);
        assert!(StatusLine::parse(b"+OKAY\r\n").is_err());
        assert!(StatusLine::parse(b"HELLO\r\n").is_err());
        assert!(StatusLine::parse(b"+OK no line end").is_err());
    }

    #[test]
    fn writes_parse_back() {
        for line in [&b"+OK\r\n"[..], b"-ERR [AUTH] Authentication failed.\r\n", b"+OK 2 320\r\n"] {
            assert_eq!(StatusLine::parse(line).unwrap().to_bytes(), line);
        }
    }
}
