//! Client and server machines connected in memory run whole sessions.

use bytes::Bytes;
use pop3_wire::client::*;
use pop3_wire::server::*;
use pop3_wire::state::State;
use pop3_wire::*;

/// A maildrop application on top of the server machine.
struct Maildrop {
    messages: Vec<(Vec<u8>, String)>,
    deleted: Vec<bool>,
    user: Option<String>,
    committed: Option<Vec<usize>>,
}

impl Maildrop {
    fn new() -> Maildrop {
        let messages = vec![
            (
                b"From: a@example.org\r\nSubject: one\r\n\r\nHello\r\n.leading dot\r\nbye\r\n".to_vec(),
                "uid-one".to_string(),
            ),
            (b"Subject: two\n\nbare LF body\n..two dots\n".to_vec(), "uid-two".to_string()),
            (Vec::new(), "uid-empty".to_string()),
        ];
        let n = messages.len();
        Maildrop { messages, deleted: vec![false; n], user: None, committed: None }
    }

    fn live(&self, n: std::num::NonZeroU32) -> Option<usize> {
        let i = n.get() as usize - 1;
        (i < self.messages.len() && !self.deleted[i]).then_some(i)
    }

    fn handle(&mut self, server: &mut Server, event: ServerEvent) {
        match event {
            ServerEvent::Command(cmd) => self.command(server, cmd),
            ServerEvent::SaslResponse(data) => {
                if &data[..] == b"\0alice\0secret" {
                    server.complete(StatusLine::ok("Logged in").unwrap()).unwrap();
                } else {
                    server
                        .complete(StatusLine::err_with_code(CodeKind::Auth, "Authentication failed").unwrap())
                        .unwrap();
                }
            }
            _ => {}
        }
    }

    fn command(&mut self, server: &mut Server, cmd: Command) {
        let err = |s: &mut Server, t: &str| s.complete(StatusLine::err(t).unwrap()).unwrap();
        match cmd {
            Command::User(name) => {
                self.user = name.as_str().map(str::to_string);
                server.complete(StatusLine::ok("send PASS").unwrap()).unwrap();
            }
            Command::Pass(p) => {
                if self.user.as_deref() == Some("alice") && p.as_bytes() == b"secret" {
                    server.complete(StatusLine::ok("maildrop locked").unwrap()).unwrap();
                } else {
                    server
                        .complete(StatusLine::err_with_code(CodeKind::Auth, "Authentication failed.").unwrap())
                        .unwrap();
                }
            }
            Command::Auth { initial_response: None, .. } => server.sasl_challenge(b"").unwrap(),
            Command::Auth { initial_response: Some(ir), .. } => self.handle(server, ServerEvent::SaslResponse(ir)),
            Command::Stat => {
                let live: Vec<usize> = (0..self.messages.len()).filter(|&i| !self.deleted[i]).collect();
                let octets: usize = live.iter().map(|&i| self.messages[i].0.len()).sum();
                server
                    .complete(StatusLine::from(&DropListing { messages: live.len() as u32, octets: octets as u64 }))
                    .unwrap();
            }
            Command::List(None) => {
                let entries: Vec<ScanListing> = (0..self.messages.len())
                    .filter(|&i| !self.deleted[i])
                    .map(|i| ScanListing {
                        message: (i as u32 + 1).try_into().unwrap(),
                        octets: self.messages[i].0.len() as u64,
                    })
                    .collect();
                server.complete_with_scan_listing(StatusLine::ok("scan listing follows").unwrap(), &entries).unwrap();
            }
            Command::Uidl(None) => {
                let entries: Vec<UniqueIdListing> = (0..self.messages.len())
                    .filter(|&i| !self.deleted[i])
                    .map(|i| UniqueIdListing {
                        message: (i as u32 + 1).try_into().unwrap(),
                        uid: Arg::try_from(self.messages[i].1.as_str()).unwrap(),
                    })
                    .collect();
                server.complete_with_unique_ids(StatusLine::ok("").unwrap(), &entries).unwrap();
            }
            Command::Uidl(Some(n)) => match self.live(n) {
                Some(i) => server.complete(StatusLine::ok(&format!("{n} {}", self.messages[i].1)).unwrap()).unwrap(),
                None => err(server, "no such message"),
            },
            Command::Retr(n) => match self.live(n) {
                Some(i) => {
                    // Streamed in small pieces to exercise the stuffer.
                    server.begin_body(StatusLine::ok("message follows").unwrap()).unwrap();
                    for piece in self.messages[i].0.chunks(3) {
                        server.body_data(piece).unwrap();
                    }
                    server.end_body().unwrap();
                }
                None => err(server, "no such message"),
            },
            Command::Top { message, lines } => match self.live(message) {
                Some(i) => {
                    let m = &self.messages[i].0;
                    let text = String::from_utf8_lossy(m);
                    let mut out = String::new();
                    let mut body_lines = None;
                    for line in text.split_inclusive('\n') {
                        if body_lines == Some(0) {
                            break;
                        }
                        out.push_str(line);
                        match &mut body_lines {
                            Some(n) => *n -= 1,
                            None if line.trim_end().is_empty() => body_lines = Some(lines),
                            None => {}
                        }
                    }
                    server
                        .complete_with_message(StatusLine::ok("top of message follows").unwrap(), out.as_bytes())
                        .unwrap();
                }
                None => err(server, "no such message"),
            },
            Command::Dele(n) => match self.live(n) {
                Some(i) => {
                    self.deleted[i] = true;
                    server.complete(StatusLine::ok("marked").unwrap()).unwrap();
                }
                None => err(server, "message already deleted"),
            },
            Command::Rset => {
                self.deleted.iter_mut().for_each(|d| *d = false);
                server.complete(StatusLine::ok("unmarked").unwrap()).unwrap();
            }
            Command::Noop => server.complete(StatusLine::ok("").unwrap()).unwrap(),
            Command::Quit => {
                if server.state() == State::Update {
                    self.committed = Some((0..self.messages.len()).filter(|&i| self.deleted[i]).collect());
                }
                server.complete(StatusLine::ok("bye").unwrap()).unwrap();
            }
            other => err(server, &format!("{} not supported", other.keyword())),
        }
    }
}

