//! A client and a server machine wired to each other in memory run whole
//! sessions, fed at many split points; and the server's own rules.

use std::num::NonZeroU32;

use imap_wire::client::{Client, ClientConfig, ClientEvent};
use imap_wire::server::{RejectReason, Server, ServerConfig, ServerEvent};
use imap_wire::state::State;
use imap_wire::*;

/// A one-mailbox application on top of the server machine.
struct App {
    messages: Vec<(u32, Vec<Flag>, Vec<u8>)>,
    next_uid: u32,
    selected: bool,
}

impl App {
    fn new() -> App {
        let messages = vec![
            (1, vec![Flag::Seen], b"Subject: one\r\n\r\nfirst\r\n".to_vec()),
            (2, vec![], b"Subject: two\r\n\r\nsecond\r\n".to_vec()),
        ];
        App { messages, next_uid: 3, selected: false }
    }

    fn fetch_data(&self, i: usize) -> Data {
        let (uid, flags, _) = &self.messages[i];
        Data::Fetch {
            seq: NonZeroU32::new(i as u32 + 1).unwrap(),
            attributes: vec![
                MessageAttribute::Uid(NonZeroU32::new(*uid).unwrap()),
                MessageAttribute::Flags(flags.iter().cloned().map(FlagFetch::Flag).collect()),
            ],
        }
    }

    fn handle(&mut self, server: &mut Server, event: ServerEvent) {
        let ok = |server: &mut Server, tag: &Tag| server.complete(tag, StatusKind::Ok, None, "done").unwrap();
        match event {
            ServerEvent::Command(Command { tag, body }) => match body {
                CommandBody::Login { username, password } => {
                    let good = &username[..] == b"alice" && &password[..] == b"secret";
                    let kind = if good { StatusKind::Ok } else { StatusKind::No };
                    server.complete(&tag, kind, None, "login").unwrap();
                }
                CommandBody::List { .. } => {
                    let item = ListItem {
                        attributes: vec![MailboxAttribute::HasNoChildren],
                        delimiter: Some(Delimiter::new('/').unwrap()),
                        mailbox: Mailbox::from("INBOX"),
                        extended: Vec::new(),
                    };
                    server.respond(&tag, Data::List(item)).unwrap();
                    ok(server, &tag);
                }
                CommandBody::Select { .. } => {
                    self.selected = true;
                    server.respond(&tag, Data::Flags(vec![Flag::Seen, Flag::Deleted])).unwrap();
                    server.respond(&tag, Data::Exists(self.messages.len() as u32)).unwrap();
                    let validity = Code::UidValidity(NonZeroU32::new(7).unwrap());
                    server.respond_status(&tag, StatusKind::Ok, Some(validity), "UIDs valid").unwrap();
                    server.complete(&tag, StatusKind::Ok, Some(Code::ReadWrite), "selected").unwrap();
                }
                CommandBody::Fetch { .. } => {
                    for i in 0..self.messages.len() {
                        server.respond(&tag, self.fetch_data(i)).unwrap();
                    }
                    // An EXPUNGE from elsewhere must wait until FETCH is over.
                    if self.messages.len() == 3 {
                        self.messages.remove(0);
                        server.update(Data::Expunge(NonZeroU32::MIN)).unwrap();
                        assert_eq!(server.held_updates().len(), 1);
                    }
                    ok(server, &tag);
                }
                CommandBody::Store { flags, .. } => {
                    self.messages[0].1 = flags;
                    server.respond(&tag, self.fetch_data(0)).unwrap();
                    ok(server, &tag);
                }
                CommandBody::Search { .. } => {
                    let ids = self.messages.iter().map(|m| NonZeroU32::new(m.0).unwrap()).collect();
                    server.respond(&tag, Data::Search { ids, modseq: None }).unwrap();
                    ok(server, &tag);
                }
                CommandBody::Append { messages, .. } => {
                    let message = messages[0].literal().unwrap();
                    self.messages.push((self.next_uid, vec![], message.to_vec()));
                    self.next_uid += 1;
                    server.update(Data::Exists(self.messages.len() as u32)).unwrap();
                    ok(server, &tag);
                }
                CommandBody::Expunge | CommandBody::Noop | CommandBody::Idle => {
                    if body == CommandBody::Idle {
                        // A change from another session while idling.
                        server.update(Data::Recent(1)).unwrap();
                    } else {
                        ok(server, &tag);
                    }
                }
                other => panic!("unexpected {other:?}"),
            },
            ServerEvent::IdleDone { tag } => ok(server, &tag),
            ServerEvent::Answered(_) | ServerEvent::Closed => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Cuts `bytes` into pieces of the sizes `sizes` yields.
fn cut<'b>(bytes: &'b [u8], sizes: &mut impl Iterator<Item = usize>) -> Vec<&'b [u8]> {
    let mut pieces = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = sizes.next().unwrap_or(usize::MAX).clamp(1, rest.len());
        pieces.push(&rest[..n]);
        rest = &rest[n..];
    }
    pieces
}

/// Moves bytes both ways in pieces of the sizes `sizes` yields, until
/// nothing moves; returns the client's events.
fn pump(
    client: &mut Client,
    server: &mut Server,
    app: &mut App,
    sizes: &mut impl Iterator<Item = usize>,
) -> Vec<ClientEvent> {
    let mut events = Vec::new();
    loop {
        let mut moved = false;
        while let Some(bytes) = client.poll_transmit() {
            for piece in cut(&bytes, sizes) {
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
            for piece in cut(&bytes, sizes) {
                client.receive(piece);
            }
            moved = true;
        }
        while let Some(e) = client.poll_event() {
            if let ClientEvent::Idling { .. } = e {
                moved = true;
            }
            events.push(e);
        }
        if !moved {
            return events;
        }
    }
}

fn session(chunk: usize) -> (Vec<ClientEvent>, Client, Server) {
    session_cut(&mut std::iter::repeat(chunk))
}

/// Split points drawn from a seeded generator: pieces of 1 to 40 bytes.
fn random_sizes(seed: u64) -> impl Iterator<Item = usize> {
    let mut state = seed.max(1);
    std::iter::from_fn(move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        Some((state % 40) as usize + 1)
    })
}

