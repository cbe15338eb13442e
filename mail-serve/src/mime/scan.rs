//! The streaming scan that finds a message's MIME structure: fed the
//! message (CRLF line ends) in pieces of any size, it keeps only the
//! current line's start, the open multipart boundaries and the header
//! fields FETCH needs, so memory does not grow with the message. Nesting
//! deeper than [`ScanLimits::max_depth`] and parts beyond
//! [`ScanLimits::max_parts`] are content of the part that holds them, as
//! Dovecot does; nothing recurses.

use super::{Kind, Part, Structure};

/// Bounds of the scan (defaults are Dovecot's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanLimits {
    /// Multipart and message/rfc822 nesting (Dovecot's
    /// `max_nested_mime_parts`, 100).
    pub max_depth: usize,
    /// Parts in one message (Dovecot's `max_total_mime_parts`, 10000).
    pub max_parts: usize,
    /// Bytes of header fields kept per part (the fields FETCH and SEARCH
    /// use; a longer header is scanned but the rest is not kept).
    pub max_header_bytes: usize,
}

impl Default for ScanLimits {
    fn default() -> ScanLimits {
        ScanLimits { max_depth: 100, max_parts: 10_000, max_header_bytes: 64 * 1024 }
    }
}

/// The longest line start examined for a boundary (`--`, a boundary of up
/// to 200 bytes, `--`).
const PREFIX: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// In the header of this part.
    Header(u32),
    /// In the body of this part (a leaf, or a multipart's preamble or
    /// epilogue).
    Body(u32),
}

/// A multipart whose boundary is being looked for.
#[derive(Debug)]
struct Open {
    part: u32,
    boundary: Vec<u8>,
}

/// The scanner. Feed it with [`Scanner::feed`], then [`Scanner::finish`].
#[derive(Debug)]
pub struct Scanner {
    limits: ScanLimits,
    parts: Vec<Part>,
    open: Vec<Open>,
    state: State,
    /// Bytes fed so far.
    offset: u64,
    /// LF bytes seen before `offset`.
    lfs: u64,
    /// Where the current line starts, and the LFs before it.
    line_start: u64,
    line_lfs: u64,
    /// The first bytes of the current line.
    prefix: Vec<u8>,
    /// The previous line ended with CRLF (so that the CRLF belongs to a
    /// boundary that follows).
    previous_crlf: bool,
    last_byte: u8,
}

impl Scanner {
    /// A scanner for one message.
    pub fn new(limits: ScanLimits) -> Scanner {
        let root = Part::new(None, 0, 0, 0);
        Scanner {
            limits,
            parts: vec![root],
            open: Vec::new(),
            state: State::Header(0),
            offset: 0,
            lfs: 0,
            line_start: 0,
            line_lfs: 0,
            prefix: Vec::with_capacity(PREFIX),
            previous_crlf: false,
            last_byte: 0,
        }
    }

