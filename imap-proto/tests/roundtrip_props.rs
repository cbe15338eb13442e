//! proptest round trips: for every generated command and response,
//! parse(serialize(v)) == v, whole and fed in random chunks.

mod common;

use std::num::NonZeroU32;

use bytes::Bytes;
use imap_proto::*;
use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;

const ATOM_CHARS: &str = "!#$&'+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[^_`abcdefghijklmnopqrstuvwxyz|}~";

fn atom() -> impl Strategy<Value = Atom> {
    let chars: Vec<char> = ATOM_CHARS.chars().collect();
    vec(proptest::sample::select(chars), 1..12).prop_map(|c| Atom::try_from(c.into_iter().collect::<String>()).unwrap())
}

/// An atom that cannot be mistaken for a keyword: `X-` and letters.
fn x_name() -> impl Strategy<Value = Atom> {
    "X-[A-Z0-9]{1,10}".prop_map(|s| Atom::try_from(s).unwrap())
}

fn tag() -> impl Strategy<Value = Tag> {
    "[A-Za-z0-9.]{1,8}".prop_map(|s| Tag::try_from(s).unwrap())
}

fn istring() -> impl Strategy<Value = IString> {
    prop_oneof![
        3 => "[a-zA-Z0-9 ._%*\\\\\"-]{0,20}".prop_map(IString::from),
        1 => vec(any::<u8>(), 0..40).prop_map(IString::from),
        1 => Just(IString::from("NIL")),
    ]
}

fn nstring() -> impl Strategy<Value = Option<IString>> {
    of(istring())
}

/// Response text: no CR/LF/NUL, and no leading `[` (it would read as a
/// response code).
fn text() -> impl Strategy<Value = Text> {
    "([a-zA-Z0-9.,!?%{}()] ?){0,12}".prop_map(|s| Text::try_from(s.as_str()).unwrap())
}

fn nz() -> impl Strategy<Value = NonZeroU32> {
    prop_oneof![1u32..100, 1u32..=u32::MAX].prop_map(|n| NonZeroU32::new(n).unwrap())
}

fn sequence_set() -> impl Strategy<Value = SequenceSet> {
    let num = prop_oneof![4 => nz().prop_map(SeqNumber::Value), 1 => Just(SeqNumber::Largest)];
    let range = prop_oneof![
        num.clone().prop_map(SeqRange::Single),
        (num.clone(), num).prop_map(|(a, b)| SeqRange::Range(a, b))
    ];
    vec(range, 1..5).prop_map(|r| SequenceSet::new(r).unwrap())
}

fn date() -> impl Strategy<Value = Date> {
    (0u16..=9999, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).unwrap())
}

fn date_time() -> impl Strategy<Value = DateTime> {
    (date(), 0u8..24, 0u8..60, 0u8..61, -5999i16..=5999)
        .prop_filter("minutes below 60 in the zone", |(.., z)| z.unsigned_abs() % 100 < 60)
        .prop_map(|(d, h, m, s, z)| {
            let zone = (z / 100) * 60 + z % 100;
            DateTime::new(d, h, m, s, zone).unwrap()
        })
}

fn flag() -> impl Strategy<Value = Flag> {
    prop_oneof![
        Just(Flag::Answered),
        Just(Flag::Flagged),
        Just(Flag::Deleted),
        Just(Flag::Seen),
        Just(Flag::Draft),
        atom().prop_map(Flag::Keyword),
        atom().prop_filter("not \\Recent", |a| !a.eq_ignore_case("Recent")).prop_map(Flag::system_or_extension),
    ]
}

fn mailbox() -> impl Strategy<Value = Mailbox> {
    prop_oneof![
        istring().prop_map(Mailbox::from),
        Just(Mailbox::inbox()),
        "[a-zA-Z]{1,10}".prop_map(|s| Mailbox::from_utf8(&format!("{s}ü")))
    ]
}

fn capability() -> impl Strategy<Value = Capability> {
    atom().prop_map(Capability::from_atom)
}

