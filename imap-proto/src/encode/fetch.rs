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

impl Encode for FetchAttribute {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.raw(self.name().as_bytes());
        if let FetchAttribute::BodySection { section, partial, .. } = self {
            section.encode(e);
            if let Some(p) = partial {
                e.byte(b'<');
                e.number(p.origin as u64);
                e.byte(b'.');
                e.number(p.length.get() as u64);
                e.byte(b'>');
            }
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
            MessageAttribute::BodySection { section, origin, data } => {
                section.encode(e);
                if let Some(o) = origin {
                    e.byte(b'<');
                    e.number(*o as u64);
                    e.byte(b'>');
                }
                e.sp();
                e.nstring(data);
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