fn session_cut(sizes: &mut impl Iterator<Item = usize>) -> (Vec<ClientEvent>, Client, Server) {
    let mut server = Server::new(ServerConfig::default());
    let mut client = Client::new(ClientConfig::default());
    let mut app = App::new();
    let mut events = pump(&mut client, &mut server, &mut app, sizes);
    let n = |v: u32| NonZeroU32::new(v).unwrap();
    let script = vec![
        CommandBody::Login { username: "alice".into(), password: "secret".into() },
        CommandBody::list(Mailbox::from(""), "*".into()),
        CommandBody::Select { mailbox: Mailbox::from("INBOX"), parameters: vec![] },
        CommandBody::Fetch {
            uid: false,
            sequence_set: "1:*".parse().unwrap(),
            items: FetchItems::Attributes(vec![FetchAttribute::Uid, FetchAttribute::Flags]),
            modifiers: vec![],
        },
        CommandBody::Store {
            uid: false,
            sequence_set: SequenceSet::single(n(1)),
            modifiers: vec![],
            action: StoreAction::Add,
            silent: false,
            flags: vec![Flag::Flagged],
        },
        CommandBody::Search { uid: true, return_options: None, charset: None, criteria: vec![SearchKey::All] },
        CommandBody::append(
            Mailbox::from("INBOX"),
            vec![],
            None,
            IString::from(&b"Subject: three\r\n\r\nthird, with {5} in it\r\n"[..]),
        ),
        CommandBody::Fetch {
            uid: false,
            sequence_set: "1:*".parse().unwrap(),
            items: FetchItems::Fast,
            modifiers: vec![],
        },
        CommandBody::Noop,
        CommandBody::Expunge,
        CommandBody::Idle,
    ];
    for body in script {
        client.send(body).unwrap();
        events.extend(pump(&mut client, &mut server, &mut app, sizes));
    }
    client.idle_done().unwrap();
    events.extend(pump(&mut client, &mut server, &mut app, sizes));
    client.send(CommandBody::Logout).unwrap();
    events.extend(pump(&mut client, &mut server, &mut app, sizes));
    client.receive_eof();
    events.extend(std::iter::from_fn(|| client.poll_event()));
    (events, client, server)
}

#[test]
fn a_full_session_between_the_machines() {
    let (events, client, server) = session(usize::MAX);
    assert_eq!(client.state(), State::Logout);
    assert_eq!(server.state(), State::Logout);
    assert!(!events.iter().any(|e| matches!(e, ClientEvent::Violation(_) | ClientEvent::Failed { .. })), "{events:#?}");
    let completions: Vec<(String, StatusKind)> = events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Completed { command, status } => Some((command.body.name().to_string(), status.kind)),
            _ => None,
        })
        .collect();
    let names: Vec<&str> = completions.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["LOGIN", "LIST", "SELECT", "FETCH", "STORE", "SEARCH", "APPEND", "FETCH", "NOOP", "EXPUNGE", "IDLE", "LOGOUT"]
    );
    assert!(completions.iter().all(|(_, k)| *k == StatusKind::Ok));
    // The EXPUNGE held during the second FETCH went out with the NOOP.
    let expunge = events.iter().position(|e| matches!(e, ClientEvent::Data { data: Data::Expunge(_), .. })).unwrap();
    let noop_done = events
        .iter()
        .position(|e| matches!(e, ClientEvent::Completed { command, .. } if command.body == CommandBody::Noop))
        .unwrap();
    let fetch2_done = events
        .iter()
        .rposition(|e| matches!(e, ClientEvent::Completed { command, .. } if command.body.name() == "FETCH"))
        .unwrap();
    assert!(fetch2_done < expunge && expunge < noop_done, "{events:#?}");
    assert!(matches!(&events[expunge], ClientEvent::Data { command: None, .. }), "unsolicited");
    // The update during IDLE arrived as unsolicited data.
    assert!(events.iter().any(|e| matches!(e, ClientEvent::Data { data: Data::Recent(1), command: None })));
    assert!(matches!(events.last(), Some(ClientEvent::Closed)));
}

#[test]
fn the_session_gives_the_same_events_at_every_chunk_size() {
    let (whole, ..) = session(usize::MAX);
    for chunk in [1, 2, 3, 5, 7, 11, 16, 64] {
        assert_eq!(session(chunk).0, whole, "chunk {chunk}");
    }
}

#[test]
fn the_session_gives_the_same_events_at_random_split_points() {
    let (whole, ..) = session(usize::MAX);
    for seed in 1..=50 {
        assert_eq!(session_cut(&mut random_sizes(seed)).0, whole, "seed {seed}");
    }
}

fn server_with(input: &[u8]) -> (Server, Vec<ServerEvent>, String) {
    let mut server = Server::new(ServerConfig::default());
    let _ = server.poll_transmit();
    server.receive(input);
    let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
    let out = server.poll_transmit().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    (server, events, out)
}

#[test]
fn the_server_accepts_a_literal_with_a_continuation() {
    let mut server = Server::new(ServerConfig {
        greeting: Greeting::parse(b"* PREAUTH hi\r\n").unwrap(),
        ..ServerConfig::default()
    });
    let _ = server.poll_transmit();
    server.receive(b"a1 APPEND INBOX {5}\r\n");
    assert_eq!(server.poll_event(), None);
    assert_eq!(server.poll_transmit().unwrap(), &b"+ Ready for literal data\r\n"[..]);
    assert_eq!(server.poll_transmit(), None, "one + per literal");
    server.receive(b"hello\r\n");
    assert!(matches!(
        server.poll_event(),
        Some(ServerEvent::Command(Command { body: CommandBody::Append { .. }, .. }))
    ));
}

#[test]
fn the_server_refuses_a_literal_over_the_limit_without_reading_it() {
    let limits = Limits { max_literal_size: 10, ..Limits::server() };
    let config =
        ServerConfig { limits, greeting: Greeting::parse(b"* PREAUTH hi\r\n").unwrap(), ..ServerConfig::default() };
    let mut server = Server::new(config);
    let _ = server.poll_transmit();
    server.receive(b"a1 APPEND INBOX {100}\r\na2 NOOP\r\n");
    let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
    assert!(matches!(&events[0], ServerEvent::Rejected { tag: Some(t), .. } if t.as_str() == "a1"));
    assert!(matches!(&events[1], ServerEvent::Command(c) if c.body == CommandBody::Noop));
    let out = server.poll_transmit().unwrap();
    assert!(out.starts_with(b"a1 NO [TOOBIG] "), "{out:?}");
    assert!(!out.windows(2).any(|w| w == b"+ "), "no continuation for a refused literal");
}