fn code() -> impl Strategy<Value = Code> {
    prop_oneof![
        Just(Code::Alert),
        vec("[A-Za-z0-9 _-]{0,10}".prop_map(IString::from), 0..3).prop_map(Code::BadCharset),
        vec(capability(), 0..4).prop_map(Code::Capability),
        Just(Code::Parse),
        vec(prop_oneof![flag().prop_map(FlagPerm::Flag), Just(FlagPerm::AnyKeyword)], 0..4)
            .prop_map(Code::PermanentFlags),
        Just(Code::ReadOnly),
        Just(Code::ReadWrite),
        Just(Code::TryCreate),
        nz().prop_map(Code::UidNext),
        nz().prop_map(Code::UidValidity),
        nz().prop_map(Code::Unseen),
        (nz(), sequence_set()).prop_map(|(uid_validity, uids)| Code::AppendUid { uid_validity, uids }),
        (nz(), sequence_set(), sequence_set()).prop_map(|(uid_validity, source, destination)| Code::CopyUid {
            uid_validity,
            source,
            destination
        }),
        Just(Code::UidNotSticky),
        any::<u64>().prop_map(Code::HighestModSeq),
        Just(Code::NoModSeq),
        Just(Code::Closed),
        (x_name(), of("[a-z0-9 %]{0,5}[a-z]"))
            .prop_map(|(name, a)| Code::Other { name, arguments: a.map(|a| CodeText::new(a).unwrap()) }),
    ]
}

fn section() -> impl Strategy<Value = Section> {
    let text = prop_oneof![
        Just(SectionText::Header),
        Just(SectionText::Text),
        (any::<bool>(), vec(istring(), 1..4)).prop_map(|(not, fields)| SectionText::HeaderFields { not, fields }),
    ];
    (vec(nz(), 0..4), of(text), any::<bool>()).prop_map(|(part, text, mime)| {
        let text = if mime && !part.is_empty() { Some(SectionText::Mime) } else { text };
        Section { part, text }
    })
}

fn address() -> impl Strategy<Value = Address> {
    (nstring(), nstring(), nstring(), nstring()).prop_map(|(name, adl, mailbox, host)| Address {
        name,
        adl,
        mailbox,
        host,
    })
}

fn envelope() -> impl Strategy<Value = Envelope> {
    let list = || vec(address(), 0..3);
    (nstring(), nstring(), list(), list(), list(), list(), list(), list(), nstring(), nstring()).prop_map(
        |(date, subject, from, sender, reply_to, to, cc, bcc, in_reply_to, message_id)| Envelope {
            date,
            subject,
            from,
            sender,
            reply_to,
            to,
            cc,
            bcc,
            in_reply_to,
            message_id,
        },
    )
}

fn params() -> impl Strategy<Value = Vec<BodyParameter>> {
    vec((istring(), istring()), 0..3)
}

fn body_extension() -> impl Strategy<Value = BodyExtension> {
    let leaf = prop_oneof![nstring().prop_map(BodyExtension::NString), any::<u32>().prop_map(BodyExtension::Number)];
    leaf.prop_recursive(3, 10, 3, |inner| vec(inner, 1..3).prop_map(BodyExtension::List))
}

fn disposition_ext() -> impl Strategy<Value = Option<DispositionExtension>> {
    let loc = (nstring(), vec(body_extension(), 0..3))
        .prop_map(|(location, extensions)| LocationExtension { location, extensions });
    let lang = (vec(istring(), 0..3), of(loc)).prop_map(|(languages, tail)| LanguageExtension { languages, tail });
    let dsp = of((istring(), params()).prop_map(|(kind, parameters)| Disposition { kind, parameters }));
    of((dsp, of(lang)).prop_map(|(disposition, tail)| DispositionExtension { disposition, tail }))
}

fn body_fields() -> impl Strategy<Value = BodyFields> {
    (params(), nstring(), nstring(), istring(), any::<u32>()).prop_map(
        |(parameters, id, description, encoding, octets)| BodyFields { parameters, id, description, encoding, octets },
    )
}

fn single_ext() -> impl Strategy<Value = Option<SinglePartExtension>> {
    of((nstring(), disposition_ext()).prop_map(|(md5, tail)| SinglePartExtension { md5, tail }))
}

