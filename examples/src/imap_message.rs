//! What the IMAP server computes from a stored message: ENVELOPE,
//! BODYSTRUCTURE, the bytes of any `BODY[section]`, and the text SEARCH
//! looks in. The MIME structure comes from mail-parser (part boundaries
//! and header offsets); this module only maps it onto RFC 3501's part
//! numbers and response types.
//!
//! Messages are handled with CRLF line ends ([`to_crlf`]), which is what
//! IMAP sizes and sections count.

use std::borrow::Cow;

use imap_wire::{
    Address, BodyFields, BodyStructure, Disposition, DispositionExtension, Envelope, IString, LanguageExtension,
    LocationExtension, MultiPartExtension, NString, Section, SectionText, SinglePart, SinglePartExtension,
    SinglePartKind,
};
use mail_parser::{HeaderValue, Message, MessageParser, MessagePart, PartType};

/// `data` with every bare LF turned into CRLF (borrowed when there is
/// none).
pub fn to_crlf(data: &[u8]) -> Cow<'_, [u8]> {
    let bare = data.iter().enumerate().any(|(i, &b)| b == b'\n' && (i == 0 || data[i - 1] != b'\r'));
    if !bare {
        return Cow::Borrowed(data);
    }
    let mut out = Vec::with_capacity(data.len() + data.len() / 32);
    let mut last = 0u8;
    for &b in data {
        if b == b'\n' && last != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        last = b;
    }
    Cow::Owned(out)
}

/// A parsed message (CRLF line ends).
pub struct Parsed<'a> {
    raw: &'a [u8],
    message: Message<'a>,
}

impl std::fmt::Debug for Parsed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parsed").field("size", &self.raw.len()).field("parts", &self.message.parts.len()).finish()
    }
}

/// Where a section's bytes are: a part of the message tree.
#[derive(Clone, Copy)]
struct Node<'m, 'a> {
    /// The message the part belongs to (the top one or an encapsulated
    /// one).
    message: &'m Message<'a>,
    part: &'m MessagePart<'a>,
    /// The part is the root of its message (its header is the message
    /// header).
    root: bool,
}

impl<'a> Parsed<'a> {
    /// Parses `raw` (CRLF line ends). A message mail-parser cannot read at
    /// all is treated as a header-less text body.
    pub fn new(raw: &'a [u8]) -> Parsed<'a> {
        let message = MessageParser::default().parse(raw).unwrap_or_else(|| Message {
            parts: vec![MessagePart {
                body: PartType::Text(Cow::Borrowed("")),
                offset_header: 0,
                offset_body: 0,
                offset_end: raw.len() as u32,
                ..MessagePart::default()
            }],
            raw_message: Cow::Borrowed(raw),
            ..Message::default()
        });
        Parsed { raw, message }
    }

    fn slice(&self, from: u32, to: u32) -> &'a [u8] {
        let (from, to) = (from as usize, to as usize);
        self.raw.get(from.min(to)..to.min(self.raw.len())).unwrap_or_default()
    }

    fn top(&self) -> Node<'_, 'a> {
        Node { message: &self.message, part: &self.message.parts[0], root: true }
    }

    /// The part a section's part numbers name, as RFC 3501 6.4.5 numbers
    /// them.
    fn node(&self, path: &[std::num::NonZeroU32]) -> Option<Node<'_, 'a>> {
        let mut node = self.top();
        for n in path {
            let index = n.get() as usize - 1;
            node = match &node.part.body {
                PartType::Multipart(children) => {
                    let id = *children.get(index)?;
                    Node { message: node.message, part: node.message.parts.get(id as usize)?, root: false }
                }
                PartType::Message(inner) if !node.root => {
                    let inner_root = inner.parts.first()?;
                    match &inner_root.body {
                        PartType::Multipart(children) => {
                            let id = *children.get(index)?;
                            Node { message: inner, part: inner.parts.get(id as usize)?, root: false }
                        }
                        // The body of an encapsulated non-multipart message
                        // is its part 1.
                        _ if index == 0 => Node { message: inner, part: inner_root, root: false },
                        _ => return None,
                    }
                }
                _ if index == 0 && node.root => Node { root: false, ..node },
                _ => return None,
            };
        }
        Some(node)
    }