#[test]
fn literals_are_small_until_login() {
    let config = ServerConfig { max_literal_size_before_login: 16, ..ServerConfig::default() };
    let mut server = Server::new(config);
    let _ = server.poll_transmit();
    // Before login: a 17-byte literal is refused unread, a 16-byte one taken.
    server.receive(b"a1 LOGIN {17}\r\n");
    assert!(matches!(server.poll_event(), Some(ServerEvent::Rejected { tag: Some(t), .. }) if t.as_str() == "a1"));
    assert!(server.poll_transmit().unwrap().starts_with(b"a1 NO [TOOBIG] "));
    server.receive(b"a2 LOGIN {16}\r\n");
    assert_eq!(server.poll_event(), None);
    assert_eq!(server.poll_transmit().unwrap(), &b"+ Ready for literal data\r\n"[..]);
    server.receive(b"alice@example.co secret\r\n");
    let Some(ServerEvent::Command(login)) = server.poll_event() else { panic!("LOGIN with a literal") };
    server.complete(&login.tag, StatusKind::Ok, None, "Logged in").unwrap();
    let _ = server.poll_transmit();
    // After login the configured limit holds.
    server.receive(b"a3 APPEND INBOX {1000}\r\n");
    assert_eq!(server.poll_event(), None);
    assert_eq!(server.poll_transmit().unwrap(), &b"+ Ready for literal data\r\n"[..]);
}

#[test]
fn the_server_rejects_bad_input_and_commands_in_the_wrong_state() {
    let (server, events, out) = server_with(b"a1 SELECT INBOX\r\nbogus\r\na2 FETCH x\r\na3 CAPABILITY\r\n");
    assert!(matches!(&events[0], ServerEvent::Rejected { tag: Some(t), .. } if t.as_str() == "a1"));
    assert!(matches!(&events[1], ServerEvent::Rejected { .. }));
    assert!(matches!(&events[2], ServerEvent::Rejected { tag: Some(t), .. } if t.as_str() == "a2"));
    assert!(matches!(&events[3], ServerEvent::Answered(_)));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "a1 NO SELECT is not valid in this state");
    assert!(lines[1].starts_with("* BAD ") || lines[1].starts_with("bogus BAD "), "{lines:?}");
    assert!(lines[2].starts_with("a2 BAD Error in IMAP command"), "{lines:?}");
    assert!(lines[3].starts_with("* CAPABILITY IMAP4rev1"));
    assert_eq!(lines[4], "a3 OK CAPABILITY completed");
    assert_eq!(server.state(), State::NotAuthenticated);
}

#[test]
fn too_many_bad_commands_end_with_bye() {
    let config = ServerConfig { max_bad_commands: 3, ..ServerConfig::default() };
    let mut server = Server::new(config);
    let _ = server.poll_transmit();
    server.receive(b"x\r\ny\r\nz\r\na1 NOOP\r\n");
    let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(events[3], ServerEvent::Closed);
    let out = server.poll_transmit().unwrap();
    assert!(out.ends_with(b"* BYE Too many invalid IMAP commands.\r\n"));
    assert_eq!(server.state(), State::Logout);
}

#[test]
fn starttls_discards_pipelined_plaintext() {
    let config = ServerConfig { starttls: true, ..ServerConfig::default() };
    let mut server = Server::new(config);
    let _ = server.poll_transmit();
    server.receive(b"a1 STARTTLS\r\na2 LOGIN alice secret\r\n");
    let Some(ServerEvent::Command(command)) = server.poll_event() else { panic!() };
    assert_eq!(server.poll_event(), None, "nothing is read before STARTTLS is answered");
    server.complete(&command.tag, StatusKind::Ok, None, "Begin TLS").unwrap();
    let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
    assert_eq!(events, vec![ServerEvent::StartTls, ServerEvent::PlaintextAfterStartTls { offset: 13 }]);
    assert_eq!(server.poll_transmit().unwrap(), &b"a1 OK Begin TLS\r\n"[..]);
    server.tls_established();
    server.receive(b"a3 CAPABILITY\r\n");
    assert!(matches!(server.poll_event(), Some(ServerEvent::Answered(_))));
    let out = server.poll_transmit().unwrap();
    assert!(!out.windows(8).any(|w| w == b"STARTTLS"), "not offered twice");
}

#[test]
fn plaintext_logins_wait_for_tls_when_refused() {
    let mut capabilities = ServerConfig::default().capabilities;
    capabilities.push(Capability::Auth(Atom::try_from("PLAIN").unwrap()));
    capabilities.push(Capability::Auth(Atom::try_from("SCRAM-SHA-256").unwrap()));
    let config = ServerConfig { starttls: true, plaintext_login: false, capabilities, ..ServerConfig::default() };
    let mut server = Server::new(config);
    let _ = server.poll_transmit();
    assert!(server.advertised().contains(&Capability::LoginDisabled));
    server.receive(b"a0 CAPABILITY\r\na1 LOGIN alice secret\r\na2 AUTHENTICATE plain\r\n");
    server.receive(b"a3 AUTHENTICATE SCRAM-SHA-256\r\na4 STARTTLS\r\n");
    let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
    assert!(matches!(&events[1], ServerEvent::Rejected { reason: RejectReason::PlaintextLogin, .. }), "{events:?}");
    assert!(matches!(&events[2], ServerEvent::Rejected { reason: RejectReason::PlaintextLogin, .. }), "{events:?}");
    let ServerEvent::Command(scram) = &events[3] else { panic!("{events:?}") };
    server.complete(&scram.tag, StatusKind::No, None, "no").unwrap();
    let Some(ServerEvent::Command(starttls)) = server.poll_event() else { panic!() };
    server.complete(&starttls.tag, StatusKind::Ok, None, "Begin TLS").unwrap();
    let out = String::from_utf8(server.poll_transmit().unwrap().to_vec()).unwrap();
    assert_eq!(
        out,
        "* CAPABILITY IMAP4rev1 IDLE LITERAL+ AUTH=SCRAM-SHA-256 STARTTLS LOGINDISABLED\r\na0 OK CAPABILITY completed\r\n\
         a1 NO [PRIVACYREQUIRED] Plaintext authentication is refused without TLS: use STARTTLS first\r\n\
         a2 NO [PRIVACYREQUIRED] Plaintext authentication is refused without TLS: use STARTTLS first\r\n\
         a3 NO no\r\na4 OK Begin TLS\r\n"
    );
    assert_eq!(server.poll_event(), Some(ServerEvent::StartTls));
    server.tls_established();
    server.receive(b"b1 CAPABILITY\r\nb2 LOGIN alice secret\r\n");
    assert!(matches!(server.poll_event(), Some(ServerEvent::Answered(_))));
    assert!(matches!(server.poll_event(), Some(ServerEvent::Command(c)) if c.body.name() == "LOGIN"));
    let out = String::from_utf8(server.poll_transmit().unwrap().to_vec()).unwrap();
    assert!(out.starts_with("* CAPABILITY IMAP4rev1 IDLE LITERAL+ AUTH=PLAIN AUTH=SCRAM-SHA-256\r\n"), "{out}");
}

