//! The serializer: every value into its wire form, CRLF included, through
//! one trait, [`Encode`] (the same shape as `imap_wire::Encode`).

use bytes::{BufMut, Bytes, BytesMut};

use crate::types::*;

/// Something with a wire form.
///
/// ```
/// use pop3_wire::{Command, Encode};
/// assert_eq!(Command::Top { message: 1.try_into().unwrap(), lines: 0 }.to_bytes(), &b"TOP 1 0\r\n"[..]);
/// ```
pub trait Encode {
    /// Appends the wire form to `out`.
    fn encode_to(&self, out: &mut BytesMut);

    /// The wire form.
    fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::new();
        self.encode_to(&mut out);
        out.freeze()
    }
}

fn number(out: &mut BytesMut, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

fn sp_arg(out: &mut BytesMut, bytes: &[u8]) {
    out.put_u8(b' ');
    out.extend_from_slice(bytes);
}

fn sp_number(out: &mut BytesMut, n: u64) {
    out.put_u8(b' ');
    number(out, n);
}

fn crlf(out: &mut BytesMut) {
    out.extend_from_slice(b"\r\n");
}

impl Encode for Command {
    fn encode_to(&self, out: &mut BytesMut) {
        out.extend_from_slice(self.keyword().as_bytes());
        match self {
            Command::User(a) | Command::Pass(a) => sp_arg(out, a.as_bytes()),
            Command::Apop { name, digest } => {
                sp_arg(out, name.as_bytes());
                sp_arg(out, digest.as_bytes());
            }
            Command::List(Some(n)) | Command::Uidl(Some(n)) | Command::Retr(n) | Command::Dele(n) => {
                sp_number(out, n.get().into())
            }
            Command::Top { message, lines } => {
                sp_number(out, message.get().into());
                sp_number(out, (*lines).into());
            }
            Command::Auth { mechanism: Some(m), initial_response } => {
                sp_arg(out, m.as_bytes());
                match initial_response {
                    Some(ir) if ir.is_empty() => sp_arg(out, b"="),
                    Some(ir) => sp_arg(out, crate::base64::encode(ir).as_bytes()),
                    None => {}
                }
            }
            Command::Lang(Some(tag)) => sp_arg(out, tag.as_bytes()),
            Command::Other { arguments: Some(a), .. } => sp_arg(out, a.as_bytes()),
            _ => {}
        }
        crlf(out);
    }
}

impl Encode for StatusLine {
    fn encode_to(&self, out: &mut BytesMut) {
        out.extend_from_slice(match self.status {
            Status::Ok => b"+OK",
            Status::Err => b"-ERR",
        });
        if let Some(code) = &self.code {
            out.extend_from_slice(b" [");
            for (i, level) in code.levels().iter().enumerate() {
                if i > 0 {
                    out.put_u8(b'/');
                }
                out.extend_from_slice(level);
            }
            out.put_u8(b']');
        }
        if !self.text.is_empty() {
            sp_arg(out, self.text.as_bytes());
        }
        crlf(out);
    }
}

impl Encode for DropListing {
    /// `count SP octets` CRLF: the text of `+OK` to STAT.
    fn encode_to(&self, out: &mut BytesMut) {
        number(out, self.messages.into());
        sp_number(out, self.octets);
        crlf(out);
    }
}

impl Encode for ScanListing {
    /// `msg SP octets` CRLF
    fn encode_to(&self, out: &mut BytesMut) {
        number(out, self.message.get().into());
        sp_number(out, self.octets);
        crlf(out);
    }
}

impl Encode for UniqueIdListing {
    /// `msg SP uid` CRLF
    fn encode_to(&self, out: &mut BytesMut) {
        number(out, self.message.get().into());
        sp_arg(out, self.uid.as_bytes());
        crlf(out);
    }
}

impl Encode for Language {
    /// `tag [SP description]` CRLF
    fn encode_to(&self, out: &mut BytesMut) {
        out.extend_from_slice(self.tag.as_bytes());
        if !self.description.is_empty() {
            sp_arg(out, self.description.as_bytes());
        }
        crlf(out);
    }
}

impl Encode for Capability {
    /// The capability line, CRLF included.
    fn encode_to(&self, out: &mut BytesMut) {
        let user = |out: &mut BytesMut, b: bool| {
            if b {
                out.extend_from_slice(b" USER");
            }
        };
        match self {
            Capability::Top => out.extend_from_slice(b"TOP"),
            Capability::User => out.extend_from_slice(b"USER"),
            Capability::RespCodes => out.extend_from_slice(b"RESP-CODES"),
            Capability::Pipelining => out.extend_from_slice(b"PIPELINING"),
            Capability::Uidl => out.extend_from_slice(b"UIDL"),
            Capability::Stls => out.extend_from_slice(b"STLS"),
            Capability::Lang => out.extend_from_slice(b"LANG"),
            Capability::Utf8 { user: u } => {
                out.extend_from_slice(b"UTF8");
                user(out, *u);
            }
            Capability::LoginDelay { seconds, per_user } => {
                out.extend_from_slice(b"LOGIN-DELAY");
                sp_number(out, (*seconds).into());
                user(out, *per_user);
            }
            Capability::Expire { days, per_user } => {
                out.extend_from_slice(b"EXPIRE");
                match days {
                    Some(d) => sp_number(out, (*d).into()),
                    None => sp_arg(out, b"NEVER"),
                }
                user(out, *per_user);
            }
            Capability::Sasl(mechs) => {
                out.extend_from_slice(b"SASL");
                for m in mechs {
                    sp_arg(out, m.as_bytes());
                }
            }
            Capability::Implementation(text) => {
                out.extend_from_slice(b"IMPLEMENTATION");
                sp_arg(out, text.as_bytes());
            }
            Capability::Other { tag, parameters } => {
                out.extend_from_slice(tag.as_bytes());
                for p in parameters {
                    sp_arg(out, p.as_bytes());
                }
            }
        }
        crlf(out);
    }
}