    /// The next piece of the message.
    pub fn feed(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let (line, ended) = match memchr::memchr(b'\n', data) {
                Some(i) => (&data[..=i], true),
                None => (data, false),
            };
            if self.prefix.len() < PREFIX {
                let take = (PREFIX - self.prefix.len()).min(line.len());
                self.prefix.extend_from_slice(&line[..take]);
            }
            if let State::Header(p) = self.state {
                let part = &mut self.parts[p as usize];
                let room = self.limits.max_header_bytes.saturating_sub(part.header_fields.len());
                part.header_fields.extend_from_slice(&line[..room.min(line.len())]);
            }
            self.offset += line.len() as u64;
            if let Some(&b) = line.last() {
                let before = if line.len() >= 2 { line[line.len() - 2] } else { self.last_byte };
                self.last_byte = b;
                if ended {
                    self.lfs += 1;
                    self.end_of_line(before == b'\r');
                }
            }
            data = &data[line.len()..];
        }
    }

    fn end_of_line(&mut self, crlf: bool) {
        let start = self.line_start;
        let line_lfs = self.line_lfs;
        let line_len = self.offset - start;
        let boundary = self.boundary_match();
        match (boundary, self.state) {
            (Some((level, close)), _) => self.boundary(level, close, start, line_lfs, line_len),
            (None, State::Header(p)) => {
                let blank = line_len <= 2 && (self.prefix == b"\r\n" || self.prefix == b"\n");
                if blank {
                    self.end_header(p);
                }
            }
            (None, State::Body(_)) => {}
        }
        self.prefix.clear();
        self.previous_crlf = crlf;
        self.line_start = self.offset;
        self.line_lfs = self.lfs;
    }

    /// Which open multipart's boundary the current line is, and whether
    /// it is the closing one. As Dovecot does, the line need only start
    /// with `--` and the boundary (mail in the wild has trailing junk
    /// there), the longest matching boundary wins, and among equal ones
    /// the innermost.
    fn boundary_match(&self) -> Option<(usize, bool)> {
        let line = self.prefix.strip_prefix(b"--")?;
        let mut best: Option<(usize, usize)> = None;
        for (level, open) in self.open.iter().enumerate().rev() {
            let len = open.boundary.len();
            if line.starts_with(&open.boundary) && best.is_none_or(|(_, l)| len > l) {
                best = Some((level, len));
            }
        }
        let (level, len) = best?;
        Some((level, line[len..].starts_with(b"--")))
    }

    /// Ends the open parts below the multipart at `level` at a boundary
    /// line starting at `start`.
    fn boundary(&mut self, level: usize, close: bool, start: u64, line_lfs: u64, line_len: u64) {
        let multipart = self.open[level].part;
        if !close && self.parts.len() >= self.limits.max_parts {
            // No room for another part: the line is content.
            return;
        }
        if let State::Header(p) = self.state {
            // A part whose header never ended: all header, no body.
            let root = self.is_message_root(p);
            self.parts[p as usize].end_header_at(start, line_lfs, root);
        }
        // The CRLF before the boundary line belongs to the boundary.
        let (end, end_lfs) = if self.previous_crlf { (start - 2, line_lfs - 1) } else { (start, line_lfs) };
        // Close every part after the multipart's current child...
        self.open.truncate(level + 1);
        let mut p = self.parts.len() as u32 - 1;
        while p != multipart {
            let part = &mut self.parts[p as usize];
            if part.end.is_none() {
                part.close(end, end_lfs);
            }
            match part.parent {
                Some(parent) => p = parent,
                None => break,
            }
        }
        if close {
            self.open.truncate(level);
            self.state = State::Body(multipart);
            return;
        }
        let child_start = start + line_len;
        let depth = self.parts[multipart as usize].depth + 1;
        let child = self.add_part(multipart, depth, child_start, self.lfs);
        self.state = State::Header(child);
    }

    fn add_part(&mut self, parent: u32, depth: u16, start: u64, lfs: u64) -> u32 {
        let index = self.parts.len() as u32;
        let mut part = Part::new(Some(parent), depth, start, lfs);
        part.header_start = start;
        self.parts.push(part);
        let parent_part = &mut self.parts[parent as usize];
        match parent_part.last_child {
            Some(last) => self.parts[last as usize].next_sibling = Some(index),
            None => self.parts[parent as usize].first_child = Some(index),
        }
        self.parts[parent as usize].last_child = Some(index);
        index
    }

    fn end_header(&mut self, p: u32) {
        let body_start = self.offset;
        let deep = usize::from(self.parts[p as usize].depth) + 1 >= self.limits.max_depth;
        let full = self.parts.len() >= self.limits.max_parts;
        let in_digest = self.in_digest(p);
        let root = self.is_message_root(p);
        let part = &mut self.parts[p as usize];
        part.body_start = body_start;
        part.body_lfs = self.lfs;
        part.parse_fields(in_digest, root);
        let kind = part.content_kind();
        match kind {
            Kind::Multipart if !deep && !full => {
                if let Some(boundary) = part.boundary() {
                    part.kind = Kind::Multipart;
                    self.open.push(Open { part: p, boundary });
                } else {
                    // A multipart without a boundary is one opaque part.
                    part.kind = Kind::Opaque;
                }
                self.state = State::Body(p);
            }
            Kind::Message if !deep && !full => {
                part.kind = Kind::Message;
                let depth = part.depth + 1;
                let child = self.add_part(p, depth, body_start, self.lfs);
                self.state = State::Header(child);
            }
            Kind::Multipart | Kind::Message => {
                part.kind = Kind::Opaque;
                self.state = State::Body(p);
            }
            other => {
                part.kind = other;
                self.state = State::Body(p);
            }
        }
    }

    /// Whether the part is a message's top part (whose header has the
    /// envelope fields).
    fn is_message_root(&self, p: u32) -> bool {
        match self.parts[p as usize].parent {
            None => true,
            Some(parent) => self.parts[parent as usize].kind == Kind::Message,
        }
    }

    /// Whether the part is a child of a multipart/digest (whose parts are
    /// message/rfc822 unless they say otherwise).
    fn in_digest(&self, p: u32) -> bool {
        let Some(parent) = self.parts[p as usize].parent else { return false };
        let parent = &self.parts[parent as usize];
        parent.kind == Kind::Multipart && parent.fields.subtype.eq_ignore_ascii_case(b"digest")
    }

    /// The structure, once the whole message was fed.
    pub fn finish(mut self) -> Structure {
        if self.offset > self.line_start {
            // The last line has no line end: a closing boundary often.
            if let Some((level, close)) = self.boundary_match() {
                let (start, lfs, len) = (self.line_start, self.line_lfs, self.offset - self.line_start);
                self.boundary(level, close, start, lfs, len);
            }
        }
        if let State::Header(p) = self.state {
            let root = self.is_message_root(p);
            self.parts[p as usize].end_header_at(self.offset, self.lfs, root);
        }
        let (end, lfs) = (self.offset, self.lfs);
        for part in &mut self.parts {
            if part.end.is_none() {
                part.close(end, lfs);
            }
        }
        Structure { size: self.offset, parts: self.parts }
    }
}