/// Moves bytes both ways until nothing moves; returns the client's events.
fn pump(client: &mut Client, server: &mut Server, app: &mut Maildrop, chunk: usize) -> Vec<ClientEvent> {
    let mut events = Vec::new();
    loop {
        let mut moved = false;
        while let Some(bytes) = client.poll_transmit() {
            for piece in bytes.chunks(chunk) {
                server.receive(piece);
                while let Some(e) = server.poll_event() {
                    app.handle(server, e);
                }
            }
            moved = true;
        }
        while let Some(e) = server.poll_event() {
            app.handle(server, e);
        }
        while let Some(bytes) = server.poll_transmit() {
            for piece in bytes.chunks(chunk) {
                client.receive(piece);
            }
            moved = true;
        }
        while let Some(e) = client.poll_event() {
            if let ClientEvent::SaslChallenge(c) = &e {
                assert!(c.is_empty());
                client.sasl_response(b"\0alice\0secret").unwrap();
                moved = true;
            }
            events.push(e);
        }
        if !moved {
            return events;
        }
    }
}

fn full_session(chunk: usize, collect: bool) -> (Vec<ClientEvent>, Maildrop) {
    let mut server =
        Server::new(ServerConfig { apop_timestamp: Some("<1.2@test>".try_into().unwrap()), ..ServerConfig::default() });
    let mut client = Client::new(ClientConfig { collect_messages: collect, ..ClientConfig::default() });
    let mut app = Maildrop::new();
    let mut events = pump(&mut client, &mut server, &mut app, chunk);
    let n = |v: u32| std::num::NonZeroU32::new(v).unwrap();
    let script = [
        Command::Capa,
        Command::Auth { mechanism: Some(Arg::try_from("PLAIN").unwrap()), initial_response: None },
        Command::Stat,
        Command::List(None),
        Command::Uidl(None),
        Command::Top { message: n(1), lines: 1 },
        Command::Retr(n(1)),
        Command::Retr(n(2)),
        Command::Retr(n(3)),
        Command::Dele(n(1)),
        Command::Retr(n(1)),
        Command::Rset,
        Command::Dele(n(2)),
        Command::Quit,
    ];
    for cmd in script {
        client.send(cmd).unwrap();
        events.extend(pump(&mut client, &mut server, &mut app, chunk));
    }
    assert_eq!(client.state(), State::Closed);
    assert_eq!(server.state(), State::Closed);
    (events, app)
}

fn message_bodies(events: &[ClientEvent]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for e in events {
        match e {
            ClientEvent::MessageStart { .. } => out.push(Vec::new()),
            ClientEvent::MessageData(d) => out.last_mut().unwrap().extend_from_slice(d),
            ClientEvent::Message { data, .. } => out.push(data.to_vec()),
            _ => {}
        }
    }
    out
}