fn body_structure() -> impl Strategy<Value = BodyStructure> {
    let basic = ("[A-Z]{1,8}".prop_filter("not TEXT or MESSAGE", |t| t != "TEXT" && t != "MESSAGE"), istring())
        .prop_map(|(t, subtype)| SinglePartKind::Basic { media_type: IString::from(t), subtype });
    let text = (istring(), any::<u32>()).prop_map(|(subtype, lines)| SinglePartKind::Text { subtype, lines });
    let leaf = (prop_oneof![basic, text], body_fields(), single_ext())
        .prop_map(|(kind, fields, extension)| BodyStructure::Single { body: SinglePart { kind, fields }, extension });
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (
                vec(inner.clone(), 1..3),
                istring(),
                of((params(), disposition_ext())
                    .prop_map(|(parameters, tail)| MultiPartExtension { parameters, tail }))
            )
                .prop_map(|(parts, subtype, extension)| BodyStructure::Multi { parts, subtype, extension }),
            (prop_oneof![Just("RFC822"), Just("global")], envelope(), inner, any::<u32>(), body_fields(), single_ext())
                .prop_map(|(st, env, body, lines, fields, extension)| BodyStructure::Single {
                    body: SinglePart {
                        kind: SinglePartKind::Message {
                            subtype: IString::from(st),
                            envelope: Box::new(env),
                            body: Box::new(body),
                            lines
                        },
                        fields
                    },
                    extension,
                }),
        ]
    })
}

fn raw_value() -> impl Strategy<Value = RawValue> {
    prop_oneof![Just("NIL"), Just("12"), Just("(\\Inbox \"a b\" (1 2))"), Just("{3}\r\nabc"), Just("\"q\"")]
        .prop_map(|s| RawValue::parse(Bytes::from_static(s.as_bytes())).unwrap())
}

fn message_attribute() -> impl Strategy<Value = MessageAttribute> {
    let flag_fetch = prop_oneof![flag().prop_map(FlagFetch::Flag), Just(FlagFetch::Recent)];
    prop_oneof![
        vec(flag_fetch, 0..4).prop_map(MessageAttribute::Flags),
        envelope().prop_map(|e| MessageAttribute::Envelope(Box::new(e))),
        date_time().prop_map(MessageAttribute::InternalDate),
        nstring().prop_map(MessageAttribute::Rfc822),
        nstring().prop_map(MessageAttribute::Rfc822Header),
        nstring().prop_map(MessageAttribute::Rfc822Text),
        any::<u32>().prop_map(MessageAttribute::Rfc822Size),
        body_structure().prop_map(|b| MessageAttribute::Body(Box::new(b))),
        body_structure().prop_map(|b| MessageAttribute::BodyStructure(Box::new(b))),
        (section(), of(any::<u32>()), nstring()).prop_map(|(section, origin, data)| MessageAttribute::BodySection {
            section,
            origin,
            data
        }),
        nz().prop_map(MessageAttribute::Uid),
        any::<u64>().prop_map(MessageAttribute::ModSeq),
        (x_name(), raw_value()).prop_map(|(name, value)| MessageAttribute::Other { name, value }),
    ]
}

fn list_item() -> impl Strategy<Value = ListItem> {
    let attr = atom().prop_map(MailboxAttribute::from_name);
    let delim = of((1u8..0x7f)
        .prop_filter("no line breaks", |b| *b != b'\r' && *b != b'\n')
        .prop_map(|b| Delimiter::new(b as char).unwrap()));
    (
        vec(attr, 0..3),
        delim,
        mailbox(),
        of(raw_value().prop_filter("a list", |v| v.as_bytes()[0] == b'(').prop_map(Box::new)),
    )
        .prop_map(|(attributes, delimiter, mailbox, extended)| ListItem {
            attributes,
            delimiter,
            mailbox,
            extended,
        })
}

fn status_attribute() -> impl Strategy<Value = StatusAttribute> {
    prop_oneof![
        Just(StatusAttribute::Messages),
        Just(StatusAttribute::Recent),
        Just(StatusAttribute::UidNext),
        Just(StatusAttribute::UidValidity),
        Just(StatusAttribute::Unseen),
        Just(StatusAttribute::HighestModSeq),
        Just(StatusAttribute::Size),
        Just(StatusAttribute::Deleted),
        x_name().prop_map(StatusAttribute::Other),
    ]
}

fn raw_arguments() -> impl Strategy<Value = RawArguments> {
    "[a-zA-Z0-9 ()\"]{0,10}[a-z]?"
        .prop_filter("no trailing brace", |s| !s.ends_with('}'))
        .prop_map(|s| RawArguments::new(s).unwrap())
}

