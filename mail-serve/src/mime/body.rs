//! BODYSTRUCTURE, BODY and ENVELOPE (RFC 3501 7.4.2) from a scanned
//! [`Structure`]. Built without recursion: parts come in pre-order, so
//! walking them backwards finds every child built before its parent.

use imap_wire::{
    Address, BodyFields, BodyStructure, Disposition, DispositionExtension, Envelope, IString, LanguageExtension,
    LocationExtension, MultiPartExtension, NString, SinglePart, SinglePartExtension, SinglePartKind,
};
use mail_parser::{HeaderValue, MessageParser};

use super::fields::Param;
use super::{EnvelopeFields, Fields, Kind, Part, Structure};

fn istring(bytes: &[u8]) -> IString {
    IString::from(bytes.to_vec())
}

fn nstring(bytes: &Option<Box<[u8]>>) -> NString {
    bytes.as_deref().map(istring)
}

fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn params(list: &[Param]) -> Vec<(IString, IString)> {
    list.iter().map(|(n, v)| (istring(n), istring(v))).collect()
}

fn disposition(fields: &Fields) -> DispositionExtension {
    DispositionExtension {
        disposition: fields
            .disposition
            .as_ref()
            .map(|(kind, list)| Disposition { kind: istring(kind), parameters: params(list) }),
        tail: Some(LanguageExtension {
            languages: fields.language.iter().map(|l| istring(l)).collect(),
            tail: Some(LocationExtension { location: nstring(&fields.location), extensions: Vec::new() }),
        }),
    }
}

fn body_fields(part: &Part) -> BodyFields {
    let f = &part.fields;
    let mut parameters = params(&f.params);
    if !f.explicit_type && &*f.media_type == b"text" {
        parameters.push((IString::from("charset"), IString::from("us-ascii")));
    }
    BodyFields {
        parameters,
        id: nstring(&f.id),
        description: nstring(&f.description),
        encoding: f.encoding.as_deref().map_or_else(|| IString::from("7bit"), istring),
        octets: clamp(part.body().end - part.body().start),
    }
}

/// BODYSTRUCTURE (`extensible`) or BODY of the message.
pub fn body_structure(structure: &Structure, extensible: bool) -> BodyStructure {
    let count = structure.part_count();
    let mut built: Vec<Option<BodyStructure>> = vec![None; count];
    for index in (0..count as u32).rev() {
        let part = structure.part(index);
        let f = &part.fields;
        let single_ext = || SinglePartExtension { md5: nstring(&f.md5), tail: Some(disposition(f)) };
        let mut children = structure.children(index).filter_map(|c| built[c as usize].take());
        let value = match part.kind() {
            Kind::Multipart => {
                let parts: Vec<BodyStructure> = children.collect();
                if parts.is_empty() {
                    // No part found (no boundary line): one empty text part.
                    BodyStructure::Single {
                        body: SinglePart {
                            kind: SinglePartKind::Text { subtype: IString::from("plain"), lines: 0 },
                            fields: BodyFields { encoding: IString::from("7bit"), ..BodyFields::default() },
                        },
                        extension: None,
                    }
                } else {
                    BodyStructure::Multi {
                        parts,
                        subtype: istring(&f.subtype),
                        extension: extensible
                            .then(|| MultiPartExtension { parameters: params(&f.params), tail: Some(disposition(f)) }),
                    }
                }
            }
            Kind::Message => {
                let inner_index = structure.children(index).next();
                let inner_body = children.next().unwrap_or_else(|| empty_text(extensible));
                let envelope = inner_index
                    .and_then(|i| structure.part(i).fields.envelope.as_deref())
                    .map(envelope)
                    .unwrap_or_default();
                BodyStructure::Single {
                    body: SinglePart {
                        kind: SinglePartKind::Message {
                            subtype: istring(&f.subtype),
                            envelope: Box::new(envelope),
                            body: Box::new(inner_body),
                            lines: clamp(part.body_lines()),
                        },
                        fields: body_fields(part),
                    },
                    extension: extensible.then(single_ext),
                }
            }
            Kind::Text => BodyStructure::Single {
                body: SinglePart {
                    kind: SinglePartKind::Text { subtype: istring(&f.subtype), lines: clamp(part.body_lines()) },
                    fields: body_fields(part),
                },
                extension: extensible.then(single_ext),
            },
            Kind::Basic => BodyStructure::Single {
                body: SinglePart {
                    kind: SinglePartKind::Basic { media_type: istring(&f.media_type), subtype: istring(&f.subtype) },
                    fields: body_fields(part),
                },
                extension: extensible.then(single_ext),
            },
            Kind::Opaque => BodyStructure::Single {
                body: SinglePart {
                    kind: SinglePartKind::Basic {
                        media_type: IString::from("application"),
                        subtype: IString::from("octet-stream"),
                    },
                    fields: BodyFields { parameters: Vec::new(), ..body_fields(part) },
                },
                extension: extensible.then(single_ext),
            },
        };
        built[index as usize] = Some(value);
    }
    built[0].take().unwrap_or_else(|| empty_text(extensible))
}