#[test]
fn full_session_capa_auth_stat_list_uidl_top_retr_dele_rset_quit() {
    let (events, app) = full_session(usize::MAX, false);
    assert!(events.iter().all(|e| !matches!(e, ClientEvent::Violation(_))), "{events:#?}");
    assert!(matches!(&events[0], ClientEvent::Greeting { apop_timestamp: Some(t), .. } if t == "<1.2@test>"));
    assert!(
        matches!(&events[1], ClientEvent::Capabilities { capabilities, .. } if capabilities.contains(&Capability::Pipelining))
    );
    assert!(matches!(&events[2], ClientEvent::SaslChallenge(_)));
    assert!(matches!(&events[3], ClientEvent::Reply { command: Command::Auth { .. }, line } if line.is_ok()));
    let total: usize = app.messages.iter().map(|m| m.0.len()).sum();
    assert!(
        matches!(&events[4], ClientEvent::Stat { stat, .. } if *stat == DropListing { messages: 3, octets: total as u64 }),
        "{:?}",
        events[4]
    );
    assert!(
        matches!(&events[5], ClientEvent::ScanListings { entries, .. } if entries.len() == 3 && entries[2].octets == 0)
    );
    assert!(matches!(&events[6], ClientEvent::UniqueIds { entries, .. } if entries[1].uid.as_str() == Some("uid-two")));
    let bodies = message_bodies(&events);
    assert_eq!(bodies[0], b"From: a@example.org\r\nSubject: one\r\n\r\nHello\r\n");
    assert_eq!(bodies[1], app.messages[0].0, "dot-stuffing round trip");
    assert_eq!(bodies[2], b"Subject: two\r\n\r\nbare LF body\r\n..two dots\r\n", "normalised to CRLF");
    assert_eq!(bodies[3], b"");
    let replies: Vec<(&str, bool)> = events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Reply { command, line } => Some((command.keyword(), line.is_ok())),
            _ => None,
        })
        .collect();
    assert_eq!(
        replies,
        vec![("AUTH", true), ("DELE", true), ("RETR", false), ("RSET", true), ("DELE", true), ("QUIT", true)]
    );
    assert_eq!(app.committed, Some(vec![1]), "only message 2 stays deleted after RSET");
}

#[test]
fn full_session_gives_the_same_events_in_any_chunking_and_collected() {
    let (whole, _) = full_session(usize::MAX, false);
    for chunk in [1, 2, 5, 64] {
        let (events, _) = full_session(chunk, false);
        assert_eq!(message_bodies(&events), message_bodies(&whole), "chunk {chunk}");
        let strip = |v: &[ClientEvent]| -> Vec<ClientEvent> {
            v.iter().filter(|e| !matches!(e, ClientEvent::MessageData(_))).cloned().collect()
        };
        assert_eq!(strip(&events), strip(&whole), "chunk {chunk}");
    }
    let (collected, _) = full_session(3, true);
    assert_eq!(message_bodies(&collected), message_bodies(&whole));
    assert!(collected.iter().any(|e| matches!(e, ClientEvent::Message { command: Command::Top { .. }, .. })));
}

#[test]
fn user_pass_and_apop_logins() {
    let mut server = Server::new(ServerConfig {
        apop_timestamp: Some("<1896.697170952@dbc.mtview.ca.us>".try_into().unwrap()),
        ..ServerConfig::default()
    });
    let mut client = Client::new(ClientConfig::default());
    let mut app = Maildrop::new();
    pump(&mut client, &mut server, &mut app, usize::MAX);
    // PASS before USER is refused by the machine itself.
    client.send(Command::Pass(Arg::try_from("secret").unwrap())).unwrap();
    let ev = pump(&mut client, &mut server, &mut app, usize::MAX);
    assert!(
        matches!(&ev[0], ClientEvent::Reply { line, .. } if !line.is_ok() && line.text.as_str() == Some("Give USER first"))
    );
    client.send(Command::User(Arg::try_from("alice").unwrap())).unwrap();
    client.send(Command::Pass(Arg::try_from("wrong").unwrap())).unwrap();
    let ev = pump(&mut client, &mut server, &mut app, usize::MAX);
    assert!(
        matches!(&ev[1], ClientEvent::Reply { line, .. } if line.code.as_ref().map(|c| &c.kind) == Some(&CodeKind::Auth))
    );
    assert_eq!(client.state(), State::Authorization);
    // STAT is refused by the client before it reaches the wire.
    assert!(matches!(client.send(Command::Stat), Err(ClientError::NotAllowed { .. })));
    let digest = apop_digest("<1896.697170952@dbc.mtview.ca.us>", b"tanstaaf");
    client
        .send(Command::Apop { name: Arg::try_from("mrose").unwrap(), digest: Arg::try_from(digest.as_str()).unwrap() })
        .unwrap();
    let ev = pump(&mut client, &mut server, &mut app, usize::MAX);
    // The toy maildrop has no APOP secret: a refusal, but it reached the app.
    assert!(matches!(&ev[0], ClientEvent::Reply { command: Command::Apop { .. }, .. }));
}

