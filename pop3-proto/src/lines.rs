//! Line reading shared by both machines: complete lines off the front of a
//! receive buffer, with an over-long line dropped as it arrives.

use bytes::{Buf, Bytes, BytesMut};

/// What [`LineReader::next`] found.
pub(crate) enum Line {
    /// A complete line (line ending included) and its stream offset.
    Complete(u64, Bytes),
    /// A line longer than the limit starts at this offset; it is being
    /// dropped (reported once).
    TooLong(u64),
}

/// Reads lines, counting stream offsets.
#[derive(Debug, Default)]
pub(crate) struct LineReader {
    /// Stream offset of `buf[0]`.
    pub(crate) consumed: u64,
    /// Dropping the rest of an over-long line.
    skipping: bool,
}

impl LineReader {
    /// The next complete line or over-long-line report; `None` when more
    /// input is needed.
    pub(crate) fn next(&mut self, buf: &mut BytesMut, limit: usize) -> Option<Line> {
        loop {
            match memchr::memchr(b'\n', buf) {
                Some(i) => {
                    let offset = self.consumed;
                    self.consumed += (i + 1) as u64;
                    let line = buf.split_to(i + 1).freeze();
                    if std::mem::take(&mut self.skipping) {
                        continue;
                    }
                    if line.len() > limit {
                        return Some(Line::TooLong(offset));
                    }
                    return Some(Line::Complete(offset, line));
                }
                None if self.skipping => {
                    // The rest of an over-long line: dropped as it arrives.
                    self.consumed += buf.len() as u64;
                    buf.advance(buf.len());
                    return None;
                }
                None if buf.len() > limit => {
                    let offset = self.consumed;
                    self.consumed += buf.len() as u64;
                    buf.advance(buf.len());
                    self.skipping = true;
                    return Some(Line::TooLong(offset));
                }
                None => return None,
            }
        }
    }
}