fn empty_text(extensible: bool) -> BodyStructure {
    let part = Part::new(None, 0, 0, 0);
    BodyStructure::Single {
        body: SinglePart {
            kind: SinglePartKind::Text { subtype: IString::from("plain"), lines: 0 },
            fields: body_fields(&part),
        },
        extension: extensible.then(|| SinglePartExtension { md5: None, tail: Some(disposition(&part.fields)) }),
    }
}

/// The ENVELOPE of the message.
pub fn message_envelope(structure: &Structure) -> Envelope {
    structure.root().fields.envelope.as_deref().map(envelope).unwrap_or_default()
}

/// An ENVELOPE from the raw fields.
pub fn envelope(fields: &EnvelopeFields) -> Envelope {
    let from = addresses(&fields.from);
    let sender = addresses(&fields.sender);
    let reply_to = addresses(&fields.reply_to);
    Envelope {
        date: nstring(&fields.date),
        subject: nstring(&fields.subject),
        sender: if sender.is_empty() { from.clone() } else { sender },
        reply_to: if reply_to.is_empty() { from.clone() } else { reply_to },
        from,
        to: addresses(&fields.to),
        cc: addresses(&fields.cc),
        bcc: addresses(&fields.bcc),
        in_reply_to: nstring(&fields.in_reply_to),
        message_id: nstring(&fields.message_id),
    }
}

/// An address list field as ENVELOPE address structures (RFC 3501 7.4.2;
/// groups as start and end markers).
fn addresses(value: &Option<Box<[u8]>>) -> Vec<Address> {
    let Some(value) = value else { return Vec::new() };
    let mut header = b"To: ".to_vec();
    header.extend_from_slice(value);
    header.extend_from_slice(b"\r\n\r\n");
    let Some(message) = MessageParser::new().parse_headers(&header) else { return Vec::new() };
    let Some(HeaderValue::Address(address)) = message.header("To") else { return Vec::new() };
    address_list(address)
}

fn address_list(address: &mail_parser::Address<'_>) -> Vec<Address> {
    let text = |s: &str| IString::from(s.as_bytes().to_vec());
    let one = |a: &mail_parser::Addr<'_>| {
        // An obsolete source route (`<@route:user@domain>`, RFC 5322 4.4)
        // comes through as part of the address: it is the envelope's adl.
        let (adl, address) = match a.address.as_deref() {
            Some(addr) if addr.starts_with('@') && addr.contains(':') => {
                let (route, rest) = addr.split_once(':').unwrap_or((addr, ""));
                (Some(text(route)), Some(rest))
            }
            other => (None, other),
        };
        let (mailbox, host) = match address {
            Some(addr) => match addr.rsplit_once('@') {
                Some((local, host)) => (Some(text(local)), Some(text(host))),
                None => (Some(text(addr)), Some(text("MISSING_DOMAIN"))),
            },
            None => (Some(text("MISSING_MAILBOX")), Some(text("MISSING_DOMAIN"))),
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
                        out.push(Address { name: None, adl: None, mailbox: Some(text(name)), host: None });
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
        return IString::from(name.as_bytes().to_vec());
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
    IString::from(out.into_bytes())
}