#[test]
fn server_answers_bad_commands_with_err_and_carries_on() {
    let mut server = Server::new(ServerConfig::default());
    let _ = server.poll_transmit();
    server.receive(b"RETR 1\r\nBOGUS\r\nUSER\r\nRETR 0\r\nLIST 1 junk\r\n");
    let mut rejected = Vec::new();
    while let Some(e) = server.poll_event() {
        if let ServerEvent::Rejected { reason, .. } = e {
            rejected.push(reason.to_string());
        }
    }
    assert_eq!(
        rejected,
        vec![
            "RETR is not valid in this state",
            "Unknown command: BOGUS",
            "Syntax error: expected a user name",
            "Invalid message number 0",
            "Noise after message number"
        ]
    );
    let out = String::from_utf8(server.poll_transmit().unwrap().to_vec()).unwrap();
    assert_eq!(out.matches("-ERR").count(), 5);
    // Over-long command lines (255 by default) are refused and skipped.
    let mut long = b"USER ".to_vec();
    long.resize(300, b'x');
    long.extend_from_slice(b"\r\nCAPA\r\n");
    for chunk in [1, 7, 1000] {
        let mut server = Server::new(ServerConfig::default());
        let _ = server.poll_transmit();
        for piece in long.chunks(chunk) {
            server.receive(piece);
        }
        let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
        assert!(matches!(&events[0], ServerEvent::Rejected { reason: RejectReason::LineTooLong, .. }), "{events:?}");
        assert_eq!(events[1], ServerEvent::Answered(Command::Capa));
        assert_eq!(events.len(), 2);
    }
    let limits = Limits { max_command_line: 400, ..Limits::default() };
    let mut server = Server::new(ServerConfig { limits, ..ServerConfig::default() });
    server.receive(&long);
    assert!(matches!(server.poll_event(), Some(ServerEvent::Command(Command::User(_)))));
}

#[test]
fn replies_leave_in_order_when_the_client_pipelines() {
    let mut server = Server::new(ServerConfig::default());
    let _ = server.poll_transmit();
    server.receive(b"USER a\r\nCAPA\r\nBOGUS\r\n");
    assert!(matches!(server.poll_event(), Some(ServerEvent::Command(Command::User(_)))));
    // CAPA and BOGUS were answered by the machine but must wait for USER's reply.
    assert_eq!(server.poll_transmit(), None);
    server.complete(StatusLine::ok("hi").unwrap()).unwrap();
    let out = String::from_utf8(server.poll_transmit().unwrap().to_vec()).unwrap();
    assert!(out.starts_with("+OK hi\r\n+OK Capability list follows\r\n"), "{out}");
    assert!(out.ends_with("-ERR Unknown command: BOGUS\r\n"));
}

#[test]
fn pending_command_limit_applies_back_pressure() {
    let limits = Limits { max_pending_commands: 2, ..Limits::default() };
    let mut server = Server::new(ServerConfig { limits, ..ServerConfig::default() });
    server.receive(b"USER a\r\nPASS b\r\nSTAT\r\nNOOP\r\nLIST 1\r\n");
    assert!(matches!(server.poll_event(), Some(ServerEvent::Command(Command::User(_)))));
    assert_eq!(server.poll_event(), None, "PASS waits until USER is answered");
    server.complete(StatusLine::ok("").unwrap()).unwrap();
    assert!(matches!(server.poll_event(), Some(ServerEvent::Command(Command::Pass(_)))));
    assert_eq!(server.poll_event(), None, "STAT waits until the login is decided");
    server.complete(StatusLine::ok("in").unwrap()).unwrap();
    let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
    assert_eq!(
        events,
        vec![ServerEvent::Command(Command::Stat), ServerEvent::Command(Command::Noop)],
        "LIST 1 waits in the buffer"
    );
    server.complete(StatusLine::ok("0 0").unwrap()).unwrap();
    assert_eq!(server.poll_event(), Some(ServerEvent::Command(Command::List(Some(std::num::NonZeroU32::MIN)))));
    let mut client = Client::new(ClientConfig { limits, ..ClientConfig::default() });
    client.send(Command::Capa).unwrap();
    client.send(Command::Capa).unwrap();
    assert_eq!(client.send(Command::Capa), Err(ClientError::TooManyPending { limit: 2 }));
}

