//! The IMAP drivers: [`ImapClient`] and [`ImapServer`] pump
//! `imap_wire`'s machines over any async stream.

use std::collections::{HashMap, HashSet, VecDeque};

use bytes::Bytes;
use imap_wire::client::{Client, ClientConfig, ClientEvent, PeerError};
use imap_wire::server::{Server, ServerConfig, ServerEvent};
use imap_wire::{
    Atom, Capability, Command, CommandBody, Data, Greeting, GreetingKind, StatusKind, StatusResponse, Tag,
};

use crate::deflate::DeflateStream;
use crate::pump::{AsyncStream, BoxedStream, Pump, TlsUpgrade};
use crate::Error;

/// A completed command: the tagged OK and the untagged responses that
/// answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The command, with its tag.
    pub command: Command,
    /// The tagged completion (OK).
    pub status: StatusResponse,
    /// The untagged data attributed to the command, in order (the LIST
    /// lines of a LIST, the FETCH responses of a FETCH, the EXISTS of a
    /// SELECT, ...).
    pub data: Vec<Data>,
    /// The untagged OK/NO/BAD attributed to the command (`[UIDVALIDITY]`,
    /// `[PERMANENTFLAGS]` during SELECT, ...).
    pub statuses: Vec<StatusResponse>,
}

#[derive(Debug, Default)]
struct Gathered {
    data: Vec<Data>,
    statuses: Vec<StatusResponse>,
    /// Sections streamed for the FETCH response still to come, joined.
    sections: Vec<(imap_wire::LiteralAttribute, bytes::BytesMut)>,
}

/// FETCH sections larger than this are streamed by the machine
/// ([`ImapClient::set_stream_sections_above`]).
pub const DEFAULT_STREAM_SECTIONS_ABOVE: u64 = 256 * 1024;

/// How a finished command ended.
#[derive(Debug)]
enum Finished {
    Completed(Box<Outcome>),
    Failed(PeerError),
}

fn atom(s: &'static str) -> Atom {
    Atom::try_from(s).expect("a valid atom")
}

/// Whether `caps` has the capability called `name` (case-insensitive;
/// `AUTH=PLAIN` for a mechanism).
fn offers(caps: &[Capability], name: &str) -> bool {
    caps.iter().any(|c| match c {
        Capability::Auth(mech) => {
            name.len() > 5 && name[..5].eq_ignore_ascii_case("AUTH=") && name[5..].eq_ignore_ascii_case(mech.as_str())
        }
        other => other.name().eq_ignore_ascii_case(name),
    })
}

/// An IMAP client connection: sends commands and waits for their
/// outcome, doing the protocol's flow on the way (literals after `+`,
/// SASL steps, IDLE and DONE, STARTTLS, COMPRESS).
///
/// Responses nobody asked for (EXISTS, EXPUNGE, FETCH FLAGS from other
/// sessions, `[ALERT]`s, keep-alives, protocol violations) are kept, in
/// order, for [`ImapClient::take_updates`]. Every await is cancel-safe:
/// wrap any of them in `tokio::time::timeout` to bound the wait (the
/// connection stays usable; the command stays in flight).
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), mail_codec::Error> {
/// use imap_wire::client::ClientConfig;
/// use imap_wire::{CommandBody, Data, IString, Mailbox};
/// use mail_codec::ImapClient;
/// use std::time::Duration;
///
/// let tcp = tokio::net::TcpStream::connect("127.0.0.1:143").await?;
/// let mut imap = ImapClient::new(tcp, ClientConfig::default()).await?;
/// imap.login("alice", "secret").await?;
/// let list = CommandBody::list(Mailbox::from(""), IString::from("*"));
/// // Timeouts are the caller's: here, ten seconds for the LIST.
/// let outcome = tokio::time::timeout(Duration::from_secs(10), imap.execute(list)).await.expect("timed out")?;
/// for data in &outcome.data {
///     if let Data::List(item) = data {
///         println!("{:?}", item.mailbox);
///     }
/// }
/// imap.logout().await?;
/// # Ok(()) }
/// ```
pub struct ImapClient {
    pump: Pump<Client>,
    greeting: Greeting,
    updates: VecDeque<ClientEvent>,
    gathering: HashMap<Tag, Gathered>,
    finished: HashMap<Tag, Finished>,
    /// Commands whose answers a [`Fetch`](crate::imap_ops::Fetch) takes
    /// itself: what of them reaches [`ImapClient::route`] (the Fetch was
    /// dropped before its end) is dropped.
    pub(crate) abandoned: HashSet<Tag>,
    tls: bool,
}

impl std::fmt::Debug for ImapClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapClient").field("state", &self.pump.machine.state()).field("tls", &self.tls).finish()
    }
}

