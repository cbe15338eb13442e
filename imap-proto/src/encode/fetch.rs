//! FETCH: `fetch-att`, `msg-att`, `section`, `section-spec`, `header-list`.

use super::{Encode, Encoder};
use crate::types::*;

impl Encode for Section {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.byte(b'[');
        for (i, p) in self.part.iter().enumerate() {
            if i > 0 {
                e.byte(b'.');
            }
            e.number(p.get() as u64);
        }
        if let Some(text) = &self.text {
            if !self.part.is_empty() {
                e.byte(b'.');
            }
            match text {
                SectionText::Header => e.raw(b"HEADER"),
                SectionText::Text => e.raw(b"TEXT"),
                // MIME needs part numbers; at the top level the part's own
                // header is the message header.
                SectionText::Mime if self.part.is_empty() => e.raw(b"HEADER"),
                SectionText::Mime => e.raw(b"MIME"),
                // An empty header-list cannot be written; the nearest valid
                // request is the whole header.
                SectionText::HeaderFields { fields, .. } if fields.is_empty() => e.raw(b"HEADER"),
                SectionText::HeaderFields { not, fields } => {
                    e.raw(if *not { b"HEADER.FIELDS.NOT (" } else { b"HEADER.FIELDS (" });
                    e.join(fields, |e, f| e.astring(f));
                    e.byte(b')');
                }
            }
        }
        e.byte(b']');
    }
}

/// `[1.2.3]`: a `section-binary`.
fn section_binary(e: &mut Encoder<'_>, part: &[std::num::NonZeroU32]) {
    e.byte(b'[');
    for (i, p) in part.iter().enumerate() {
        if i > 0 {
            e.byte(b'.');
        }
        e.number(p.get() as u64);
    }
    e.byte(b']');
}

fn partial(e: &mut Encoder<'_>, partial: &Option<Partial>) {
    if let Some(p) = partial {
        e.byte(b'<');
        e.number(p.origin as u64);
        e.byte(b'.');
        e.number(p.length.get() as u64);
        e.byte(b'>');
    }
}

fn origin(e: &mut Encoder<'_>, origin: &Option<u32>) {
    if let Some(o) = origin {
        e.byte(b'<');
        e.number(*o as u64);
        e.byte(b'>');
    }
}

impl Encode for LiteralAttribute {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            LiteralAttribute::BodySection { section, origin: o } => {
                e.raw(b"BODY");
                section.encode(e);
                origin(e, o);
            }
            LiteralAttribute::Binary { part, origin: o } => {
                e.raw(b"BINARY");
                section_binary(e, part);
                origin(e, o);
            }
            LiteralAttribute::Rfc822 => e.raw(b"RFC822"),
            LiteralAttribute::Rfc822Header => e.raw(b"RFC822.HEADER"),
            LiteralAttribute::Rfc822Text => e.raw(b"RFC822.TEXT"),
        }
    }
}

impl Encode for FetchAttribute {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.raw(self.name().as_bytes());
        match self {
            FetchAttribute::BodySection { section, partial: p, .. } => {
                section.encode(e);
                partial(e, p);
            }
            FetchAttribute::Binary { part, partial: p, .. } => {
                section_binary(e, part);
                partial(e, p);
            }
            FetchAttribute::BinarySize { part } => section_binary(e, part),
            FetchAttribute::Preview { lazy: true } => e.raw(b" (LAZY)"),
            FetchAttribute::Snippet { algorithms } if !algorithms.is_empty() => {
                e.sp();
                e.paren(algorithms, |e, a| e.raw(a.as_bytes()));
            }
            FetchAttribute::Other { arguments: Some(a), .. } => {
                e.sp();
                e.raw(a.as_bytes());
            }
            _ => {}
        }
    }
}

impl Encode for MessageAttribute {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.raw(self.name().as_bytes());
        match self {
            MessageAttribute::Flags(flags) => {
                e.sp();
                e.paren(flags, |e, f| f.encode(e));
            }
            MessageAttribute::Envelope(env) => {
                e.sp();
                env.encode(e);
            }
            MessageAttribute::InternalDate(d) => {
                e.sp();
                d.encode(e);
            }
            MessageAttribute::Rfc822(s) | MessageAttribute::Rfc822Header(s) | MessageAttribute::Rfc822Text(s) => {
                e.sp();
                e.nstring(s);
            }
            MessageAttribute::Rfc822Size(n) => {
                e.sp();
                e.number(*n as u64);
            }
            MessageAttribute::Body(b) | MessageAttribute::BodyStructure(b) => {
                e.sp();
                b.encode(e);
            }
            MessageAttribute::BodySection { section, origin: o, data } => {
                section.encode(e);
                origin(e, o);
                e.sp();
                e.nstring(data);
            }
            MessageAttribute::Binary { part, origin: o, data } => {
                section_binary(e, part);
                origin(e, o);
                e.sp();
                match data {
                    // Binary content with NUL needs literal8 (RFC 3516).
                    Some(d) if d.contains(&0) => e.literal_or_literal8(d),
                    _ => e.nstring(data),
                }
            }
            MessageAttribute::BinarySize { part, size } => {
                section_binary(e, part);
                e.sp();
                e.number(*size as u64);
            }
            MessageAttribute::Preview(text) => {
                e.sp();
                e.nstring(text);
            }
            MessageAttribute::Snippet { algorithm, text, .. } => {
                e.raw(b" (");
                e.raw(algorithm.as_bytes());
                e.sp();
                e.nstring(text);
                e.byte(b')');
            }
            MessageAttribute::EmailId(id) | MessageAttribute::ThreadId(Some(id)) => {
                e.raw(b" (");
                e.raw(id.as_str().as_bytes());
                e.byte(b')');
            }
            MessageAttribute::ThreadId(None) | MessageAttribute::SaveDate(None) => e.raw(b" NIL"),
            MessageAttribute::SaveDate(Some(d)) => {
                e.sp();
                d.encode(e);
            }
            MessageAttribute::GmailMessageId(n) | MessageAttribute::GmailThreadId(n) => {
                e.sp();
                e.number(*n);
            }
            MessageAttribute::GmailLabels(labels) => {
                e.sp();
                e.paren(labels, |e, label| {
                    // `\Inbox` as Gmail writes it; other labels as astrings.
                    match label.split_first() {
                        Some((b'\\', rest))
                            if !rest.is_empty() && rest.iter().all(|&b| crate::types::core::is_atom_char(b)) =>
                        {
                            e.raw(label)
                        }
                        _ => e.astring(label),
                    }
                });
            }
            MessageAttribute::Uid(u) => {
                e.sp();
                e.number(u.get() as u64);
            }
            MessageAttribute::ModSeq(m) => {
                e.raw(b" (");
                e.number(*m);
                e.byte(b')');
            }
            MessageAttribute::Other { value, .. } => {
                if value.as_bytes().first() != Some(&b'[') {
                    e.sp();
                }
                e.raw(value.as_bytes());
            }
        }
    }
}