#[test]
fn client_waits_for_each_reply_unless_the_server_pipelines() {
    let mut client = Client::new(ClientConfig::default());
    client.receive(b"+OK hi\r\n");
    client.send(Command::User(Arg::try_from("a").unwrap())).unwrap();
    client.send(Command::Pass(Arg::try_from("b").unwrap())).unwrap();
    assert_eq!(client.poll_transmit().unwrap(), &b"USER a\r\n"[..]);
    assert_eq!(client.poll_transmit(), None);
    client.receive(b"+OK\r\n");
    assert_eq!(client.poll_transmit().unwrap(), &b"PASS b\r\n"[..]);
    client.receive(b"+OK in\r\n");
    client.send(Command::Capa).unwrap();
    assert_eq!(client.poll_transmit().unwrap(), &b"CAPA\r\n"[..]);
    client.receive(b"+OK\r\nPIPELINING\r\n.\r\n");
    client.send(Command::Stat).unwrap();
    client.send(Command::Noop).unwrap();
    assert_eq!(client.poll_transmit().unwrap(), &b"STAT\r\nNOOP\r\n"[..]);
}

#[test]
fn err_where_a_multiline_reply_was_expected() {
    let mut client = Client::new(ClientConfig::default());
    client.receive(b"+OK hi\r\n");
    client.assume_sent(Command::Retr(std::num::NonZeroU32::MIN));
    client.assume_sent(Command::Stat);
    client.receive(b"-ERR no such message\r\n+OK 0 0\r\n");
    let events: Vec<ClientEvent> = std::iter::from_fn(|| client.poll_event()).skip(1).collect();
    assert!(matches!(&events[0], ClientEvent::Reply { command: Command::Retr(_), line } if !line.is_ok()));
    assert!(
        matches!(&events[1], ClientEvent::Stat { line, stat: DropListing { messages: 0, octets: 0 } } if line.is_ok())
    );
}

#[test]
fn over_long_reply_lines_and_never_ending_replies_are_bounded() {
    let limits = Limits { max_reply_line: 64, max_message_size: 1000, ..Limits::default() };
    let mut client = Client::new(ClientConfig { limits, ..ClientConfig::default() });
    client.receive(b"+OK hi\r\n");
    client.assume_sent(Command::Noop);
    client.assume_sent(Command::Noop);
    let mut long = b"+OK ".to_vec();
    long.resize(200, b'x');
    for piece in long.chunks(10) {
        client.receive(piece);
    }
    client.receive(b"\r\n+OK fine\r\n");
    let events: Vec<ClientEvent> = std::iter::from_fn(|| client.poll_event()).skip(1).collect();
    assert!(matches!(events[0], ClientEvent::Violation(PeerError::LineTooLong { offset: 8, limit: 64 })), "{events:?}");
    assert!(matches!(&events[1], ClientEvent::Reply { line, .. } if line.text.as_str() == Some("fine")));
    // A RETR that never terminates.
    let mut client = Client::new(ClientConfig { limits, ..ClientConfig::default() });
    client.receive(b"+OK hi\r\n");
    client.assume_sent(Command::Retr(std::num::NonZeroU32::MIN));
    client.receive(b"+OK\r\n");
    for _ in 0..100 {
        client.receive(b"line line line\r\n");
    }
    let events: Vec<ClientEvent> = std::iter::from_fn(|| client.poll_event()).collect();
    assert!(matches!(events.last(), Some(ClientEvent::Violation(PeerError::ReplyTooLarge { limit: 1000, .. }))));
    assert_eq!(client.state(), State::Closed);
    let data: usize = events.iter().map(|e| if let ClientEvent::MessageData(d) = e { d.len() } else { 0 }).sum();
    assert!(data <= 1000 + 16, "{data}");
}

#[test]
fn unsolicited_err_before_close_is_reported() {
    let mut client = Client::new(ClientConfig::default());
    client.receive(b"+OK hi\r\n-ERR [SYS/TEMP] idle too long, closing\r\n+OK what\r\n");
    let events: Vec<ClientEvent> = std::iter::from_fn(|| client.poll_event()).collect();
    assert!(
        matches!(&events[1], ClientEvent::UnsolicitedError(l) if l.code.as_ref().unwrap().kind == CodeKind::SysTemp)
    );
    assert!(matches!(&events[2], ClientEvent::Violation(PeerError::Unsolicited { .. })));
}