    /// The bytes of `BODY[section]` (before any partial), or `None` when the
    /// message has no such part.
    pub fn section(&self, section: &Section) -> Option<Vec<u8>> {
        let node = self.node(&section.part)?;
        let header_of = |node: Node<'_, 'a>| -> Option<(u32, u32, u32)> {
            // HEADER and TEXT of a part name the encapsulated message's.
            if section.part.is_empty() {
                return Some((node.part.offset_header, node.part.offset_body, self.raw.len() as u32));
            }
            match &node.part.body {
                PartType::Message(inner) => {
                    // TEXT runs to the end of the encapsulated message
                    // (an epilogue included).
                    let root = inner.parts.first()?;
                    Some((root.offset_header, root.offset_body, node.part.offset_end))
                }
                _ => None,
            }
        };
        match &section.text {
            None if section.part.is_empty() => Some(self.raw.to_vec()),
            None => Some(self.slice(node.part.offset_body, node.part.offset_end).to_vec()),
            Some(SectionText::Mime) => {
                if section.part.is_empty() {
                    return None;
                }
                Some(self.slice(node.part.offset_header, node.part.offset_body).to_vec())
            }
            Some(SectionText::Header) => {
                let (h, b, _) = header_of(node)?;
                Some(self.slice(h, b).to_vec())
            }
            Some(SectionText::Text) => {
                let (_, b, e) = header_of(node)?;
                Some(self.slice(b, e).to_vec())
            }
            Some(SectionText::HeaderFields { not, fields }) => {
                let (h, b, _) = header_of(node)?;
                Some(header_fields(self.slice(h, b), fields, *not))
            }
        }
    }

    /// ENVELOPE of the message.
    pub fn envelope(&self) -> Envelope {
        envelope_of(&self.message, self.slice(0, self.message.parts[0].offset_body))
    }

    /// BODYSTRUCTURE (`extensible`) or BODY of the message.
    pub fn body_structure(&self, extensible: bool) -> BodyStructure {
        self.structure(&self.message, &self.message.parts[0], extensible)
    }

    fn structure(&self, message: &Message<'a>, part: &MessagePart<'a>, ext: bool) -> BodyStructure {
        let content_type = part.headers.iter().find_map(|h| match (&h.name, &h.value) {
            (mail_parser::HeaderName::ContentType, HeaderValue::ContentType(ct)) => Some(ct),
            _ => None,
        });
        let parameters: Vec<(IString, IString)> = content_type
            .and_then(|ct| ct.attributes.as_ref())
            .map(|attrs| attrs.iter().map(|a| (istring(&a.name), istring(&a.value))).collect())
            .unwrap_or_default();
        let disposition = || -> Option<DispositionExtension> {
            let cd = part.headers.iter().find_map(|h| match (&h.name, &h.value) {
                (mail_parser::HeaderName::ContentDisposition, HeaderValue::ContentType(ct)) => Some(ct),
                _ => None,
            });
            let disposition = cd.map(|cd| Disposition {
                kind: istring(&cd.c_type),
                parameters: cd
                    .attributes
                    .as_ref()
                    .map(|attrs| attrs.iter().map(|a| (istring(&a.name), istring(&a.value))).collect())
                    .unwrap_or_default(),
            });
            let languages = raw_header(self.raw, part, "Content-Language")
                .map(|v| v.split(',').map(|l| istring(l.trim())).filter(|l| !l.is_empty()).collect())
                .unwrap_or_default();
            let location = raw_header(self.raw, part, "Content-Location").map(|v| istring(&v));
            Some(DispositionExtension {
                disposition,
                tail: Some(LanguageExtension {
                    languages,
                    tail: Some(LocationExtension { location, extensions: Vec::new() }),
                }),
            })
        };
        if let PartType::Multipart(children) = &part.body {
            let parts = children
                .iter()
                .filter_map(|id| message.parts.get(*id as usize))
                .map(|child| self.structure(message, child, ext))
                .collect();
            let subtype = content_type.and_then(|ct| ct.c_subtype.as_deref()).unwrap_or("mixed");
            return BodyStructure::Multi {
                parts,
                subtype: istring(&subtype.to_ascii_lowercase()),
                extension: ext.then(|| MultiPartExtension { parameters, tail: disposition() }),
            };
        }
        let (media_type, subtype) = match content_type {
            Some(ct) => (
                ct.c_type.to_ascii_lowercase(),
                ct.c_subtype.as_deref().map(str::to_ascii_lowercase).unwrap_or_default(),
            ),
            None => ("text".to_string(), "plain".to_string()),
        };
        let mut parameters = parameters;
        if content_type.is_none() {
            parameters.push((IString::from("charset"), IString::from("us-ascii")));
        }
        let body = self.slice(part.offset_body, part.offset_end);
        let lines = body.iter().filter(|&&b| b == b'\n').count() as u32;
        let fields = BodyFields {
            parameters,
            id: raw_header(self.raw, part, "Content-ID").map(|v| istring(&v)),
            description: raw_header(self.raw, part, "Content-Description").map(|v| istring(&v)),
            encoding: istring(
                &raw_header(self.raw, part, "Content-Transfer-Encoding")
                    .map(|v| v.to_ascii_lowercase())
                    .unwrap_or_else(|| "7bit".to_string()),
            ),
            octets: body.len() as u32,
        };
        let kind = match &part.body {
            PartType::Message(inner) if media_type == "message" => {
                let root = &inner.parts[0];
                let header = self.slice(root.offset_header, root.offset_body);
                SinglePartKind::Message {
                    subtype: istring(&subtype),
                    envelope: Box::new(envelope_of(inner, header)),
                    body: Box::new(self.structure(inner, root, ext)),
                    lines,
                }
            }
            _ if media_type == "text" => SinglePartKind::Text { subtype: istring(&subtype), lines },
            _ => SinglePartKind::Basic { media_type: istring(&media_type), subtype: istring(&subtype) },
        };
        BodyStructure::Single {
            body: SinglePart { kind, fields },
            extension: ext.then(|| SinglePartExtension {
                md5: raw_header(self.raw, part, "Content-MD5").map(|v| istring(&v)),
                tail: disposition(),
            }),
        }
    }

