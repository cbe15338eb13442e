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
        match self {
            FetchAttribute::Envelope => e.raw(b"ENVELOPE"),
            FetchAttribute::Flags => e.raw(b"FLAGS"),
            FetchAttribute::InternalDate => e.raw(b"INTERNALDATE"),
            FetchAttribute::Rfc822 => e.raw(b"RFC822"),
            FetchAttribute::Rfc822Header => e.raw(b"RFC822.HEADER"),
            FetchAttribute::Rfc822Size => e.raw(b"RFC822.SIZE"),
            FetchAttribute::Rfc822Text => e.raw(b"RFC822.TEXT"),
            FetchAttribute::Body => e.raw(b"BODY"),
            FetchAttribute::BodyStructure => e.raw(b"BODYSTRUCTURE"),
            FetchAttribute::Uid => e.raw(b"UID"),
            FetchAttribute::ModSeq => e.raw(b"MODSEQ"),
            FetchAttribute::Other(a) => e.raw(a.as_bytes()),
            FetchAttribute::BodySection { peek, section, partial } => {
                e.raw(if *peek { b"BODY.PEEK" } else { b"BODY" });
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
}

impl Encode for MessageAttribute {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            MessageAttribute::Flags(flags) => {
                e.raw(b"FLAGS ");
                e.paren(flags, |e, f| f.encode(e));
            }
            MessageAttribute::Envelope(env) => {
                e.raw(b"ENVELOPE ");
                env.encode(e);
            }
            MessageAttribute::InternalDate(d) => {
                e.raw(b"INTERNALDATE ");
                d.encode(e);
            }
            MessageAttribute::Rfc822(s) => {
                e.raw(b"RFC822 ");
                e.nstring(s);
            }
            MessageAttribute::Rfc822Header(s) => {
                e.raw(b"RFC822.HEADER ");
                e.nstring(s);
            }
            MessageAttribute::Rfc822Text(s) => {
                e.raw(b"RFC822.TEXT ");
                e.nstring(s);
            }
            MessageAttribute::Rfc822Size(n) => {
                e.raw(b"RFC822.SIZE ");
                e.number(*n as u64);
            }
            MessageAttribute::Body(b) => {
                e.raw(b"BODY ");
                b.encode(e);
            }
            MessageAttribute::BodyStructure(b) => {
                e.raw(b"BODYSTRUCTURE ");
                b.encode(e);
            }
            MessageAttribute::BodySection { section, origin, data } => {
                e.raw(b"BODY");
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
                e.raw(b"UID ");
                e.number(u.get() as u64);
            }
            MessageAttribute::ModSeq(m) => {
                e.raw(b"MODSEQ (");
                e.number(*m);
                e.byte(b')');
            }
            MessageAttribute::Other { name, value } => {
                e.raw(name.as_bytes());
                if value.as_bytes().first() != Some(&b'[') {
                    e.sp();
                }
                e.raw(value.as_bytes());
            }
        }
    }
}