#[test]
fn stls_rejects_buffered_plaintext_and_forgets_capabilities() {
    let mut client = Client::new(ClientConfig::default());
    client.receive(b"+OK hi\r\n");
    client.send(Command::Capa).unwrap();
    assert_eq!(client.poll_transmit().unwrap(), &b"CAPA\r\n"[..]);
    client.receive(b"+OK\r\nSTLS\r\nUSER\r\n.\r\n");
    client.send(Command::Stls).unwrap();
    client.send(Command::User(Arg::try_from("a").unwrap())).unwrap();
    assert_eq!(client.poll_transmit().unwrap(), &b"STLS\r\n"[..], "nothing is sent after STLS before TLS");
    // A man in the middle appends a reply after +OK.
    client.receive(b"+OK begin TLS\r\n+OK injected\r\n");
    let events: Vec<ClientEvent> = std::iter::from_fn(|| client.poll_event()).collect();
    assert!(matches!(events[events.len() - 2], ClientEvent::StartTls));
    assert!(matches!(events[events.len() - 1], ClientEvent::Violation(PeerError::PlaintextAfterStls { offset: 43 })));
    assert!(client.capabilities().is_some());
    client.tls_established();
    assert!(client.capabilities().is_none());
    assert_eq!(client.poll_transmit().unwrap(), &b"USER a\r\n"[..]);

    let mut server = Server::new(ServerConfig { stls: true, ..ServerConfig::default() });
    let _ = server.poll_transmit();
    server.receive(b"CAPA\r\nSTLS\r\nUSER injected\r\n");
    assert_eq!(server.poll_event(), Some(ServerEvent::Answered(Command::Capa)));
    assert!(String::from_utf8(server.poll_transmit().unwrap().to_vec()).unwrap().contains("\r\nSTLS\r\n"));
    assert_eq!(server.poll_event(), Some(ServerEvent::Command(Command::Stls)));
    server.complete(StatusLine::ok("Begin TLS negotiation now").expect("valid text")).unwrap();
    assert_eq!(server.poll_event(), Some(ServerEvent::StartTls));
    assert_eq!(server.poll_event(), Some(ServerEvent::PlaintextAfterStls { offset: 12 }));
    assert_eq!(server.poll_transmit().unwrap(), &b"+OK Begin TLS negotiation now\r\n"[..]);
    server.tls_established();
    server.receive(b"STLS\r\n");
    assert!(matches!(server.poll_event(), Some(ServerEvent::Rejected { .. })), "no second STLS");
}

#[test]
fn sasl_cancel_and_bad_base64() {
    let mut server = Server::new(ServerConfig::default());
    server.receive(b"AUTH PLAIN\r\n");
    assert!(matches!(server.poll_event(), Some(ServerEvent::Command(Command::Auth { .. }))));
    server.sasl_challenge(b"").unwrap();
    server.receive(b"*\r\nNOOP\r\n");
    assert_eq!(server.poll_event(), Some(ServerEvent::SaslCancelled));
    assert!(matches!(server.poll_event(), Some(ServerEvent::Rejected { .. })), "NOOP is a TRANSACTION command");
    let out = String::from_utf8(server.poll_transmit().unwrap().to_vec()).unwrap();
    assert!(out.ends_with("+ \r\n-ERR Authentication cancelled\r\n-ERR NOOP is not valid in this state\r\n"), "{out}");
    let _ = Bytes::new();
}

#[test]
fn an_over_long_reply_line_answers_its_command_and_releases_the_next() {
    let mut client = Client::new(ClientConfig::default());
    client.receive(b"+OK hi\r\n");
    assert!(matches!(client.poll_event(), Some(ClientEvent::Greeting { .. })));
    client.send(Command::User(Arg::try_from("alice").unwrap())).unwrap();
    client.send(Command::Pass(Arg::try_from("secret").unwrap())).unwrap();
    assert_eq!(client.poll_transmit().unwrap(), &b"USER alice\r\n"[..], "one command at a time");
    let mut long = b"+OK ".to_vec();
    long.resize(10 << 20, b'x');
    long.extend_from_slice(b"\r\n");
    for piece in long.chunks(64 << 10) {
        client.receive(piece);
    }
    assert!(matches!(client.poll_event(), Some(ClientEvent::Violation(PeerError::LineTooLong { offset: 8, .. }))));
    assert_eq!(client.pending_commands(), 1);
    assert_eq!(client.poll_transmit().unwrap(), &b"PASS secret\r\n"[..]);
    client.receive(b"+OK logged in\r\n");
    assert!(
        matches!(client.poll_event(), Some(ClientEvent::Reply { command: Command::Pass(_), line }) if line.is_ok())
    );
    assert_eq!(client.state(), State::Transaction);
}

