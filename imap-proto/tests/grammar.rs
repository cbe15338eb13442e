//! One or more tests per grammar rule of RFC 3501 section 9, with edge
//! cases, then the accepted deviations (each named after its behaviour).

use std::num::NonZeroU32;

use imap_wire::*;

fn resp(s: &str) -> Response {
    Response::parse(s.as_bytes()).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

fn cmd(s: &str) -> CommandBody {
    Command::parse(s.as_bytes()).unwrap_or_else(|e| panic!("{s:?}: {e}")).body
}

fn data(s: &str) -> Data {
    match resp(s) {
        Response::Data(d) => d,
        other => panic!("{other:?}"),
    }
}

fn fetch_atts(s: &str) -> Vec<MessageAttribute> {
    match data(s) {
        Data::Fetch { attributes, .. } => attributes,
        other => panic!("{other:?}"),
    }
}

fn status(s: &str) -> StatusResponse {
    match resp(s) {
        Response::Status(st) => st,
        other => panic!("{other:?}"),
    }
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

fn istr(s: &str) -> IString {
    IString::from(s)
}

/// Serializes and parses again: the value must survive.
fn round_trip_response(r: &Response) {
    let bytes = r.to_bytes();
    assert_eq!(&Response::parse(&bytes).unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&bytes))), r);
}

fn round_trip_command(c: &str) {
    let parsed = Command::parse(c.as_bytes()).unwrap();
    let bytes = parsed.to_bytes();
    assert_eq!(Command::parse(&bytes).unwrap(), parsed, "{:?}", String::from_utf8_lossy(&bytes));
}

// ---- atom, astring, quoted, literal, nstring -------------------------

#[test]
fn astring_as_atom_quoted_and_literal() {
    let expect = |s: &str, user: &str, pass: &str| match cmd(s) {
        CommandBody::Login { username, password } => {
            assert_eq!(username, istr(user));
            assert_eq!(password, istr(pass));
        }
        other => panic!("{other:?}"),
    };
    expect("a LOGIN fred secret]\r\n", "fred", "secret]");
    expect("a LOGIN \"fred smith\" \"p\\\"w\\\\\"\r\n", "fred smith", "p\"w\\");
    expect("a LOGIN {4}\r\nfred {0}\r\n\r\n", "fred", "");
    expect("a LOGIN {4+}\r\nfred \"\"\r\n", "fred", "");
    assert!(Command::parse(b"a LOGIN \"unterminated\r\n").is_err());
    assert!(Command::parse(b"a LOGIN \"bad \\x escape\" p\r\n").is_err());
    assert!(Command::parse(b"a LOGIN {10}\r\nshort\r\n").is_err(), "literal longer than the data");
}

#[test]
fn long_quoted_strings_and_all_literals_share_the_buffer() {
    let points_into = |input: &bytes::Bytes, d: &[u8]| {
        let start = input.as_ptr() as usize;
        let p = d.as_ptr() as usize;
        p >= start && p < start + input.len()
    };
    let body = |input: &bytes::Bytes| {
        let Response::Data(Data::Fetch { attributes, .. }) = Response::parse_bytes(input.clone()).unwrap() else {
            panic!()
        };
        let MessageAttribute::BodySection { data: Some(d), .. } = &attributes[0] else { panic!() };
        d.clone()
    };
    // A long quoted string without escapes is a slice of the input.
    let long = format!("* 1 FETCH (BODY[] \"{}\")\r\n", "x".repeat(100));
    let input = bytes::Bytes::from(long);
    let d = body(&input);
    assert_eq!(d.len(), 100);
    assert!(points_into(&input, &d), "long quoted content points into the input buffer");
    // Literal data is never copied, however short.
    let input = bytes::Bytes::from_static(b"* 1 FETCH (BODY[] {5}\r\nhello)\r\n");
    let d = body(&input);
    assert!(points_into(&input, &d), "literal data points into the input buffer");
    assert_eq!(d.clone().into_bytes().as_ptr(), d.as_ptr(), "into_bytes shares literal data");
    // Short quoted content is stored inline: the input buffer can go.
    let input = bytes::Bytes::from_static(b"* 1 FETCH (BODY[] \"hello\")\r\n");
    let d = body(&input);
    assert_eq!(&d[..], b"hello");
    assert!(!points_into(&input, &d), "short content is inline");
}

#[test]
fn nstring_nil_and_string_nil() {
    let atts = fetch_atts("* 1 FETCH (RFC822.HEADER NIL RFC822.TEXT \"NIL\")\r\n");
    assert_eq!(atts[0], MessageAttribute::Rfc822Header(None));
    assert_eq!(atts[1], MessageAttribute::Rfc822Text(Some(istr("NIL"))));
    round_trip_response(&resp("* 1 FETCH (RFC822.HEADER NIL RFC822.TEXT \"NIL\")\r\n"));
}

