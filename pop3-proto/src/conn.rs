//! What both machines share: the receive buffer and its line reader, the
//! output queue, the event queue, the STLS quarantine and the end of input.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use crate::lines::{Line, LineReader};

/// The connection plumbing of one machine, generic over its event type.
#[derive(Debug)]
pub(crate) struct Conn<E> {
    /// Received bytes not yet processed.
    pub(crate) recv: BytesMut,
    /// Line reading and the stream offset of `recv[0]`.
    pub(crate) lines: LineReader,
    /// Bytes to write.
    pub(crate) out: BytesMut,
    /// Events not yet polled, with their stream offsets.
    pub(crate) events: VecDeque<(u64, E)>,
    /// The peer closed its side ([`Conn::receive_eof`]).
    pub(crate) eof: bool,
    /// The end of input was handled by the machine.
    pub(crate) eof_handled: bool,
    /// The upgrade to TLS was agreed: nothing may be read until it is up.
    awaiting_tls: bool,
    /// Plaintext after the upgrade was already reported.
    plaintext_reported: bool,
    /// The session is over: input is counted and dropped.
    input_closed: bool,
    /// The event that reports plaintext after STLS, at its offset.
    plaintext_event: fn(u64) -> E,
}

impl<E> Conn<E> {
    pub(crate) fn new(plaintext_event: fn(u64) -> E) -> Conn<E> {
        Conn {
            recv: BytesMut::new(),
            lines: LineReader::default(),
            out: BytesMut::new(),
            events: VecDeque::new(),
            eof: false,
            eof_handled: false,
            awaiting_tls: false,
            plaintext_reported: false,
            input_closed: false,
            plaintext_event,
        }
    }

    /// Buffers received bytes; after STLS was agreed they are dropped and
    /// reported, after the session closed they are dropped.
    pub(crate) fn receive(&mut self, data: &[u8]) {
        if self.eof {
            return;
        }
        if self.awaiting_tls {
            self.drop_plaintext(data.len());
        } else if self.input_closed {
            self.lines.consumed += data.len() as u64;
        } else {
            self.recv.extend_from_slice(data);
        }
    }

    /// Stream offset just past the last byte received.
    pub(crate) fn end_offset(&self) -> u64 {
        self.lines.consumed + self.recv.len() as u64
    }

    /// Whether input may be processed now.
    pub(crate) fn readable(&self) -> bool {
        !self.awaiting_tls && !self.input_closed
    }

    pub(crate) fn awaiting_tls(&self) -> bool {
        self.awaiting_tls
    }

    /// The upgrade was agreed: what is buffered beyond this point, and all
    /// that arrives before [`Conn::tls_established`], is dropped and
    /// reported once (a man in the middle may have injected it).
    pub(crate) fn await_tls(&mut self) {
        self.awaiting_tls = true;
        let n = self.recv.len();
        self.recv.clear();
        self.drop_plaintext(n);
    }

    pub(crate) fn tls_established(&mut self) {
        self.awaiting_tls = false;
    }

    fn drop_plaintext(&mut self, n: usize) {
        if n > 0 && !self.plaintext_reported {
            self.plaintext_reported = true;
            let offset = self.lines.consumed;
            self.events.push_back((offset, (self.plaintext_event)(offset)));
        }
        self.lines.consumed += n as u64;
    }

    /// The session is over: drops what is buffered and all later input.
    pub(crate) fn close_input(&mut self) {
        self.input_closed = true;
        self.lines.consumed += self.recv.len() as u64;
        self.recv.clear();
    }

    /// The next complete line, or the offset of one over the limit.
    pub(crate) fn next_line(&mut self, limit: usize) -> Option<Line> {
        self.lines.next(&mut self.recv, limit)
    }

    pub(crate) fn emit(&mut self, offset: u64, event: E) {
        self.events.push_back((offset, event));
    }

    /// The queued output, handed over without a copy.
    pub(crate) fn poll_transmit(&mut self) -> Option<Bytes> {
        (!self.out.is_empty()).then(|| self.out.split().freeze())
    }

    pub(crate) fn write_to(&mut self, out: &mut BytesMut) {
        if out.is_empty() {
            std::mem::swap(out, &mut self.out);
        } else {
            out.extend_from_slice(&self.out);
            self.out.clear();
        }
    }
}