impl ImapClient {
    /// Runs the client on a connected stream and waits for the greeting.
    /// A `* BYE` greeting is [`Error::GreetingRefused`]; a peer that is not
    /// an IMAP server (a POP3 or SMTP greeting, TLS data, ...) is
    /// `Error::ImapPeer(PeerError::NotImap { .. })` as soon as its first line
    /// arrives, naming what it sent. A server that sends nothing (an
    /// implicit-TLS port waits for the client to speak first) is the
    /// caller's to time out:
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use mail_codec::imap_wire::client::ClientConfig;
    /// let tcp = tokio::net::TcpStream::connect("127.0.0.1:143").await?;
    /// let imap = tokio::time::timeout(Duration::from_secs(10), mail_codec::ImapClient::new(tcp, ClientConfig::default()))
    ///     .await
    ///     .map_err(|_| "no greeting within 10 s: is this an implicit-TLS port?")??;
    /// # Ok(()) }
    /// ```
    pub async fn new<S: AsyncStream + 'static>(stream: S, mut config: ClientConfig) -> Result<ImapClient, Error> {
        if config.stream_sections_above.is_none() {
            config.stream_sections_above = Some(DEFAULT_STREAM_SECTIONS_ABOVE);
        }
        let mut client = ImapClient {
            pump: Pump::new(Box::new(stream), Client::new(config)),
            greeting: Greeting { kind: GreetingKind::Ok, code: None, text: imap_wire::Text::default() },
            updates: VecDeque::new(),
            gathering: HashMap::new(),
            finished: HashMap::new(),
            abandoned: HashSet::new(),
            tls: false,
        };
        loop {
            match client.pump.next_event().await? {
                Some(ClientEvent::Greeting(greeting)) => {
                    if greeting.kind == GreetingKind::Bye {
                        return Err(Error::GreetingRefused(String::from_utf8_lossy(greeting.text.as_bytes()).into()));
                    }
                    client.greeting = greeting;
                    return Ok(client);
                }
                Some(ClientEvent::Violation(error @ PeerError::NotImap { .. })) => return Err(error.into()),
                Some(event) => client.updates.push_back(event),
                None => return Err(Error::ConnectionClosed),
            }
        }
    }

    /// Implicit TLS (port 993): the TLS handshake, then the greeting.
    #[cfg(feature = "tls")]
    pub async fn connect_tls<S: AsyncStream + 'static>(
        stream: S,
        connector: &crate::tls::TlsConnector,
        server_name: crate::tls::ServerName<'static>,
        config: ClientConfig,
    ) -> Result<ImapClient, Error> {
        let tls = connector.connect(server_name, stream).await.map_err(crate::tls::handshake_error)?;
        let mut client = ImapClient::new(tls, config).await?;
        client.tls = true;
        Ok(client)
    }

    /// The server's greeting.
    pub fn greeting(&self) -> &Greeting {
        &self.greeting
    }

    /// The machine: the connection state, the capabilities known, the
    /// selected mailbox.
    pub fn machine(&self) -> &Client {
        &self.pump.machine
    }

    /// Whether the connection runs over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// FETCH sections larger than `size` are read in pieces as they
    /// arrive ([`DEFAULT_STREAM_SECTIONS_ABOVE`] unless the
    /// [`ClientConfig`] said otherwise): [`Fetch::next_part`] hands the
    /// pieces out, so memory stays bounded whatever the message size;
    /// everything else ([`ImapClient::execute`], [`Fetch::next`]) joins
    /// them again. `None` reads every response whole.
    ///
    /// [`Fetch::next_part`]: crate::imap_ops::Fetch::next_part
    /// [`Fetch::next`]: crate::imap_ops::Fetch::next
    pub fn set_stream_sections_above(&mut self, size: Option<u64>) {
        self.pump.machine.set_stream_sections_above(size);
    }

    /// The next event from the machine, reading as needed (for the
    /// operations that take their command's events themselves).
    pub(crate) async fn pump_event(&mut self) -> Result<ClientEvent, Error> {
        self.pump.next_event().await?.ok_or(Error::ConnectionClosed)
    }

    /// Writes what is queued.
    pub(crate) async fn pump_flush(&mut self) -> Result<(), Error> {
        Ok(self.pump.flush().await?)
    }

    /// The server's capabilities, asking with CAPABILITY when they are
    /// not known (after STARTTLS and login they are asked again).
    pub async fn capabilities(&mut self) -> Result<Vec<Capability>, Error> {
        if self.pump.machine.capabilities().is_none() {
            self.execute(CommandBody::Capability).await?;
        }
        Ok(self.pump.machine.capabilities().map(<[Capability]>::to_vec).unwrap_or_default())
    }

    /// Whether the server announced the capability called `name`
    /// (case-insensitive, e.g. `IDLE`, `AUTH=PLAIN`, `COMPRESS=DEFLATE`);
    /// asks with CAPABILITY when they are not known.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// if imap.has_capability("MOVE").await? {
    ///     imap.uid_move(4711, "Archive").await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn has_capability(&mut self, name: &str) -> Result<bool, Error> {
        Ok(offers(&self.capabilities().await?, name))
    }

    /// Queues a command without waiting (pipelining); its outcome is
    /// taken with [`ImapClient::wait`]. STARTTLS, COMPRESS, IDLE and
    /// AUTHENTICATE have their own methods.
    pub fn send(&mut self, body: CommandBody) -> Result<Tag, Error> {
        match body {
            CommandBody::StartTls => return Err(Error::Misuse("STARTTLS is run by ImapClient::starttls")),
            CommandBody::Idle => return Err(Error::Misuse("IDLE is run by ImapClient::idle")),
            CommandBody::Authenticate { .. } => {
                return Err(Error::Misuse("AUTHENTICATE is run by ImapClient::authenticate"))
            }
            CommandBody::Compress { .. } => return Err(Error::Misuse("COMPRESS is run by ImapClient::compress")),
            _ => {}
        }
        Ok(self.pump.machine.send(body)?)
    }

    /// Sends a command and waits for its completion. A tagged NO or BAD is
    /// [`Error::ImapRefused`]; the connection stays usable.
    pub async fn execute(&mut self, body: CommandBody) -> Result<Outcome, Error> {
        let tag = self.send(body)?;
        self.wait(&tag).await
    }

    /// Waits for the completion of a command sent with
    /// [`ImapClient::send`].
    pub async fn wait(&mut self, tag: &Tag) -> Result<Outcome, Error> {
        loop {
            if let Some(finished) = self.finished.remove(tag) {
                return match finished {
                    Finished::Completed(outcome) if outcome.status.kind == StatusKind::Ok => Ok(*outcome),
                    Finished::Completed(outcome) => {
                        let outcome = *outcome;
                        Err(Error::ImapRefused { command: Box::new(outcome.command), status: Box::new(outcome.status) })
                    }
                    Finished::Failed(error) => Err(Error::ImapPeer(error)),
                };
            }
            let event = self.pump.next_event().await?.ok_or(Error::ConnectionClosed)?;
            self.route(event);
        }
    }

    /// Files an event: answers with their command, the rest as updates.
    pub(crate) fn route(&mut self, event: ClientEvent) {
        match event {
            ClientEvent::Data { command: Some(tag), .. }
            | ClientEvent::Status { command: Some(tag), .. }
            | ClientEvent::SectionStart { command: tag, .. }
            | ClientEvent::SectionData { command: tag, .. }
                if self.abandoned.contains(&tag) => {}
            ClientEvent::Completed { command, .. } | ClientEvent::Failed { command, .. }
                if self.abandoned.contains(&command.tag) =>
            {
                self.abandoned.remove(&command.tag);
            }
            ClientEvent::SectionStart { command, attribute, size, .. } => {
                let joined = bytes::BytesMut::with_capacity(size.min(1 << 20) as usize);
                self.gathering.entry(command).or_default().sections.push((attribute, joined));
            }
            ClientEvent::SectionData { command, data } => {
                if let Some((_, joined)) = self.gathering.entry(command).or_default().sections.last_mut() {
                    joined.extend_from_slice(&data);
                }
            }
            ClientEvent::Data { data: Data::Fetch { seq, mut attributes }, command: Some(tag) } => {
                let gathered = self.gathering.entry(tag).or_default();
                let sections = std::mem::take(&mut gathered.sections);
                crate::imap_ops::fill_sections(&mut attributes, sections.into_iter().map(|(a, b)| (a, b.freeze())));
                gathered.data.push(Data::Fetch { seq, attributes });
            }
            ClientEvent::Data { data, command: Some(tag) } => self.gathering.entry(tag).or_default().data.push(data),
            ClientEvent::Status { status, command: Some(tag) } => {
                self.gathering.entry(tag).or_default().statuses.push(status)
            }
            ClientEvent::Completed { command, status } => {
                let gathered = self.gathering.remove(&command.tag).unwrap_or_default();
                let tag = command.tag.clone();
                let outcome = Outcome { command, status, data: gathered.data, statuses: gathered.statuses };
                self.finished.insert(tag, Finished::Completed(Box::new(outcome)));
            }
            ClientEvent::Failed { command, error } => {
                self.gathering.remove(&command.tag);
                self.finished.insert(command.tag, Finished::Failed(error));
            }
            other => self.updates.push_back(other),
        }
    }

    /// The responses nobody asked for, in order, since the last call:
    /// unsolicited data and statuses, keep-alives, BYE, and protocol
    /// violations (each a [`ClientEvent::Violation`]; what was parsed
    /// before and after it is kept).
    pub fn take_updates(&mut self) -> Vec<ClientEvent> {
        self.updates.drain(..).collect()
    }

    /// The next event, raw: updates kept earlier first, then whatever the
    /// server sends (for callers that stream large results with
    /// [`ImapClient::send`]). `None` once the connection is closed.
    pub async fn next_event(&mut self) -> Result<Option<ClientEvent>, Error> {
        if let Some(event) = self.updates.pop_front() {
            return Ok(Some(event));
        }
        Ok(self.pump.next_event().await?)
    }

    /// Writes the commands queued with [`ImapClient::send`] without
    /// waiting for answers.
    pub async fn flush(&mut self) -> Result<(), Error> {
        Ok(self.pump.flush().await?)
    }

    /// LOGIN. Refused without sending when the server announced
    /// `LOGINDISABLED` (use TLS first).
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// imap.login("alice", "secret").await?;
    /// # Ok(()) }
    /// ```
    pub async fn login(&mut self, username: &str, password: &str) -> Result<Outcome, Error> {
        if self.pump.machine.capabilities().is_some_and(|caps| offers(caps, "LOGINDISABLED")) {
            return Err(Error::Unsupported("LOGIN (it announces LOGINDISABLED)"));
        }
        let body = CommandBody::Login { username: username.into(), password: password.into() };
        self.execute(body).await
    }

    /// AUTHENTICATE with a SASL mechanism: `initial_response` is sent with
    /// the command (SASL-IR) or after the server's first empty challenge;
    /// `respond` answers each further challenge (`None` cancels the
    /// exchange).
    pub async fn authenticate(
        &mut self,
        mechanism: &str,
        initial_response: Option<&[u8]>,
        mut respond: impl FnMut(&[u8]) -> Option<Vec<u8>>,
    ) -> Result<Outcome, Error> {
        let mechanism = Atom::try_from(mechanism).map_err(|_| Error::Misuse("invalid SASL mechanism name"))?;
        let body = CommandBody::Authenticate {
            mechanism,
            initial_response: initial_response.map(|ir| imap_wire::IString::from(Bytes::copy_from_slice(ir))),
        };
        let tag = self.pump.machine.send(body)?;
        loop {
            if self.finished.contains_key(&tag) {
                return self.wait(&tag).await;
            }
            match self.pump.next_event().await?.ok_or(Error::ConnectionClosed)? {
                ClientEvent::SaslChallenge { tag: t, challenge } if t == tag => match respond(&challenge) {
                    Some(response) => self.pump.machine.sasl_response(&response)?,
                    None => self.pump.machine.sasl_cancel()?,
                },
                event => self.route(event),
            }
        }
    }

    /// AUTHENTICATE PLAIN (RFC 4616) with the initial response.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// imap.authenticate_plain("alice", "secret").await?;
    /// # Ok(()) }
    /// ```
    pub async fn authenticate_plain(&mut self, username: &str, password: &str) -> Result<Outcome, Error> {
        let ir = imap_wire::sasl::plain("", username, password);
        self.authenticate("PLAIN", Some(&ir), |_| None).await
    }

    /// STARTTLS: the command, the TLS handshake on the same connection,
    /// then the capabilities asked again (RFC 3501 6.2.1). Plaintext the
    /// server sent after its OK is dropped and reported as a
    /// [`ClientEvent::Violation`] in the updates.
    #[cfg(feature = "tls")]
    pub async fn starttls(
        &mut self,
        connector: &crate::tls::TlsConnector,
        server_name: crate::tls::ServerName<'static>,
    ) -> Result<(), Error> {
        self.starttls_with(crate::tls::connector_upgrade(connector, server_name)).await
    }

    /// STARTTLS with a TLS layer of any implementation (native-tls, a
    /// rustls setup of your own, ...): after the server's OK, `upgrade`
    /// gets the plaintext connection and returns it encrypted, handshake
    /// done. Then the capabilities are asked again, as with
    /// [`ImapClient::starttls`].
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), mail_codec::Error> {
    /// imap.starttls_with(|plain| async move {
    ///     // e.g. tokio_native_tls::TlsConnector::from(..).connect("imap.example.org", plain).await
    ///     Ok::<_, mail_codec::Error>(plain)
    /// })
    /// .await?;
    /// # Ok(()) }
    /// ```
    pub async fn starttls_with<F, Fut, S>(&mut self, upgrade: F) -> Result<(), Error>
    where
        F: FnOnce(BoxedStream) -> Fut,
        Fut: std::future::Future<Output = Result<S, Error>>,
        S: AsyncStream + 'static,
    {
        if !self.has_capability("STARTTLS").await? {
            return Err(Error::Unsupported("STARTTLS"));
        }
        let tag = self.pump.machine.send(CommandBody::StartTls)?;
        self.wait(&tag).await?;
        self.expect_switch(|e| matches!(e, ClientEvent::StartTls))?;
        // Bytes read after the OK go to the machine, which drops and
        // reports them: nothing sent in the clear before TLS is trusted.
        self.pump.upgrade(upgrade).await?;
        self.tls = true;
        self.capabilities().await?;
        Ok(())
    }

    /// After a completion that switches layers, the machine's next event
    /// is the switch.
    fn expect_switch(&mut self, is_switch: impl Fn(&ClientEvent) -> bool) -> Result<(), Error> {
        while let Some(event) = self.pump.machine.poll_event() {
            if is_switch(&event) {
                return Ok(());
            }
            self.route(event);
        }
        Err(Error::Misuse("the machine did not switch layers"))
    }

    /// COMPRESS DEFLATE (RFC 4978): after the tagged OK, both directions
    /// are compressed. Refused without sending when the server does not
    /// announce `COMPRESS=DEFLATE`.
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// if imap.has_capability("COMPRESS=DEFLATE").await? {
    ///     imap.compress().await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn compress(&mut self) -> Result<(), Error> {
        if !self.has_capability("COMPRESS=DEFLATE").await? {
            return Err(Error::Unsupported("COMPRESS=DEFLATE"));
        }
        let tag = self.pump.machine.send(CommandBody::Compress { algorithm: atom("DEFLATE") })?;
        self.wait(&tag).await?;
        self.expect_switch(|e| matches!(e, ClientEvent::Compress))?;
        self.pump.flush().await?;
        let mut raw = bytes::BytesMut::from(&self.pump.machine.take_compressed_input()[..]);
        raw.extend_from_slice(&self.pump.take_input());
        let io = self.pump.take_io()?;
        self.pump.put_io(Box::new(DeflateStream::new(io, raw.freeze())));
        Ok(())
    }

    /// IDLE (RFC 2177): returns once the server accepted it; take updates
    /// from the [`Idle`] and end it with [`Idle::done`].
    ///
    /// ```no_run
    /// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut idle = imap.idle().await?;
    /// if let Some(update) = idle.next_update().await? {
    ///     println!("{update:?}");
    /// }
    /// idle.done().await?;
    /// # Ok(()) }
    /// ```
    pub async fn idle(&mut self) -> Result<Idle<'_>, Error> {
        if !self.has_capability("IDLE").await? {
            return Err(Error::Unsupported("IDLE"));
        }
        let tag = self.pump.machine.send(CommandBody::Idle)?;
        loop {
            if self.finished.contains_key(&tag) {
                // Refused (or failed): the error says why.
                self.wait(&tag).await?;
                return Err(Error::Misuse("the server completed IDLE before accepting it"));
            }
            match self.pump.next_event().await?.ok_or(Error::ConnectionClosed)? {
                ClientEvent::Idling { tag: t } if t == tag => return Ok(Idle { client: self, tag }),
                event => self.route(event),
            }
        }
    }

    /// LOGOUT, then closes the connection.
    ///
    /// ```no_run
    /// # async fn f(imap: mail_codec::ImapClient) -> Result<(), Box<dyn std::error::Error>> {
    /// imap.logout().await?; // LOGOUT, then the connection (and TLS) closed
    /// # Ok(()) }
    /// ```
    pub async fn logout(mut self) -> Result<(), Error> {
        match self.execute(CommandBody::Logout).await {
            Ok(_) | Err(Error::ImapPeer(PeerError::ConnectionClosed { .. })) => {}
            Err(e) => return Err(e),
        }
        match self.pump.shutdown().await {
            Ok(()) => Ok(()),
            // The server may close first, as the RFC lets it.
            Err(e) if matches!(e.kind(), std::io::ErrorKind::NotConnected | std::io::ErrorKind::BrokenPipe) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// A running IDLE; see [`ImapClient::idle`].
///
/// ```no_run
/// # async fn f(imap: &mut mail_codec::ImapClient) -> Result<(), mail_codec::Error> {
/// use std::time::Duration;
/// let mut idle = imap.idle().await?;
/// // Wait up to 29 minutes for an update (RFC 2177's advice), then end.
/// while let Ok(update) = tokio::time::timeout(Duration::from_secs(29 * 60), idle.next_update()).await {
///     match update? {
///         Some(event) => println!("{event:?}"),
///         None => break,
///     }
/// }
/// idle.done().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Idle<'a> {
    client: &'a mut ImapClient,
    tag: Tag,
}

impl Idle<'_> {
    /// The next update (EXISTS, EXPUNGE, FETCH FLAGS, keep-alives, ...);
    /// `None` when the server ended the IDLE or closed the connection.
    /// Cancel-safe: a timeout around it loses nothing.
    pub async fn next_update(&mut self) -> Result<Option<ClientEvent>, Error> {
        loop {
            if let Some(event) = self.client.updates.pop_front() {
                return Ok(Some(event));
            }
            if self.client.finished.contains_key(&self.tag) {
                return Ok(None);
            }
            match self.client.pump.next_event().await? {
                Some(event) => self.client.route(event),
                None => return Ok(None),
            }
        }
    }

    /// Sends DONE and waits for the IDLE's completion. Updates the server
    /// sends between DONE and its tagged OK (a server may hold them until
    /// then) are kept, in order, for [`ImapClient::take_updates`].
    pub async fn done(self) -> Result<Outcome, Error> {
        if !self.client.finished.contains_key(&self.tag) {
            self.client.pump.machine.idle_done()?;
        }
        self.client.wait(&self.tag).await
    }
}

