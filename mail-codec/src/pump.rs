//! What every driver shares: the connection as a boxed stream (so TLS and
//! compression can be layered on in the middle of a session), and the loop
//! that moves bytes between it and a sans-IO machine.
//!
//! The loop is pull-based: input is read only when the machine has no
//! event to give, so a caller that stops asking for events stops the
//! reading, and memory stays bounded by the machine's limits plus one read
//! ([`READ_AHEAD`] while output is being written, so that neither side
//! waits on the other with full buffers).
//!
//! Every await point keeps its progress in the driver (bytes written are
//! taken off the output buffer, bytes read are kept), so a future dropped
//! by `tokio::time::timeout` or `tokio::select!` loses nothing.

use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

/// A byte stream the drivers can run on: TCP, TLS, a duplex pipe, a Unix
/// socket, ...
pub trait AsyncStream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + ?Sized> AsyncStream for T {}

/// The connection, boxed so that layers (TLS, compression) can be put on
/// it mid-session: what a [`TlsUpgrade`] or the upgrade given to
/// `starttls_with`/`stls_with` receives.
pub type BoxedStream = Box<dyn AsyncStream>;

/// The future a [`TlsUpgrade`] returns.
pub type UpgradeFuture = Pin<Box<dyn Future<Output = Result<BoxedStream, crate::Error>> + Send>>;

/// A TLS layer of any implementation, for the server side of STARTTLS and
/// STLS: takes the plaintext connection (after the OK was written) and
/// returns it encrypted, handshake done. With the `tls` feature the
/// rustls acceptor is one ([`ImapServer::with_starttls`](crate::ImapServer::with_starttls));
/// without it, bring your own (native-tls, your own rustls setup) with
/// [`tls_upgrade`].
pub type TlsUpgrade = Arc<dyn Fn(BoxedStream) -> UpgradeFuture + Send + Sync>;