#[test]
fn literal8_is_accepted() {
    let atts = fetch_atts("* 1 FETCH (BODY[] ~{3}\r\na\0b)\r\n");
    assert!(matches!(&atts[0], MessageAttribute::BodySection { data: Some(d), .. } if &d[..] == b"a\0b"));
}

// ---- number, nz-number ---------------------------------------------

#[test]
fn numbers_use_the_full_u32_range_and_no_more() {
    assert_eq!(data("* 4294967295 EXISTS\r\n"), Data::Exists(u32::MAX));
    assert_eq!(data("* 0 EXISTS\r\n"), Data::Exists(0));
    let err = Response::parse(b"* 4294967296 EXISTS\r\n").unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::NumberOverflow("u32"));
    assert_eq!(err.offset, 2);
    let err = Response::parse(b"* 0 EXPUNGE\r\n").unwrap_err();
    assert!(matches!(err.kind, ParseErrorKind::Invalid(_)));
    let err = Response::parse(b"* 99999999999999999999999 EXISTS\r\n").unwrap_err();
    assert!(matches!(err.kind, ParseErrorKind::NumberOverflow(_)));
}

// ---- sequence-set ---------------------------------------------------

#[test]
fn sequence_sets_keep_order_and_stars() {
    let CommandBody::Fetch { sequence_set, .. } = cmd("a FETCH 2,4:7,9,12:*,*:4 FLAGS\r\n") else { panic!() };
    assert_eq!(sequence_set.to_string(), "2,4:7,9,12:*,*:4");
    assert_eq!(sequence_set.ranges()[4], SeqRange::Range(SeqNumber::Largest, SeqNumber::Value(nz(4))));
    assert!(Command::parse(b"a FETCH 1:0 FLAGS\r\n").is_err());
    assert!(Command::parse(b"a FETCH 1,,2 FLAGS\r\n").is_err());
    assert!(Command::parse(b"a FETCH 4294967296 FLAGS\r\n").is_err());
    round_trip_command("a FETCH 2,4:7,9,12:*,*:4 FLAGS\r\n");
}

// ---- date, date-time -------------------------------------------------

#[test]
fn dates_in_search_and_date_times_in_append() {
    let CommandBody::Search { criteria, .. } = cmd("a SEARCH SINCE 1-Feb-1994 BEFORE \"28-Feb-1994\"\r\n") else {
        panic!()
    };
    assert_eq!(criteria[0], SearchKey::Since(Date::new(1994, 2, 1).unwrap()));
    assert_eq!(criteria[1], SearchKey::Before(Date::new(1994, 2, 28).unwrap()));
    assert!(Command::parse(b"a SEARCH SINCE 30-Feb-1994\r\n").is_err());
    let CommandBody::Append { messages, .. } =
        cmd("a APPEND INBOX (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {2}\r\nhi\r\n")
    else {
        panic!()
    };
    let AppendMessage { date, flags, content: AppendContent::Literal(message) } = messages[0].clone() else { panic!() };
    let date = date.unwrap();
    assert_eq!((date.date().day(), date.hour(), date.zone_minutes()), (7, 21, -480));
    assert_eq!(flags, vec![Flag::Seen]);
    assert_eq!(message, istr("hi"));
    round_trip_command("a APPEND INBOX (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {2}\r\nhi\r\n");
    // INTERNALDATE serializes with the padded day.
    let r = resp("* 1 FETCH (INTERNALDATE \" 7-Jul-1996 02:44:25 +0130\")\r\n");
    assert!(r.to_bytes().windows(11).any(|w| w == b"07-Jul-1996"));
    round_trip_response(&r);
}

// ---- flags -----------------------------------------------------------

#[test]
fn flags_fetch_flags_and_permanent_flags() {
    assert_eq!(
        data("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\XCustom)\r\n"),
        Data::Flags(vec![
            Flag::Answered,
            Flag::Flagged,
            Flag::Deleted,
            Flag::Seen,
            Flag::Draft,
            Flag::Keyword(Atom::try_from("$Forwarded").unwrap()),
            Flag::Extension(Atom::try_from("XCustom").unwrap()),
        ])
    );
    assert_eq!(
        fetch_atts("* 1 FETCH (FLAGS (\\Recent \\Seen))\r\n")[0],
        MessageAttribute::Flags(vec![FlagFetch::Recent, FlagFetch::Flag(Flag::Seen)])
    );
    // \Recent is not a flag a mailbox lists (Courier sends it): left out.
    assert_eq!(Response::parse(b"* FLAGS (\\Recent)\r\n"), Ok(Response::Data(Data::Flags(vec![]))));
    let st = status("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n");
    assert_eq!(
        st.code.map(|c| *c),
        Some(Code::PermanentFlags(vec![
            FlagPerm::Flag(Flag::Deleted),
            FlagPerm::Flag(Flag::Seen),
            FlagPerm::AnyKeyword
        ]))
    );
    assert_eq!(st.text.as_bytes(), b"Limited");
}

// ---- mailbox, list-mailbox --------------------------------------------

