//! COMPRESS=DEFLATE (RFC 4978) as a stream layer: raw DEFLATE (no zlib
//! header) in both directions, with a sync flush at every flush so that
//! each command or response reaches the peer whole.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Compressed bytes kept for the inner stream before taking more input.
const OUT_HIGH_WATER: usize = 64 * 1024;

/// A stream compressed with raw DEFLATE in both directions (RFC 4978).
///
/// Built by the drivers at the COMPRESS switch point; public for those
/// who pump the machines themselves.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use mail_codec::DeflateStream;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// let (a, b) = tokio::io::duplex(1024);
/// let (mut a, mut b) = (DeflateStream::new(a, Default::default()), DeflateStream::new(b, Default::default()));
/// a.write_all(b"A1 NOOP\r\n").await?;
/// a.flush().await?;
/// let mut line = [0; 9];
/// b.read_exact(&mut line).await?;
/// assert_eq!(&line, b"A1 NOOP\r\n");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct DeflateStream<S> {
    inner: S,
    compress: Compress,
    decompress: Decompress,
    /// Compressed input read from `inner`, not yet inflated.
    input: BytesMut,
    /// Compressed output not yet written to `inner`.
    output: BytesMut,
    /// Input seen since the last sync flush.
    unflushed: bool,
    input_eof: bool,
}

impl<S> DeflateStream<S> {
    /// Compression on `inner`; `already_read` is compressed input that
    /// arrived with the switch (see
    /// [`Client::take_compressed_input`](imap_wire::client::Client::take_compressed_input)).
    pub fn new(inner: S, already_read: Bytes) -> DeflateStream<S> {
        DeflateStream {
            inner,
            compress: Compress::new(Compression::default(), false),
            decompress: Decompress::new(false),
            input: BytesMut::from(&already_read[..]),
            output: BytesMut::new(),
            unflushed: false,
            input_eof: false,
        }
    }

    /// The stream below.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

fn deflate_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("COMPRESS=DEFLATE: {e}"))
}

impl<S: AsyncWrite + Unpin> DeflateStream<S> {
    /// Writes compressed output to `inner` until none is left.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.output.is_empty() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.output))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.output.advance(n);
        }
        Poll::Ready(Ok(()))
    }

    fn run_compress(&mut self, data: &[u8], flush: FlushCompress) -> io::Result<usize> {
        let before = self.compress.total_in();
        let mut consumed = 0;
        loop {
            self.output.reserve(data.len() / 2 + 1024);
            let len = self.output.len();
            let cap = self.output.capacity();
            self.output.resize(cap, 0);
            let out_before = self.compress.total_out();
            let status = self.compress.compress(&data[consumed..], &mut self.output[len..], flush);
            let produced = (self.compress.total_out() - out_before) as usize;
            self.output.truncate(len + produced);
            status.map_err(deflate_error)?;
            consumed = (self.compress.total_in() - before) as usize;
            // Done when all input is taken and the output buffer was not
            // filled (nothing more is pending in the compressor).
            if consumed == data.len() && len + produced < cap {
                return Ok(consumed);
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for DeflateStream<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        loop {
            if !this.input.is_empty() || this.input_eof {
                let in_before = this.decompress.total_in();
                let out_before = this.decompress.total_out();
                let dst = buf.initialize_unfilled();
                let status =
                    this.decompress.decompress(&this.input, dst, FlushDecompress::Sync).map_err(deflate_error)?;
                let consumed = (this.decompress.total_in() - in_before) as usize;
                let produced = (this.decompress.total_out() - out_before) as usize;
                this.input.advance(consumed);
                buf.advance(produced);
                if produced > 0 || this.input_eof {
                    // Data, or the end of the stream (a cut inside a block
                    // shows up as truncated input in the machine).
                    return Poll::Ready(Ok(()));
                }
                if status == Status::StreamEnd {
                    return Poll::Ready(Err(deflate_error("the peer ended the DEFLATE stream")));
                }
                if consumed > 0 && !this.input.is_empty() {
                    continue;
                }
            }
            this.input.reserve(16 * 1024);
            let n = ready!(tokio_util::io::poll_read_buf(Pin::new(&mut this.inner), cx, &mut this.input))?;
            if n == 0 {
                this.input_eof = true;
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for DeflateStream<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.output.len() >= OUT_HIGH_WATER {
            ready!(this.poll_drain(cx))?;
        }
        let n = this.run_compress(data, FlushCompress::None)?;
        this.unflushed |= n > 0;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.unflushed {
            this.run_compress(&[], FlushCompress::Sync)?;
            this.unflushed = false;
        }
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().poll_flush(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
