//! The POP3 drivers: [`Pop3Client`] and [`Pop3Server`] pump
//! `pop3_wire`'s machines over any async stream.

use std::collections::VecDeque;

use pop3_wire::client::{Client, ClientConfig, ClientEvent};
use pop3_wire::server::{Server, ServerConfig, ServerEvent};
use pop3_wire::{Arg, Capability, Command, MessageNumber, ScanListing, Status, StatusLine, UniqueIdListing};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::pump::{AsyncStream, BoxedStream, Pump, TlsUpgrade};
use crate::Error;

/// A POP3 client connection: sends commands and waits for their replies,
/// doing the protocol's flow on the way (SASL steps, STLS, one command at
/// a time unless the server pipelines).
///
/// `-ERR` replies are [`Error::Pop3Refused`]; the session stays usable.
/// Unsolicited `-ERR`s and protocol violations are kept for
/// [`Pop3Client::take_updates`]. Every await is cancel-safe.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), mail_codec::Error> {
/// use mail_codec::Pop3Client;
/// use pop3_wire::client::ClientConfig;
///
/// let tcp = tokio::net::TcpStream::connect("127.0.0.1:110").await?;
/// let mut pop = Pop3Client::new(tcp, ClientConfig::default()).await?;
/// pop.login("alice", "secret").await?;
/// let (count, size) = pop.stat().await?;
/// println!("{count} messages, {size} octets");
/// let mut message = Vec::new();
/// if count > 0 {
///     pop.retrieve_to(pop3_wire::Command::Retr(1.try_into().unwrap()), &mut message).await?;
/// }
/// pop.quit().await?;
/// # Ok(()) }
/// ```
pub struct Pop3Client {
    pump: Pump<Client>,
    greeting: StatusLine,
    apop_timestamp: Option<String>,
    updates: VecDeque<ClientEvent>,
    tls: bool,
}

impl std::fmt::Debug for Pop3Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pop3Client").field("state", &self.pump.machine.state()).field("tls", &self.tls).finish()
    }
}

fn refused(command: &Command, line: StatusLine) -> Error {
    Error::Pop3Refused { command: command.keyword().to_string(), line: Box::new(line) }
}

