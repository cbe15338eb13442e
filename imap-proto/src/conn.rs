//! What both machines share on the input side: the receive buffer and
//! stream offsets, the end of input, the end of the session, and the
//! STARTTLS quarantine (bytes after the switch was agreed are dropped and
//! reported once, never parsed) and the COMPRESS switch (bytes after it are
//! held raw for the layer that decompresses them).

use bytes::BytesMut;

#[derive(Debug, Default)]
pub(crate) struct Input {
    /// Received bytes not yet processed.
    pub(crate) recv: BytesMut,
    /// Stream offset just past the last byte received.
    pub(crate) received: u64,
    /// The peer closed its side.
    pub(crate) eof: bool,
    /// The session is over: input is dropped.
    pub(crate) closed: bool,
    /// The switch to TLS was agreed: nothing may be read until it is up.
    pub(crate) awaiting_tls: bool,
    pub(crate) plaintext_reported: bool,
    /// The switch to compression was agreed: what arrives from here on is
    /// compressed and is held, unprocessed, for [`Input::take_compressed`].
    pub(crate) compressing: bool,
}

impl Input {
    /// Buffers received bytes. Returns the offset to report as plaintext
    /// after STARTTLS, the first time such bytes arrive.
    pub(crate) fn receive(&mut self, data: &[u8]) -> Option<u64> {
        if self.eof {
            return None;
        }
        let offset = self.received;
        self.received += data.len() as u64;
        if self.awaiting_tls {
            return if data.is_empty() { None } else { self.plaintext(offset) };
        }
        if !self.closed {
            self.recv.extend_from_slice(data);
        }
        None
    }

    /// Whether processing waits for a layer switch (TLS or compression).
    pub(crate) fn paused(&self) -> bool {
        self.awaiting_tls || self.compressing
    }

    /// COMPRESS was agreed: the bytes after the switch point are held.
    pub(crate) fn await_compression(&mut self) {
        self.compressing = true;
    }

    /// The bytes received after the COMPRESS switch point, still
    /// compressed; processing resumes with what is received next (the
    /// decompressed stream). Offsets go on counting decompressed bytes:
    /// the raw bytes handed back are taken off the count.
    pub(crate) fn take_compressed(&mut self) -> BytesMut {
        if !self.compressing {
            return BytesMut::new();
        }
        self.compressing = false;
        let raw = self.recv.split();
        self.received -= raw.len() as u64;
        raw
    }

    /// Stream offset of the first byte not yet processed.
    pub(crate) fn read_offset(&self) -> u64 {
        self.received - self.recv.len() as u64
    }

    /// The switch to TLS was agreed: what is buffered is dropped. Returns
    /// the offset to report when bytes were dropped.
    pub(crate) fn await_tls(&mut self) -> Option<u64> {
        self.awaiting_tls = true;
        if self.recv.is_empty() {
            return None;
        }
        let at = self.read_offset();
        self.recv.clear();
        self.plaintext(at)
    }

    pub(crate) fn tls_established(&mut self) {
        self.awaiting_tls = false;
    }

    /// The session is over: drops what is buffered and all later input;
    /// returns the offset of the end of what was read.
    pub(crate) fn close(&mut self) -> u64 {
        let at = self.read_offset();
        self.closed = true;
        self.recv.clear();
        at
    }

    fn plaintext(&mut self, offset: u64) -> Option<u64> {
        (!std::mem::replace(&mut self.plaintext_reported, true)).then_some(offset)
    }
}