    /// The message header (with its blank line).
    pub fn header(&self) -> &'a [u8] {
        self.slice(0, self.message.parts[0].offset_body)
    }

    /// The message body.
    pub fn body(&self) -> &'a [u8] {
        self.slice(self.message.parts[0].offset_body, self.raw.len() as u32)
    }

    /// Every value of the header field `name` in the message header:
    /// unfolded as written, and decoded where mail-parser understands
    /// the field (RFC 2047 words, addresses).
    pub fn header_values(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for header in self.message.parts[0].headers.iter().filter(|h| h.name.as_str().eq_ignore_ascii_case(name)) {
            let raw = self.slice(header.offset_start, header.offset_end);
            out.push(unfold(raw));
            match &header.value {
                HeaderValue::Text(text) => out.push(text.to_string()),
                HeaderValue::TextList(list) => out.push(list.join(" ")),
                HeaderValue::Address(address) => {
                    for addr in address.iter() {
                        out.push(format!(
                            "{} <{}>",
                            addr.name.as_deref().unwrap_or(""),
                            addr.address.as_deref().unwrap_or("")
                        ));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The decoded text of every text part, for BODY and TEXT searches.
    pub fn body_text(&self) -> String {
        let mut out = String::new();
        for part in &self.message.parts {
            match &part.body {
                PartType::Text(text) | PartType::Html(text) => {
                    out.push_str(text);
                    out.push('\n');
                }
                _ => {}
            }
        }
        out
    }

    /// The Date header as (year, month, day), for SENTBEFORE and friends.
    pub fn sent_date(&self) -> Option<(u16, u8, u8)> {
        let date = self.message.date()?;
        Some((date.year, date.month, date.day))
    }
}

fn istring(s: &str) -> IString {
    IString::from(s)
}

/// A header field's value, unfolded and trimmed.
fn unfold(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len());
    for piece in text.split(['\r', '\n']) {
        out.push_str(piece);
    }
    out.trim().to_string()
}

/// The raw value of the first header field `name` of `part`.
fn raw_header(raw: &[u8], part: &MessagePart<'_>, name: &str) -> Option<String> {
    let header = part.headers.iter().find(|h| h.name.as_str().eq_ignore_ascii_case(name))?;
    let (from, to) = (header.offset_start as usize, header.offset_end as usize);
    raw.get(from.min(to)..to.min(raw.len())).map(unfold).filter(|v| !v.is_empty())
}

/// The lines of `header` whose field names are (or, with `not`, are not)
/// in `fields`, and the blank line.
fn header_fields(header: &[u8], fields: &[IString], not: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut keep = false;
    for line in header.split_inclusive(|&b| b == b'\n') {
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        if !matches!(line.first(), Some(b' ' | b'\t')) {
            let name = line.split(|&b| b == b':').next().unwrap_or_default();
            let name = trim_ascii(name);
            let listed = fields.iter().any(|f| f.as_ref().eq_ignore_ascii_case(name));
            keep = listed != not && line.contains(&b':');
        }
        if keep {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

fn trim_ascii(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

fn envelope_of(message: &Message<'_>, header: &[u8]) -> Envelope {
    let root = &message.parts[0];
    let raw = |name: &str| -> NString {
        let h = root.headers.iter().find(|h| h.name.as_str().eq_ignore_ascii_case(name))?;
        let value = message.raw_message.get(h.offset_start as usize..h.offset_end as usize).or_else(|| {
            // Offsets count from the top message; `header` starts there.
            let start = root.offset_header as usize;
            header.get((h.offset_start as usize).checked_sub(start)?..(h.offset_end as usize).checked_sub(start)?)
        })?;
        Some(istring(&unfold(value)))
    };
    let addresses = |name: &str| -> Vec<Address> {
        let header = root.headers.iter().find(|h| h.name.as_str().eq_ignore_ascii_case(name));
        match header.map(|h| &h.value) {
            Some(HeaderValue::Address(address)) => address_list(address),
            _ => Vec::new(),
        }
    };
    let from = addresses("From");
    let sender = addresses("Sender");
    let reply_to = addresses("Reply-To");
    Envelope {
        date: raw("Date"),
        subject: raw("Subject"),
        sender: if sender.is_empty() { from.clone() } else { sender },
        reply_to: if reply_to.is_empty() { from.clone() } else { reply_to },
        from,
        to: addresses("To"),
        cc: addresses("Cc"),
        bcc: addresses("Bcc"),
        in_reply_to: raw("In-Reply-To"),
        message_id: raw("Message-ID"),
    }
}

fn address_list(address: &mail_parser::Address<'_>) -> Vec<Address> {
    let one = |a: &mail_parser::Addr<'_>| {
        // An obsolete source route (`<@route:user@domain>`, RFC 5322 4.4)
        // comes through as part of the address: it is the envelope's adl.
        let (adl, address) = match a.address.as_deref() {
            Some(addr) if addr.starts_with('@') && addr.contains(':') => {
                let (route, rest) = addr.split_once(':').unwrap_or((addr, ""));
                (Some(istring(route)), Some(rest))
            }
            other => (None, other),
        };
        let (mailbox, host) = match address {
            Some(addr) => match addr.rsplit_once('@') {
                Some((local, host)) => (Some(istring(local)), Some(istring(host))),
                None => (Some(istring(addr)), Some(istring("MISSING_DOMAIN"))),
            },
            None => (Some(istring("MISSING_MAILBOX")), Some(istring("MISSING_DOMAIN"))),
        };
        Address { name: a.name.as_deref().filter(|n| !n.is_empty()).map(encoded_word), adl, mailbox, host }
    };
    match address {
        mail_parser::Address::List(list) => list.iter().map(one).collect(),
        mail_parser::Address::Group(groups) => {
            let mut out = Vec::new();
            for group in groups {
                match &group.name {
                    Some(name) => {
                        out.push(Address { name: None, adl: None, mailbox: Some(istring(name)), host: None });
                        // A comment alone is no member (`group: (foo) ;`).
                        out.extend(group.addresses.iter().filter(|a| a.address.is_some()).map(one));
                        out.push(Address::default());
                    }
                    None => out.extend(group.addresses.iter().map(one)),
                }
            }
            out
        }
    }
}

/// A display name as the envelope carries it: ASCII as is, anything else
/// as one RFC 2047 Q-encoded word (mail-parser hands names decoded).
fn encoded_word(name: &str) -> IString {
    if name.is_ascii() {
        return istring(name);
    }
    let mut out = String::from("=?UTF-8?Q?");
    for b in name.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'!' | b'*' | b'+' | b'-' | b'/' => out.push(b as char),
            b' ' => out.push('_'),
            _ => out.push_str(&format!("={b:02X}")),
        }
    }
    out.push_str("?=");
    istring(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;

    fn section(part: &[u32], text: Option<SectionText>) -> Section {
        Section { part: part.iter().map(|&n| NonZeroU32::new(n).unwrap()).collect(), text }
    }

    const FORWARD: &[u8] = b"From: Carol <carol@example.org>\r\nTo: a@example.org\r\nSubject: Fwd\r\nContent-Type: multipart/mixed; boundary=fwd\r\n\r\n--fwd\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n\r\n--fwd\r\nContent-Type: message/rfc822\r\n\r\nFrom: Eve <eve@example.org>\r\nSubject: Lunch\r\n\r\nLunch at noon?\r\n\r\n--fwd--\r\n";

    #[test]
    fn sections_follow_rfc3501_part_numbers() {
        let parsed = Parsed::new(FORWARD);
        assert_eq!(parsed.section(&section(&[1], None)).unwrap(), b"See below.\r\n");
        assert_eq!(
            parsed.section(&section(&[1], Some(SectionText::Mime))).unwrap(),
            b"Content-Type: text/plain\r\n\r\n"
        );
        let inner = b"From: Eve <eve@example.org>\r\nSubject: Lunch\r\n\r\nLunch at noon?\r\n";
        assert_eq!(parsed.section(&section(&[2], None)).unwrap(), inner);
        assert_eq!(parsed.section(&section(&[2], Some(SectionText::Text))).unwrap(), b"Lunch at noon?\r\n");
        assert_eq!(
            parsed.section(&section(&[2], Some(SectionText::Header))).unwrap(),
            b"From: Eve <eve@example.org>\r\nSubject: Lunch\r\n\r\n"
        );
        assert_eq!(parsed.section(&section(&[2, 1], None)).unwrap(), b"Lunch at noon?\r\n");
        assert!(parsed.section(&section(&[3], None)).is_none());
        assert!(parsed.section(&section(&[1, 1], None)).is_none());
        assert!(parsed.section(&section(&[1], Some(SectionText::Header))).is_none(), "HEADER of a text part");
        let fields = SectionText::HeaderFields { not: false, fields: vec![IString::from("subject")] };
        assert_eq!(parsed.section(&section(&[], Some(fields))).unwrap(), b"Subject: Fwd\r\n\r\n");
        let not =
            SectionText::HeaderFields { not: true, fields: vec![IString::from("SUBJECT"), "content-type".into()] };
        assert_eq!(
            parsed.section(&section(&[], Some(not))).unwrap(),
            b"From: Carol <carol@example.org>\r\nTo: a@example.org\r\n\r\n"
        );
    }

    #[test]
    fn a_single_part_message_has_part_one() {
        let raw = b"Subject: hi\r\n\r\nbody\r\n";
        let parsed = Parsed::new(raw);
        assert_eq!(parsed.section(&section(&[1], None)).unwrap(), b"body\r\n");
        assert_eq!(parsed.section(&section(&[], None)).unwrap(), raw);
        assert!(parsed.section(&section(&[2], None)).is_none());
        let BodyStructure::Single { body, .. } = parsed.body_structure(false) else { panic!() };
        assert_eq!(body.fields.octets, 6);
        assert!(matches!(body.kind, SinglePartKind::Text { lines: 1, .. }));
    }

    #[test]
    fn envelope_and_structure_of_a_forward() {
        let parsed = Parsed::new(FORWARD);
        let envelope = parsed.envelope();
        assert_eq!(envelope.subject.as_deref(), Some(&b"Fwd"[..]));
        assert_eq!(envelope.from[0].host.as_deref(), Some(&b"example.org"[..]));
        assert_eq!(envelope.sender, envelope.from, "sender defaults to from");
        let BodyStructure::Multi { parts, subtype, .. } = parsed.body_structure(true) else { panic!() };
        assert_eq!(subtype.as_ref(), b"mixed");
        let BodyStructure::Single { body, .. } = &parts[1] else { panic!() };
        let SinglePartKind::Message { envelope, .. } = &body.kind else { panic!("{body:?}") };
        assert_eq!(envelope.subject.as_deref(), Some(&b"Lunch"[..]));
        assert_eq!(to_crlf(b"a\nb\r\n").as_ref(), b"a\r\nb\r\n");
    }

    #[test]
    fn non_ascii_names_become_encoded_words() {
        assert_eq!(encoded_word("Jörg M").as_ref(), b"=?UTF-8?Q?J=C3=B6rg_M?=");
    }
}