#[test]
fn compress_holds_the_compressed_commands_for_the_decompressor() {
    let mut capabilities = ServerConfig::default().capabilities;
    capabilities.push(Capability::from_atom(Atom::try_from("COMPRESS=DEFLATE").unwrap()));
    let mut server = Server::new(ServerConfig { capabilities, ..ServerConfig::default() });
    let _ = server.poll_transmit();
    server.receive(b"a1 LOGIN alice secret\r\n");
    let Some(ServerEvent::Command(login)) = server.poll_event() else { panic!() };
    server.complete(&login.tag, StatusKind::Ok, None, "in").unwrap();
    // The client may send compressed bytes right after its COMPRESS line.
    server.receive(b"a2 COMPRESS DEFLATE\r\n\x4a\xcc\x03");
    let Some(ServerEvent::Command(compress)) = server.poll_event() else { panic!() };
    assert_eq!(compress.body.name(), "COMPRESS");
    assert_eq!(server.poll_event(), None, "nothing is read before COMPRESS is answered");
    server.complete(&compress.tag, StatusKind::Ok, None, "DEFLATE active").unwrap();
    assert_eq!(server.poll_event(), Some(ServerEvent::Compress));
    assert_eq!(server.poll_event(), None);
    server.receive(b"\x00\xff");
    assert_eq!(server.poll_event(), None, "compressed bytes are never parsed");
    assert_eq!(server.poll_transmit().unwrap(), &b"a1 OK in\r\na2 OK DEFLATE active\r\n"[..]);
    assert_eq!(server.take_compressed_input(), &b"\x4a\xcc\x03\x00\xff"[..]);
    server.receive(b"a3 NOOP\r\n");
    let event = server.poll_event_at();
    assert!(matches!(&event, Some((44, ServerEvent::Command(c))) if c.body == CommandBody::Noop), "{event:?}");
}

#[test]
fn authenticate_exchange_on_the_server() {
    let (mut server, events, _) = server_with(b"a1 AUTHENTICATE PLAIN\r\n");
    let ServerEvent::Command(command) = &events[0] else { panic!() };
    server.sasl_challenge(&command.tag, b"").unwrap();
    assert_eq!(server.poll_transmit().unwrap(), &b"+ \r\n"[..]);
    server.receive(b"AGFsaWNlAHNlY3JldA==\r\n");
    assert_eq!(
        server.poll_event(),
        Some(ServerEvent::SaslResponse { tag: command.tag.clone(), data: "\0alice\0secret".into() })
    );
    server.complete(&command.tag, StatusKind::Ok, None, "welcome").unwrap();
    assert_eq!(server.state(), State::Authenticated);
    // Cancelled.
    let (mut server, events, _) = server_with(b"a1 AUTHENTICATE LOGIN\r\n");
    let ServerEvent::Command(command) = &events[0] else { panic!() };
    server.sasl_challenge(&command.tag, b"Username:").unwrap();
    server.receive(b"*\r\n");
    assert_eq!(server.poll_event(), Some(ServerEvent::SaslCancelled { tag: command.tag.clone() }));
    assert!(server.poll_transmit().unwrap().ends_with(b"a1 BAD AUTHENTICATE cancelled\r\n"));
}

#[test]
fn a_command_cut_by_the_end_of_input() {
    let mut server = Server::new(ServerConfig::default());
    let _ = server.poll_transmit();
    server.receive(b"a1 NOOP\r\na2 LOG");
    server.receive_eof();
    let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
    assert!(matches!(&events[0], ServerEvent::Command(_)));
    assert_eq!(events[1..], [ServerEvent::Truncated { offset: 9 }, ServerEvent::Closed]);
}

