//! A message's MIME structure, found by a streaming scan ([`Scanner`]):
//! where each part's header and body are (offsets in the CRLF form of the
//! message), its content fields, and the envelope fields of each message
//! (the top one and every message/rfc822 part's). FETCH serves sections
//! by reading those byte ranges from the store; BODYSTRUCTURE and
//! ENVELOPE are built from the kept fields ([`body`]).

mod binary;
pub mod body;
mod fields;
mod scan;

pub use binary::BinaryConverter;
pub use fields::{header_fields, unfold, unfold_fields, EnvelopeFields, Fields, Param};
pub use scan::{ScanLimits, Scanner};

use std::num::NonZeroU32;
use std::ops::Range;

use imap_wire::{Section, SectionText};

/// What a part holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// text/*.
    Text,
    /// Any other single part.
    Basic,
    /// multipart/* with its parts.
    Multipart,
    /// message/rfc822 (or message/global) with its message as the one
    /// child.
    Message,
    /// A multipart or message nested beyond the limits, or without a
    /// boundary: one opaque part (application/octet-stream).
    Opaque,
}

/// One part of a message.
#[derive(Debug, Clone)]
pub struct Part {
    parent: Option<u32>,
    first_child: Option<u32>,
    last_child: Option<u32>,
    next_sibling: Option<u32>,
    depth: u16,
    header_start: u64,
    body_start: u64,
    body_lfs: u64,
    end: Option<u64>,
    end_lfs: u64,
    kind: Kind,
    /// The header while it is scanned (bounded); emptied once parsed.
    header_fields: Vec<u8>,
    /// The content fields.
    pub fields: Fields,
}

impl Part {
    fn new(parent: Option<u32>, depth: u16, start: u64, lfs: u64) -> Part {
        Part {
            parent,
            first_child: None,
            last_child: None,
            next_sibling: None,
            depth,
            header_start: start,
            body_start: start,
            body_lfs: lfs,
            end: None,
            end_lfs: lfs,
            kind: Kind::Text,
            header_fields: Vec::new(),
            fields: Fields::default(),
        }
    }

    fn close(&mut self, end: u64, lfs: u64) {
        self.end = Some(end.max(self.body_start));
        self.end_lfs = lfs.max(self.body_lfs);
    }

    /// Ends a header that had no blank line (at a boundary or the end).
    fn end_header_at(&mut self, at: u64, lfs: u64, message_root: bool) {
        self.body_start = at;
        self.body_lfs = lfs;
        self.parse_fields(false, message_root);
        self.kind = match self.content_kind() {
            Kind::Multipart | Kind::Message => Kind::Opaque,
            other => other,
        };
    }

    fn parse_fields(&mut self, in_digest: bool, message_root: bool) {
        let header = std::mem::take(&mut self.header_fields);
        self.fields = Fields::parse(&header, in_digest, message_root);
    }

    fn content_kind(&self) -> Kind {
        match &*self.fields.media_type {
            b"multipart" => Kind::Multipart,
            b"message" if matches!(&*self.fields.subtype, b"rfc822" | b"global") => Kind::Message,
            b"text" => Kind::Text,
            _ => Kind::Basic,
        }
    }

    fn boundary(&self) -> Option<Vec<u8>> {
        let b = self.fields.param(b"boundary")?;
        (!b.is_empty() && b.len() <= 200).then(|| b.to_vec())
    }

    /// What the part holds.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Its header (the MIME header of a part, or a message's header), with
    /// the blank line that ends it.
    pub fn header(&self) -> Range<u64> {
        self.header_start..self.body_start
    }

    /// Its body.
    pub fn body(&self) -> Range<u64> {
        self.body_start..self.end.unwrap_or(self.body_start)
    }

    /// Lines in its body.
    pub fn body_lines(&self) -> u64 {
        self.end_lfs.saturating_sub(self.body_lfs)
    }
}