#[test]
fn mailbox_inbox_is_case_insensitive_and_utf7_is_kept() {
    assert_eq!(cmd("a SELECT inbox\r\n"), CommandBody::Select { mailbox: Mailbox::inbox(), parameters: vec![] });
    assert_eq!(cmd("a SELECT \"InBoX\"\r\n"), CommandBody::Select { mailbox: Mailbox::inbox(), parameters: vec![] });
    let CommandBody::Select { mailbox: m, .. } = cmd("a SELECT Entw&APw-rfe\r\n") else { panic!() };
    assert_eq!(m.to_utf8().unwrap(), "Entwürfe");
    let CommandBody::List { reference, patterns, .. } = cmd("a LIST \"\" %/*\r\n") else { panic!() };
    assert_eq!(reference.as_bytes(), b"");
    assert_eq!(patterns, vec![istr("%/*")]);
    round_trip_command("a LIST \"\" %/*\r\n");
    round_trip_command("a LIST ~/Mail/ \"a b\"\r\n");
}

// ---- response codes ------------------------------------------------------

#[test]
fn every_response_code() {
    let code = |s: &str| *status(s).code.unwrap();
    assert_eq!(code("* OK [ALERT] x\r\n"), Code::Alert);
    assert_eq!(
        code("a NO [BADCHARSET (UTF-8 \"US-ASCII\")] x\r\n"),
        Code::BadCharset(vec![istr("UTF-8"), istr("US-ASCII")])
    );
    assert_eq!(code("a NO [BADCHARSET] x\r\n"), Code::BadCharset(vec![]));
    assert_eq!(
        code("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN LITERAL+ X-FOO] ready\r\n"),
        Code::Capability(vec![
            Capability::Imap4Rev1,
            Capability::Auth(Atom::try_from("PLAIN").unwrap()),
            Capability::LiteralPlus,
            Capability::Other(Atom::try_from("X-FOO").unwrap())
        ])
    );
    assert_eq!(code("a BAD [PARSE] x\r\n"), Code::Parse);
    assert_eq!(code("a OK [READ-ONLY] x\r\n"), Code::ReadOnly);
    assert_eq!(code("a OK [READ-WRITE] x\r\n"), Code::ReadWrite);
    assert_eq!(code("a NO [TRYCREATE] x\r\n"), Code::TryCreate);
    assert_eq!(code("* OK [UIDNEXT 4392] x\r\n"), Code::UidNext(nz(4392)));
    assert_eq!(code("* OK [UIDVALIDITY 3857529045] x\r\n"), Code::UidValidity(nz(3857529045)));
    assert_eq!(code("* OK [UNSEEN 12] x\r\n"), Code::Unseen(nz(12)));
    assert_eq!(
        code("a OK [APPENDUID 38505 3955] x\r\n"),
        Code::AppendUid { uid_validity: nz(38505), uids: "3955".parse().unwrap() }
    );
    assert_eq!(
        code("a OK [COPYUID 38505 304,319:320 3956:3958] x\r\n"),
        Code::CopyUid {
            uid_validity: nz(38505),
            source: "304,319:320".parse().unwrap(),
            destination: "3956:3958".parse().unwrap()
        }
    );
    assert_eq!(code("* OK [HIGHESTMODSEQ 715194045007] x\r\n"), Code::HighestModSeq(715194045007));
    assert_eq!(code("* OK [UNAVAILABLE] x\r\n"), Code::Unavailable);
    assert_eq!(
        code("* NO [X-QUOTA storage 98% of 1 GiB] x\r\n"),
        Code::Other {
            name: Atom::try_from("X-QUOTA").unwrap(),
            arguments: Some(CodeText::new("storage 98% of 1 GiB").unwrap())
        }
    );
    for s in ["* OK [X-QUOTA storage 98%] x\r\n", "* OK [UIDNEXT 1] x\r\n", "* OK [CAPABILITY IMAP4rev1] x\r\n"] {
        round_trip_response(&resp(s));
    }
}

#[test]
fn known_code_with_bad_arguments_is_kept_as_other() {
    // Seen from servers that send UIDVALIDITY 0 on empty mailboxes.
    let st = status("* OK [UIDVALIDITY 0] UIDs valid\r\n");
    assert_eq!(
        st.code.map(|c| *c),
        Some(Code::Other {
            name: Atom::try_from("UIDVALIDITY").unwrap(),
            arguments: Some(CodeText::new("0").unwrap())
        })
    );
    assert_eq!(st.text.as_bytes(), b"UIDs valid");
}

#[test]
fn bracket_that_opens_no_code_is_text() {
    let st = status("* OK [Gmail]/Sent is here\r\n");
    assert!(st.code.is_none());
    assert_eq!(st.text.as_bytes(), b"[Gmail]/Sent is here");
}

// ---- status responses, greeting, continuation -----------------------------