#[test]
fn a_large_body_is_streamed_and_never_held_whole() {
    let config = ServerConfig { greeting: Greeting::parse(b"* PREAUTH hi\r\n").unwrap(), ..ServerConfig::default() };
    let mut server = Server::new(config);
    let mut client = Client::new(ClientConfig::default());
    client.receive(&server.poll_transmit().unwrap());
    let _ = client.poll_event();
    client.send(CommandBody::Select { mailbox: Mailbox::from("INBOX"), parameters: vec![] }).unwrap();
    server.receive(&client.poll_transmit().unwrap());
    let Some(ServerEvent::Command(select)) = server.poll_event() else { panic!() };
    server.respond(&select.tag, Data::Exists(1)).unwrap();
    server.complete(&select.tag, StatusKind::Ok, None, "selected").unwrap();
    let fetch = CommandBody::Fetch {
        uid: false,
        sequence_set: "1".parse().unwrap(),
        items: FetchItems::Attributes(vec![FetchAttribute::BodySection {
            peek: true,
            section: Section::default(),
            partial: None,
        }]),
        modifiers: vec![],
    };
    client.send(fetch).unwrap();
    server.receive(&client.poll_transmit().unwrap());
    let Some(ServerEvent::Command(fetch)) = server.poll_event() else { panic!() };
    client.receive(&server.poll_transmit().unwrap());
    let size = 1 << 20;
    let body: Vec<u8> = (0..size).map(|i| b"abcdefghij\r\n"[i % 12]).collect();
    server.begin_body(&fetch.tag, NonZeroU32::MIN, &[], &Section::default(), None, size as u64).unwrap();
    // An update while the literal streams is held, not cut into it.
    server.update(Data::Exists(2)).unwrap();
    for piece in body.chunks(64 << 10) {
        server.body_data(piece).unwrap();
        let out = server.poll_transmit().unwrap();
        assert!(out.len() <= piece.len() + 64, "the server holds {} bytes", out.len());
        client.receive(&out);
    }
    assert!(server.complete(&fetch.tag, StatusKind::Ok, None, "done").is_err(), "the literal is unfinished");
    server.end_body().unwrap();
    server.complete(&fetch.tag, StatusKind::Ok, None, "done").unwrap();
    client.receive(&server.poll_transmit().unwrap());
    let events: Vec<ClientEvent> = std::iter::from_fn(|| client.poll_event()).collect();
    let data = events.iter().find_map(|e| match e {
        ClientEvent::Data { data: Data::Fetch { attributes, .. }, command: Some(_) } => match &attributes[0] {
            MessageAttribute::BodySection { data: Some(d), .. } => Some(d.clone()),
            _ => None,
        },
        _ => None,
    });
    assert_eq!(data.as_deref(), Some(&body[..]));
    assert!(events.iter().any(|e| matches!(e, ClientEvent::Completed { status, .. } if status.kind == StatusKind::Ok)));
    assert!(server.held_updates().is_empty(), "released after the literal");
    assert!(events.iter().any(|e| matches!(e, ClientEvent::Data { data: Data::Exists(2), command: None })));
}