fn data() -> impl Strategy<Value = Data> {
    prop_oneof![
        vec(capability(), 0..5).prop_map(Data::Capability),
        list_item().prop_map(Data::List),
        list_item().prop_map(Data::Lsub),
        (
            mailbox(),
            vec(
                (status_attribute(), any::<u64>()).prop_map(|(attribute, value)| StatusItem { attribute, value }),
                0..4
            )
        )
            .prop_map(|(mailbox, items)| Data::Status { mailbox, items }),
        (vec(nz(), 0..10), of(any::<u64>())).prop_map(|(ids, modseq)| Data::Search { ids, modseq }),
        vec(flag(), 0..5).prop_map(Data::Flags),
        any::<u32>().prop_map(Data::Exists),
        any::<u32>().prop_map(Data::Recent),
        nz().prop_map(Data::Expunge),
        (nz(), vec(message_attribute(), 1..4)).prop_map(|(seq, attributes)| Data::Fetch { seq, attributes }),
        vec(atom(), 0..3).prop_map(Data::Enabled),
        (x_name(), of(any::<u32>()), raw_arguments()).prop_map(|(name, number, arguments)| Data::Other {
            name,
            number,
            arguments
        }),
    ]
}

fn status_kind(tagged: bool) -> BoxedStrategy<StatusKind> {
    if tagged {
        prop_oneof![Just(StatusKind::Ok), Just(StatusKind::No), Just(StatusKind::Bad)].boxed()
    } else {
        prop_oneof![
            Just(StatusKind::Ok),
            Just(StatusKind::No),
            Just(StatusKind::Bad),
            Just(StatusKind::Bye),
            Just(StatusKind::PreAuth)
        ]
        .boxed()
    }
}

fn response() -> impl Strategy<Value = Response> {
    let tagged = (tag(), status_kind(true), of(code().prop_map(Box::new)), text())
        .prop_map(|(t, kind, code, text)| Response::Status(StatusResponse { tag: Some(t), kind, code, text }));
    let untagged = (status_kind(false), of(code().prop_map(Box::new)), text())
        .prop_map(|(kind, code, text)| Response::Status(StatusResponse { tag: None, kind, code, text }));
    // Continuation text must not look like base64 when there is no code.
    let cont_text = (of(code().prop_map(Box::new)), "([a-z]+ [a-z ]*)?").prop_map(|(code, t)| {
        Response::Continuation(Continuation::Text { code, text: Text::try_from(t.as_str()).unwrap() })
    });
    let cont_b64 = vec(any::<u8>(), 1..30).prop_map(|d| Response::Continuation(Continuation::Base64(IString::from(d))));
    prop_oneof![1 => tagged, 1 => untagged, 4 => data().prop_map(Response::Data), 1 => cont_text, 1 => cont_b64]
}

fn search_key() -> impl Strategy<Value = SearchKey> {
    let leaf = prop_oneof![
        Just(SearchKey::All),
        Just(SearchKey::Answered),
        Just(SearchKey::Deleted),
        Just(SearchKey::Draft),
        Just(SearchKey::Flagged),
        Just(SearchKey::New),
        Just(SearchKey::Old),
        Just(SearchKey::Recent),
        Just(SearchKey::Seen),
        Just(SearchKey::Unanswered),
        Just(SearchKey::Undeleted),
        Just(SearchKey::Undraft),
        Just(SearchKey::Unflagged),
        Just(SearchKey::Unseen),
        istring().prop_map(SearchKey::Bcc),
        istring().prop_map(SearchKey::Body),
        istring().prop_map(SearchKey::Cc),
        istring().prop_map(SearchKey::From),
        istring().prop_map(SearchKey::Subject),
        istring().prop_map(SearchKey::Text),
        istring().prop_map(SearchKey::To),
        (istring(), istring()).prop_map(|(a, b)| SearchKey::Header(a, b)),
        date().prop_map(SearchKey::Before),
        date().prop_map(SearchKey::On),
        date().prop_map(SearchKey::Since),
        date().prop_map(SearchKey::SentBefore),
        date().prop_map(SearchKey::SentOn),
        date().prop_map(SearchKey::SentSince),
        atom().prop_map(SearchKey::Keyword),
        atom().prop_map(SearchKey::Unkeyword),
        any::<u32>().prop_map(SearchKey::Larger),
        any::<u32>().prop_map(SearchKey::Smaller),
        any::<u64>().prop_map(SearchKey::ModSeq),
        sequence_set().prop_map(SearchKey::Uid),
        sequence_set().prop_map(SearchKey::SequenceSet),
    ];
    leaf.prop_recursive(4, 16, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|k| SearchKey::Not(Box::new(k))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| SearchKey::Or(Box::new(a), Box::new(b))),
            vec(inner, 1..4).prop_map(SearchKey::And),
        ]
    })
}