#[test]
fn status_responses_tagged_and_untagged() {
    let st = status("A142 OK [READ-WRITE] SELECT completed\r\n");
    assert_eq!((st.tag.unwrap().as_str(), st.kind), ("A142", StatusKind::Ok));
    assert_eq!(status("* NO Disk is 98% full\r\n").kind, StatusKind::No);
    assert_eq!(status("* BAD Empty command line\r\n").kind, StatusKind::Bad);
    assert_eq!(status("* BYE Autologout\r\n").kind, StatusKind::Bye);
    assert_eq!(status("* PREAUTH logged in\r\n").kind, StatusKind::PreAuth);
    assert!(Response::parse(b"a1 BYE x\r\n").is_err(), "BYE is never tagged");
}

#[test]
fn greetings() {
    let g = Greeting::parse(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n").unwrap();
    assert_eq!(g.kind, GreetingKind::Ok);
    assert!(matches!(g.code.as_deref(), Some(Code::Capability(c)) if c.len() == 2));
    assert_eq!(Greeting::parse(b"* PREAUTH hi\r\n").unwrap().kind, GreetingKind::PreAuth);
    assert_eq!(Greeting::parse(b"* BYE go away\r\n").unwrap().kind, GreetingKind::Bye);
    assert!(Greeting::parse(b"* NO nope\r\n").is_err());
    assert!(Greeting::parse(b"a OK\r\n").is_err());
}

#[test]
fn continuation_text_and_base64() {
    assert_eq!(
        resp("+ Ready for literal data\r\n"),
        Response::Continuation(Continuation::Text {
            code: None,
            text: Text::try_from("Ready for literal data").unwrap()
        })
    );
    assert_eq!(
        resp("+ YGgGCSqGSIb3EgECAgIAb1kw\r\n"),
        Response::Continuation(Continuation::Base64(IString::from(
            &b"\x60\x68\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x02\x00\x6f\x59\x30"[..]
        )))
    );
    assert!(matches!(
        resp("+ [ALERT] careful\r\n"),
        Response::Continuation(Continuation::Text { code: Some(c), .. }) if *c == Code::Alert
    ));
    // "+ idling" is not canonical base64 (length 6).
    assert!(matches!(resp("+ idling\r\n"), Response::Continuation(Continuation::Text { .. })));
    round_trip_response(&resp("+ YGgGCSqGSIb3EgECAgIAb1kw\r\n"));
}

// ---- untagged data ------------------------------------------------------

#[test]
fn capability_list_lsub_status_search() {
    assert_eq!(
        data("* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED\r\n"),
        Data::Capability(vec![
            Capability::Imap4Rev1,
            Capability::StartTls,
            Capability::Auth(Atom::try_from("GSSAPI").unwrap()),
            Capability::LoginDisabled
        ])
    );
    let Data::List(item) = data("* LIST (\\Noselect \\HasChildren) \"/\" ~/Mail/foo\r\n") else { panic!() };
    assert_eq!(item.attributes, vec![MailboxAttribute::NoSelect, MailboxAttribute::HasChildren]);
    assert_eq!(item.delimiter.unwrap().as_char(), '/');
    assert_eq!(item.mailbox.as_bytes(), b"~/Mail/foo");
    let Data::List(item) = data("* LIST () NIL flat\r\n") else { panic!() };
    assert_eq!(item.delimiter, None);
    let Data::List(item) = data("* LIST () \"\\\\\" \"a\\\\b\"\r\n") else { panic!() };
    assert_eq!(item.delimiter.unwrap().as_char(), '\\');
    let Data::List(item) = data("* LIST (\\Subscribed) \"/\" foo (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n") else {
        panic!()
    };
    assert_eq!(item.extended, vec![ListExtendedItem::ChildInfo(vec![istr("SUBSCRIBED")])]);
    assert!(matches!(data("* LSUB () \".\" #news.comp.mail.misc\r\n"), Data::Lsub(_)));
    assert_eq!(
        data("* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292 HIGHESTMODSEQ 7011231777)\r\n"),
        Data::Status {
            mailbox: Mailbox::from("blurdybloop"),
            items: vec![
                StatusItem::number(StatusAttribute::Messages, 231),
                StatusItem::number(StatusAttribute::UidNext, 44292),
                StatusItem::number(StatusAttribute::HighestModSeq, 7011231777),
            ]
        }
    );
    assert_eq!(data("* SEARCH 2 3 6\r\n"), Data::Search { ids: vec![nz(2), nz(3), nz(6)], modseq: None });
    assert_eq!(data("* SEARCH\r\n"), Data::Search { ids: vec![], modseq: None });
    assert_eq!(
        data("* SEARCH 2 5 (MODSEQ 917162500)\r\n"),
        Data::Search { ids: vec![nz(2), nz(5)], modseq: Some(917162500) }
    );
    for s in [
        "* LIST (\\Noselect) \"/\" ~/Mail/foo\r\n",
        "* LIST () \"\\\\\" x\r\n",
        "* SEARCH 2 5 (MODSEQ 917162500)\r\n",
        "* STATUS \"a b\" (MESSAGES 1)\r\n",
    ] {
        round_trip_response(&resp(s));
    }
}

#[test]
fn exists_recent_expunge_enabled() {
    assert_eq!(data("* 23 EXISTS\r\n"), Data::Exists(23));
    assert_eq!(data("* 5 RECENT\r\n"), Data::Recent(5));
    assert_eq!(data("* 44 EXPUNGE\r\n"), Data::Expunge(nz(44)));
    assert_eq!(
        data("* ENABLED CONDSTORE QRESYNC\r\n"),
        Data::Enabled(vec![Atom::try_from("CONDSTORE").unwrap(), Atom::try_from("QRESYNC").unwrap()])
    );
}

#[test]
fn unknown_untagged_responses_are_kept_raw() {
    let d = data("* XSTUFF (\\HasNoChildren) \"/\" INBOX\r\n");
    assert!(
        matches!(&d, Data::Other { name, number: None, arguments } if name.as_str() == "XSTUFF" && arguments.as_bytes() == b"(\\HasNoChildren) \"/\" INBOX")
    );
    let d = data("* 3 XFOO {3}\r\nabc\r\n");
    assert!(matches!(&d, Data::Other { number: Some(3), arguments, .. } if arguments.as_bytes() == b"{3}\r\nabc"));
    round_trip_response(&resp("* 3 XFOO {3}\r\nabc\r\n"));
    round_trip_response(&resp("* ID (\"name\" \"Dovecot\")\r\n"));
}

// ---- FETCH msg-att ------------------------------------------------------

#[test]
fn every_message_attribute() {
    let atts = fetch_atts(concat!(
        "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 UID 4827313 ",
        "RFC822 {2}\r\nhi RFC822.HEADER \"h\" RFC822.TEXT NIL MODSEQ (12121231000) ",
        "BODY[1.2.HEADER.FIELDS.NOT (Subject \"X-Mailer\")]<0> {1}\r\nx ",
        "BODY[TEXT] NIL BODY[2.MIME] \"m\" BODY[3] \"p\" BODY[HEADER.FIELDS (DATE FROM)] \"d\" X-GM-LABELS (\\Inbox \"a b\"))\r\n"
    ));
    assert_eq!(atts.len(), 14);
    assert_eq!(atts[2], MessageAttribute::Rfc822Size(4286));
    assert_eq!(atts[3], MessageAttribute::Uid(nz(4827313)));
    assert_eq!(atts[4], MessageAttribute::Rfc822(Some(istr("hi"))));
    assert_eq!(atts[7], MessageAttribute::ModSeq(12121231000));
    assert_eq!(
        atts[8],
        MessageAttribute::BodySection {
            section: Section {
                part: vec![nz(1), nz(2)],
                text: Some(SectionText::HeaderFields { not: true, fields: vec![istr("Subject"), istr("X-Mailer")] })
            },
            origin: Some(0),
            data: Some(istr("x")),
        }
    );
    assert_eq!(
        atts[10],
        MessageAttribute::BodySection {
            section: Section { part: vec![nz(2)], text: Some(SectionText::Mime) },
            origin: None,
            data: Some(istr("m"))
        }
    );
    assert_eq!(
        atts[11],
        MessageAttribute::BodySection {
            section: Section { part: vec![nz(3)], text: None },
            origin: None,
            data: Some(istr("p"))
        }
    );
    assert_eq!(atts[13], MessageAttribute::GmailLabels(vec![istr("\\Inbox"), istr("a b")]));
    round_trip_response(&resp(concat!(
        "* 12 FETCH (FLAGS (\\Seen) RFC822 {2}\r\nhi BODY[1.2.HEADER.FIELDS.NOT (Subject \"X-Mailer\")]<0> {1}\r\nx ",
        "BINARY[1] ~{3}\r\nabc X-GM-LABELS (\\Inbox \"a b\"))\r\n"
    )));
}

#[test]
fn envelope_with_groups_nil_fields_and_literals() {
    let atts = fetch_atts(concat!(
        "* 1 FETCH (ENVELOPE (NIL {7}\r\nSubject ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL NIL ",
        "((\"A \\\"B\\\"\" \"@route\" \"a\" \"example.com\")) NIL NIL \"<x@y>\" NIL))\r\n"
    ));
    let MessageAttribute::Envelope(env) = &atts[0] else { panic!() };
    assert_eq!(env.date, None);
    assert_eq!(env.subject, Some(istr("Subject")));
    assert!(env.from[0].is_group_start() && env.from[1].is_group_end());
    assert!(env.sender.is_empty());
    assert_eq!(env.to[0].name, Some(istr("A \"B\"")));
    assert_eq!(env.to[0].adl, Some(istr("@route")));
    assert_eq!(env.in_reply_to, Some(istr("<x@y>")));
    round_trip_response(&Response::Data(Data::Fetch { seq: nz(1), attributes: atts }));
}

#[test]
fn body_structure_single_multipart_and_message() {
    // RFC 3501 7.4.2 multipart example, with extension data added.
    let atts = fetch_atts(concat!(
        "* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23 NIL NIL NIL NIL)",
        "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") \"<960723163407.20117h@cac.washington.edu>\" ",
        "\"Compiler diff\" \"BASE64\" 4554 73 \"md5\" (\"attachment\" (\"filename\" \"cc.diff\")) (\"en\" \"de\") \"loc\" 1 (2 \"x\" (NIL)))",
        "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 342 (NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL) ",
        "(\"IMAGE\" \"PNG\" NIL NIL NIL \"BASE64\" 100) 10)",
        " \"MIXED\" (\"BOUNDARY\" \"xyz\") NIL \"en\" NIL))\r\n"
    ));
    let MessageAttribute::BodyStructure(b) = &atts[0] else { panic!() };
    let BodyStructure::Multi { parts, subtype, extension } = &**b else { panic!() };
    assert_eq!(subtype, &istr("MIXED"));
    assert_eq!(parts.len(), 3);
    let BodyStructure::Single { body, extension: Some(ext) } = &parts[1] else { panic!() };
    assert_eq!(body.fields.encoding, istr("BASE64"));
    assert!(matches!(body.kind, SinglePartKind::Text { lines: 73, .. }));
    assert_eq!(ext.md5, Some(istr("md5")));
    let dsp = ext.tail.as_ref().unwrap();
    assert_eq!(dsp.disposition.as_ref().unwrap().kind, istr("attachment"));
    let lang = dsp.tail.as_ref().unwrap();
    assert_eq!(lang.languages, vec![istr("en"), istr("de")]);
    let loc = lang.tail.as_ref().unwrap();
    assert_eq!(loc.location, Some(istr("loc")));
    assert_eq!(
        loc.extensions,
        vec![
            BodyExtension::Number(1),
            BodyExtension::List(vec![
                BodyExtension::Number(2),
                BodyExtension::NString(Some(istr("x"))),
                BodyExtension::List(vec![BodyExtension::NString(None)])
            ])
        ]
    );
    let BodyStructure::Single { body, .. } = &parts[2] else { panic!() };
    let SinglePartKind::Message { envelope, body: inner, lines, .. } = &body.kind else { panic!() };
    assert_eq!(envelope.subject, Some(istr("inner")));
    assert!(matches!(
        &**inner,
        BodyStructure::Single { body: SinglePart { kind: SinglePartKind::Basic { .. }, .. }, .. }
    ));
    assert_eq!(*lines, 10);
    let ext = extension.as_ref().unwrap();
    assert_eq!(ext.parameters, vec![(istr("BOUNDARY"), istr("xyz"))]);
    round_trip_response(&Response::Data(Data::Fetch { seq: nz(1), attributes: atts }));
}