/// A [`TlsUpgrade`] from an async function of the plaintext stream.
///
/// ```
/// use mail_codec::{tls_upgrade, BoxedStream, TlsUpgrade};
/// // A stand-in that returns the stream as it is; a real one runs a TLS
/// // handshake (tokio-native-tls, tokio-rustls, ...) on it.
/// let upgrade: TlsUpgrade = tls_upgrade(|plain: BoxedStream| async move { Ok::<_, mail_codec::Error>(plain) });
/// # let _ = upgrade;
/// ```
pub fn tls_upgrade<F, Fut, S>(upgrade: F) -> TlsUpgrade
where
    F: Fn(BoxedStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<S, crate::Error>> + Send + 'static,
    S: AsyncStream + 'static,
{
    Arc::new(move |plain| {
        let handshake = upgrade(plain);
        Box::pin(async move { Ok(Box::new(handshake.await?) as BoxedStream) })
    })
}

/// Input read ahead while output is being written, at most.
pub(crate) const READ_AHEAD: usize = 64 * 1024;

/// One read's size.
const READ_CHUNK: usize = 16 * 1024;

pub(crate) use mail_sansio::Machine;

/// A machine and its connection.
pub(crate) struct Pump<M> {
    io: Option<BoxedStream>,
    pub(crate) machine: M,
    /// Bytes the machine gave to write, not yet written.
    out: BytesMut,
    /// Bytes read, not yet given to the machine.
    input: BytesMut,
    /// The peer closed its side (a read returned 0).
    eof_read: bool,
    /// The machine was told.
    eof_given: bool,
    /// How long one write may wait for the peer to take bytes.
    write_timeout: Option<std::time::Duration>,
}

impl<M: Machine> Pump<M> {
    pub(crate) fn new(io: BoxedStream, machine: M) -> Pump<M> {
        Pump {
            io: Some(io),
            machine,
            out: BytesMut::new(),
            input: BytesMut::new(),
            eof_read: false,
            eof_given: false,
            write_timeout: None,
        }
    }

    /// Fails a write (with [`io::ErrorKind::TimedOut`]) when the peer
    /// takes none of the output for `timeout`: a client that stopped
    /// reading, or whose host is gone, does not hold the connection.
    pub(crate) fn set_write_timeout(&mut self, timeout: Option<std::time::Duration>) {
        self.write_timeout = timeout;
    }

    fn io(&mut self) -> io::Result<&mut BoxedStream> {
        self.io
            .as_mut()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotConnected, "the connection was lost during a layer switch"))
    }

    /// The next event, writing what the machine has to say and reading
    /// when it has nothing to give. `None` once the connection is closed
    /// and every event has been taken. Cancel-safe.
    pub(crate) async fn next_event(&mut self) -> io::Result<Option<M::Event>> {
        loop {
            self.machine.write_to(&mut self.out);
            if let Some(event) = self.machine.poll_event() {
                return Ok(Some(event));
            }
            if !self.out.is_empty() {
                self.write_some().await?;
                continue;
            }
            if !self.input.is_empty() {
                let input = self.input.split();
                self.machine.receive(&input);
                continue;
            }
            if self.eof_read {
                if !self.eof_given {
                    self.eof_given = true;
                    self.machine.receive_eof();
                    continue;
                }
                return Ok(None);
            }
            self.flush_io().await?;
            self.read_some().await?;
        }
    }

    /// Writes everything the machine has to say, and flushes. Input that
    /// arrives meanwhile is kept for later. Cancel-safe.
    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        loop {
            self.machine.write_to(&mut self.out);
            if self.out.is_empty() {
                return self.flush_io().await;
            }
            self.write_some().await?;
        }
    }

    async fn flush_io(&mut self) -> io::Result<()> {
        self.io()?.flush().await
    }

    /// Reads once into the input buffer; notes the end of input.
    async fn read_some(&mut self) -> io::Result<()> {
        let Pump { io, input, eof_read, .. } = self;
        let io = io.as_mut().ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))?;
        poll_fn(|cx| poll_read(io, input, eof_read, cx)).await
    }

    /// Writes some of the output, reading meanwhile (up to [`READ_AHEAD`])
    /// so that a peer that writes before it reads is not blocked by us.
    async fn write_some(&mut self) -> io::Result<()> {
        let Pump { io, input, eof_read, out, write_timeout, .. } = self;
        let io = io.as_mut().ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))?;
        let writing = poll_fn(|cx| {
            match Pin::new(&mut **io).poll_write(cx, out) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    out.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {}
            }
            if !*eof_read && input.len() < READ_AHEAD {
                if let Poll::Ready(r) = poll_read(io, input, eof_read, cx) {
                    return Poll::Ready(r);
                }
            }
            Poll::Pending
        });
        match write_timeout {
            // The timer is only armed when the write has to wait.
            Some(limit) => tokio::time::timeout(*limit, writing)
                .await
                .unwrap_or_else(|_| Err(io::Error::new(io::ErrorKind::TimedOut, "the peer stopped reading"))),
            None => writing.await,
        }
    }

    /// Takes the connection out for a layer switch (TLS, compression);
    /// the output must have been flushed. Put it back with
    /// [`Pump::put_io`].
    pub(crate) fn take_io(&mut self) -> io::Result<BoxedStream> {
        self.io.take().ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))
    }

    pub(crate) fn put_io(&mut self, io: BoxedStream) {
        self.io = Some(io);
    }

    /// Input read from the old layer and not yet given to the machine
    /// (bytes after a switch point, for the machine to judge).
    pub(crate) fn give_input(&mut self) {
        if !self.input.is_empty() {
            let input = self.input.split();
            self.machine.receive(&input);
        }
    }

    /// Input read and not yet given to the machine (bytes after a
    /// compression switch point, for the decompressor).
    pub(crate) fn take_input(&mut self) -> BytesMut {
        self.input.split()
    }

    /// Flushes and shuts the connection down (TLS close_notify, TCP FIN).
    pub(crate) async fn shutdown(&mut self) -> io::Result<()> {
        self.flush().await?;
        self.io()?.shutdown().await
    }

    /// Either side of STARTTLS/STLS, once the machine has agreed to it:
    /// plaintext that arrived after the switch point goes to the machine
    /// (which drops and reports it), what the machine has to say (the
    /// server's OK) is written, the TLS layer goes on the connection, and
    /// the machine is told.
    pub(crate) async fn upgrade<F, Fut, S>(&mut self, upgrade: F) -> Result<(), crate::Error>
    where
        F: FnOnce(BoxedStream) -> Fut,
        Fut: Future<Output = Result<S, crate::Error>>,
        S: AsyncStream + 'static,
    {
        self.give_input();
        self.flush().await?;
        let io = self.take_io()?;
        let upgraded = upgrade(io).await?;
        self.put_io(Box::new(upgraded));
        self.machine.tls_established();
        Ok(())
    }
}

fn poll_read(io: &mut BoxedStream, input: &mut BytesMut, eof: &mut bool, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    let read = if input.is_empty() {
        // Nothing buffered: read on the stack and keep only what came, so
        // that a connection waiting for its client holds no read buffer
        // (thousands of idle connections cost thousands of those).
        *input = BytesMut::new();
        let mut chunk = [0u8; READ_CHUNK];
        let mut buf = tokio::io::ReadBuf::new(&mut chunk);
        match Pin::new(&mut **io).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) => {
                input.extend_from_slice(buf.filled());
                Poll::Ready(Ok(buf.filled().len()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    } else {
        input.reserve(READ_CHUNK);
        tokio_util::io::poll_read_buf(Pin::new(&mut **io), cx, input)
    };
    match read {
        Poll::Ready(Ok(0)) => {
            *eof = true;
            Poll::Ready(Ok(()))
        }
        Poll::Ready(Ok(_)) => Poll::Ready(Ok(())),
        Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
            // A TLS peer that closed without close_notify: the end of
            // input, which the machine judges (a truncated response is
            // reported there).
            *eof = true;
            Poll::Ready(Ok(()))
        }
        Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        Poll::Pending => Poll::Pending,
    }
}