#[test]
fn a_fetch_response_with_several_streamed_literals_parses_and_holds_updates() {
    let config = ServerConfig { greeting: Greeting::parse(b"* PREAUTH hi\r\n").unwrap(), ..ServerConfig::default() };
    let mut server = Server::new(config);
    let mut client = Client::new(ClientConfig::default());
    client.receive(&server.poll_transmit().unwrap());
    let _ = client.poll_event();
    client.send(CommandBody::Select { mailbox: Mailbox::from("INBOX"), parameters: vec![] }).unwrap();
    server.receive(&client.poll_transmit().unwrap());
    let Some(ServerEvent::Command(select)) = server.poll_event() else { panic!() };
    server.respond(&select.tag, Data::Exists(1)).unwrap();
    server.complete(&select.tag, StatusKind::Ok, None, "selected").unwrap();
    client.send(CommandBody::Noop).unwrap();
    server.receive(&client.poll_transmit().unwrap());
    let Some(ServerEvent::Command(fetch)) = server.poll_event() else { panic!() };
    client.receive(&server.poll_transmit().unwrap());
    server.begin_fetch(&fetch.tag, NonZeroU32::MIN).unwrap();
    assert!(server.respond(&fetch.tag, Data::Exists(5)).is_err(), "nothing cuts into the response");
    server.update(Data::Exists(2)).unwrap();
    server.fetch_attribute(&MessageAttribute::Uid(NonZeroU32::MIN)).unwrap();
    for (n, text) in [(1u32, &b"first\r\n"[..]), (2, b"\0binary")] {
        let item = if n == 1 {
            imap_wire::LiteralAttribute::BodySection { section: Section::default(), origin: Some(3) }
        } else {
            imap_wire::LiteralAttribute::Binary { part: vec![NonZeroU32::MIN], origin: None }
        };
        server.begin_fetch_literal(&item, text.len() as u64, n == 2).unwrap();
        assert!(server.fetch_attribute(&MessageAttribute::Rfc822Size(1)).is_err(), "inside a literal");
        server.body_data(&text[..2]).unwrap();
        assert!(server.end_fetch_literal().is_err(), "short");
        server.body_data(&text[2..]).unwrap();
        server.end_fetch_literal().unwrap();
    }
    server.fetch_attribute(&MessageAttribute::Rfc822Size(42)).unwrap();
    assert!(server.held_updates().len() == 1, "held while the response is built");
    server.end_fetch().unwrap();
    server.complete(&fetch.tag, StatusKind::Ok, None, "done").unwrap();
    let out = server.poll_transmit().unwrap();
    assert!(
        out.starts_with(b"* 1 FETCH (UID 1 BODY[]<3> {7}\r\nfirst\r\n BINARY[1] ~{7}\r\n\0binary RFC822.SIZE 42)\r\n")
    );
    client.receive(&out);
    let events: Vec<ClientEvent> = std::iter::from_fn(|| client.poll_event()).collect();
    let attributes = events
        .iter()
        .find_map(|e| match e {
            ClientEvent::Data { data: Data::Fetch { attributes, .. }, .. } => Some(attributes.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(attributes.len(), 4, "{attributes:?}");
    assert!(events.iter().any(|e| matches!(e, ClientEvent::Data { data: Data::Exists(2), .. })));
}

#[test]
fn only_done_during_idle_and_only_responses_during_authenticate() {
    let config = ServerConfig { greeting: Greeting::parse(b"* PREAUTH hi\r\n").unwrap(), ..ServerConfig::default() };
    let mut server = Server::new(config);
    let _ = server.poll_transmit();
    server.receive(b"a1 IDLE\r\na2 SELECT INBOX\r\nDONE\r\n");
    let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
    assert!(matches!(&events[0], ServerEvent::Command(c) if c.body == CommandBody::Idle));
    assert!(matches!(&events[1], ServerEvent::Rejected { reason: imap_wire::server::RejectReason::ExpectedDone, .. }));
    assert!(matches!(&events[2], ServerEvent::IdleDone { .. }));
    assert_eq!(server.state(), State::Authenticated, "the SELECT was not run");

    let (mut server, events, _) = server_with(b"a1 AUTHENTICATE PLAIN\r\n");
    let ServerEvent::Command(auth) = &events[0] else { panic!() };
    server.sasl_challenge(&auth.tag, b"").unwrap();
    server.receive(b"a2 LOGIN alice secret\r\n");
    assert!(matches!(server.poll_event(), Some(ServerEvent::Rejected { tag: Some(t), .. }) if t == auth.tag));
    assert!(server.poll_transmit().unwrap().ends_with(b"a1 BAD Invalid AUTHENTICATE response\r\n"));
    assert_eq!(server.state(), State::NotAuthenticated);
}

/// Feeds `input` in pieces of `chunk` bytes to a PREAUTH server that streams
/// APPENDs above 10 bytes; returns the events (consecutive AppendData merged)
/// and the output. Commands are completed OK as they come, and so are
/// streamed APPENDs at their end.
fn streamed(input: &[u8], chunk: usize) -> (Vec<ServerEvent>, String) {
    streamed_with(input, chunk, &[])
}

/// [`streamed`] with these capabilities offered beside the defaults.
fn streamed_with(input: &[u8], chunk: usize, offered: &[&str]) -> (Vec<ServerEvent>, String) {
    let mut capabilities = ServerConfig::default().capabilities;
    capabilities.extend(offered.iter().map(|c| Capability::from_atom(Atom::try_from(*c).unwrap())));
    let config = ServerConfig {
        capabilities,
        stream_appends_above: Some(10),
        greeting: Greeting::parse(b"* PREAUTH hi\r\n").unwrap(),
        ..ServerConfig::default()
    };
    let mut server = Server::new(config);
    let _ = server.poll_transmit();
    let (mut events, mut out) = (Vec::<ServerEvent>::new(), Vec::new());
    let mut pieces = input.chunks(chunk.max(1)).peekable();
    loop {
        if let Some(piece) = pieces.next() {
            server.receive(piece);
        } else {
            server.receive_eof();
        }
        while let Some(event) = server.poll_event() {
            match &event {
                ServerEvent::Command(c) => server.complete(&c.tag, StatusKind::Ok, None, "done").unwrap(),
                ServerEvent::AppendEnd { tag } => server.complete(tag, StatusKind::Ok, None, "stored").unwrap(),
                _ => {}
            }
            match (events.last_mut(), event) {
                (Some(ServerEvent::AppendData { data, .. }), ServerEvent::AppendData { data: more, .. }) => {
                    *data = [data.as_ref(), more.as_ref()].concat().into();
                }
                (_, event) => events.push(event),
            }
        }
        while let Some(bytes) = server.poll_transmit() {
            out.extend_from_slice(&bytes);
        }
        if pieces.peek().is_none() && events.last() == Some(&ServerEvent::Closed) {
            break;
        }
        if pieces.peek().is_none() && server.state() == State::Logout {
            break;
        }
    }
    (events, String::from_utf8(out).unwrap())
}

#[test]
fn large_appends_are_streamed_the_same_at_every_split_point() {
    let message = b"Subject: x\r\n\r\n0123456789\r\n";
    let mut input = format!("a1 APPEND INBOX (\\Seen) {{{}}}\r\n", message.len()).into_bytes();
    input.extend_from_slice(message);
    input.extend_from_slice(b"\r\na2 APPEND INBOX {5+}\r\nsmall\r\na3 NOOP\r\n");
    // A large literal in another command is buffered as usual (fed in
    // pieces, this spun forever once: the framer reported its pause again
    // on every call).
    input.extend_from_slice(b"a4 SUBSCRIBE {16+}\r\nlarge-but-a-name\r\n");
    let (whole, out) = streamed(&input, input.len());
    let Some(ServerEvent::AppendStart { command, size }) = whole.first() else { panic!("{whole:?}") };
    assert_eq!(*size, message.len() as u64);
    let CommandBody::Append { mailbox, messages } = &command.body else { panic!() };
    let (flags, empty) = (&messages[0].flags, messages[0].literal().unwrap());
    assert_eq!((mailbox.as_bytes(), flags.as_slice(), empty.is_empty()), (&b"INBOX"[..], &[Flag::Seen][..], true));
    assert!(matches!(&whole[1], ServerEvent::AppendData { data, .. } if data.as_ref() == message));
    assert!(matches!(&whole[2], ServerEvent::AppendEnd { tag } if tag.as_str() == "a1"));
    assert!(
        matches!(&whole[3], ServerEvent::Command(Command { body: CommandBody::Append { messages, .. }, .. }) if messages[0].literal().unwrap().as_ref() == b"small"),
        "a small APPEND arrives whole"
    );
    assert!(
        matches!(&whole[5], ServerEvent::Command(Command { body: CommandBody::Subscribe(name), .. }) if name.as_bytes() == b"large-but-a-name"),
        "{whole:?}"
    );
    assert!(out.starts_with("+ Ready for literal data\r\na1 OK stored\r\na2 OK done\r\na3 OK done\r\n"), "{out}");
    assert!(out.ends_with("a3 OK done\r\na4 OK done\r\n"), "{out}");
    for chunk in 1..input.len() {
        assert_eq!(streamed(&input, chunk), (whole.clone(), out.clone()), "fed {chunk} bytes at a time");
    }
}

#[test]
fn multiappends_are_streamed_message_by_message_at_every_split_point() {
    // Large, small, large (synchronizing), CATENATE, small: every message
    // after the first comes as AppendNext with its data.
    let big = b"Subject: big\r\n\r\n0123456789\r\n";
    let mut input = format!("a1 APPEND INBOX {{{}}}\r\n", big.len()).into_bytes();
    input.extend_from_slice(big);
    input.extend_from_slice(b" (\\Seen) {5+}\r\nsmall");
    input.extend_from_slice(format!(" \"01-Jan-2020 00:00:00 +0000\" {{{}}}\r\n", big.len()).as_bytes());
    input.extend_from_slice(big);
    input.extend_from_slice(b" CATENATE (TEXT {3+}\r\nabc URL \"/INBOX/;uid=1\") {4+}\r\nlast\r\na2 NOOP\r\n");
    let offered = ["MULTIAPPEND", "CATENATE"];
    let (whole, out) = streamed_with(&input, input.len(), &offered);
    let kinds: Vec<String> = whole
        .iter()
        .map(|e| match e {
            ServerEvent::AppendStart { size, .. } => format!("start {size}"),
            ServerEvent::AppendNext { message, size, .. } => {
                let catenate = matches!(message.content, imap_wire::AppendContent::Catenate(_));
                format!("next {size} flags {} date {} catenate {catenate}", message.flags.len(), message.date.is_some())
            }
            ServerEvent::AppendData { data, .. } => format!("data {}", data.len()),
            ServerEvent::AppendEnd { .. } => "end".into(),
            ServerEvent::Command(c) => c.body.name().to_string(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "start 28",
            "data 28",
            "next 5 flags 1 date false catenate false",
            "data 5",
            "next 28 flags 0 date true catenate false",
            "data 28",
            "next 0 flags 0 date false catenate true",
            "next 4 flags 0 date false catenate false",
            "data 4",
            "end",
            "NOOP",
            "Closed"
        ]
    );
    assert_eq!(out.matches("+ Ready").count(), 2, "the two synchronizing literals: {out}");
    assert!(out.ends_with("a1 OK stored\r\na2 OK done\r\n"), "{out}");
    for chunk in 1..input.len() {
        assert_eq!(streamed_with(&input, chunk, &offered), (whole.clone(), out.clone()), "fed {chunk} bytes at a time");
    }
    // Not offered: the streamed APPEND is refused at its second message,
    // and what was stored of it goes.
    let (events, out) = streamed(&input, 7);
    assert!(events.iter().any(|e| matches!(e, ServerEvent::AppendAborted { .. })), "{events:?}");
    assert!(!events.iter().any(|e| matches!(e, ServerEvent::AppendNext { .. })), "{events:?}");
    assert!(out.contains("a1 BAD MULTIAPPEND is not offered\r\na2 OK done\r\n"), "{out}");
}

/// A client reusing the tag of an unanswered command for a streamed APPEND:
/// the answers go by tag, so the APPEND's message is not read until that
/// command is answered, and each answer goes where the client sent it
/// whether the application answers before or after the APPEND arrived.
#[test]
fn a_streamed_append_waits_for_an_earlier_command_with_its_tag() {
    let config = ServerConfig {
        stream_appends_above: Some(10),
        greeting: Greeting::parse(b"* PREAUTH hi\r\n").unwrap(),
        ..ServerConfig::default()
    };
    let mut server = Server::new(config);
    let _ = server.poll_transmit();
    server.receive(b"a1 NOOP\r\na1 APPEND INBOX {16+}\r\nSubject: x\r\n\r\nhi\r\na2 NOOP\r\n");
    let Some(ServerEvent::Command(noop)) = server.poll_event() else { panic!() };
    assert_eq!(noop.body, CommandBody::Noop);
    assert_eq!(server.poll_event(), None, "the APPEND waits for the NOOP's answer");
    server.complete(&noop.tag, StatusKind::Ok, None, "noop").unwrap();
    assert!(matches!(server.poll_event(), Some(ServerEvent::AppendStart { size: 16, .. })));
    assert!(matches!(server.poll_event(), Some(ServerEvent::AppendData { data, .. }) if data.len() == 16));
    let Some(ServerEvent::AppendEnd { tag }) = server.poll_event() else { panic!() };
    server.complete(&tag, StatusKind::Ok, None, "stored").unwrap();
    let Some(ServerEvent::Command(next)) = server.poll_event() else { panic!() };
    server.complete(&next.tag, StatusKind::Ok, None, "done").unwrap();
    let out = server.poll_transmit().unwrap();
    assert_eq!(out, &b"a1 OK noop\r\na1 OK stored\r\na2 OK done\r\n"[..]);
    // The same at the end of input: the cut APPEND is aborted after the
    // NOOP is answered, not in its place.
    let mut server = Server::new(ServerConfig {
        stream_appends_above: Some(10),
        greeting: Greeting::parse(b"* PREAUTH hi\r\n").unwrap(),
        ..ServerConfig::default()
    });
    let _ = server.poll_transmit();
    server.receive(b"a1 NOOP\r\na1 APPEND INBOX {16+}\r\nSubject");
    server.receive_eof();
    let Some(ServerEvent::Command(noop)) = server.poll_event() else { panic!() };
    assert_eq!(server.poll_event(), None);
    server.complete(&noop.tag, StatusKind::Ok, None, "noop").unwrap();
    let rest: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
    assert!(matches!(rest[0], ServerEvent::AppendStart { .. }), "{rest:?}");
    assert!(rest.iter().any(|e| matches!(e, ServerEvent::AppendAborted { .. })), "{rest:?}");
    assert_eq!(server.poll_transmit().unwrap(), &b"a1 OK noop\r\n"[..]);
}

#[test]
fn a_streamed_append_with_junk_after_its_message_is_aborted() {
    let mut input = b"a1 APPEND INBOX {12}\r\n".to_vec();
    input.extend_from_slice(b"hello world!");
    input.extend_from_slice(b" junk\r\na2 NOOP\r\n");
    let (events, out) = streamed(&input, 3);
    assert!(matches!(&events[0], ServerEvent::AppendStart { .. }));
    assert!(matches!(&events[2], ServerEvent::AppendAborted { tag, .. } if tag.as_str() == "a1"), "{events:?}");
    assert!(matches!(&events[3], ServerEvent::Command(c) if c.body == CommandBody::Noop), "then the next command");
    assert!(out.contains("a1 BAD Unexpected data after the APPEND message\r\na2 OK done\r\n"), "{out}");
    // Cut inside the message: aborted and truncated.
    let (events, _) = streamed(b"a1 APPEND INBOX {12}\r\nhello", 4);
    assert!(events.iter().any(|e| matches!(e, ServerEvent::AppendAborted { .. })), "{events:?}");
    assert!(events.iter().any(|e| matches!(e, ServerEvent::Truncated { .. })), "{events:?}");
}

/// The server machine refuses what the session has not been offered or
/// has not enabled, and does not send what the client has not enabled.
#[test]
fn the_server_machine_knows_what_each_extension_adds() {
    use imap_wire::server::{Server, ServerConfig, ServerError, ServerEvent};
    let greeting = Greeting { kind: GreetingKind::PreAuth, code: None, text: Text::try_from("hi").unwrap() };
    let capabilities = ["IMAP4rev1", "ENABLE", "QRESYNC", "CONDSTORE", "ESEARCH", "IMAP4rev2"]
        .map(|c| Capability::from_atom(Atom::try_from(c).unwrap()))
        .to_vec();
    let mut server = Server::new(ServerConfig { greeting, capabilities, ..ServerConfig::default() });
    let _ = server.poll_transmit();
    let answered = |server: &mut Server, line: &[u8]| {
        server.receive(line);
        let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
        let out = server.poll_transmit().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        (events, out)
    };
    // Not offered: ID, METADATA, QUOTA, MULTIAPPEND.
    for (line, name) in [
        (&b"a ID NIL\r\n"[..], "ID"),
        (b"a GETMETADATA \"\" /shared\r\n", "METADATA"),
        (b"a GETQUOTAROOT INBOX\r\n", "QUOTA"),
        (b"a APPEND INBOX {1+}\r\nx {1+}\r\ny\r\n", "MULTIAPPEND"),
    ] {
        let (events, out) = answered(&mut server, line);
        assert!(matches!(&events[..], [ServerEvent::Rejected { .. }]), "{events:?}");
        assert_eq!(out, format!("a BAD {name} is not offered\r\n"));
    }
    // QRESYNC needs ENABLE first (RFC 7162 3.2.5); VANISHED cannot be sent.
    let (_, out) = answered(&mut server, b"c SELECT INBOX (QRESYNC (1 2))\r\n");
    assert_eq!(out, "c BAD ENABLE QRESYNC first\r\n");
    let vanished = Data::Vanished { earlier: false, uids: "3".parse().unwrap() };
    assert!(matches!(server.update(vanished.clone()), Err(ServerError::WrongAnswer(_))));
    let (events, _) = answered(&mut server, b"d ENABLE QRESYNC IMAP4rev2\r\n");
    assert!(matches!(&events[..], [ServerEvent::Command(_)]));
    let d = Tag::try_from("d").unwrap();
    let names = ["QRESYNC", "IMAP4rev2"].map(|a| Atom::try_from(a).unwrap()).to_vec();
    server.respond(&d, Data::Enabled(names)).unwrap();
    server.complete(&d, StatusKind::Ok, None, "enabled").unwrap();
    assert!(server.is_enabled("qresync") && server.is_enabled("IMAP4REV2"));
    let (events, _) = answered(&mut server, b"e SELECT INBOX (QRESYNC (1 2))\r\n");
    assert!(matches!(&events[..], [ServerEvent::Command(_)]), "{events:?}");
    let e = Tag::try_from("e").unwrap();
    // IMAP4rev2 has no RECENT; VANISHED may go now.
    assert!(matches!(server.respond(&e, Data::Recent(0)), Err(ServerError::WrongAnswer(_))));
    server.respond(&e, Data::Exists(3)).unwrap();
    server.complete(&e, StatusKind::Ok, None, "selected").unwrap();
    server.update(vanished).unwrap();
    let _ = server.poll_transmit();
    // Offered by IMAP4rev2: SEARCHRES, ESEARCH's RETURN.
    let (events, _) = answered(&mut server, b"b SEARCH RETURN (SAVE) ALL\r\n");
    assert!(matches!(&events[..], [ServerEvent::Command(_)]), "{events:?}");
    server.complete(&Tag::try_from("b").unwrap(), StatusKind::Ok, None, "done").unwrap();
    let _ = server.poll_transmit();
    let (_, out) = answered(&mut server, b"g SORT (DATE) UTF-8 ALL\r\n");
    assert_eq!(out, "g BAD SORT is not offered\r\n");
    // No LSUB in IMAP4rev2.
    let (_, out) = answered(&mut server, b"f LSUB \"\" *\r\n");
    assert!(out.starts_with("f BAD LSUB is not part of IMAP4rev2"), "{out}");
}

/// An EXPUNGE (or VANISHED) held during STORE keeps what comes after it
/// back, but FLAGS, which names no message, goes out at once: the client
/// learns of a new keyword before the STORE that made it completes
/// (imaptest's stress checks this).
#[test]
fn flags_overtake_a_held_expunge() {
    use imap_wire::server::{Server, ServerConfig, ServerEvent};
    let greeting = Greeting { kind: GreetingKind::PreAuth, code: None, text: Text::try_from("hi").unwrap() };
    let caps = ["IMAP4rev1", "ENABLE", "QRESYNC"].map(|c| Capability::from_atom(Atom::try_from(c).unwrap())).to_vec();
    let mut server = Server::new(ServerConfig { greeting, capabilities: caps, ..ServerConfig::default() });
    let _ = server.poll_transmit();
    let run = |server: &mut Server, line: &[u8]| -> Tag {
        server.receive(line);
        match server.poll_event() {
            Some(ServerEvent::Command(c)) => c.tag,
            other => panic!("{other:?}"),
        }
    };
    let e = run(&mut server, b"e ENABLE QRESYNC\r\n");
    server.respond(&e, Data::Enabled(vec![Atom::try_from("QRESYNC").unwrap()])).unwrap();
    server.complete(&e, StatusKind::Ok, None, "done").unwrap();
    let s = run(&mut server, b"s SELECT INBOX\r\n");
    server.respond(&s, Data::Exists(3)).unwrap();
    server.complete(&s, StatusKind::Ok, None, "done").unwrap();
    let _ = server.poll_transmit();
    let t = run(&mut server, b"t STORE 1 +FLAGS ($New)\r\n");
    server.update(Data::Expunge(std::num::NonZeroU32::new(3).unwrap())).unwrap();
    server.update(Data::Vanished { earlier: false, uids: "9".parse().unwrap() }).unwrap();
    server.update(Data::Exists(2)).unwrap();
    server.update(Data::Flags(vec![Flag::Seen, Flag::Keyword(Atom::try_from("$New").unwrap())])).unwrap();
    assert_eq!(server.held_updates().len(), 3, "EXPUNGE, VANISHED and what follows them wait");
    server.complete(&t, StatusKind::Ok, None, "stored").unwrap();
    let out = String::from_utf8(server.poll_transmit().unwrap().to_vec()).unwrap();
    assert_eq!(out, "* FLAGS (\\Seen $New)\r\nt OK stored\r\n");
}