/// An IMAP server connection: yields the client's commands as events and
/// writes the machine's answers, doing the protocol's flow on the way
/// (the `+` for synchronizing literals and IDLE, STARTTLS, COMPRESS).
///
/// Answer commands through [`ImapServer::machine_mut`]
/// (`respond`, `complete`, `update`, ...); what they queue is written at
/// the next [`ImapServer::next_event`] or [`ImapServer::flush`]. Every
/// await is cancel-safe, so a session can `tokio::select!` between
/// [`ImapServer::next_event`] and its own notifications (a mailbox changed
/// by another session) and call `update` for those.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), mail_codec::Error> {
/// use imap_wire::client::ClientConfig;
/// use imap_wire::server::{ServerConfig, ServerEvent};
/// use imap_wire::{CommandBody, StatusKind};
/// use mail_codec::{ImapClient, ImapServer};
///
/// let (client_io, server_io) = tokio::io::duplex(4096);
/// let server = tokio::spawn(async move {
///     let mut server = ImapServer::new(server_io, ServerConfig::default());
///     while let Some(event) = server.next_event().await? {
///         if let ServerEvent::Command(command) = event {
///             let (kind, text) = match command.body {
///                 CommandBody::Login { .. } => (StatusKind::Ok, "welcome"),
///                 CommandBody::Noop => (StatusKind::Ok, "done"),
///                 _ => (StatusKind::Bad, "not here"),
///             };
///             server.machine_mut().complete(&command.tag, kind, None, text)?;
///         }
///     }
///     Ok::<_, mail_codec::Error>(())
/// });
/// let mut imap = ImapClient::new(client_io, ClientConfig::default()).await?;
/// imap.login("alice", "secret").await?;
/// imap.execute(CommandBody::Noop).await?;
/// imap.logout().await?;
/// server.await.unwrap()?;
/// # Ok(()) }
/// ```
pub struct ImapServer {
    pump: Pump<Server>,
    upgrade: Option<TlsUpgrade>,
    tls: bool,
    closed: bool,
}