fn fetch_attribute() -> impl Strategy<Value = FetchAttribute> {
    prop_oneof![
        Just(FetchAttribute::Envelope),
        Just(FetchAttribute::Flags),
        Just(FetchAttribute::InternalDate),
        Just(FetchAttribute::Rfc822),
        Just(FetchAttribute::Rfc822Header),
        Just(FetchAttribute::Rfc822Size),
        Just(FetchAttribute::Rfc822Text),
        Just(FetchAttribute::Body),
        Just(FetchAttribute::BodyStructure),
        Just(FetchAttribute::Uid),
        Just(FetchAttribute::ModSeq),
        x_name().prop_map(FetchAttribute::Other),
        (any::<bool>(), section(), of((any::<u32>(), nz()).prop_map(|(origin, length)| Partial { origin, length })))
            .prop_map(|(peek, section, partial)| FetchAttribute::BodySection { peek, section, partial }),
    ]
}

fn modifiers() -> impl Strategy<Value = Vec<Modifier>> {
    let value = prop_oneof![Just("12"), Just("1:5,7"), Just("(1 (2 3))")]
        .prop_map(|s| RawValue::parse(Bytes::from_static(s.as_bytes())).unwrap());
    vec((x_name(), of(value)).prop_map(|(name, value)| Modifier { name, value }), 0..3)
}

fn command_body() -> impl Strategy<Value = CommandBody> {
    let simple = prop_oneof![
        Just(CommandBody::Capability),
        Just(CommandBody::Noop),
        Just(CommandBody::Logout),
        Just(CommandBody::StartTls),
        Just(CommandBody::Check),
        Just(CommandBody::Close),
        Just(CommandBody::Expunge),
        Just(CommandBody::Idle),
        Just(CommandBody::Namespace),
        Just(CommandBody::Unselect),
    ];
    let mailbox_cmds = prop_oneof![
        (mailbox(), modifiers()).prop_map(|(mailbox, parameters)| CommandBody::Select { mailbox, parameters }),
        (mailbox(), modifiers()).prop_map(|(mailbox, parameters)| CommandBody::Examine { mailbox, parameters }),
        mailbox().prop_map(CommandBody::Create),
        mailbox().prop_map(CommandBody::Delete),
        mailbox().prop_map(CommandBody::Subscribe),
        mailbox().prop_map(CommandBody::Unsubscribe),
        (mailbox(), mailbox()).prop_map(|(from, to)| CommandBody::Rename { from, to }),
        (mailbox(), istring()).prop_map(|(reference, pattern)| CommandBody::List { reference, pattern }),
        (mailbox(), istring()).prop_map(|(reference, pattern)| CommandBody::Lsub { reference, pattern }),
        (mailbox(), vec(status_attribute(), 1..4))
            .prop_map(|(mailbox, attributes)| CommandBody::Status { mailbox, attributes }),
        (mailbox(), vec(flag(), 0..3), of(date_time()), istring())
            .prop_map(|(mailbox, flags, date, message)| CommandBody::Append { mailbox, flags, date, message }),
    ];
    let other = prop_oneof![
        (atom(), of(vec(any::<u8>(), 0..20).prop_map(IString::from)))
            .prop_map(|(mechanism, initial_response)| CommandBody::Authenticate { mechanism, initial_response }),
        (istring(), istring()).prop_map(|(username, password)| CommandBody::Login { username, password }),
        (any::<bool>(), of(istring()), vec(search_key(), 1..4))
            .prop_map(|(uid, charset, criteria)| CommandBody::Search { uid, charset, criteria }),
        (
            any::<bool>(),
            sequence_set(),
            prop_oneof![
                Just(FetchItems::All),
                Just(FetchItems::Fast),
                Just(FetchItems::Full),
                vec(fetch_attribute(), 1..5).prop_map(FetchItems::Attributes)
            ],
            modifiers()
        )
            .prop_map(|(uid, sequence_set, items, modifiers)| CommandBody::Fetch {
                uid,
                sequence_set,
                items,
                modifiers
            }),
        (
            any::<bool>(),
            sequence_set(),
            modifiers(),
            prop_oneof![Just(StoreAction::Replace), Just(StoreAction::Add), Just(StoreAction::Remove)],
            any::<bool>(),
            vec(flag(), 0..4)
        )
            .prop_map(|(uid, sequence_set, modifiers, action, silent, flags)| CommandBody::Store {
                uid,
                sequence_set,
                modifiers,
                action,
                silent,
                flags
            }),
        (any::<bool>(), sequence_set(), mailbox()).prop_map(|(uid, sequence_set, mailbox)| CommandBody::Copy {
            uid,
            sequence_set,
            mailbox
        }),
        (any::<bool>(), sequence_set(), mailbox()).prop_map(|(uid, sequence_set, mailbox)| CommandBody::Move {
            uid,
            sequence_set,
            mailbox
        }),
        sequence_set().prop_map(CommandBody::UidExpunge),
        vec(atom(), 1..3).prop_map(CommandBody::Enable),
        (x_name(), raw_arguments()).prop_map(|(name, arguments)| CommandBody::Other { name, arguments }),
    ];
    prop_oneof![1 => simple, 1 => mailbox_cmds, 2 => other]
}