// ---- commands -------------------------------------------------------------

#[test]
fn every_command() {
    let cases = [
        "a CAPABILITY\r\n",
        "a NOOP\r\n",
        "a LOGOUT\r\n",
        "a STARTTLS\r\n",
        "a AUTHENTICATE PLAIN\r\n",
        "a AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\n",
        "a AUTHENTICATE EXTERNAL =\r\n",
        "a LOGIN user pass\r\n",
        "a SELECT INBOX\r\n",
        "a EXAMINE blurdybloop\r\n",
        "a CREATE owatagusiam/\r\n",
        "a DELETE foo\r\n",
        "a RENAME \"old name\" new\r\n",
        "a SUBSCRIBE #news.comp.mail.mime\r\n",
        "a UNSUBSCRIBE #news.comp.mail.mime\r\n",
        "a LIST \"\" *\r\n",
        "a LSUB \"#news.\" \"comp.mail.*\"\r\n",
        "a STATUS blurdybloop (UIDNEXT MESSAGES RECENT UIDVALIDITY UNSEEN)\r\n",
        "a APPEND saved {5}\r\nhello\r\n",
        "a CHECK\r\n",
        "a CLOSE\r\n",
        "a EXPUNGE\r\n",
        "a SEARCH CHARSET UTF-8 TEXT {6}\r\nXXXXXX\r\n",
        "a UID SEARCH 1:* NOT DELETED\r\n",
        "a FETCH 1 ALL\r\n",
        "a FETCH 1 FAST\r\n",
        "a FETCH 1 FULL\r\n",
        "a FETCH 1:* (ENVELOPE FLAGS INTERNALDATE RFC822 RFC822.HEADER RFC822.SIZE RFC822.TEXT BODY BODYSTRUCTURE UID MODSEQ X-GM-MSGID)\r\n",
        "a FETCH 1 (BODY[] BODY.PEEK[1.2.TEXT]<0.2048> BODY[HEADER.FIELDS (From To)] BODY.PEEK[3.MIME])\r\n",
        "a UID FETCH 4827313:4828442 FLAGS\r\n",
        "a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n",
        "a SELECT INBOX (CONDSTORE)\r\n",
        "a EXAMINE INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n",
        "a STORE 1:3 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)\r\n",
        "a STORE 2:4 +FLAGS (\\Deleted)\r\n",
        "a STORE 2 -FLAGS.SILENT \\Seen $Junk\r\n",
        "a UID STORE 2 FLAGS ()\r\n",
        "a COPY 2:4 MEETING\r\n",
        "a UID COPY 2:4 MEETING\r\n",
        "a MOVE 1 Trash\r\n",
        "a UID MOVE 1 Trash\r\n",
        "a UID EXPUNGE 3:5\r\n",
        "a IDLE\r\n",
        "a ENABLE CONDSTORE\r\n",
        "a NAMESPACE\r\n",
        "a UNSELECT\r\n",
        "a XPIG-LATIN\r\n",
        "a XAPPLEPUSHSERVICE aps-version 2 {2}\r\nab\r\n",
    ];
    for c in cases {
        round_trip_command(c);
    }
    assert!(
        matches!(cmd("a AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\n"), CommandBody::Authenticate { initial_response: Some(ir), .. } if &ir[..] == b"\0user\0pass")
    );
    assert!(
        matches!(cmd("a AUTHENTICATE EXTERNAL =\r\n"), CommandBody::Authenticate { initial_response: Some(ir), .. } if ir.is_empty())
    );
    assert!(
        matches!(cmd("a STORE 2 -FLAGS.SILENT \\Seen $Junk\r\n"), CommandBody::Store { action: StoreAction::Remove, silent: true, ref flags, .. } if flags.len() == 2)
    );
    assert!(matches!(cmd("a XPIG-LATIN\r\n"), CommandBody::Other { ref name, .. } if name.as_str() == "XPIG-LATIN"));
    assert!(Command::parse(b"a FETCH 1 ()\r\n").is_err());
    assert!(Command::parse(b"a STATUS x ()\r\n").is_err());
    assert!(Command::parse(b"a APPEND x \"not a literal\"\r\n").is_err());
    assert!(Command::parse(b"+1 NOOP\r\n").is_err(), "+ is not a tag character");
    assert!(Command::parse(b"a NOOP extra\r\n").is_err());
}