/// A message's structure.
#[derive(Debug, Clone)]
pub struct Structure {
    /// The message's size (CRLF line ends).
    pub size: u64,
    parts: Vec<Part>,
}

/// The byte ranges a section names (before any partial).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionBytes {
    /// One range of the message.
    Range(Range<u64>),
    /// Only the header fields named (`HEADER.FIELDS`, or all but them with
    /// `NOT`) of the header in this range.
    Fields {
        /// The header.
        header: Range<u64>,
        /// The field names.
        names: Vec<Vec<u8>>,
        /// `HEADER.FIELDS.NOT`.
        not: bool,
    },
    /// The section names no part of this message: empty (as Dovecot
    /// answers).
    Empty,
}

impl Structure {
    /// Scans a whole message held in memory.
    pub fn of(message: &[u8], limits: ScanLimits) -> Structure {
        let mut scanner = Scanner::new(limits);
        scanner.feed(message);
        scanner.finish()
    }

    /// The top part (the message).
    pub fn root(&self) -> &Part {
        &self.parts[0]
    }

    /// A part by index.
    pub fn part(&self, index: u32) -> &Part {
        &self.parts[index as usize]
    }

    /// The number of parts.
    pub fn part_count(&self) -> usize {
        self.parts.len()
    }

    /// The children of a part, in order.
    pub fn children(&self, index: u32) -> impl Iterator<Item = u32> + '_ {
        std::iter::successors(self.parts[index as usize].first_child, move |&c| self.parts[c as usize].next_sibling)
    }

    /// The part RFC 3501 6.4.5 part numbers name (`[]`: the message), and
    /// whether it is the message itself.
    pub fn find(&self, path: &[NonZeroU32]) -> Option<(u32, bool)> {
        let mut node = 0u32;
        let mut root = true;
        for n in path {
            let index = n.get() as usize - 1;
            let part = &self.parts[node as usize];
            let container = match part.kind {
                Kind::Message if !root => {
                    // The parts of an encapsulated message: its multipart's
                    // children, or its body as part 1.
                    let inner = part.first_child?;
                    if self.parts[inner as usize].kind == Kind::Multipart {
                        Some(inner)
                    } else if index == 0 {
                        node = inner;
                        root = false;
                        continue;
                    } else {
                        return None;
                    }
                }
                Kind::Multipart => Some(node),
                _ => None,
            };
            match container {
                Some(c) => node = self.children(c).nth(index)?,
                None if index == 0 && root => {}
                None => return None,
            }
            root = false;
        }
        Some((node, root))
    }

    /// Where the bytes of `BODY[section]` are.
    pub fn section(&self, section: &Section) -> SectionBytes {
        let Some((node, is_root)) = self.find(&section.part) else { return SectionBytes::Empty };
        let part = &self.parts[node as usize];
        // HEADER and TEXT of a part name its encapsulated message's.
        let message = || -> Option<(Range<u64>, Range<u64>)> {
            if is_root {
                return Some((part.header(), part.body_start..self.size));
            }
            if part.kind != Kind::Message {
                return None;
            }
            let inner = &self.parts[part.first_child? as usize];
            Some((inner.header(), inner.body_start..part.body().end))
        };
        match &section.text {
            None if is_root => SectionBytes::Range(0..self.size),
            None => SectionBytes::Range(part.body()),
            Some(SectionText::Mime) if is_root => SectionBytes::Empty,
            Some(SectionText::Mime) => SectionBytes::Range(part.header()),
            Some(SectionText::Header) => message().map_or(SectionBytes::Empty, |(h, _)| SectionBytes::Range(h)),
            Some(SectionText::Text) => message().map_or(SectionBytes::Empty, |(_, t)| SectionBytes::Range(t)),
            Some(SectionText::HeaderFields { not, fields }) => match message() {
                Some((header, _)) => {
                    SectionBytes::Fields { header, names: fields.iter().map(|f| f.to_vec()).collect(), not: *not }
                }
                None => SectionBytes::Empty,
            },
        }
    }
}

#[cfg(test)]
mod tests;
