//! The serializer: every value into its wire form, CRLF included.

use crate::types::*;

fn push_arg(out: &mut Vec<u8>, a: &Arg) {
    out.extend_from_slice(a.as_bytes());
}

impl Command {
    /// The wire form.
    ///
    /// ```
    /// use pop3_proto::Command;
    /// assert_eq!(Command::Top { message: 1.try_into().unwrap(), lines: 0 }.to_bytes(), b"TOP 1 0\r\n");
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32);
        out.extend_from_slice(self.keyword().as_bytes());
        let arg = |out: &mut Vec<u8>, bytes: &[u8]| {
            out.push(b' ');
            out.extend_from_slice(bytes);
        };
        match self {
            Command::User(a) | Command::Pass(a) => arg(&mut out, a.as_bytes()),
            Command::Apop { name, digest } => {
                arg(&mut out, name.as_bytes());
                arg(&mut out, digest.as_bytes());
            }
            Command::List(Some(n)) | Command::Uidl(Some(n)) | Command::Retr(n) | Command::Dele(n) => {
                arg(&mut out, n.to_string().as_bytes())
            }
            Command::Top { message, lines } => {
                arg(&mut out, message.to_string().as_bytes());
                arg(&mut out, lines.to_string().as_bytes());
            }
            Command::Auth { mechanism: Some(m), initial_response } => {
                arg(&mut out, m.as_bytes());
                match initial_response {
                    Some(ir) if ir.is_empty() => arg(&mut out, b"="),
                    Some(ir) => arg(&mut out, crate::base64::encode(ir).as_bytes()),
                    None => {}
                }
            }
            Command::Lang(Some(tag)) => arg(&mut out, tag.as_bytes()),
            Command::Other { arguments: Some(a), .. } => arg(&mut out, a.as_bytes()),
            _ => {}
        }
        out.extend_from_slice(b"\r\n");
        out
    }
}

impl StatusLine {
    /// The wire form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.text.as_bytes().len() + 16);
        out.extend_from_slice(match self.status {
            Status::Ok => b"+OK",
            Status::Err => b"-ERR",
        });
        if let Some(code) = &self.code {
            out.extend_from_slice(b" [");
            for (i, level) in code.levels().iter().enumerate() {
                if i > 0 {
                    out.push(b'/');
                }
                out.extend_from_slice(level);
            }
            out.push(b']');
        }
        if !self.text.is_empty() {
            out.push(b' ');
            push_arg(&mut out, &self.text);
        }
        out.extend_from_slice(b"\r\n");
        out
    }
}

impl ScanListing {
    /// `msg octets` CRLF
    pub fn to_bytes(&self) -> Vec<u8> {
        format!("{} {}\r\n", self.message, self.octets).into_bytes()
    }
}

impl UniqueIdListing {
    /// `msg uid` CRLF
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("{} ", self.message).into_bytes();
        push_arg(&mut out, &self.uid);
        out.extend_from_slice(b"\r\n");
        out
    }
}

impl Language {
    /// `tag description` CRLF
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.tag.as_bytes().to_vec();
        if !self.description.is_empty() {
            out.push(b' ');
            push_arg(&mut out, &self.description);
        }
        out.extend_from_slice(b"\r\n");
        out
    }
}

impl Capability {
    /// The capability line, CRLF included.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(24);
        let flag = |b: bool, s: &str| if b { format!(" {s}") } else { String::new() };
        match self {
            Capability::Top => out.extend_from_slice(b"TOP"),
            Capability::User => out.extend_from_slice(b"USER"),
            Capability::RespCodes => out.extend_from_slice(b"RESP-CODES"),
            Capability::Pipelining => out.extend_from_slice(b"PIPELINING"),
            Capability::Uidl => out.extend_from_slice(b"UIDL"),
            Capability::Stls => out.extend_from_slice(b"STLS"),
            Capability::Lang => out.extend_from_slice(b"LANG"),
            Capability::Utf8 { user } => out.extend_from_slice(format!("UTF8{}", flag(*user, "USER")).as_bytes()),
            Capability::LoginDelay { seconds, per_user } => {
                out.extend_from_slice(format!("LOGIN-DELAY {seconds}{}", flag(*per_user, "USER")).as_bytes())
            }
            Capability::Expire { days, per_user } => {
                let days = days.map_or("NEVER".to_string(), |d| d.to_string());
                out.extend_from_slice(format!("EXPIRE {days}{}", flag(*per_user, "USER")).as_bytes())
            }
            Capability::Sasl(mechs) => {
                out.extend_from_slice(b"SASL");
                for m in mechs {
                    out.push(b' ');
                    push_arg(&mut out, m);
                }
            }
            Capability::Implementation(text) => {
                out.extend_from_slice(b"IMPLEMENTATION ");
                push_arg(&mut out, text);
            }
            Capability::Other { tag, parameters } => {
                push_arg(&mut out, tag);
                for p in parameters {
                    out.push(b' ');
                    push_arg(&mut out, p);
                }
            }
        }
        out.extend_from_slice(b"\r\n");
        out
    }
}