#[test]
fn search_keys_nest_to_any_depth() {
    let CommandBody::Search { criteria, charset, uid, .. } = cmd(concat!(
        "a SEARCH ALL ANSWERED BCC b BEFORE 1-Jan-2000 BODY x CC c DELETED DRAFT FLAGGED FROM f HEADER X-Foo bar ",
        "KEYWORD $k LARGER 10 NEW NOT SEEN OLD ON 2-Feb-2001 OR (SEEN UNSEEN) 1:3 RECENT SEEN SENTBEFORE 1-Jan-2000 ",
        "SENTON 1-Jan-2000 SENTSINCE 1-Jan-2000 SINCE 1-Jan-2000 SMALLER 5 SUBJECT s TEXT t TO to UID 1,2 UNANSWERED ",
        "UNDELETED UNDRAFT UNFLAGGED UNKEYWORD $k UNSEEN 2:* ((((NOT (OR 1 2))))) MODSEQ 5\r\n"
    )) else {
        panic!()
    };
    assert!(!uid && charset.is_none());
    assert_eq!(criteria.len(), 38);
    assert!(
        matches!(&criteria[17], SearchKey::Or(a, b) if matches!(**a, SearchKey::And(_)) && matches!(**b, SearchKey::SequenceSet(_)))
    );
    let deep = format!("a SEARCH {}ALL{}\r\n", "(".repeat(50), ")".repeat(50));
    round_trip_command(&deep);
    let nots = format!("a SEARCH {}ALL\r\n", "NOT ".repeat(50));
    round_trip_command(&nots);
    assert!(Command::parse(b"a SEARCH NOSUCHKEY\r\n").is_err());
    assert!(Command::parse(b"a SEARCH ()\r\n").is_err());
}