fn command() -> impl Strategy<Value = Command> {
    (tag(), command_body()).prop_map(|(tag, body)| Command { tag, body })
}

fn greeting() -> impl Strategy<Value = Greeting> {
    (
        prop_oneof![Just(GreetingKind::Ok), Just(GreetingKind::PreAuth), Just(GreetingKind::Bye)],
        of(code().prop_map(Box::new)),
        text(),
    )
        .prop_map(|(kind, code, text)| Greeting { kind, code, text })
}

/// Checks one stream of responses: decoded whole, it gives back the values;
/// decoded in `chunk`-byte pieces, the same events.
fn check_response_stream(g: Greeting, rs: Vec<Response>, chunk: usize) -> Result<(), TestCaseError> {
    let mut stream = g.to_bytes().to_vec();
    for r in &rs {
        stream.extend_from_slice(&r.to_bytes());
    }
    let (whole, messages) = common::decode_server(&stream, usize::MAX, Limits::default());
    prop_assert_eq!(messages.len(), rs.len() + 1);
    prop_assert_eq!(&messages[0], &ServerMessage::Greeting(g));
    for (m, r) in messages[1..].iter().zip(&rs) {
        prop_assert_eq!(m, &ServerMessage::Response(r.clone()));
    }
    prop_assert_eq!(common::decode_server(&stream, chunk, Limits::default()).0, whole);
    Ok(())
}

/// Runs a property on a thread with a large stack: generating deeply
/// nested values (body structures inside envelopes inside FETCH responses)
/// takes more stack in debug builds than a test thread has. The parser
/// itself is checked on an ordinary test thread in `hostile.rs`.
fn check<S: Strategy>(
    cases: u32,
    strategy: impl FnOnce() -> S + Send + 'static,
    test: impl Fn(S::Value) -> Result<(), TestCaseError> + Send + 'static,
) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
            let config = ProptestConfig { cases, ..ProptestConfig::default() };
            let mut runner = proptest::test_runner::TestRunner::new(config);
            if let Err(e) = runner.run(&strategy(), test) {
                panic!("{e}");
            }
        })
        .expect("spawn")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

#[test]
fn responses_round_trip() {
    check(512, response, |r| {
        let bytes = r.to_bytes();
        let parsed = Response::parse(&bytes);
        prop_assert_eq!(parsed.as_ref(), Ok(&r), "{:?}", String::from_utf8_lossy(&bytes));
        Ok(())
    });
}

#[test]
fn greetings_round_trip() {
    check(512, greeting, |g| {
        let bytes = g.to_bytes();
        prop_assert_eq!(Greeting::parse(&bytes), Ok(g), "{:?}", String::from_utf8_lossy(&bytes));
        Ok(())
    });
}