impl Pop3Client {
    /// Runs the client on a connected stream and waits for the greeting.
    /// A `-ERR` greeting is [`Error::GreetingRefused`]; a peer that is not
    /// a POP3 server (an IMAP greeting, TLS data, ...) is
    /// `Error::Pop3Peer(PeerError::NotPop3 { .. })` as soon as its first line
    /// arrives. A server that sends nothing (an implicit-TLS port waits
    /// for the client to speak first) is the caller's to time out:
    /// `tokio::time::timeout(Duration::from_secs(10), Pop3Client::new(tcp, config))`.
    pub async fn new<S: AsyncStream + 'static>(stream: S, config: ClientConfig) -> Result<Pop3Client, Error> {
        let mut pump = Pump::new(Box::new(stream) as crate::pump::BoxedStream, Client::new(config));
        let mut updates = VecDeque::new();
        loop {
            match pump.next_event().await?.ok_or(Error::ConnectionClosed)? {
                ClientEvent::Greeting { line, apop_timestamp } => {
                    return Ok(Pop3Client { pump, greeting: line, apop_timestamp, updates, tls: false })
                }
                ClientEvent::GreetingRefused(line) => {
                    return Err(Error::GreetingRefused(String::from_utf8_lossy(line.text.as_bytes()).into()))
                }
                ClientEvent::Violation(error @ pop3_wire::client::PeerError::NotPop3 { .. }) => {
                    return Err(error.into())
                }
                ClientEvent::Closed => return Err(Error::ConnectionClosed),
                event => updates.push_back(event),
            }
        }
    }

    /// Implicit TLS (port 995): the TLS handshake, then the greeting.
    #[cfg(feature = "tls")]
    pub async fn connect_tls<S: AsyncStream + 'static>(
        stream: S,
        connector: &crate::tls::TlsConnector,
        server_name: crate::tls::ServerName<'static>,
        config: ClientConfig,
    ) -> Result<Pop3Client, Error> {
        let tls = connector.connect(server_name, stream).await.map_err(crate::tls::handshake_error)?;
        let mut client = Pop3Client::new(tls, config).await?;
        client.tls = true;
        Ok(client)
    }

    /// The greeting line.
    pub fn greeting(&self) -> &StatusLine {
        &self.greeting
    }

    /// The APOP timestamp of the greeting, when the server offers APOP.
    pub fn apop_timestamp(&self) -> Option<&str> {
        self.apop_timestamp.as_deref()
    }

    /// The machine: the session state and the capabilities known.
    pub fn machine(&self) -> &Client {
        &self.pump.machine
    }

    /// Whether the connection runs over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Unsolicited `-ERR`s and protocol violations since the last call.
    pub fn take_updates(&mut self) -> Vec<ClientEvent> {
        self.updates.drain(..).collect()
    }

    /// Queues a command without waiting (pipelining: it goes out when the
    /// server's PIPELINING, or the previous reply, allows). Take the
    /// replies, in order, with [`Pop3Client::next_event`].
    pub fn send(&mut self, command: Command) -> Result<(), Error> {
        Ok(self.pump.machine.send(command)?)
    }

    /// The next event, raw (for pipelined commands and streamed messages).
    /// `None` once the connection is closed.
    pub async fn next_event(&mut self) -> Result<Option<ClientEvent>, Error> {
        if let Some(event) = self.updates.pop_front() {
            return Ok(Some(event));
        }
        Ok(self.pump.next_event().await?)
    }

    /// The reply to the oldest command: unsolicited events are kept aside,
    /// `-ERR` is an error.
    async fn reply(&mut self, command: &Command) -> Result<ClientEvent, Error> {
        loop {
            match self.pump.next_event().await?.ok_or(Error::ConnectionClosed)? {
                event @ (ClientEvent::Violation(_) | ClientEvent::UnsolicitedError(_)) => self.updates.push_back(event),
                ClientEvent::Closed => return Err(Error::ConnectionClosed),
                ClientEvent::Reply { line, .. } if line.status == Status::Err => return Err(refused(command, line)),
                ClientEvent::Message { line, .. } | ClientEvent::Lines { line, .. } if line.status == Status::Err => {
                    return Err(refused(command, line))
                }
                event => return Ok(event),
            }
        }
    }

    /// Sends a command and waits for its reply event ([`ClientEvent::Stat`],
    /// [`ClientEvent::ScanListings`], [`ClientEvent::Reply`], ...). For
    /// RETR and TOP without [`ClientConfig::collect_messages`] the reply is
    /// [`ClientEvent::MessageStart`]; take the content with
    /// [`Pop3Client::next_event`], or use [`Pop3Client::retrieve_to`].
    pub async fn execute(&mut self, command: Command) -> Result<ClientEvent, Error> {
        self.pump.machine.send(command.clone())?;
        self.reply(&command).await
    }

    /// The capabilities (CAPA when they are not known yet; empty when the
    /// server does not know CAPA).
    pub async fn capabilities(&mut self) -> Result<Vec<Capability>, Error> {
        if let Some(caps) = self.pump.machine.capabilities() {
            return Ok(caps.to_vec());
        }
        match self.execute(Command::Capa).await {
            Ok(ClientEvent::Capabilities { capabilities, .. }) => Ok(capabilities),
            Ok(_) | Err(Error::Pop3Refused { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// USER and PASS.
    ///
    /// ```no_run
    /// # async fn f(pop: &mut mail_codec::Pop3Client) -> Result<(), Box<dyn std::error::Error>> {
    /// pop.login("alice", "secret").await?;
    /// # Ok(()) }
    /// ```
    pub async fn login(&mut self, username: &str, password: &str) -> Result<(), Error> {
        let user = Arg::try_from(username).map_err(|_| Error::Misuse("the user name holds CR, LF or NUL"))?;
        let pass = Arg::try_from(password).map_err(|_| Error::Misuse("the password holds CR, LF or NUL"))?;
        self.execute(Command::User(user)).await?;
        self.execute(Command::Pass(pass)).await?;
        Ok(())
    }

    /// AUTH with a SASL mechanism (RFC 5034): `initial_response` goes with
    /// the command; `respond` answers each challenge (`None` cancels).
    pub async fn authenticate(
        &mut self,
        mechanism: &str,
        initial_response: Option<&[u8]>,
        mut respond: impl FnMut(&[u8]) -> Option<Vec<u8>>,
    ) -> Result<(), Error> {
        let command = Command::Auth {
            mechanism: Some(Arg::try_from(mechanism).map_err(|_| Error::Misuse("invalid SASL mechanism name"))?),
            initial_response: initial_response.map(bytes::Bytes::copy_from_slice),
        };
        self.pump.machine.send(command.clone())?;
        loop {
            match self.reply(&command).await? {
                ClientEvent::SaslChallenge(challenge) => match respond(&challenge) {
                    Some(response) => self.pump.machine.sasl_response(&response)?,
                    None => self.pump.machine.sasl_cancel()?,
                },
                _ => return Ok(()),
            }
        }
    }

    /// AUTH PLAIN (RFC 4616) with the initial response.
    pub async fn authenticate_plain(&mut self, username: &str, password: &str) -> Result<(), Error> {
        let ir = sasl_plain(username, password);
        self.authenticate("PLAIN", Some(&ir), |_| None).await
    }

    /// STLS (RFC 2595): the command, the TLS handshake on the same
    /// connection, then CAPA again.
    #[cfg(feature = "tls")]
    pub async fn stls(
        &mut self,
        connector: &crate::tls::TlsConnector,
        server_name: crate::tls::ServerName<'static>,
    ) -> Result<(), Error> {
        self.stls_with(crate::tls::connector_upgrade(connector, server_name)).await
    }

    /// STLS with a TLS layer of any implementation: after the `+OK`,
    /// `upgrade` gets the plaintext connection and returns it encrypted
    /// (see [`ImapClient::starttls_with`](crate::ImapClient::starttls_with)).
    pub async fn stls_with<F, Fut, S>(&mut self, upgrade: F) -> Result<(), Error>
    where
        F: FnOnce(BoxedStream) -> Fut,
        Fut: std::future::Future<Output = Result<S, Error>>,
        S: AsyncStream + 'static,
    {
        if !self.capabilities().await?.contains(&Capability::Stls) {
            return Err(Error::Unsupported("STLS"));
        }
        self.execute(Command::Stls).await?;
        // The +OK is followed by the switch, from the same reply.
        if self.pump.machine.poll_event() != Some(ClientEvent::StartTls) {
            return Err(Error::Misuse("the machine did not switch to TLS"));
        }
        self.pump.upgrade(upgrade).await?;
        self.tls = true;
        self.capabilities().await?;
        Ok(())
    }

    /// STAT: the number of messages and their total size.
    ///
    /// ```no_run
    /// # async fn f(pop: &mut mail_codec::Pop3Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let (count, size) = pop.stat().await?;
    /// # Ok(()) }
    /// ```
    pub async fn stat(&mut self) -> Result<(u32, u64), Error> {
        match self.execute(Command::Stat).await? {
            ClientEvent::Stat { stat, .. } => Ok((stat.messages, stat.octets)),
            _ => Err(Error::Misuse("STAT's reply carried no drop listing")),
        }
    }

    /// RETR or TOP, the content (unstuffed) written to `out` as it
    /// arrives; returns the number of bytes written.
    pub async fn retrieve_to<W: AsyncWrite + Unpin>(&mut self, command: Command, out: &mut W) -> Result<u64, Error> {
        if !matches!(command, Command::Retr(_) | Command::Top { .. }) {
            return Err(Error::Misuse("retrieve_to takes RETR or TOP"));
        }
        let mut written = 0u64;
        match self.execute(command).await? {
            ClientEvent::Message { data, .. } => {
                out.write_all(&data).await?;
                return Ok(data.len() as u64);
            }
            ClientEvent::MessageStart { .. } => {}
            _ => return Err(Error::Misuse("the reply carried no message")),
        }
        loop {
            match self.pump.next_event().await?.ok_or(Error::ConnectionClosed)? {
                ClientEvent::MessageData(data) => {
                    out.write_all(&data).await?;
                    written += data.len() as u64;
                }
                ClientEvent::MessageEnd => {
                    out.flush().await?;
                    return Ok(written);
                }
                ClientEvent::Closed => return Err(Error::ConnectionClosed),
                event => self.updates.push_back(event),
            }
        }
    }

    /// RETR into memory (bounded by the machine's
    /// `Limits::max_message_size`).
    pub async fn retrieve(&mut self, message: MessageNumber) -> Result<Vec<u8>, Error> {
        let limit = self.pump.machine.config().limits.max_message_size;
        let mut out = LimitedWriter { data: Vec::new(), limit };
        self.retrieve_to(Command::Retr(message), &mut out).await?;
        Ok(out.data)
    }

    /// LIST: every message's number and size.
    ///
    /// ```no_run
    /// # async fn f(pop: &mut mail_codec::Pop3Client) -> Result<(), Box<dyn std::error::Error>> {
    /// for listing in pop.list().await? {
    ///     println!("{} {} bytes", listing.message, listing.octets);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list(&mut self) -> Result<Vec<ScanListing>, Error> {
        match self.execute(Command::List(None)).await? {
            ClientEvent::ScanListings { entries, .. } => Ok(entries),
            _ => Err(Error::Misuse("LIST's reply carried no listing")),
        }
    }

    /// UIDL: every message's number and unique id (stable across
    /// sessions, the key to download each message once).
    ///
    /// ```no_run
    /// # async fn f(pop: &mut mail_codec::Pop3Client) -> Result<(), Box<dyn std::error::Error>> {
    /// for entry in pop.uidl().await? {
    ///     println!("{} {:?}", entry.message, entry.uid);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn uidl(&mut self) -> Result<Vec<UniqueIdListing>, Error> {
        match self.execute(Command::Uidl(None)).await? {
            ClientEvent::UniqueIds { entries, .. } => Ok(entries),
            _ => Err(Error::Misuse("UIDL's reply carried no listing")),
        }
    }

    /// RETR `message` written to `out` as it arrives (unstuffed); the
    /// number of bytes.
    ///
    /// ```no_run
    /// # async fn f(pop: &mut mail_codec::Pop3Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut file = tokio::io::sink(); // a tokio::fs::File, a socket, ...
    /// for listing in pop.list().await? {
    ///     let bytes = pop.retr_to(listing.message, &mut file).await?;
    ///     pop.dele(listing.message).await?;
    ///     println!("{bytes} bytes");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn retr_to<W: AsyncWrite + Unpin>(&mut self, message: MessageNumber, out: &mut W) -> Result<u64, Error> {
        self.retrieve_to(Command::Retr(message), out).await
    }

    /// TOP: the header and the first `lines` body lines of `message`,
    /// written to `out` as they arrive.
    ///
    /// ```no_run
    /// # async fn f(pop: &mut mail_codec::Pop3Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut header = Vec::new();
    /// let number = pop.list().await?[0].message;
    /// pop.top_to(number, 0, &mut header).await?;
    /// # Ok(()) }
    /// ```
    pub async fn top_to<W: AsyncWrite + Unpin>(
        &mut self,
        message: MessageNumber,
        lines: u32,
        out: &mut W,
    ) -> Result<u64, Error> {
        self.retrieve_to(Command::Top { message, lines }, out).await
    }

    /// DELE: marks `message` for deletion at QUIT.
    ///
    /// ```no_run
    /// # async fn f(pop: &mut mail_codec::Pop3Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let number = pop.list().await?[0].message;
    /// pop.dele(number).await?; // applied at QUIT
    /// # Ok(()) }
    /// ```
    pub async fn dele(&mut self, message: MessageNumber) -> Result<(), Error> {
        self.execute(Command::Dele(message)).await.map(drop)
    }

    /// UTF8 (RFC 6856) when the server offers it: the server then sends
    /// messages as they are, 8-bit headers included, instead of a
    /// down-converted copy. Before login; `Ok(false)` when not offered.
    ///
    /// ```no_run
    /// # async fn f(pop: &mut mail_codec::Pop3Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let utf8 = pop.utf8().await?;
    /// pop.login("alice", "secret").await?;
    /// # Ok(()) }
    /// ```
    pub async fn utf8(&mut self) -> Result<bool, Error> {
        if !self.capabilities().await?.iter().any(|c| matches!(c, Capability::Utf8 { .. })) {
            return Ok(false);
        }
        self.execute(Command::Utf8).await?;
        Ok(true)
    }

    /// QUIT (deletions take effect), then closes the connection.
    ///
    /// ```no_run
    /// # async fn f(pop: mail_codec::Pop3Client) -> Result<(), Box<dyn std::error::Error>> {
    /// pop.quit().await?; // QUIT: marked messages are deleted now
    /// # Ok(()) }
    /// ```
    pub async fn quit(mut self) -> Result<(), Error> {
        self.execute(Command::Quit).await?;
        match self.pump.shutdown().await {
            Ok(()) => Ok(()),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::NotConnected | std::io::ErrorKind::BrokenPipe) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// The PLAIN message: `\0user\0password`.
fn sasl_plain(username: &str, password: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(username.len() + password.len() + 2);
    out.push(0);
    out.extend_from_slice(username.as_bytes());
    out.push(0);
    out.extend_from_slice(password.as_bytes());
    out
}

/// A `Vec` that refuses to grow past a limit.
struct LimitedWriter {
    data: Vec<u8>,
    limit: u64,
}

impl AsyncWrite for LimitedWriter {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if (self.data.len() + buf.len()) as u64 > self.limit {
            let limit = self.limit;
            return std::task::Poll::Ready(Err(std::io::Error::other(format!(
                "the message is larger than the limit of {limit} bytes"
            ))));
        }
        self.data.extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// A POP3 server connection: yields the client's commands as events and
/// writes the machine's replies (answer through
/// [`Pop3Server::machine_mut`]). STLS is carried out before its event is
/// returned.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), mail_codec::Error> {
/// use mail_codec::{Pop3Client, Pop3Server};
/// use pop3_wire::server::{ServerConfig, ServerEvent};
/// use pop3_wire::{Command, DropListing, Status, StatusLine};
///
/// let (client_io, server_io) = tokio::io::duplex(4096);
/// let server = tokio::spawn(async move {
///     let mut pop = Pop3Server::new(server_io, ServerConfig::default());
///     while let Some(event) = pop.next_event().await? {
///         let ServerEvent::Command(command) = event else { continue };
///         let machine = pop.machine_mut();
///         match command {
///             Command::User(_) => machine.complete(StatusLine::ok("go on").unwrap())?,
///             Command::Pass(_) => machine.complete(StatusLine::ok("welcome").unwrap())?,
///             Command::Stat => machine.complete(StatusLine::from(&DropListing { messages: 0, octets: 0 }))?,
///             Command::Quit => machine.complete(StatusLine::ok("bye").unwrap())?,
///             _ => machine.complete(StatusLine::err("not here").unwrap())?,
///         }
///     }
///     Ok::<_, mail_codec::Error>(())
/// });
/// let mut pop = Pop3Client::new(client_io, Default::default()).await?;
/// pop.login("alice", "secret").await?;
/// assert_eq!(pop.stat().await?, (0, 0));
/// pop.quit().await?;
/// server.await.unwrap()?;
/// # Ok(()) }
/// ```
pub struct Pop3Server {
    pump: Pump<Server>,
    upgrade: Option<TlsUpgrade>,
    tls: bool,
    closed: bool,
}

impl std::fmt::Debug for Pop3Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pop3Server").field("state", &self.pump.machine.state()).field("tls", &self.tls).finish()
    }
}

impl Pop3Server {
    /// Runs the server machine on an accepted stream; the greeting goes
    /// out with the first [`Pop3Server::next_event`]. STLS is not offered.
    pub fn new<S: AsyncStream + 'static>(stream: S, mut config: ServerConfig) -> Pop3Server {
        config.stls = false;
        Pop3Server { pump: Pump::new(Box::new(stream), Server::new(config)), upgrade: None, tls: false, closed: false }
    }

    /// A plaintext connection that offers STLS with this rustls acceptor.
    #[cfg(feature = "tls")]
    pub fn with_stls<S: AsyncStream + 'static>(
        stream: S,
        config: ServerConfig,
        acceptor: crate::tls::TlsAcceptor,
    ) -> Pop3Server {
        Pop3Server::with_stls_upgrade(stream, config, crate::tls::acceptor_upgrade(acceptor))
    }

    /// A plaintext connection that offers STLS with a TLS layer of any
    /// implementation (see [`tls_upgrade`](crate::tls_upgrade)).
    pub fn with_stls_upgrade<S: AsyncStream + 'static>(
        stream: S,
        mut config: ServerConfig,
        upgrade: TlsUpgrade,
    ) -> Pop3Server {
        config.stls = true;
        Pop3Server {
            pump: Pump::new(Box::new(stream), Server::new(config)),
            upgrade: Some(upgrade),
            tls: false,
            closed: false,
        }
    }

    /// Implicit TLS (port 995): the handshake, then the machine.
    #[cfg(feature = "tls")]
    pub async fn accept_tls<S: AsyncStream + 'static>(
        stream: S,
        acceptor: &crate::tls::TlsAcceptor,
        config: ServerConfig,
    ) -> Result<Pop3Server, Error> {
        let tls = acceptor.accept(stream).await.map_err(crate::tls::handshake_error)?;
        let mut server = Pop3Server::new(tls, config);
        server.tls = true;
        // The machine knows the connection is private (no plaintext-login
        // refusal, no STARTTLS/STLS on offer).
        server.pump.machine.tls_established();
        Ok(server)
    }

    /// Gives up on a write the client takes none of for `timeout` (the
    /// event or flush fails with `TimedOut`): a client that stopped
    /// reading, or a host gone without closing, does not hold the
    /// connection (and what the session holds) forever. None by default.
    pub fn set_write_timeout(&mut self, timeout: Option<std::time::Duration>) {
        self.pump.set_write_timeout(timeout);
    }

    /// The machine, to read its state.
    pub fn machine(&self) -> &Server {
        &self.pump.machine
    }

    /// The machine, to reply.
    pub fn machine_mut(&mut self) -> &mut Server {
        &mut self.pump.machine
    }

    /// Whether the connection runs over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The next event, writing the replies queued so far. After
    /// [`ServerEvent::Closed`] the output is written and the connection
    /// shut down; then `None`.
    pub async fn next_event(&mut self) -> Result<Option<ServerEvent>, Error> {
        if self.closed {
            return Ok(None);
        }
        let Some(event) = self.pump.next_event().await? else {
            self.closed = true;
            return Ok(None);
        };
        match &event {
            ServerEvent::StartTls => self.start_tls().await?,
            ServerEvent::Closed => {
                self.closed = true;
                let _ = self.pump.shutdown().await;
            }
            _ => {}
        }
        Ok(Some(event))
    }

    async fn start_tls(&mut self) -> Result<(), Error> {
        let upgrade = self.upgrade.clone().ok_or(Error::Misuse("STLS accepted without a TLS layer"))?;
        self.pump.upgrade(|plain| upgrade(plain)).await?;
        self.tls = true;
        Ok(())
    }

    /// Writes everything queued (between chunks of a message sent with
    /// `begin_body`/`body_data`, so that a slow client slows the
    /// sender down).
    pub async fn flush(&mut self) -> Result<(), Error> {
        Ok(self.pump.flush().await?)
    }

    /// Writes everything queued and closes the connection.
    pub async fn shutdown(&mut self) -> Result<(), Error> {
        self.closed = true;
        Ok(self.pump.shutdown().await?)
    }
}