// ---- accepted deviations ------------------------------------------------

#[test]
fn lenient_trailing_space_before_close_paren() {
    // Seen from Exchange/Outlook.com in FETCH and BODYSTRUCTURE.
    let atts = fetch_atts("* 1 FETCH (UID 5 FLAGS (\\Seen ) )\r\n");
    assert_eq!(atts, vec![MessageAttribute::Uid(nz(5)), MessageAttribute::Flags(vec![FlagFetch::Flag(Flag::Seen)])]);
}

#[test]
fn lenient_missing_text_after_status() {
    // "A1 OK" CRLF, seen from several small servers.
    let st = status("A1 OK\r\n");
    assert_eq!((st.kind, st.text.is_empty()), (StatusKind::Ok, true));
    let st = status("* OK [READ-WRITE]\r\n");
    assert_eq!(st.code.as_deref(), Some(&Code::ReadWrite));
    round_trip_response(&Response::Status(st));
}

#[test]
fn lenient_lower_case_keywords() {
    assert!(matches!(data("* 1 fetch (uid 3 flags (\\seen) body[header.fields (from)] nil)\r\n"), Data::Fetch { .. }));
    assert_eq!(status("a1 ok done\r\n").kind, StatusKind::Ok);
    assert_eq!(cmd("a1 uid fetch 1 (body.peek[])\r\n"), cmd("a1 UID FETCH 1 (BODY.PEEK[])\r\n"));
}

