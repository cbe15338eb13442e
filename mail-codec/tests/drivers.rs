//! The drivers against each other over in-memory pipes: every flow the
//! drivers carry out for the caller (literals, SASL, IDLE, STARTTLS, STLS,
//! COMPRESS), a reset connection, and a timeout in the middle of a wait.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use imap_wire::client::{ClientConfig, ClientEvent};
use imap_wire::server::{ServerConfig, ServerEvent};
use imap_wire::{Capability, CommandBody, Data, IString, Mailbox, StatusKind};
use mail_codec::tls::{self, rustls, Verification};
use mail_codec::{Error, ImapClient, ImapServer, Pop3Client, Pop3Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

fn atom(s: &str) -> imap_wire::Atom {
    imap_wire::Atom::try_from(s).unwrap()
}

fn server_config() -> ServerConfig {
    ServerConfig {
        capabilities: vec![
            Capability::Imap4Rev1,
            Capability::Idle,
            Capability::Auth(atom("PLAIN")),
            Capability::Other(atom("COMPRESS=DEFLATE")),
        ],
        ..ServerConfig::default()
    }
}

/// A small server: LOGIN and AUTHENTICATE PLAIN for alice/secret, APPEND
/// keeps the message, SELECT, IDLE (updates from `pushes` while idling),
/// LIST, COMPRESS, NOOP. Returns the appended messages.
async fn serve(mut server: ImapServer, mut pushes: mpsc::Receiver<Data>) -> Result<Vec<Bytes>, Error> {
    let mut appended = Vec::new();
    let mut idle_tag = None;
    loop {
        let event = tokio::select! {
            event = server.next_event() => event?,
            Some(data) = pushes.recv(), if idle_tag.is_some() => {
                server.machine_mut().update(data).unwrap();
                continue;
            }
        };
        let Some(event) = event else { return Ok(appended) };
        let m = server.machine_mut();
        match event {
            ServerEvent::Command(command) => {
                let tag = &command.tag;
                match command.body {
                    CommandBody::Login { username, password } => {
                        let ok = &username[..] == b"alice" && &password[..] == b"secret";
                        let kind = if ok { StatusKind::Ok } else { StatusKind::No };
                        m.complete(tag, kind, None, if ok { "welcome" } else { "wrong password" })?;
                    }
                    CommandBody::Authenticate { initial_response: Some(ir), .. } => {
                        let ok = &ir[..] == b"\0alice\0secret";
                        let kind = if ok { StatusKind::Ok } else { StatusKind::No };
                        m.complete(tag, kind, None, "done")?;
                    }
                    // Without SASL-IR: an empty challenge asks for it.
                    CommandBody::Authenticate { initial_response: None, .. } => m.sasl_challenge(tag, b"")?,
                    CommandBody::StartTls => m.complete(tag, StatusKind::Ok, None, "begin TLS")?,
                    CommandBody::Append { messages, .. } => {
                        appended.extend(messages.iter().filter_map(|m| m.literal().cloned()).map(IString::into_bytes));
                        m.complete(tag, StatusKind::Ok, None, "appended")?;
                    }
                    CommandBody::Select { .. } => {
                        m.respond(tag, Data::Exists(appended.len() as u32))?;
                        m.complete(tag, StatusKind::Ok, None, "selected")?;
                    }
                    CommandBody::List { .. } => {
                        let line = b"* LIST (\\HasNoChildren) \"/\" INBOX\r\n";
                        let imap_wire::Response::Data(data) = imap_wire::Response::parse(line).unwrap() else {
                            unreachable!()
                        };
                        m.respond(tag, data)?;
                        m.complete(tag, StatusKind::Ok, None, "listed")?;
                    }
                    CommandBody::Idle => idle_tag = Some(tag.clone()),
                    CommandBody::Compress { .. } | CommandBody::Noop => {
                        m.complete(tag, StatusKind::Ok, None, "done")?
                    }
                    _ => m.complete(tag, StatusKind::Bad, None, "not here")?,
                }
            }
            ServerEvent::SaslResponse { tag, data } => {
                let ok = &data[..] == b"\0alice\0secret";
                let kind = if ok { StatusKind::Ok } else { StatusKind::No };
                m.complete(&tag, kind, None, "done")?;
            }
            ServerEvent::IdleDone { tag } => {
                idle_tag = None;
                m.complete(&tag, StatusKind::Ok, None, "idle done")?;
            }
            _ => {}
        }
    }
}

type ServerTask = tokio::task::JoinHandle<Result<Vec<Bytes>, Error>>;

fn pair(buffer: usize) -> (tokio::io::DuplexStream, ServerTask, mpsc::Sender<Data>) {
    let (client_io, server_io) = tokio::io::duplex(buffer);
    let (push, pushes) = mpsc::channel(16);
    let server = tokio::spawn(serve(ImapServer::new(server_io, server_config()), pushes));
    (client_io, server, push)
}

#[tokio::test]
async fn imap_login_append_with_a_synchronizing_literal_list_and_logout() {
    // A small pipe: the literal crosses it in many writes.
    let (io, server, _push) = pair(512);
    let mut imap = ImapClient::new(io, ClientConfig::default()).await.unwrap();
    let wrong = imap.login("alice", "nope").await.unwrap_err();
    assert!(matches!(&wrong, Error::ImapRefused { status, .. } if status.kind == StatusKind::No), "{wrong}");
    assert_eq!(wrong.to_string(), "LOGIN refused: NO wrong password");
    imap.login("alice", "secret").await.unwrap();
    // No LITERAL+ in this server's list: the machine waits for `+`, which
    // the server driver sends.
    assert!(!imap.has_capability("LITERAL+").await.unwrap());
    let message: Vec<u8> = (0..20_000u32).flat_map(|i| format!("line {i}\r\n").into_bytes()).collect();
    let append = CommandBody::append(Mailbox::from("INBOX"), vec![], None, IString::from(Bytes::from(message.clone())));
    let outcome = imap.execute(append).await.unwrap();
    assert!(outcome.command.tag.as_str().starts_with('A'));
    let list = CommandBody::list(Mailbox::from(""), IString::from("*"));
    let outcome = imap.execute(list).await.unwrap();
    assert!(matches!(&outcome.data[..], [Data::List(item)] if item.mailbox == Mailbox::from("INBOX")));
    imap.logout().await.unwrap();
    let appended = server.await.unwrap().unwrap();
    assert_eq!(appended, vec![Bytes::from(message)]);
}

#[tokio::test]
async fn imap_authenticate_plain_with_and_without_sasl_ir() {
    for sasl_ir in [false, true] {
        let (client_io, server_io) = tokio::io::duplex(4096);
        let (_push, pushes) = mpsc::channel(1);
        let mut config = server_config();
        if sasl_ir {
            config.capabilities.push(Capability::SaslIr);
        }
        let server = tokio::spawn(serve(ImapServer::new(server_io, config), pushes));
        let mut imap = ImapClient::new(client_io, ClientConfig::default()).await.unwrap();
        imap.capabilities().await.unwrap();
        assert!(imap.authenticate_plain("alice", "wrong").await.is_err());
        imap.authenticate_plain("alice", "secret").await.unwrap();
        assert_eq!(imap.machine().state(), imap_wire::state::State::Authenticated);
        imap.logout().await.unwrap();
        server.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn imap_idle_sees_updates_and_a_timeout_loses_nothing() {
    let (io, server, push) = pair(4096);
    let mut imap = ImapClient::new(io, ClientConfig::default()).await.unwrap();
    imap.login("alice", "secret").await.unwrap();
    imap.execute(CommandBody::Select { mailbox: Mailbox::from("INBOX"), parameters: vec![] }).await.unwrap();
    let mut idle = imap.idle().await.unwrap();
    // Nothing yet: the timeout fires, and the IDLE goes on.
    assert!(tokio::time::timeout(Duration::from_millis(50), idle.next_update()).await.is_err());
    push.send(Data::Exists(3)).await.unwrap();
    let update = tokio::time::timeout(Duration::from_secs(5), idle.next_update()).await.unwrap().unwrap();
    assert_eq!(update, Some(ClientEvent::Data { data: Data::Exists(3), command: None }));
    let done = idle.done().await.unwrap();
    assert_eq!(done.command.body, CommandBody::Idle);
    assert_eq!(imap.machine().mailbox().unwrap().exists, 3);
    imap.logout().await.unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn imap_compress_deflate_then_commands_in_both_directions() {
    let (io, server, _push) = pair(1024);
    let mut imap = ImapClient::new(io, ClientConfig::default()).await.unwrap();
    imap.login("alice", "secret").await.unwrap();
    imap.compress().await.unwrap();
    // A large literal and many responses through the compressed layer.
    for i in 0..3 {
        let message: Vec<u8> = (0..5_000u32).flat_map(|n| format!("{i} {n}\r\n").into_bytes()).collect();
        let append = CommandBody::append(Mailbox::from("INBOX"), vec![], None, IString::from(Bytes::from(message)));
        imap.execute(append).await.unwrap();
        imap.execute(CommandBody::Noop).await.unwrap();
    }
    imap.logout().await.unwrap();
    assert_eq!(server.await.unwrap().unwrap().len(), 3);
}

#[tokio::test]
async fn compress_is_refused_without_the_capability() {
    let (client_io, server_io) = tokio::io::duplex(4096);
    let (_push, pushes) = mpsc::channel(1);
    let server = tokio::spawn(serve(ImapServer::new(server_io, ServerConfig::default()), pushes));
    let mut imap = ImapClient::new(client_io, ClientConfig::default()).await.unwrap();
    imap.login("alice", "secret").await.unwrap();
    assert!(matches!(imap.compress().await, Err(Error::Unsupported("COMPRESS=DEFLATE"))));
    imap.logout().await.unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_connection_reset_in_the_middle_is_an_error_value() {
    let (client_io, mut server_io) = tokio::io::duplex(4096);
    let peer = tokio::spawn(async move {
        server_io.write_all(b"* OK ready\r\n").await.unwrap();
        let mut buf = [0; 64];
        let _ = server_io.read(&mut buf).await.unwrap();
        // Half a response, then gone.
        server_io.write_all(b"* 1 FETCH (BODY[] {100}\r\nabc").await.unwrap();
        drop(server_io);
    });
    let mut imap = ImapClient::new(client_io, ClientConfig::default()).await.unwrap();
    let err = imap.execute(CommandBody::Noop).await.unwrap_err();
    assert!(matches!(err, Error::ImapPeer(imap_wire::client::PeerError::ConnectionClosed { .. })), "{err:?}");
    // What was wrong on the way is kept.
    let updates = imap.take_updates();
    assert!(updates.iter().any(|e| matches!(e, ClientEvent::Violation(_))), "{updates:?}");
    assert!(matches!(imap.execute(CommandBody::Noop).await, Err(Error::Imap(_))));
    peer.await.unwrap();
}

#[tokio::test]
async fn a_greeting_that_never_comes_is_connection_closed() {
    let (client_io, server_io) = tokio::io::duplex(64);
    drop(server_io);
    let err = ImapClient::new(client_io, ClientConfig::default()).await.unwrap_err();
    assert!(matches!(err, Error::ConnectionClosed), "{err:?}");
}

struct Certificates {
    client: Arc<rustls::ClientConfig>,
    server: Arc<rustls::ServerConfig>,
    ca_file: tempfile_path::TempPath,
}

/// A throw-away file path (no tempfile crate needed).
mod tempfile_path {
    pub struct TempPath(pub std::path::PathBuf);
    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

fn certificates() -> Certificates {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let chain = vec![cert.cert.der().clone()];
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
    let server = tls::server_config(chain, key).unwrap();
    let path = std::env::temp_dir().join(format!(
        "mail-codec-ca-{}-{:?}.pem",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&path, cert.cert.pem()).unwrap();
    let client = tls::client_config(Verification::CaFile(path.clone())).unwrap();
    Certificates { client, server, ca_file: tempfile_path::TempPath(path) }
}

#[tokio::test]
async fn imap_starttls_and_implicit_tls_verify_the_certificate() {
    let certs = certificates();
    let acceptor = tls::TlsAcceptor::from(certs.server.clone());
    let connector = tls::TlsConnector::from(certs.client.clone());

    // STARTTLS: the capabilities are asked again over TLS, where STARTTLS
    // is no longer offered.
    let (client_io, server_io) = tokio::io::duplex(4096);
    let (_push, pushes) = mpsc::channel(1);
    let server = tokio::spawn(serve(ImapServer::with_starttls(server_io, server_config(), acceptor.clone()), pushes));
    let mut imap = ImapClient::new(client_io, ClientConfig::default()).await.unwrap();
    assert!(imap.has_capability("STARTTLS").await.unwrap());
    imap.starttls(&connector, tls::server_name("localhost").unwrap()).await.unwrap();
    assert!(imap.is_tls());
    assert!(!imap.has_capability("STARTTLS").await.unwrap());
    imap.login("alice", "secret").await.unwrap();
    imap.logout().await.unwrap();
    server.await.unwrap().unwrap();

    // Implicit TLS.
    let (client_io, server_io) = tokio::io::duplex(4096);
    let (_push, pushes) = mpsc::channel(1);
    let server = tokio::spawn(async move {
        let server = ImapServer::accept_tls(server_io, &acceptor, server_config()).await?;
        serve(server, pushes).await
    });
    let name = tls::server_name("localhost").unwrap();
    let mut imap = ImapClient::connect_tls(client_io, &connector, name, ClientConfig::default()).await.unwrap();
    imap.login("alice", "secret").await.unwrap();
    imap.logout().await.unwrap();
    server.await.unwrap().unwrap();
    let _ = certs.ca_file.0.exists();
}

#[tokio::test]
async fn a_self_signed_certificate_fails_verification_unless_told_otherwise() {
    let certs = certificates();
    let acceptor = tls::TlsAcceptor::from(certs.server.clone());
    for (verification, accepted) in
        [(Verification::WebPkiRoots, false), (Verification::DangerAcceptAnyCertificate, true)]
    {
        let connector = tls::TlsConnector::from(tls::client_config(verification).unwrap());
        let (client_io, server_io) = tokio::io::duplex(4096);
        let acceptor = acceptor.clone();
        let server = tokio::spawn(async move {
            let server = ImapServer::accept_tls(server_io, &acceptor, server_config()).await?;
            serve(server, mpsc::channel(1).1).await
        });
        let name = tls::server_name("localhost").unwrap();
        let result = ImapClient::connect_tls(client_io, &connector, name, ClientConfig::default()).await;
        assert_eq!(result.is_ok(), accepted, "{result:?}");
        match result {
            Ok(imap) => imap.logout().await.unwrap(),
            Err(err) => assert!(err.to_string().contains("certificate"), "{err}"),
        }
        assert_eq!(server.await.unwrap().is_ok(), accepted);
    }
    // The wrong name fails with the right CA too.
    let connector = tls::TlsConnector::from(certs.client.clone());
    let (client_io, server_io) = tokio::io::duplex(4096);
    let server = tokio::spawn(async move { ImapServer::accept_tls(server_io, &acceptor, server_config()).await });
    let name = tls::server_name("mail.example.org").unwrap();
    assert!(ImapClient::connect_tls(client_io, &connector, name, ClientConfig::default()).await.is_err());
    let _ = server.await.unwrap();
}

#[tokio::test]
async fn tls_setup_errors_name_the_file() {
    let missing = std::path::Path::new("/nonexistent/cert.pem");
    let err = tls::client_config(Verification::CaFile(missing.into())).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/cert.pem"), "{err}");
    let err = tls::server_config_from_files(missing, missing).unwrap_err();
    assert!(matches!(err, Error::TlsSetup(_)), "{err}");
}

/// A POP3 server over a fixed maildrop of two messages, one with a line
/// that starts with a dot.
async fn serve_pop3(mut pop: Pop3Server) -> Result<Vec<u32>, Error> {
    use pop3_wire::server::ServerEvent as E;
    use pop3_wire::{Command, DropListing, ScanListing, StatusLine, UniqueIdListing};
    let messages: [&[u8]; 2] = [b"Subject: one\r\n\r\n.starts with a dot\r\n", b"Subject: two\r\n\r\nbody\r\n"];
    let mut deleted = Vec::new();
    while let Some(event) = pop.next_event().await? {
        let E::Command(command) = event else { continue };
        let m = pop.machine_mut();
        match command {
            Command::User(_) => m.complete(StatusLine::ok("go on").unwrap())?,
            Command::Pass(p) if p.as_bytes() == b"secret" => m.complete(StatusLine::ok("in").unwrap())?,
            Command::Auth { initial_response: Some(ir), .. } if &ir[..] == b"\0alice\0secret" => {
                m.complete(StatusLine::ok("in").unwrap())?
            }
            Command::Pass(_) | Command::Auth { .. } => m.complete(StatusLine::err("no").unwrap())?,
            Command::Stls => m.complete(StatusLine::ok("Begin TLS negotiation now").expect("valid text"))?,
            Command::Stat => m.complete(StatusLine::from(&DropListing { messages: 2, octets: 60 }))?,
            Command::List(None) => {
                let entries: Vec<ScanListing> = messages
                    .iter()
                    .enumerate()
                    .map(|(i, d)| ScanListing { message: (i as u32 + 1).try_into().unwrap(), octets: d.len() as u64 })
                    .collect();
                m.complete_with_scan_listing(StatusLine::ok("listing").unwrap(), &entries)?
            }
            Command::Uidl(None) => {
                let entries: Vec<UniqueIdListing> = (1..=2u32)
                    .map(|i| UniqueIdListing {
                        message: i.try_into().unwrap(),
                        uid: pop3_wire::Arg::try_from(format!("uid-{i}").as_str()).unwrap(),
                    })
                    .collect();
                m.complete_with_unique_ids(StatusLine::ok("ids").unwrap(), &entries)?
            }
            Command::Retr(n) => match messages.get(n.get() as usize - 1) {
                Some(data) => m.complete_with_message(StatusLine::ok("message").unwrap(), data)?,
                None => m.complete(StatusLine::err("no such message").unwrap())?,
            },
            Command::Dele(n) => {
                deleted.push(n.get());
                m.complete(StatusLine::ok("deleted").unwrap())?
            }
            Command::Quit => m.complete(StatusLine::ok("bye").unwrap())?,
            _ => m.complete(StatusLine::err("not here").unwrap())?,
        }
    }
    Ok(deleted)
}

#[tokio::test]
async fn pop3_login_stat_list_retrieve_and_quit() {
    let (client_io, server_io) = tokio::io::duplex(64);
    let server = tokio::spawn(serve_pop3(Pop3Server::new(server_io, Default::default())));
    let mut pop = Pop3Client::new(client_io, Default::default()).await.unwrap();
    pop.login("alice", "secret").await.unwrap();
    assert_eq!(pop.stat().await.unwrap(), (2, 60));
    let mut out = Vec::new();
    let n = pop.retrieve_to(pop3_wire::Command::Retr(1.try_into().unwrap()), &mut out).await.unwrap();
    assert_eq!(out, b"Subject: one\r\n\r\n.starts with a dot\r\n");
    assert_eq!(n, out.len() as u64);
    assert_eq!(pop.retrieve(2.try_into().unwrap()).await.unwrap(), b"Subject: two\r\n\r\nbody\r\n");
    let err = pop.retrieve(3.try_into().unwrap()).await.unwrap_err();
    assert_eq!(err.to_string(), "RETR refused: -ERR no such message");
    pop.execute(pop3_wire::Command::Dele(2.try_into().unwrap())).await.unwrap();
    pop.quit().await.unwrap();
    assert_eq!(server.await.unwrap().unwrap(), vec![2]);
}

#[tokio::test]
async fn pop3_stls_and_auth_plain() {
    let certs = certificates();
    let acceptor = tls::TlsAcceptor::from(certs.server.clone());
    let connector = tls::TlsConnector::from(certs.client.clone());
    let (client_io, server_io) = tokio::io::duplex(4096);
    let server = tokio::spawn(serve_pop3(Pop3Server::with_stls(server_io, Default::default(), acceptor)));
    let mut pop = Pop3Client::new(client_io, Default::default()).await.unwrap();
    pop.stls(&connector, tls::server_name("localhost").unwrap()).await.unwrap();
    assert!(pop.is_tls());
    assert!(!pop.capabilities().await.unwrap().contains(&pop3_wire::Capability::Stls));
    assert!(pop.authenticate_plain("alice", "wrong").await.is_err());
    pop.authenticate_plain("alice", "secret").await.unwrap();
    assert_eq!(pop.stat().await.unwrap(), (2, 60));
    pop.quit().await.unwrap();
    server.await.unwrap().unwrap();
}

/// A peer that floods responses while the client writes a large literal:
/// the driver reads ahead a bounded amount (so neither side deadlocks on
/// full buffers), and not everything the peer can send.
#[tokio::test]
async fn a_flooding_server_is_read_only_a_bounded_amount_ahead() {
    let (client_io, mut server_io) = tokio::io::duplex(8 * 1024);
    let message = vec![b'x'; 1 << 20];
    let peer = tokio::spawn(async move {
        server_io.write_all(b"* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n").await.unwrap();
        // Read the APPEND line, accept the literal, then flood without
        // reading the literal.
        let mut line = Vec::new();
        while !line.ends_with(b"\r\n") {
            line.push(server_io.read_u8().await.unwrap());
        }
        assert!(line.starts_with(b"A1 APPEND INBOX {1048576}"), "{:?}", String::from_utf8_lossy(&line));
        server_io.write_all(b"+ go\r\n").await.unwrap();
        let update = b"* 1 EXISTS\r\n";
        let mut flooded = 0usize;
        // Partial writes are counted, so that the stream stays whole.
        loop {
            let at = flooded % update.len();
            match tokio::time::timeout(Duration::from_millis(200), server_io.write(&update[at..])).await {
                Ok(written) => flooded += written.unwrap(),
                Err(_) => break,
            }
            assert!(flooded < 4 << 20, "the driver keeps reading without bound");
        }
        // Take the literal while finishing the last update, then complete.
        let (mut reader, mut writer) = tokio::io::split(server_io);
        let at = flooded % update.len();
        let rest = if at == 0 { &update[..0] } else { &update[at..] };
        flooded += rest.len();
        let mut literal = vec![0; (1 << 20) + 2];
        let (read, written) = tokio::join!(reader.read_exact(&mut literal), writer.write_all(rest));
        read.unwrap();
        written.unwrap();
        writer.write_all(b"A1 OK appended\r\n").await.unwrap();
        flooded
    });
    let mut imap = ImapClient::new(client_io, ClientConfig::default()).await.unwrap();
    let append = CommandBody::append(Mailbox::from("INBOX"), vec![], None, IString::from(Bytes::from(message)));
    imap.execute(append).await.unwrap();
    let flooded = peer.await.unwrap();
    // The pipe's 8 KiB, the driver's read-ahead (64 KiB) and one read.
    assert!(flooded > 0 && flooded < 128 * 1024, "read {flooded} bytes ahead");
    let updates = imap.take_updates();
    assert_eq!(updates.len() * 12, flooded, "every update was kept, none lost");
}

#[tokio::test]
async fn pop3_codecs_frame_both_sides() {
    use futures_util::{SinkExt, StreamExt};
    use mail_codec::{Pop3ClientCodec, Pop3Reply, Pop3ServerCodec};
    use pop3_wire::client::ClientEvent as C;
    use pop3_wire::server::ServerEvent as S;
    use tokio_util::codec::Framed;

    let (a, b) = tokio::io::duplex(1024);
    let mut server_codec = Pop3ServerCodec::new(Default::default());
    let greeting = server_codec.take_output();
    let mut server = Framed::new(b, server_codec);
    server.get_mut().write_all(&greeting).await.unwrap();
    let mut client = Framed::new(a, Pop3ClientCodec::new(Default::default()));
    assert!(matches!(client.next().await.unwrap().unwrap(), C::Greeting { .. }));
    client.send(pop3_wire::Command::User(pop3_wire::Arg::try_from("alice").unwrap())).await.unwrap();
    assert!(matches!(server.next().await.unwrap().unwrap(), S::Command(pop3_wire::Command::User(_))));
    server.send(Pop3Reply::Line(pop3_wire::StatusLine::ok("go on").unwrap())).await.unwrap();
    assert!(matches!(client.next().await.unwrap().unwrap(), C::Reply { .. }));
    client.send(pop3_wire::Command::Pass(pop3_wire::Arg::try_from("secret").unwrap())).await.unwrap();
    assert!(matches!(server.next().await.unwrap().unwrap(), S::Command(pop3_wire::Command::Pass(_))));
    server.send(Pop3Reply::Line(pop3_wire::StatusLine::ok("in").unwrap())).await.unwrap();
    assert!(matches!(client.next().await.unwrap().unwrap(), C::Reply { .. }));
    client.send(pop3_wire::Command::Retr(1.try_into().unwrap())).await.unwrap();
    assert!(matches!(server.next().await.unwrap().unwrap(), S::Command(pop3_wire::Command::Retr(_))));
    let message = Bytes::from_static(b"Subject: x\r\n\r\n.dot\r\n");
    server.send(Pop3Reply::Message(pop3_wire::StatusLine::ok("message").unwrap(), message.clone())).await.unwrap();
    assert!(matches!(client.next().await.unwrap().unwrap(), C::MessageStart { .. }));
    let mut content = Vec::new();
    loop {
        match client.next().await.unwrap().unwrap() {
            C::MessageData(data) => content.extend_from_slice(&data),
            C::MessageEnd => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(content, message, "dot-stuffed by the server codec, unstuffed by the client codec");
    // A command the state does not allow is refused by the encoder.
    assert!(client.send(pop3_wire::Command::User(pop3_wire::Arg::try_from("x").unwrap())).await.is_err());
}

/// A peer that speaks the other protocol (or TLS) keeps its connection
/// open: the client names what arrived at once instead of waiting.
#[tokio::test]
async fn a_greeting_of_another_protocol_is_an_error_at_once() {
    for (greeting, expect) in [
        (&b"+OK POP3 server ready\r\n"[..], "(a POP3 server?)"),
        (b"220 smtp.example.org ESMTP\r\n", "(an SMTP or FTP server?)"),
        (b"\x16\x03\x01\x00\x2a\x02\x00", "TLS data"),
    ] {
        let (client_io, mut server_io) = tokio::io::duplex(4096);
        server_io.write_all(greeting).await.unwrap();
        let result = tokio::time::timeout(Duration::from_secs(5), ImapClient::new(client_io, ClientConfig::default()))
            .await
            .expect("answered at once, not after a timeout");
        let err = result.unwrap_err();
        assert!(err.to_string().contains("not an IMAP server") && err.to_string().contains(expect), "{err}");
        drop(server_io);
    }
    for (greeting, expect) in
        [(&b"* OK [CAPABILITY IMAP4rev1] ready\r\n"[..], "(an IMAP server?)"), (b"\x16\x03\x03", "TLS data")]
    {
        let (client_io, mut server_io) = tokio::io::duplex(4096);
        server_io.write_all(greeting).await.unwrap();
        let config = pop3_wire::client::ClientConfig::default();
        let result = tokio::time::timeout(Duration::from_secs(5), Pop3Client::new(client_io, config))
            .await
            .expect("answered at once, not after a timeout");
        let err = result.unwrap_err();
        assert!(err.to_string().contains("not a POP3 server") && err.to_string().contains(expect), "{err}");
        drop(server_io);
    }
}

/// TLS failures say what to do: a CA certificate used as the server's
/// (what a plain `openssl req -x509` makes) gives the openssl line that
/// works; implicit TLS to a plaintext greeting says so.
#[tokio::test]
async fn tls_handshake_errors_say_what_to_do() {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let server = tls::server_config(
        vec![cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .unwrap();
    let path = std::env::temp_dir().join(format!("mail-codec-ca-true-{}.pem", std::process::id()));
    std::fs::write(&path, cert.pem()).unwrap();
    let connector = tls::TlsConnector::from(tls::client_config(Verification::CaFile(path.clone())).unwrap());
    std::fs::remove_file(&path).unwrap();
    let acceptor = tls::TlsAcceptor::from(server);
    let (client_io, server_io) = tokio::io::duplex(4096);
    let server = tokio::spawn(async move { ImapServer::accept_tls(server_io, &acceptor, server_config()).await });
    let name = tls::server_name("localhost").unwrap();
    let err = ImapClient::connect_tls(client_io, &connector, name, ClientConfig::default()).await.unwrap_err();
    assert!(err.to_string().contains("basicConstraints=critical,CA:FALSE"), "{err}");
    assert!(!err.to_string().contains('\n'), "one line: {err}");
    let _ = server.await.unwrap();

    // Implicit TLS to a port that greets in plaintext.
    let certs = certificates();
    let connector = tls::TlsConnector::from(certs.client.clone());
    let (client_io, mut server_io) = tokio::io::duplex(4096);
    server_io.write_all(b"* OK IMAP4rev1 ready\r\n").await.unwrap();
    let name = tls::server_name("localhost").unwrap();
    let err = tokio::time::timeout(
        Duration::from_secs(5),
        ImapClient::connect_tls(client_io, &connector, name, ClientConfig::default()),
    )
    .await
    .expect("at once")
    .unwrap_err();
    assert!(err.to_string().contains("answered in plaintext"), "{err}");
}

/// STARTTLS and STLS with a TLS layer the application brings (here a
/// tokio-rustls setup of its own; native-tls plugs in the same way),
/// through the hooks that need no `tls` feature.
#[tokio::test]
async fn starttls_and_stls_with_a_tls_layer_of_the_applications_own() {
    let certs = certificates();
    let acceptor = tls::TlsAcceptor::from(certs.server.clone());
    let connector = tls::TlsConnector::from(certs.client.clone());
    let upgrade = mail_codec::tls_upgrade(move |plain: mail_codec::BoxedStream| {
        let acceptor = acceptor.clone();
        async move { acceptor.accept(plain).await.map_err(Error::from) }
    });

    let (client_io, server_io) = tokio::io::duplex(4096);
    let (_push, pushes) = mpsc::channel(1);
    let server = ImapServer::with_starttls_upgrade(server_io, server_config(), upgrade.clone());
    let server = tokio::spawn(serve(server, pushes));
    let mut imap = ImapClient::new(client_io, ClientConfig::default()).await.unwrap();
    let c = connector.clone();
    imap.starttls_with(
        |plain| async move { c.connect(tls::server_name("localhost")?, plain).await.map_err(Error::from) },
    )
    .await
    .unwrap();
    assert!(imap.is_tls());
    assert!(!imap.has_capability("STARTTLS").await.unwrap(), "asked again over TLS");
    imap.login("alice", "secret").await.unwrap();
    imap.logout().await.unwrap();
    server.await.unwrap().unwrap();

    let (client_io, server_io) = tokio::io::duplex(4096);
    let server = tokio::spawn(serve_pop3(Pop3Server::with_stls_upgrade(server_io, Default::default(), upgrade)));
    let mut pop = Pop3Client::new(client_io, Default::default()).await.unwrap();
    pop.stls_with(|plain| async move {
        connector.connect(tls::server_name("localhost")?, plain).await.map_err(Error::from)
    })
    .await
    .unwrap();
    assert!(pop.is_tls());
    pop.login("alice", "secret").await.unwrap();
    pop.quit().await.unwrap();
    server.await.unwrap().unwrap();
}

/// A server that holds its updates until DONE (RFC 2177 allows it): they
/// arrive between DONE and the tagged OK, and are kept for the caller.
#[tokio::test]
async fn imap_updates_sent_after_done_are_kept() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let (client_io, server_io) = tokio::io::duplex(4096);
    let server = tokio::spawn(async move {
        let (reader, mut writer) = tokio::io::split(server_io);
        let mut lines = tokio::io::BufReader::new(reader).lines();
        writer.write_all(b"* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n").await.unwrap();
        while let Some(line) = lines.next_line().await.unwrap() {
            let (tag, command) = line.split_once(' ').unwrap_or((&line, ""));
            let reply = match command {
                c if c.starts_with("LOGIN") => format!("{tag} OK in\r\n"),
                "CAPABILITY" => format!("* CAPABILITY IMAP4rev1 IDLE\r\n{tag} OK listed\r\n"),
                "IDLE" => {
                    writer.write_all(b"+ idling\r\n").await.unwrap();
                    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("DONE"));
                    format!("* 5 EXISTS\r\n* 2 EXPUNGE\r\n* 1 FETCH (FLAGS (\\Seen))\r\n{tag} OK idle done\r\n")
                }
                "LOGOUT" => format!("* BYE bye\r\n{tag} OK out\r\n"),
                _ => format!("{tag} BAD what\r\n"),
            };
            writer.write_all(reply.as_bytes()).await.unwrap();
        }
    });
    let mut imap = ImapClient::new(client_io, imap_wire::client::ClientConfig::default()).await.unwrap();
    imap.login("alice", "secret").await.unwrap();
    let mut idle = imap.idle().await.unwrap();
    let waited = tokio::time::timeout(std::time::Duration::from_millis(50), idle.next_update()).await;
    assert!(waited.is_err(), "nothing during IDLE");
    idle.done().await.unwrap();
    let updates: Vec<String> = imap.take_updates().into_iter().map(|e| format!("{e:?}")).collect();
    assert_eq!(updates.len(), 3, "{updates:?}");
    assert!(updates[0].contains("Exists(5)") && updates[1].contains("Expunge(2)") && updates[2].contains("Fetch"));
    imap.logout().await.unwrap();
    server.await.unwrap();
}