#[test]
fn commands_round_trip() {
    check(
        512,
        || (command(), any::<bool>()),
        |(c, non_sync)| {
            let options = EncodeOptions {
                literal_mode: if non_sync { LiteralMode::NonSynchronizing } else { LiteralMode::Synchronizing },
            };
            let mut out = bytes::BytesMut::new();
            let points = c.encode_to(&mut out, options);
            if non_sync {
                prop_assert!(points.is_empty());
            }
            for p in &points {
                prop_assert!(out[..*p].ends_with(b"}\r\n"), "a continuation point follows a literal announcement");
            }
            prop_assert_eq!(Command::parse(&out), Ok(c), "{:?}", String::from_utf8_lossy(&out));
            Ok(())
        },
    );
}

#[test]
fn response_streams_decode_the_same_in_any_chunking() {
    check(
        256,
        || (greeting(), vec(response(), 1..6), 1usize..64),
        |(g, rs, chunk)| check_response_stream(g, rs, chunk),
    );
}

#[test]
fn command_streams_decode_the_same_in_any_chunking() {
    check(
        256,
        || (vec(command(), 1..6), 1usize..64),
        |(cs, chunk)| {
            let cs: Vec<Command> = cs
                .into_iter()
                .filter(|c| !matches!(c.body, CommandBody::Idle | CommandBody::Authenticate { .. }))
                .collect();
            let mut stream = Vec::new();
            for c in &cs {
                stream.extend_from_slice(&c.to_bytes());
            }
            let (whole, messages) = common::decode_client(&stream, usize::MAX, Limits::default());
            prop_assert_eq!(messages, cs.into_iter().map(ClientMessage::Command).collect::<Vec<_>>());
            prop_assert_eq!(common::decode_client(&stream, chunk, Limits::default()).0, whole);
            Ok(())
        },
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn authenticate_and_idle_lines_round_trip(data in vec(any::<u8>(), 0..40)) {
        let m = ClientMessage::AuthenticateData(IString::from(data));
        prop_assert_eq!(common::reparse_client(&m, ClientLineMode::Authenticate), m);
        prop_assert_eq!(common::reparse_client(&ClientMessage::AuthenticateCancel, ClientLineMode::Authenticate), ClientMessage::AuthenticateCancel);
        prop_assert_eq!(common::reparse_client(&ClientMessage::IdleDone, ClientLineMode::Idle), ClientMessage::IdleDone);
    }

    #[test]
    fn sequence_sets_round_trip_as_text(s in sequence_set()) {
        prop_assert_eq!(s.to_string().parse::<SequenceSet>(), Ok(s));
    }

    #[test]
    fn modified_utf7_round_trips(s in "\\PC{0,20}") {
        let m = Mailbox::from_utf8(&s);
        prop_assert!(m.as_bytes().iter().all(|b| (0x20..0x7f).contains(b)));
        if !m.is_inbox() {
            prop_assert_eq!(m.to_utf8(), Ok(s));
        }
    }

    #[test]
    fn any_bytes_decode_the_same_whole_and_chunked(input in vec(any::<u8>(), 0..200), chunk in 1usize..16) {
        // The grammar alone: a value that reads back as itself, or an
        // error inside the input.
        match Response::parse(&input) {
            Ok(r) => prop_assert_eq!(Response::parse(&r.to_bytes()), Ok(r)),
            Err(e) => prop_assert!(e.offset <= input.len(), "{}", e),
        }
        match Command::parse(&input) {
            Ok(c) => prop_assert_eq!(Command::parse(&c.to_bytes()), Ok(c)),
            Err(e) => prop_assert!(e.offset <= input.len(), "{}", e),
        }
        // The decoders: the same events however the input is cut, every
        // message at an offset inside the input.
        let server = common::decode_server(&input, usize::MAX, Limits::default()).0;
        prop_assert_eq!(&common::decode_server(&input, chunk, Limits::default()).0, &server);
        let client = common::decode_client(&input, usize::MAX, Limits::default()).0;
        prop_assert_eq!(&common::decode_client(&input, chunk, Limits::default()).0, &client);
        for (offset, _) in server.iter().chain(&client).filter_map(|e| e.as_ref().ok()) {
            prop_assert!(*offset < input.len() as u64);
        }
    }
}