impl std::fmt::Debug for ImapServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapServer").field("state", &self.pump.machine.state()).field("tls", &self.tls).finish()
    }
}

impl ImapServer {
    /// Runs the server machine on an accepted stream; the greeting goes
    /// out with the first [`ImapServer::next_event`]. STARTTLS is not
    /// offered (see [`ImapServer::with_starttls`]).
    pub fn new<S: AsyncStream + 'static>(stream: S, mut config: ServerConfig) -> ImapServer {
        config.starttls = false;
        ImapServer { pump: Pump::new(Box::new(stream), Server::new(config)), upgrade: None, tls: false, closed: false }
    }

    /// A plaintext connection that offers STARTTLS with this rustls
    /// acceptor.
    #[cfg(feature = "tls")]
    pub fn with_starttls<S: AsyncStream + 'static>(
        stream: S,
        config: ServerConfig,
        acceptor: crate::tls::TlsAcceptor,
    ) -> ImapServer {
        ImapServer::with_starttls_upgrade(stream, config, crate::tls::acceptor_upgrade(acceptor))
    }

    /// A plaintext connection that offers STARTTLS with a TLS layer of any
    /// implementation (see [`tls_upgrade`](crate::tls_upgrade)): after the
    /// OK, `upgrade` gets the plaintext connection and returns it
    /// encrypted.
    pub fn with_starttls_upgrade<S: AsyncStream + 'static>(
        stream: S,
        mut config: ServerConfig,
        upgrade: TlsUpgrade,
    ) -> ImapServer {
        config.starttls = true;
        ImapServer {
            pump: Pump::new(Box::new(stream), Server::new(config)),
            upgrade: Some(upgrade),
            tls: false,
            closed: false,
        }
    }

    /// Implicit TLS (port 993): the handshake, then the machine.
    #[cfg(feature = "tls")]
    pub async fn accept_tls<S: AsyncStream + 'static>(
        stream: S,
        acceptor: &crate::tls::TlsAcceptor,
        mut config: ServerConfig,
    ) -> Result<ImapServer, Error> {
        let tls = acceptor.accept(stream).await.map_err(crate::tls::handshake_error)?;
        config.starttls = false;
        let mut server = ImapServer::new(tls, config);
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

    /// The machine, to answer commands and send updates.
    pub fn machine_mut(&mut self) -> &mut Server {
        &mut self.pump.machine
    }

    /// Whether the connection runs over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The next event, writing the answers queued so far. STARTTLS and
    /// COMPRESS are carried out before their events are returned (the OK
    /// is written, the layer is on). After [`ServerEvent::Closed`] the
    /// output is written and the connection shut down; then `None`.
    pub async fn next_event(&mut self) -> Result<Option<ServerEvent>, Error> {
        if self.closed {
            return Ok(None);
        }
        let event = match self.pump.next_event().await? {
            Some(event) => event,
            None => {
                self.closed = true;
                return Ok(None);
            }
        };
        match &event {
            ServerEvent::StartTls => self.start_tls().await?,
            ServerEvent::Compress => {
                self.pump.flush().await?;
                let mut raw = bytes::BytesMut::from(&self.pump.machine.take_compressed_input()[..]);
                raw.extend_from_slice(&self.pump.take_input());
                let io = self.pump.take_io()?;
                self.pump.put_io(Box::new(DeflateStream::new(io, raw.freeze())));
            }
            ServerEvent::Closed => {
                self.closed = true;
                // The client may be gone already; its side is its own.
                let _ = self.pump.shutdown().await;
            }
            _ => {}
        }
        Ok(Some(event))
    }

    async fn start_tls(&mut self) -> Result<(), Error> {
        let upgrade = self.upgrade.clone().ok_or(Error::Misuse("STARTTLS accepted without a TLS layer"))?;
        self.pump.upgrade(|plain| upgrade(plain)).await?;
        self.tls = true;
        Ok(())
    }

    /// Writes everything queued (for example between chunks of a streamed
    /// FETCH literal, so that a slow client slows the sender down).
    pub async fn flush(&mut self) -> Result<(), Error> {
        Ok(self.pump.flush().await?)
    }

    /// Writes everything queued and closes the connection (after a BYE
    /// sent with `update`, for a server shutting down).
    pub async fn shutdown(&mut self) -> Result<(), Error> {
        self.closed = true;
        Ok(self.pump.shutdown().await?)
    }
}