#[test]
fn end_of_input_in_the_middle_of_a_retr_is_reported() {
    let mut client = Client::new(ClientConfig::default());
    client.receive(b"+OK hi\r\n");
    client.assume_sent(Command::Retr(std::num::NonZeroU32::MIN));
    client.receive(b"+OK 100 octets\r\nSubject: cut\r\n\r\nhal");
    client.receive_eof();
    let events: Vec<ClientEvent> = std::iter::from_fn(|| client.poll_event()).collect();
    assert!(matches!(&events[1], ClientEvent::MessageStart { .. }));
    assert!(matches!(&events[2], ClientEvent::MessageData(_)));
    assert!(
        matches!(
            &events[3],
            ClientEvent::Violation(PeerError::Truncated { offset: 43, command: Some(Command::Retr(_)) })
        ),
        "{events:?}"
    );
    assert_eq!(events.last(), Some(&ClientEvent::Closed));
    assert!(!events.iter().any(|e| matches!(e, ClientEvent::MessageEnd)));
    assert_eq!(client.state(), State::Closed);
    assert_eq!(client.send(Command::Noop), Err(ClientError::Closed));

    // A partial reply line, and a command left unanswered, are cut too.
    let mut client = Client::new(ClientConfig::default());
    client.receive(b"+OK hi\r\n+OK 2 3");
    client.assume_sent(Command::Stat);
    client.receive_eof();
    let events: Vec<ClientEvent> = std::iter::from_fn(|| client.poll_event()).collect();
    assert!(matches!(&events[1], ClientEvent::Violation(PeerError::Truncated { command: Some(Command::Stat), .. })));

    // After QUIT is answered, the close is the normal end: no violation.
    let mut client = Client::new(ClientConfig::default());
    client.receive(b"+OK hi\r\n");
    client.assume_sent(Command::Quit);
    client.receive(b"+OK bye\r\n");
    client.receive_eof();
    let events: Vec<ClientEvent> = std::iter::from_fn(|| client.poll_event()).collect();
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(events[2], ClientEvent::Closed, "no violation, just the close");
}

#[test]
fn server_reports_a_command_cut_by_the_end_of_input() {
    let mut server = Server::new(ServerConfig::default());
    let _ = server.poll_transmit();
    server.receive(b"CAPA\r\nUSER al");
    server.receive_eof();
    let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
    assert!(matches!(events[0], ServerEvent::Answered(Command::Capa)));
    assert_eq!(events[1..], [ServerEvent::Truncated { offset: 13 }, ServerEvent::Closed]);
    assert_eq!(server.state(), State::Closed);

    // A clean close between commands ends the session without a report.
    let mut server = Server::new(ServerConfig::default());
    server.receive(b"CAPA\r\n");
    server.receive_eof();
    let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
    assert_eq!(events[1..], [ServerEvent::Closed]);
}

#[test]
fn greeting_text_and_timestamp_are_validated() {
    // The configuration holds validated types: no way to put a line break in.
    assert!(Arg::try_from("ready\r\n+OK injected").is_err());
    assert!(ApopTimestamp::new("<1.2@host>\r\n-ERR x").is_err());
    assert!(ApopTimestamp::new("1.2@host").is_err());
    let config = ServerConfig {
        greeting: Arg::try_from("ready").unwrap(),
        apop_timestamp: Some(ApopTimestamp::new("<1.2@host>").unwrap()),
        ..ServerConfig::default()
    };
    let mut server = Server::new(config);
    assert_eq!(server.poll_transmit().unwrap(), &b"+OK ready <1.2@host>\r\n"[..]);
}

#[test]
fn status_line_constructors_refuse_invalid_text() {
    assert!(StatusLine::ok("two\r\nlines").is_err());
    assert!(StatusLine::err("nul\0").is_err());
    assert!(StatusLine::err_with_code(CodeKind::InUse, "bare\nLF").is_err());
    assert_eq!(StatusLine::err("locked").unwrap().to_bytes(), &b"-ERR locked\r\n"[..]);
}

#[test]
fn client_state_follows_what_the_server_confirmed() {
    let mut client = Client::new(ClientConfig::default());
    client.receive(b"+OK hi\r\n");
    client.assume_sent(Command::Pass(Arg::try_from("x").unwrap()));
    client.receive(b"+OK in\r\n");
    let _: Vec<_> = std::iter::from_fn(|| client.poll_event()).collect();
    assert_eq!(client.state(), State::Transaction);
    client.send(Command::Quit).unwrap();
    assert_eq!(client.poll_transmit().unwrap(), &b"QUIT\r\n"[..]);
    assert_eq!(client.state(), State::Transaction, "QUIT is written, not yet answered");
    assert_eq!(client.send(Command::Noop), Err(ClientError::Closed), "nothing may follow QUIT");
    client.receive(b"+OK bye\r\n");
    assert!(matches!(client.poll_event(), Some(ClientEvent::Reply { command: Command::Quit, .. })));
    assert_eq!(client.state(), State::Closed);
}