#[test]
fn lenient_8bit_in_quoted_strings() {
    let atts = fetch_atts("* 1 FETCH (BODY[] \"caf\u{e9}\")\r\n");
    assert!(matches!(&atts[0], MessageAttribute::BodySection { data: Some(d), .. } if d.as_str() == Some("café")));
    // The serializer stays strict: 8-bit content becomes a literal.
    let r = Response::Data(Data::Fetch { seq: nz(1), attributes: atts });
    assert!(r.to_bytes().windows(4).any(|w| w == b"{5}\r"));
}

#[test]
fn lenient_empty_parens_for_nil_body_parameters() {
    // Seen from Yahoo and some Courier versions.
    let atts = fetch_atts("* 1 FETCH (BODY (\"TEXT\" \"PLAIN\" () NIL NIL \"7BIT\" 5 1))\r\n");
    let MessageAttribute::Body(b) = &atts[0] else { panic!() };
    let BodyStructure::Single { body, .. } = &**b else { panic!() };
    assert!(body.fields.parameters.is_empty());
    // NIL as a parameter value, seen from old Exchange versions.
    let atts = fetch_atts("* 1 FETCH (BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" NIL) NIL NIL \"7BIT\" 5 1))\r\n");
    let MessageAttribute::Body(b) = &atts[0] else { panic!() };
    let BodyStructure::Single { body, .. } = &**b else { panic!() };
    assert_eq!(body.fields.parameters, vec![(istr("CHARSET"), istr(""))]);
    let atts = fetch_atts("* 1 FETCH (BODY (\"APPLICATION\" \"X\" NIL NIL NIL NIL 5))\r\n");
    let MessageAttribute::Body(b) = &atts[0] else { panic!() };
    let BodyStructure::Single { body, .. } = &**b else { panic!() };
    assert!(body.fields.encoding.is_empty(), "NIL encoding is kept as empty");
}

#[test]
fn lenient_plus_without_space() {
    assert_eq!(resp("+\r\n"), Response::Continuation(Continuation::Text { code: None, text: Text::default() }));
    assert!(matches!(resp("+Ready\r\n"), Response::Continuation(Continuation::Text { .. })));
}

#[test]
fn lenient_extra_spaces_in_flag_lists() {
    assert_eq!(data("* FLAGS (  \\Seen   \\Draft  )\r\n"), Data::Flags(vec![Flag::Seen, Flag::Draft]));
    assert_eq!(
        fetch_atts("* 1 FETCH (FLAGS ( \\Seen  \\Answered))\r\n")[0],
        MessageAttribute::Flags(vec![FlagFetch::Flag(Flag::Seen), FlagFetch::Flag(Flag::Answered)])
    );
}

#[test]
fn lenient_bare_lf_line_endings() {
    assert_eq!(data("* 3 EXISTS\n"), Data::Exists(3));
    assert_eq!(cmd("a NOOP\n"), CommandBody::Noop);
}

#[test]
fn lenient_spaces_between_addresses() {
    let atts = fetch_atts(
        "* 1 FETCH (ENVELOPE (NIL NIL ((NIL NIL \"a\" \"b\") (NIL NIL \"c\" \"d\")) () NIL NIL NIL NIL NIL NIL))\r\n",
    );
    let MessageAttribute::Envelope(env) = &atts[0] else { panic!() };
    assert_eq!(env.from.len(), 2);
    assert!(env.sender.is_empty());
}

#[test]
fn errors_report_offset_and_expectation() {
    let e = Response::parse(b"* 1 FETCH (UID x)\r\n").unwrap_err();
    assert_eq!(e.offset, 15);
    assert_eq!(e.kind, ParseErrorKind::Expected("number"));
    let e = Command::parse(b"a LOGIN user\r\n").unwrap_err();
    assert_eq!((e.offset, e.kind), (12, ParseErrorKind::Expected("SP")));
}

#[test]
fn search_response_numbers() {
    let ids = |s: &str| match resp(s) {
        Response::Data(Data::Search { ids, .. }) => ids.iter().map(|n| n.get()).collect::<Vec<u32>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(ids("* SEARCH\r\n"), Vec::<u32>::new());
    assert_eq!(ids("* SEARCH 2 84 882\r\n"), vec![2, 84, 882]);
    assert_eq!(ids("* SEARCH 0007 999999999 1234567890 4294967295\r\n"), vec![7, 999_999_999, 1_234_567_890, u32::MAX]);
    let err = Response::parse(b"* SEARCH 1 4294967296\r\n").unwrap_err();
    assert_eq!((err.offset, err.kind), (11, ParseErrorKind::NumberOverflow("u32")));
    let err = Response::parse(b"* SEARCH 5 0 7\r\n").unwrap_err();
    assert_eq!(err.offset, 11, "zero is not an id");
}
