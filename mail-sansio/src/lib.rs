//! The sans-IO connection contract shared by the IMAP and POP3 state
//! machines of `imap-wire` and `pop3-wire`, client and server alike.
//!
//! A [`Machine`] owns a protocol's rules and nothing else: no socket, no
//! clock, no runtime. A driver moves bytes between it and a connection:
//!
//! 1. bytes read from the peer go to [`Machine::receive`] (and the end of
//!    input to [`Machine::receive_eof`]);
//! 2. [`Machine::poll_event`] (or [`Machine::poll_event_at`], with the
//!    stream offset) yields what happened, until `None`; input is
//!    processed lazily here, so a driver that stops polling stops the
//!    machine from buffering more than its limits;
//! 3. [`Machine::poll_transmit`] (or [`Machine::write_to`]) yields the
//!    bytes to send: after every call that can produce output (the
//!    application's answers, and `poll_event`, which may queue
//!    protocol-level answers such as a `+` for a literal);
//! 4. when an event says to switch to TLS (STARTTLS, STLS), the driver
//!    writes what is queued, runs the handshake on the connection, and
//!    calls [`Machine::tls_established`]; bytes that arrived in the clear
//!    after the switch point are dropped and reported by the machine,
//!    never parsed.
//!
//! The machines' own methods (sending commands, answering them) are
//! protocol-specific; this trait is the part every driver needs, so that
//! a driver written once (tokio in `mail-codec`, a blocking loop, another
//! runtime) runs all of them.
//!
//! ```
//! use bytes::{Bytes, BytesMut};
//! use mail_sansio::Machine;
//!
//! /// An echo "protocol": every line received is an event and is sent back.
//! #[derive(Default)]
//! struct Echo { input: BytesMut, out: BytesMut, offset: u64 }
//!
//! impl Machine for Echo {
//!     type Event = Bytes;
//!     fn receive(&mut self, data: &[u8]) { self.input.extend_from_slice(data) }
//!     fn receive_eof(&mut self) {}
//!     fn poll_event_at(&mut self) -> Option<(u64, Bytes)> {
//!         let end = self.input.iter().position(|&b| b == b'\n')? + 1;
//!         let line = self.input.split_to(end).freeze();
//!         self.out.extend_from_slice(&line);
//!         let at = self.offset;
//!         self.offset += end as u64;
//!         Some((at, line))
//!     }
//!     fn write_to(&mut self, out: &mut BytesMut) { out.extend_from_slice(&self.out.split()) }
//!     fn tls_established(&mut self) {}
//! }
//!
//! let mut echo = Echo::default();
//! echo.receive(b"hello\nwor");
//! assert_eq!(echo.poll_event().as_deref(), Some(&b"hello\n"[..]));
//! assert_eq!(echo.poll_event(), None);
//! assert_eq!(echo.poll_transmit().as_deref(), Some(&b"hello\n"[..]));
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use bytes::{Bytes, BytesMut};

// For `delegate_machine!` in other crates.
#[doc(hidden)]
pub use bytes;

/// A connection state machine: bytes in, events and bytes out. See the
/// crate documentation for the order of calls.
pub trait Machine {
    /// What the machine reports (a command, a response, a switch to TLS,
    /// a violation by the peer, the end of the session, ...).
    type Event;

    /// Bytes received from the peer.
    fn receive(&mut self, data: &[u8]);

    /// The peer closed its side: no more bytes will come.
    fn receive_eof(&mut self);

    /// The next event with the stream offset it starts at; `None` when
    /// more input (or the application's answer) is needed.
    fn poll_event_at(&mut self) -> Option<(u64, Self::Event)>;

    /// The next event; `None` when more input (or the application's
    /// answer) is needed.
    fn poll_event(&mut self) -> Option<Self::Event> {
        self.poll_event_at().map(|(_, event)| event)
    }

    /// Appends the bytes to send to `out` (nothing when there are none).
    fn write_to(&mut self, out: &mut BytesMut);

    /// The bytes to send, if any.
    fn poll_transmit(&mut self) -> Option<Bytes> {
        let mut out = BytesMut::new();
        self.write_to(&mut out);
        (!out.is_empty()).then(|| out.freeze())
    }

    /// The TLS handshake after a STARTTLS/STLS switch is done: input is
    /// read again.
    fn tls_established(&mut self);
}

/// Implements [`Machine`] for a type whose inherent methods of the same
/// names do the work (the protocol crates' machines keep them inherent, so
/// that their users need no trait in scope).
#[macro_export]
macro_rules! delegate_machine {
    ($ty:ty, $event:ty) => {
        impl $crate::Machine for $ty {
            type Event = $event;
            fn receive(&mut self, data: &[u8]) {
                <$ty>::receive(self, data)
            }
            fn receive_eof(&mut self) {
                <$ty>::receive_eof(self)
            }
            fn poll_event_at(&mut self) -> Option<(u64, $event)> {
                <$ty>::poll_event_at(self)
            }
            fn poll_event(&mut self) -> Option<$event> {
                <$ty>::poll_event(self)
            }
            fn write_to(&mut self, out: &mut $crate::bytes::BytesMut) {
                <$ty>::write_to(self, out)
            }
            fn poll_transmit(&mut self) -> Option<$crate::bytes::Bytes> {
                <$ty>::poll_transmit(self)
            }
            fn tls_established(&mut self) {
                <$ty>::tls_established(self)
            }
        }
    };
}

// The README's example is compiled as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