#[test]
fn single_line_listings_are_typed() {
    let n = std::num::NonZeroU32::new(2).unwrap();
    let mut client = Client::new(ClientConfig::default());
    client.receive(b"+OK hi\r\n");
    client.assume_sent(Command::Stat);
    client.assume_sent(Command::List(Some(n)));
    client.assume_sent(Command::Uidl(Some(n)));
    client.assume_sent(Command::Stat);
    client.receive(b"+OK 2 320\r\n+OK 2 200\r\n+OK 2 QhdPYR:00WBw1Ph7x7\r\n+OK nonsense\r\n");
    let events: Vec<ClientEvent> = std::iter::from_fn(|| client.poll_event()).skip(1).collect();
    assert!(matches!(&events[0], ClientEvent::Stat { stat: DropListing { messages: 2, octets: 320 }, .. }));
    assert!(matches!(&events[1], ClientEvent::Scan { listing: ScanListing { octets: 200, .. }, .. }));
    assert!(
        matches!(&events[2], ClientEvent::UniqueId { listing, .. } if listing.uid.as_str() == Some("QhdPYR:00WBw1Ph7x7"))
    );
    // A STAT reply that does not parse is reported and kept as a plain reply.
    assert!(matches!(&events[3], ClientEvent::Violation(PeerError::BadListing { .. })));
    assert!(matches!(&events[4], ClientEvent::Reply { command: Command::Stat, line } if line.is_ok()));
    // The server side writes the same lines from the typed values.
    assert_eq!(StatusLine::from(&DropListing { messages: 2, octets: 320 }).to_bytes(), &b"+OK 2 320\r\n"[..]);
}

#[test]
fn a_peer_that_is_not_a_pop3_server_ends_the_session_at_its_first_line() {
    for (input, expect) in [
        (&b"* OK [CAPABILITY IMAP4rev1] ready\r\n"[..], "(an IMAP server?)"),
        (b"\x16\x03\x01\x02\x00", "TLS data"),
        (b"220 smtp ready\r\n", "\"220 smtp ready\""),
    ] {
        for chunk in [input.len(), 1] {
            let mut client = Client::new(ClientConfig::default());
            for piece in input.chunks(chunk) {
                client.receive(piece);
            }
            let events: Vec<ClientEvent> = std::iter::from_fn(|| client.poll_event()).collect();
            let Some(ClientEvent::Violation(PeerError::NotPop3 { received })) = events.first() else {
                panic!("{events:?}")
            };
            assert!(received.contains(expect), "{received}");
            assert!(matches!(events.last(), Some(ClientEvent::Closed)), "{events:?}");
            assert_eq!(client.state(), State::Closed);
        }
    }
}

#[test]
fn plaintext_logins_wait_for_tls_when_refused() {
    let mut server = Server::new(ServerConfig { stls: true, plaintext_login: false, ..ServerConfig::default() });
    let _ = server.poll_transmit();
    server.receive(b"CAPA\r\nUSER alice\r\nAUTH PLAIN\r\nSTLS\r\n");
    assert_eq!(server.poll_event(), Some(ServerEvent::Answered(Command::Capa)));
    assert!(matches!(server.poll_event(), Some(ServerEvent::Rejected { reason: RejectReason::PlaintextLogin, .. })));
    assert!(matches!(server.poll_event(), Some(ServerEvent::Rejected { reason: RejectReason::PlaintextLogin, .. })));
    assert_eq!(server.poll_event(), Some(ServerEvent::Command(Command::Stls)));
    server.complete(StatusLine::ok("Begin TLS").expect("valid text")).unwrap();
    let out = String::from_utf8(server.poll_transmit().unwrap().to_vec()).unwrap();
    assert_eq!(
        out,
        "+OK Capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nSTLS\r\n.\r\n\
         -ERR [AUTH] Plaintext authentication is refused without TLS: use STLS first\r\n\
         -ERR [AUTH] Plaintext authentication is refused without TLS: use STLS first\r\n+OK Begin TLS\r\n"
    );
    assert_eq!(server.poll_event(), Some(ServerEvent::StartTls));
    server.tls_established();
    server.receive(b"CAPA\r\nUSER alice\r\n");
    assert_eq!(server.poll_event(), Some(ServerEvent::Answered(Command::Capa)));
    assert!(matches!(server.poll_event(), Some(ServerEvent::Command(Command::User(_)))));
    let out = String::from_utf8(server.poll_transmit().unwrap().to_vec()).unwrap();
    assert!(out.contains("\r\nUSER\r\n") && out.contains("\r\nSASL PLAIN\r\n"), "{out}");
}
