//! IMAP extensions typed in both directions: every example of each RFC
//! (from ../shared/rfc), parsed to the expected value and serialized back
//! to bytes that parse to the same value.

use imap_wire::*;

mod common;

/// Parses a server response line, checks it round-trips, returns it.
fn response(line: &str) -> Response {
    let parsed = Response::parse(line.as_bytes()).unwrap_or_else(|e| panic!("{line:?}: {e}"));
    let again = Response::parse(&parsed.to_bytes()).unwrap();
    assert_eq!(again, parsed, "{line:?} round trip via {:?}", String::from_utf8_lossy(&parsed.to_bytes()));
    parsed
}

fn ns(prefix: &str, delimiter: Option<char>) -> NamespaceDescription {
    NamespaceDescription {
        prefix: prefix.into(),
        delimiter: delimiter.map(|c| Delimiter::new(c).unwrap()),
        extensions: Vec::new(),
    }
}

/// RFC 2342 section 5, every server response of the examples.
#[test]
fn rfc2342_namespace_examples() {
    type List = Option<Vec<NamespaceDescription>>;
    let cases: [(&str, List, List, List); 6] = [
        ("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n", Some(vec![ns("", Some('/'))]), None, None),
        ("* NAMESPACE NIL NIL ((\"\" \".\"))\r\n", None, None, Some(vec![ns("", Some('.'))])),
        (
            "* NAMESPACE ((\"\" \"/\")) NIL ((\"Public Folders/\" \"/\"))\r\n",
            Some(vec![ns("", Some('/'))]),
            None,
            Some(vec![ns("Public Folders/", Some('/'))]),
        ),
        (
            "* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"#shared/\" \"/\")(\"#public/\" \"/\")(\"#ftp/\" \"/\")(\"#news.\" \".\"))\r\n",
            Some(vec![ns("", Some('/'))]),
            Some(vec![ns("~", Some('/'))]),
            Some(vec![ns("#shared/", Some('/')), ns("#public/", Some('/')), ns("#ftp/", Some('/')), ns("#news.", Some('.'))]),
        ),
        // Two spaces before the last NIL, as the RFC prints it.
        ("* NAMESPACE ((\"INBOX.\" \".\")) NIL  NIL\r\n", Some(vec![ns("INBOX.", Some('.'))]), None, None),
        ("* NAMESPACE ((\"\" \"/\")) ((\"Other Users/\" \"/\")) NIL\r\n", Some(vec![ns("", Some('/'))]), Some(vec![ns("Other Users/", Some('/'))]), None),
    ];
    for (line, personal, other_users, shared) in cases {
        assert_eq!(response(line), Response::Data(Data::Namespace { personal, other_users, shared }), "{line}");
    }
    // Extension data on a namespace.
    let Response::Data(Data::Namespace { personal: Some(personal), .. }) =
        response("* NAMESPACE ((\"\" \"/\")(\"#mh/\" \"/\" \"X-PARAM\" (\"FLAG1\" \"FLAG2\"))) NIL NIL\r\n")
    else {
        panic!()
    };
    assert_eq!(personal[1].extensions, vec![(IString::from("X-PARAM"), vec![IString::from("FLAG1"), "FLAG2".into()])]);
    // A flat namespace.
    assert_eq!(
        response("* NAMESPACE ((\"\" NIL)) NIL NIL\r\n"),
        Response::Data(Data::Namespace { personal: Some(vec![ns("", None)]), other_users: None, shared: None })
    );
}

/// RFC 2971 section 3.3 and both empty forms.
#[test]
fn rfc2971_id_examples() {
    assert_eq!(response("* ID NIL\r\n"), Response::Data(Data::Id(None)));
    assert_eq!(response("* ID ()\r\n"), Response::Data(Data::Id(Some(Vec::new()))));
    let Response::Data(Data::Id(Some(fields))) = response(
        "* ID (\"name\" \"Cyrus\" \"version\" \"1.5\" \"os\" \"sunos\" \"os-version\" \"5.5\" \"support-url\" \"mailto:cyrus-bugs+@andrew.cmu.edu\")\r\n",
    ) else {
        panic!()
    };
    assert_eq!(fields.len(), 5);
    assert_eq!(
        (fields[4].0.as_ref(), fields[4].1.as_deref()),
        (&b"support-url"[..], Some(&b"mailto:cyrus-bugs+@andrew.cmu.edu"[..]))
    );
    assert_eq!(response("* ID (\"name\" NIL)\r\n"), Response::Data(Data::Id(Some(vec![("name".into(), None)]))));
}

/// Parses a client command, checks it round-trips, returns its body.
fn command(line: &str) -> CommandBody {
    let parsed = Command::parse(line.as_bytes()).unwrap_or_else(|e| panic!("{line:?}: {e}"));
    let again = Command::parse(&parsed.to_bytes()).unwrap();
    assert_eq!(again, parsed, "{line:?} round trip via {:?}", String::from_utf8_lossy(&parsed.to_bytes()));
    parsed.body
}

fn n(v: u32) -> std::num::NonZeroU32 {
    std::num::NonZeroU32::new(v).unwrap()
}

fn set(s: &str) -> SequenceSet {
    s.parse().unwrap()
}

#[test]
fn rfc2971_id_command() {
    assert_eq!(command("a023 ID NIL\r\n"), CommandBody::Id(None));
    assert_eq!(command("a023 ID ()\r\n"), CommandBody::Id(Some(vec![])));
    let CommandBody::Id(Some(fields)) =
        command("a023 ID (\"name\" \"sodr\" \"version\" \"19.34\" \"vendor\" \"Pink Floyd Music Limited\")\r\n")
    else {
        panic!()
    };
    assert_eq!(fields[2], ("vendor".into(), Some("Pink Floyd Music Limited".into())));
    // Valid before login too.
    assert!(state::command_allowed(&CommandBody::Id(None), state::State::NotAuthenticated));
}

/// RFC 4731 section 3.1 and RFC 5182 (SEARCHRES): RETURN options, ESEARCH
/// results, `$`.
#[test]
fn rfc4731_esearch_and_rfc5182_searchres() {
    let CommandBody::Search { uid, return_options, criteria, .. } =
        command("A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n")
    else {
        panic!()
    };
    assert!(!uid);
    assert_eq!(return_options, Some(vec![SearchReturnOption::Min, SearchReturnOption::Count]));
    assert_eq!(criteria.len(), 3);
    let CommandBody::Search { return_options, .. } = command("A283 SEARCH RETURN () FLAGGED\r\n") else { panic!() };
    assert_eq!(return_options, Some(vec![]));
    let CommandBody::Search { uid: true, return_options: Some(o), .. } =
        command("a UID SEARCH RETURN (MIN MAX COUNT ALL) ALL\r\n")
    else {
        panic!()
    };
    assert_eq!(o.len(), 4);
    assert_eq!(
        command("A284 SEARCH RETURN (SAVE) UNSEEN\r\n"),
        CommandBody::Search {
            uid: false,
            return_options: Some(vec![SearchReturnOption::Save]),
            charset: None,
            criteria: vec![SearchKey::Unseen]
        }
    );
    let CommandBody::Fetch { sequence_set, .. } = command("A285 FETCH $ (UID)\r\n") else { panic!() };
    assert!(sequence_set.uses_saved());
    assert_eq!(sequence_set.resolve_saved(Some(&set("4:5"))), Some(set("4:5")));
    let CommandBody::Search { criteria, .. } = command("A286 SEARCH $ SMALLER 4096\r\n") else { panic!() };
    assert_eq!(criteria[0], SearchKey::SequenceSet(set("$")));
    let CommandBody::Search { criteria, .. } = command("A287 UID SEARCH UID $,7 OR $ 1:*\r\n") else { panic!() };
    assert_eq!(criteria[0], SearchKey::Uid(set("$,7")));

    let esearch = |line: &str| match response(line) {
        Response::Data(Data::ESearch(r)) => r,
        other => panic!("{other:?}"),
    };
    let r = esearch("* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n");
    assert_eq!(r.tag, Some("A282".into()));
    assert_eq!(r.data, vec![SearchReturnData::Min(n(2)), SearchReturnData::Count(3)]);
    let r = esearch("* ESEARCH (TAG \"A283\") ALL 2,10:11\r\n");
    assert_eq!(r.data, vec![SearchReturnData::All(set("2,10:11"))]);
    let r = esearch("* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800\r\n");
    assert!(r.uid);
    assert_eq!(r.data, vec![SearchReturnData::Min(n(7)), SearchReturnData::Max(n(3800))]);
    let r = esearch("* ESEARCH (TAG \"A286\") COUNT 15\r\n");
    assert_eq!(r.data, vec![SearchReturnData::Count(15)]);
    // No match: no MIN/MAX/ALL; the correlator alone; UID alone.
    assert_eq!(esearch("* ESEARCH (TAG \"A284\")\r\n").data, vec![]);
    let r = esearch("* ESEARCH UID\r\n");
    assert!(r.uid && r.tag.is_none() && r.data.is_empty());
    // RFC 7162: MODSEQ; RFC 9394: PARTIAL; RFC 5267: ADDTO/REMOVEFROM.
    let r = esearch("* ESEARCH (TAG \"a\") UID ALL 1:3 MODSEQ 917162500\r\n");
    assert_eq!(r.data[1], SearchReturnData::ModSeq(917162500));
    let r = esearch("* ESEARCH (TAG \"A04\") UID PARTIAL (24000:24500 NIL)\r\n");
    assert_eq!(
        r.data,
        vec![SearchReturnData::Partial {
            range: PartialRange { from_end: false, first: n(24000), last: n(24500) },
            results: None
        }]
    );
    let r = esearch("* ESEARCH (TAG \"t\") UID PARTIAL (-1:-100 200:250,252:300)\r\n");
    assert!(matches!(
        &r.data[0],
        SearchReturnData::Partial { range: PartialRange { from_end: true, .. }, results: Some(_) }
    ));
    let r = esearch("* ESEARCH (TAG \"B01\") UID ADDTO (0 32768:32769)\r\n");
    assert_eq!(r.data, vec![SearchReturnData::AddTo(vec![(0, set("32768:32769"))])]);
    let r = esearch("* ESEARCH (TAG \"C01\") UID REMOVEFROM (0 32768 1 2)\r\n");
    assert_eq!(r.data, vec![SearchReturnData::RemoveFrom(vec![(0, set("32768")), (1, set("2"))])]);
    let CommandBody::Search { return_options: Some(o), .. } =
        command("t UID SEARCH RETURN (PARTIAL -1:-100) UNDELETED\r\n")
    else {
        panic!()
    };
    assert_eq!(o, vec![SearchReturnOption::Partial(PartialRange { from_end: true, first: n(1), last: n(100) })]);
    // An extension's item is kept whole.
    let r = esearch("* ESEARCH (TAG \"x\") X-FOO (1 2) COUNT 2\r\n");
    assert!(
        matches!(&r.data[0], SearchReturnData::Other { name, value } if name.as_str() == "X-FOO" && value.as_bytes() == b"(1 2)")
    );
}

/// RFC 5256 section 4 (SORT) and 5 (THREAD): every example.
#[test]
fn rfc5256_sort_and_thread() {
    let CommandBody::Sort { criteria, charset, search, .. } = command("A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994\r\n")
    else {
        panic!()
    };
    assert_eq!(criteria, vec![SortCriterion { reverse: false, key: SortKey::Subject }]);
    assert_eq!(charset, IString::from("UTF-8"));
    assert_eq!(search.len(), 1);
    let CommandBody::Sort { criteria, .. } = command("A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL\r\n") else {
        panic!()
    };
    assert_eq!(criteria[1], SortCriterion { reverse: true, key: SortKey::Date });
    command("A284 SORT (SUBJECT) US-ASCII TEXT \"not in mailbox\"\r\n");
    let CommandBody::Sort { uid: true, return_options: Some(_), .. } =
        command("E01 UID SORT RETURN () (REVERSE DATE) UTF-8 UNDELETED UNKEYWORD $Junk\r\n")
    else {
        panic!()
    };
    assert_eq!(
        response("* SORT 2 84 882\r\n"),
        Response::Data(Data::Sort { ids: vec![n(2), n(84), n(882)], modseq: None })
    );
    assert_eq!(response("* SORT\r\n"), Response::Data(Data::Sort { ids: vec![], modseq: None }));
    assert_eq!(
        response("* SORT 5 3 (MODSEQ 12)\r\n"),
        Response::Data(Data::Sort { ids: vec![n(5), n(3)], modseq: Some(12) })
    );

    let CommandBody::Thread { algorithm, charset, .. } =
        command("A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000\r\n")
    else {
        panic!()
    };
    assert_eq!((algorithm.as_str(), charset), ("ORDEREDSUBJECT", IString::from("UTF-8")));
    command("A284 THREAD ORDEREDSUBJECT US-ASCII TEXT \"gewp\"\r\n");
    command("A285 UID THREAD REFERENCES UTF-8 ALL\r\n");
    let leaf = |ids: &[u32]| Thread { ids: ids.iter().map(|&i| n(i)).collect(), children: vec![] };
    assert_eq!(
        response("* THREAD (2)(3 6 (4 23)(44 7 96))\r\n"),
        Response::Data(Data::Thread(vec![
            leaf(&[2]),
            Thread { ids: vec![n(3), n(6)], children: vec![leaf(&[4, 23]), leaf(&[44, 7, 96])] },
        ]))
    );
    // A missing root: the thread is only branches.
    assert_eq!(
        response("* THREAD ((3)(5))\r\n"),
        Response::Data(Data::Thread(vec![Thread { ids: vec![], children: vec![leaf(&[3]), leaf(&[5])] }]))
    );
    let Response::Data(Data::Thread(threads)) = response(
        "* THREAD (166)(167)(168)(169)(172)(170)(171)(173)(174 (175)(176)(178)(181)(180))(179)(177 (183)(182)(188)(184)(185)(186)(187)(189))(190)(191)(192)(193)(194 195)(196 (197)(198))(199)(200 202)(201)(203)(204)(205)(206 207)(208)\r\n",
    ) else {
        panic!()
    };
    assert_eq!(threads.len(), 25);
    assert_eq!(threads[8].children.len(), 5);
    assert_eq!(response("* THREAD\r\n"), Response::Data(Data::Thread(vec![])));
    for bad in ["* THREAD ()\r\n", "* THREAD (1 (2) 3)\r\n", "* THREAD (1\r\n", "* THREAD (0)\r\n"] {
        assert!(Response::parse(bad.as_bytes()).is_err(), "{bad}");
    }
}

/// Threads nest only as deep as the parser's depth limit allows.
#[test]
fn thread_nesting_is_bounded() {
    let deep = format!("* THREAD {}1{}\r\n", "(1 ".repeat(500), ")".repeat(500));
    let err = Response::parse(deep.as_bytes()).unwrap_err();
    assert!(matches!(err.kind, ParseErrorKind::TooDeep { .. }), "{err}");
}

/// RFC 5530 codes, and the codes other extensions add, are typed.
#[test]
fn response_codes_of_the_extensions() {
    let code = |line: &str| match response(line) {
        Response::Status(StatusResponse { code: Some(code), .. }) => *code,
        other => panic!("{other:?}"),
    };
    let units = [
        ("UNAVAILABLE", Code::Unavailable),
        ("AUTHENTICATIONFAILED", Code::AuthenticationFailed),
        ("AUTHORIZATIONFAILED", Code::AuthorizationFailed),
        ("EXPIRED", Code::Expired),
        ("PRIVACYREQUIRED", Code::PrivacyRequired),
        ("CONTACTADMIN", Code::ContactAdmin),
        ("NOPERM", Code::NoPerm),
        ("INUSE", Code::InUse),
        ("EXPUNGEISSUED", Code::ExpungeIssued),
        ("CORRUPTION", Code::Corruption),
        ("SERVERBUG", Code::ServerBug),
        ("CLIENTBUG", Code::ClientBug),
        ("CANNOT", Code::Cannot),
        ("LIMIT", Code::Limit),
        ("OVERQUOTA", Code::OverQuota),
        ("ALREADYEXISTS", Code::AlreadyExists),
        ("NONEXISTENT", Code::NonExistent),
        ("NOTSAVED", Code::NotSaved),
        ("HASCHILDREN", Code::HasChildren),
        ("COMPRESSIONACTIVE", Code::CompressionActive),
        ("USEATTR", Code::UseAttr),
        ("UNKNOWN-CTE", Code::UnknownCte),
        ("TOOBIG", Code::TooBig),
        ("UIDREQUIRED", Code::UidRequired),
    ];
    for (name, expected) in units {
        assert_eq!(code(&format!("a NO [{name}] text\r\n")), expected, "{name}");
        assert_eq!(code(&format!("a NO [{}] text\r\n", name.to_lowercase())), expected, "{name}");
    }
    assert_eq!(code("* NO [NOUPDATE \"B02\"] Too many contexts\r\n"), Code::NoUpdate(Tag::try_from("B02").unwrap()));
    assert_eq!(
        code("3 OK [MAILBOXID (F2212ea87-6097-4256-9d51-71338625)] Completed\r\n"),
        Code::MailboxId(ObjectId::try_from("F2212ea87-6097-4256-9d51-71338625").unwrap())
    );
    assert_eq!(code("d105 OK [MODIFIED 7,9] Conditional STORE failed\r\n"), Code::Modified(set("7,9")));
    assert_eq!(
        code("a OK [METADATA LONGENTRIES 2199] GETMETADATA complete\r\n"),
        Code::Metadata(MetadataCode::LongEntries(2199))
    );
    assert_eq!(
        code("a NO [METADATA MAXSIZE 1024] Annotation too large\r\n"),
        Code::Metadata(MetadataCode::MaxSize(1024))
    );
    assert_eq!(code("a NO [METADATA TOOMANY] Too many annotations\r\n"), Code::Metadata(MetadataCode::TooMany));
    assert_eq!(
        code("a NO [METADATA NOPRIVATE] Private annotations not supported\r\n"),
        Code::Metadata(MetadataCode::NoPrivate)
    );
    // A known name with arguments that do not fit is kept whole.
    assert!(matches!(code("a NO [MODIFIED x] t\r\n"), Code::Other { .. }));
}

/// RFC 7162: CONDSTORE and QRESYNC parameters, modifiers and responses.
#[test]
fn rfc7162_condstore_and_qresync() {
    let CommandBody::Select { parameters, .. } = command("a SELECT INBOX (CONDSTORE)\r\n") else { panic!() };
    assert_eq!(parameters, vec![SelectParameter::CondStore]);
    let CommandBody::Select { parameters, .. } = command(
        "B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))\r\n",
    ) else {
        panic!()
    };
    let SelectParameter::QResync(q) = &parameters[0] else { panic!() };
    assert_eq!((q.uid_validity.get(), q.modseq), (67890007, 90060115194045000));
    assert_eq!(q.known_uids, Some(set("1:29997")));
    assert_eq!(
        q.seq_match,
        Some((
            set("5000,7500,9000,9990:9999"),
            set("15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997")
        ))
    );
    // Sequence-match data without known UIDs is allowed by the grammar.
    let CommandBody::Examine { parameters, .. } = command("a EXAMINE INBOX (QRESYNC (1 2 (1:2 5:6)))\r\n") else {
        panic!()
    };
    assert!(matches!(&parameters[0], SelectParameter::QResync(QResync { known_uids: None, seq_match: Some(_), .. })));
    let CommandBody::Fetch { modifiers, .. } =
        command("s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n")
    else {
        panic!()
    };
    assert_eq!(modifiers, vec![FetchModifier::ChangedSince(12345), FetchModifier::Vanished]);
    let CommandBody::Store { modifiers, .. } =
        command("a103 UID STORE 6,4,8 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)\r\n")
    else {
        panic!()
    };
    assert_eq!(modifiers, vec![StoreModifier::UnchangedSince(12121230045)]);
    let CommandBody::Search { criteria, .. } = command("a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338\r\n") else {
        panic!()
    };
    assert_eq!(
        criteria,
        vec![SearchKey::ModSeq {
            entry: Some(("/flags/\\draft".into(), Atom::try_from("all").unwrap())),
            modseq: 620162338
        }]
    );
    // An unknown parameter keeps its value.
    let CommandBody::Fetch { modifiers, .. } = command("a FETCH 1 (UID) (X-FOO (1 2))\r\n") else { panic!() };
    assert!(matches!(&modifiers[0], FetchModifier::Other(m) if m.value.as_ref().unwrap().as_bytes() == b"(1 2)"));

    assert_eq!(
        response("* VANISHED (EARLIER) 300:310,405,411\r\n"),
        Response::Data(Data::Vanished { earlier: true, uids: set("300:310,405,411") })
    );
    assert_eq!(
        response("* VANISHED 505,507,510,625\r\n"),
        Response::Data(Data::Vanished { earlier: false, uids: set("505,507,510,625") })
    );
    assert_eq!(
        response("* vanished (earlier) 1\r\n"),
        Response::Data(Data::Vanished { earlier: true, uids: set("1") })
    );
    let Response::Data(Data::Search { modseq, .. }) =
        response("* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n")
    else {
        panic!()
    };
    assert_eq!(modseq, Some(917162500));
    assert!(
        matches!(response("* OK [CLOSED] Previous mailbox is now closed\r\n"), Response::Status(StatusResponse { code: Some(c), .. }) if *c == Code::Closed)
    );
}

/// RFC 6154: CREATE with USE, the special-use attributes in LIST.
#[test]
fn rfc6154_create_special_use() {
    let CommandBody::Create { mailbox, parameters } =
        command("t1 CREATE \"Important Messages\" (USE (\\Important))\r\n")
    else {
        panic!()
    };
    assert_eq!(mailbox, Mailbox::from("Important Messages"));
    assert_eq!(
        parameters,
        vec![CreateParameter::Use(vec![MailboxAttribute::Extension(Atom::try_from("Important").unwrap())])]
    );
    let CommandBody::Create { parameters, .. } = command("t1 CREATE \"Drafts\" (USE (\\Drafts \\Sent))\r\n") else {
        panic!()
    };
    assert_eq!(parameters, vec![CreateParameter::Use(vec![MailboxAttribute::Drafts, MailboxAttribute::Sent])]);
    assert!(
        matches!(response("t1 NO [USEATTR] \\Important not supported\r\n"), Response::Status(StatusResponse { code: Some(c), .. }) if *c == Code::UseAttr)
    );
}

fn fetch_attributes(line: &str) -> Vec<MessageAttribute> {
    match response(line) {
        Response::Data(Data::Fetch { attributes, .. }) => attributes,
        other => panic!("{other:?}"),
    }
}

fn fetch_items(line: &str) -> Vec<FetchAttribute> {
    match command(line) {
        CommandBody::Fetch { items: FetchItems::Attributes(a), .. } => a,
        other => panic!("{other:?}"),
    }
}

/// RFC 3516 (BINARY): the fetch items, literal8 in responses and APPEND.
#[test]
fn rfc3516_binary() {
    let items = fetch_items("a UID FETCH 2 (BINARY.PEEK[1.1] BINARY.SIZE[1.1])\r\n");
    assert_eq!(
        items,
        vec![
            FetchAttribute::Binary { peek: true, part: vec![n(1), n(1)], partial: None },
            FetchAttribute::BinarySize { part: vec![n(1), n(1)] },
        ]
    );
    let items = fetch_items("a FETCH 1 (BINARY[]<0.1024> BINARY[3])\r\n");
    assert_eq!(
        items[0],
        FetchAttribute::Binary { peek: false, part: vec![], partial: Some(Partial { origin: 0, length: n(1024) }) }
    );
    assert_eq!(fetch_items("a FETCH 1 BINARY.SIZE[]\r\n"), vec![FetchAttribute::BinarySize { part: vec![] }]);
    let atts = fetch_attributes("* 2 FETCH (UID 2 BINARY[1.1] ~{5}\r\na\0b\r\n BINARY.SIZE[1.1] 5)\r\n");
    assert_eq!(
        atts[1],
        MessageAttribute::Binary { part: vec![n(1), n(1)], origin: None, data: Some("a\0b\r\n".into()) }
    );
    assert_eq!(atts[2], MessageAttribute::BinarySize { part: vec![n(1), n(1)], size: 5 });
    // The NUL makes the serializer pick literal8.
    let bytes = Response::Data(Data::Fetch { seq: n(2), attributes: atts }).to_bytes();
    assert!(bytes.windows(5).any(|w| w == b"~{5}\r"), "{bytes:?}");
    let atts = fetch_attributes("* 1 FETCH (BINARY[2]<10> \"text\" BINARY[3] NIL)\r\n");
    assert_eq!(atts[0], MessageAttribute::Binary { part: vec![n(2)], origin: Some(10), data: Some("text".into()) });
    assert_eq!(atts[1], MessageAttribute::Binary { part: vec![n(3)], origin: None, data: None });
    assert!(
        matches!(response("a NO [UNKNOWN-CTE] Can't decode\r\n"), Response::Status(StatusResponse { code: Some(c), .. }) if *c == Code::UnknownCte)
    );
    // APPEND with literal8.
    let CommandBody::Append { messages, .. } = command("a APPEND INBOX ~{3}\r\na\0b\r\n") else { panic!() };
    assert_eq!(messages[0].literal(), Some(&IString::from("a\0b")));
}

/// RFC 8970 PREVIEW, RFC 8474 OBJECTID, RFC 8514 SAVEDATE, Gmail's
/// X-GM-EXT-1: fetch items both ways.
#[test]
fn preview_objectid_savedate_and_gmail_fetch_items() {
    assert_eq!(
        fetch_items("a FETCH 1:2 (PREVIEW (LAZY) UID)\r\n"),
        vec![FetchAttribute::Preview { lazy: true }, FetchAttribute::Uid]
    );
    assert_eq!(fetch_items("a FETCH 1 PREVIEW\r\n"), vec![FetchAttribute::Preview { lazy: false }]);
    let atts = fetch_attributes("* 1 FETCH (UID 4 PREVIEW \"Hello, world\")\r\n");
    assert_eq!(atts[1], MessageAttribute::Preview(Some("Hello, world".into())));
    assert_eq!(fetch_attributes("* 1 FETCH (PREVIEW NIL)\r\n"), vec![MessageAttribute::Preview(None)]);
    // The draft forms Dovecot 2.3 also offers (SNIPPET=FUZZY, PREVIEW=FUZZY).
    let items = fetch_items("a FETCH 1:2 (SNIPPET (FUZZY) UID)\r\n");
    assert_eq!(items[0], FetchAttribute::Snippet { algorithms: vec![Atom::try_from("FUZZY").unwrap()] });
    let atts = fetch_attributes("* 1 FETCH (SNIPPET (FUZZY \"Hi\") PREVIEW (FUZZY {2}\r\nHo))\r\n");
    let fuzzy = Atom::try_from("FUZZY").unwrap();
    assert_eq!(
        atts,
        vec![
            MessageAttribute::Snippet { preview: false, algorithm: fuzzy.clone(), text: Some("Hi".into()) },
            MessageAttribute::Snippet { preview: true, algorithm: fuzzy, text: Some("Ho".into()) },
        ]
    );
    // Other unknown items keep their arguments.
    let items = fetch_items("a FETCH 1 (X-THING (A B))\r\n");
    assert!(
        matches!(&items[0], FetchAttribute::Other { name, arguments: Some(a) } if name.as_str() == "X-THING" && a.as_bytes() == b"(A B)")
    );

    let id = |s: &str| ObjectId::try_from(s).unwrap();
    let items = fetch_items("a FETCH 1:* (EMAILID THREADID SAVEDATE)\r\n");
    assert_eq!(items, vec![FetchAttribute::EmailId, FetchAttribute::ThreadId, FetchAttribute::SaveDate]);
    for (line, email, thread) in [
        (
            "* 1 FETCH (EMAILID (M6d99ac3275bb4e) THREADID (T64b478a75b7ea9))\r\n",
            "M6d99ac3275bb4e",
            Some("T64b478a75b7ea9"),
        ),
        (
            "* 3 FETCH (EMAILID (M5fdc09b49ea703) THREADID (T11863d02dd95b5))\r\n",
            "M5fdc09b49ea703",
            Some("T11863d02dd95b5"),
        ),
        ("* 1 FETCH (EMAILID (M00000001) THREADID NIL)\r\n", "M00000001", None),
    ] {
        assert_eq!(
            fetch_attributes(line),
            vec![MessageAttribute::EmailId(id(email)), MessageAttribute::ThreadId(thread.map(id))]
        );
    }
    let atts = fetch_attributes("* 1 FETCH (SAVEDATE \"17-Jul-1996 02:44:25 -0700\" UID 5)\r\n");
    assert!(matches!(&atts[0], MessageAttribute::SaveDate(Some(_))));
    assert_eq!(fetch_attributes("* 1 FETCH (SAVEDATE NIL)\r\n"), vec![MessageAttribute::SaveDate(None)]);
    let CommandBody::Search { criteria, .. } =
        command("a UID SEARCH EMAILID M6d99ac3275bb4e SAVEDSINCE 1-Jan-2020 OLDER 3600\r\n")
    else {
        panic!()
    };
    assert_eq!(criteria[0], SearchKey::EmailId(id("M6d99ac3275bb4e")));
    assert_eq!(criteria[2], SearchKey::Older(n(3600)));
    assert!(ObjectId::try_from("x".repeat(256).as_str()).is_err());
    assert!(Response::parse(b"* 1 FETCH (EMAILID (bad id))\r\n").is_err());

    let items = fetch_items("a FETCH 1 (X-GM-MSGID X-GM-THRID X-GM-LABELS)\r\n");
    assert_eq!(items, vec![FetchAttribute::GmailMessageId, FetchAttribute::GmailThreadId, FetchAttribute::GmailLabels]);
    let atts = fetch_attributes(
        "* 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 UID 4 X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\"))\r\n",
    );
    assert_eq!(atts[0], MessageAttribute::GmailThreadId(1278455344230334865));
    assert_eq!(atts[1], MessageAttribute::GmailMessageId(1278455344230334865));
    assert_eq!(
        atts[3],
        MessageAttribute::GmailLabels(vec![
            "\\Inbox".into(),
            "\\Sent".into(),
            "Important".into(),
            "Muy Importante".into()
        ])
    );
    // Written back as Gmail writes them.
    let bytes = Response::Data(Data::Fetch { seq: n(1), attributes: vec![atts[3].clone()] }).to_bytes();
    assert_eq!(&bytes[..], &b"* 1 FETCH (X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\"))\r\n"[..]);
    let CommandBody::Search { criteria, .. } = command("a UID SEARCH X-GM-RAW \"has:attachment in:unread\"\r\n") else {
        panic!()
    };
    assert_eq!(criteria, vec![SearchKey::GmailRaw("has:attachment in:unread".into())]);
}

#[test]
fn binary_append_content_is_sent_as_literal8() {
    let append = Command::new(
        Tag::try_from("a").unwrap(),
        CommandBody::append(Mailbox::inbox(), vec![], None, IString::from("a\0b")),
    );
    assert_eq!(&append.to_bytes()[..], &b"a APPEND INBOX ~{3}\r\na\0b\r\n"[..]);
}

/// RFC 5258 (LIST-EXTENDED), RFC 5819 (LIST-STATUS), RFC 6154: commands
/// and extended data.
#[test]
fn rfc5258_list_extended_and_rfc5819_list_status() {
    let CommandBody::List { selection, reference, patterns, return_options } =
        command("A02 LIST (SUBSCRIBED) \"\" \"*\" RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))\r\n")
    else {
        panic!()
    };
    assert_eq!(selection, vec![ListSelectOption::Subscribed]);
    assert_eq!(reference, Mailbox::from(""));
    assert_eq!(patterns, vec![IString::from("*")]);
    assert_eq!(
        return_options,
        vec![
            ListReturnOption::Children,
            ListReturnOption::SpecialUse,
            ListReturnOption::Status(vec![StatusAttribute::Messages, StatusAttribute::Unseen]),
        ]
    );
    let CommandBody::List { selection, patterns, .. } =
        command("A04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (CHILDREN)\r\n")
    else {
        panic!()
    };
    assert_eq!(selection, vec![ListSelectOption::Subscribed, ListSelectOption::RecursiveMatch]);
    assert_eq!(patterns.len(), 1);
    let CommandBody::List { patterns, .. } = command("A05 LIST \"\" (\"INBOX\" \"Drafts\" \"Sent/%\")\r\n") else {
        panic!()
    };
    assert_eq!(patterns, vec![IString::from("INBOX"), "Drafts".into(), "Sent/%".into()]);
    let CommandBody::List { selection, .. } = command("t3 LIST (SPECIAL-USE) \"\" \"*\"\r\n") else { panic!() };
    assert_eq!(selection, vec![ListSelectOption::SpecialUse]);
    let CommandBody::List { selection, return_options, .. } =
        command("A06 LIST (REMOTE X-VENDOR (1 2)) \"\" % RETURN (X-OPT)\r\n")
    else {
        panic!()
    };
    assert!(matches!(&selection[1], ListSelectOption::Other(m) if m.name.as_str() == "X-VENDOR"));
    assert!(matches!(&return_options[0], ListReturnOption::Other(m) if m.value.is_none()));
    // `()` selects nothing special: the same request as a plain LIST.
    assert_eq!(command("A07 LIST () \"\" %\r\n"), CommandBody::list(Mailbox::from(""), "%".into()));

    let list = |line: &str| match response(line) {
        Response::Data(Data::List(item)) => item,
        other => panic!("{other:?}"),
    };
    let item = list("* LIST (\\Subscribed \\NonExistent) \"/\" \"Fruit/Peach\"\r\n");
    assert_eq!(item.attributes, vec![MailboxAttribute::Subscribed, MailboxAttribute::NonExistent]);
    let item = list("* LIST () \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
    assert_eq!(item.extended, vec![ListExtendedItem::ChildInfo(vec!["SUBSCRIBED".into()])]);
    let item = list("* LIST () \"/\" \"Foo\" (CHILDINFO (\"SUBSCRIBED\" \"X-FOO\"))\r\n");
    assert_eq!(item.extended, vec![ListExtendedItem::ChildInfo(vec!["SUBSCRIBED".into(), "X-FOO".into()])]);
    let item = list("* LIST () \"/\" \"Normalized\" (\"OLDNAME\" (\"NonNormalized\"))\r\n");
    assert_eq!(item.extended, vec![ListExtendedItem::OldName(Mailbox::from("NonNormalized"))]);
    let item = list("* LIST (\\Marked) \"/\" x (\"X-ITEM\" (1 \"a\") \"OLDNAME\" (y))\r\n");
    assert!(
        matches!(&item.extended[0], ListExtendedItem::Other { tag, value } if &tag[..] == b"X-ITEM" && value.as_bytes() == b"(1 \"a\")")
    );
    assert_eq!(item.extended[1], ListExtendedItem::OldName(Mailbox::from("y")));

    let status = |line: &str| match response(line) {
        Response::Data(Data::Status { items, .. }) => items,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        status("* STATUS \"INBOX\" (MESSAGES 17 UNSEEN 16)\r\n"),
        vec![StatusItem::number(StatusAttribute::Messages, 17), StatusItem::number(StatusAttribute::Unseen, 16)]
    );
    // RFC 8438 SIZE, RFC 8474 MAILBOXID, RFC 7889 APPENDLIMIT.
    assert_eq!(status("* STATUS INBOX (SIZE 44421)\r\n"), vec![StatusItem::number(StatusAttribute::Size, 44421)]);
    assert_eq!(
        status("* STATUS foo (MAILBOXID (F2212ea87-6097-4256-9d51-71338625))\r\n"),
        vec![StatusItem {
            attribute: StatusAttribute::MailboxId,
            value: StatusValue::ObjectId(ObjectId::try_from("F2212ea87-6097-4256-9d51-71338625").unwrap())
        }]
    );
    assert_eq!(
        status("* STATUS INBOX (APPENDLIMIT NIL UIDNEXT 4)\r\n"),
        vec![
            StatusItem { attribute: StatusAttribute::AppendLimit, value: StatusValue::Nil },
            StatusItem::number(StatusAttribute::UidNext, 4)
        ]
    );
    assert_eq!(
        status("* STATUS INBOX (APPENDLIMIT 257890)\r\n"),
        vec![StatusItem::number(StatusAttribute::AppendLimit, 257890)]
    );
    let items = status("* STATUS INBOX (X-THING (a b) MESSAGES 1)\r\n");
    assert!(matches!(&items[0].value, StatusValue::Other(v) if v.as_bytes() == b"(a b)"));
    let CommandBody::Status { attributes, .. } = command("a STATUS INBOX (MAILBOXID APPENDLIMIT SIZE DELETED)\r\n")
    else {
        panic!()
    };
    assert_eq!(
        attributes,
        vec![StatusAttribute::MailboxId, StatusAttribute::AppendLimit, StatusAttribute::Size, StatusAttribute::Deleted]
    );
}

/// RFC 9208 (QUOTA): every command and response of section 4.
#[test]
fn rfc9208_quota() {
    assert_eq!(command("G0001 GETQUOTA \"!partition/sda4\"\r\n"), CommandBody::GetQuota("!partition/sda4".into()));
    assert_eq!(command("G0002 GETQUOTAROOT INBOX\r\n"), CommandBody::GetQuotaRoot(Mailbox::inbox()));
    assert_eq!(
        command("S0000 SETQUOTA \"#user/alice\" (STORAGE 510)\r\n"),
        CommandBody::SetQuota { root: "#user/alice".into(), limits: vec![(QuotaResource::Storage, 510)] }
    );
    assert_eq!(
        command("S0001 SETQUOTA \"!partition/sda4\" ()\r\n"),
        CommandBody::SetQuota { root: "!partition/sda4".into(), limits: vec![] }
    );
    assert_eq!(
        response("* QUOTA \"!partition/sda4\" (STORAGE 104 10923847)\r\n"),
        Response::Data(Data::Quota {
            root: "!partition/sda4".into(),
            resources: vec![QuotaUsage { resource: QuotaResource::Storage, usage: 104, limit: 10923847 }]
        })
    );
    assert_eq!(
        response("* QUOTAROOT INBOX \"#user/alice\" \"!partition/sda4\"\r\n"),
        Response::Data(Data::QuotaRoot {
            mailbox: Mailbox::inbox(),
            roots: vec!["#user/alice".into(), "!partition/sda4".into()]
        })
    );
    assert_eq!(
        response("* QUOTAROOT comp.mail.mime\r\n"),
        Response::Data(Data::QuotaRoot { mailbox: Mailbox::from("comp.mail.mime"), roots: vec![] })
    );
    let Response::Data(Data::Quota { resources, .. }) =
        response("* QUOTA \"#user/alice\" (MESSAGE 42 1000 MAILBOX 3 10 ANNOTATION-STORAGE 1 2 X-THING 5 6)\r\n")
    else {
        panic!()
    };
    let names: Vec<&str> = resources.iter().map(|r| r.resource.name()).collect();
    assert_eq!(names, ["MESSAGE", "MAILBOX", "ANNOTATION-STORAGE", "X-THING"]);
    assert!(
        matches!(response("A003 NO [OVERQUOTA] APPEND Failed\r\n"), Response::Status(StatusResponse { code: Some(c), .. }) if *c == Code::OverQuota)
    );
    // The quota data answers the command that asked.
    let mut client = client::Client::new(client::ClientConfig::default());
    client.receive(b"* PREAUTH [CAPABILITY IMAP4rev1 QUOTA] hi\r\n");
    assert!(matches!(client.poll_event(), Some(client::ClientEvent::Greeting(_))));
    client.send(CommandBody::GetQuotaRoot(Mailbox::inbox())).unwrap();
    client.receive(b"* QUOTAROOT INBOX \"\"\r\n* QUOTA \"\" (STORAGE 10 512)\r\nA1 OK done\r\n");
    let events: Vec<_> = std::iter::from_fn(|| client.poll_event()).collect();
    let answered = events.iter().filter(|e| matches!(e, client::ClientEvent::Data { command: Some(_), .. })).count();
    assert_eq!(answered, 2, "{events:?}");
}

/// RFC 5464 (METADATA): every example of section 4, as printed too.
#[test]
fn rfc5464_metadata() {
    assert_eq!(
        command("a GETMETADATA \"\" /shared/comment\r\n"),
        CommandBody::GetMetadata {
            options: vec![],
            mailbox: Mailbox::from(""),
            entries: vec!["/shared/comment".into()]
        }
    );
    let CommandBody::GetMetadata { entries, .. } =
        command("a GETMETADATA \"INBOX\" (/shared/comment /private/comment)\r\n")
    else {
        panic!()
    };
    assert_eq!(entries.len(), 2);
    // The ABNF's order, and the order of the RFC's examples.
    for line in [
        "a GETMETADATA (MAXSIZE 1024) \"INBOX\" (/shared/comment /private/comment)\r\n",
        "a GETMETADATA \"INBOX\" (MAXSIZE 1024) (/shared/comment /private/comment)\r\n",
    ] {
        let CommandBody::GetMetadata { options, mailbox, entries } = command(line) else { panic!() };
        assert_eq!(
            (options, mailbox, entries.len()),
            (vec![MetadataOption::MaxSize(1024)], Mailbox::inbox(), 2),
            "{line}"
        );
    }
    let CommandBody::GetMetadata { options, .. } =
        command("a GETMETADATA \"INBOX\" (DEPTH 1) (/private/filters/values)\r\n")
    else {
        panic!()
    };
    assert_eq!(options, vec![MetadataOption::Depth(MetadataDepth::One)]);
    let CommandBody::GetMetadata { options, .. } = command("a GETMETADATA (DEPTH infinity MAXSIZE 9) \"\" /shared\r\n")
    else {
        panic!()
    };
    assert_eq!(options, vec![MetadataOption::Depth(MetadataDepth::Infinity), MetadataOption::MaxSize(9)]);
    // Section 5's entries without parentheses.
    let CommandBody::GetMetadata { entries, .. } =
        command("a GETMETADATA \"INBOX\" /private/comment /shared/comment\r\n")
    else {
        panic!()
    };
    assert_eq!(entries, vec![IString::from("/private/comment"), "/shared/comment".into()]);

    let CommandBody::SetMetadata { mailbox, entries } =
        command("a SETMETADATA INBOX (/private/comment {35}\r\nMy new comment across\r\ntwo lines.\r\n)\r\n")
    else {
        panic!()
    };
    assert_eq!(mailbox, Mailbox::inbox());
    assert_eq!(entries, vec![("/private/comment".into(), Some("My new comment across\r\ntwo lines.\r\n".into()))]);
    let CommandBody::SetMetadata { entries, .. } = command("a SETMETADATA INBOX (/private/comment NIL)\r\n") else {
        panic!()
    };
    assert_eq!(entries, vec![("/private/comment".into(), None)]);
    command("t3 SETMETADATA \"SavedDrafts\" (/private/specialuse \"\\\\Drafts\")\r\n");
    let CommandBody::SetMetadata { entries, .. } = command("a SETMETADATA \"\" (/shared/vendor/x ~{2}\r\n\0\x01)\r\n")
    else {
        panic!()
    };
    assert_eq!(entries[0].1, Some(IString::from(&b"\0\x01"[..])));

    assert_eq!(
        response("* METADATA \"\" (/shared/comment \"Shared comment\")\r\n"),
        Response::Data(Data::Metadata {
            mailbox: Mailbox::from(""),
            entries: MetadataEntries::Values(vec![("/shared/comment".into(), Some("Shared comment".into()))])
        })
    );
    let Response::Data(Data::Metadata { entries: MetadataEntries::Values(v), .. }) = response(
        "* METADATA \"INBOX\" (/private/filters/values/small \"SMALLER 5000\" /private/filters/values/boss \"FROM \\\"boss@example.com\\\"\")\r\n",
    ) else {
        panic!()
    };
    assert_eq!(v[1].1, Some("FROM \"boss@example.com\"".into()));
    assert_eq!(
        response("* METADATA \"INBOX\" /shared/comment /private/comment\r\n"),
        Response::Data(Data::Metadata {
            mailbox: Mailbox::inbox(),
            entries: MetadataEntries::Changed(vec!["/shared/comment".into(), "/private/comment".into()])
        })
    );
    response("* METADATA \"MyDrafts\" (/private/specialuse NIL)\r\n");
}

/// RFC 3502 (MULTIAPPEND) and RFC 4469 (CATENATE).
#[test]
fn rfc3502_multiappend_and_rfc4469_catenate() {
    let line = "A003 APPEND saved-messages (\\Seen) {5}\r\nfirst {6}\r\nsecond (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {5}\r\nthird\r\n";
    let CommandBody::Append { mailbox, messages } = command(line) else { panic!() };
    assert_eq!(mailbox, Mailbox::from("saved-messages"));
    assert_eq!(messages.len(), 3);
    assert_eq!((messages[0].flags.clone(), messages[0].literal()), (vec![Flag::Seen], Some(&IString::from("first"))));
    assert!(messages[1].flags.is_empty() && messages[1].date.is_none());
    assert!(messages[2].date.is_some());
    assert!(matches!(response("A003 OK [APPENDUID 38505 3955:3957] APPEND completed\r\n"), Response::Status(_)));
    // Synchronizing literals: the client waits before each one.
    let cmd = Command::parse(line.as_bytes()).unwrap();
    let mut out = bytes::BytesMut::new();
    assert_eq!(cmd.encode_to(&mut out, EncodeOptions::default()).len(), 3);

    let line = "A003 APPEND Drafts (\\Seen \\Draft $MDNSent) CATENATE (URL \"/Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER\" TEXT {42}\r\n\r\n--------------030308070208000400050907\r\n URL \"/Drafts;UIDVALIDITY=385759045/;UID=20/;section=1.MIME\")\r\n";
    let CommandBody::Append { messages, .. } = command(line) else { panic!() };
    let AppendContent::Catenate(parts) = &messages[0].content else { panic!() };
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], CatenatePart::Url("/Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER".into()));
    assert!(matches!(&parts[1], CatenatePart::Text(t) if t.len() == 42));
    // Both kinds in one MULTIAPPEND.
    let CommandBody::Append { messages, .. } = command("a APPEND box {1}\r\nx CATENATE (TEXT {1}\r\ny)\r\n") else {
        panic!()
    };
    assert_eq!(messages.len(), 2);
    for bad in ["a APPEND box\r\n", "a APPEND box CATENATE ()\r\n", "a APPEND box CATENATE (TEXT \"x\")\r\n"] {
        assert!(Command::parse(bad.as_bytes()).is_err(), "{bad}");
    }
}

fn decode_all(input: &[u8]) -> (Vec<String>, Vec<ServerMessage>) {
    let mut decoder = ResponseDecoder::new(Limits::default());
    let mut buf = bytes::BytesMut::from(input);
    let (mut errors, mut messages) = (Vec::new(), Vec::new());
    loop {
        match decoder.decode_eof(&mut buf) {
            Ok(Some(d)) => messages.push(d.message),
            Ok(None) => break,
            Err(e) => errors.push(e.to_string()),
        }
    }
    (errors, messages)
}

/// Defects real servers send, each read past as documented, and written
/// back correctly.
#[test]
fn server_quirks() {
    // imap-codec's quirk list: a negative line count (and size) reads as 0.
    let atts = fetch_attributes("* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" -1 -1))\r\n");
    let MessageAttribute::BodyStructure(body) = &atts[0] else { panic!() };
    let BodyStructure::Single { body, .. } = &**body else { panic!() };
    assert_eq!(body.fields.octets, 0);
    assert!(matches!(body.kind, SinglePartKind::Text { lines: 0, .. }));
    // Zoho and GreenMail put `\*` in FLAGS, Courier `\Recent`: left out.
    assert_eq!(
        response("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)\r\n"),
        Response::Data(Data::Flags(vec![Flag::Answered, Flag::Flagged, Flag::Deleted, Flag::Seen, Flag::Draft]))
    );
    assert_eq!(
        response("* FLAGS (\\Draft \\Seen \\Recent)\r\n"),
        Response::Data(Data::Flags(vec![Flag::Draft, Flag::Seen]))
    );
    // Gmail (with some organizer tools): `]` inside a keyword.
    let Response::Data(Data::Flags(flags)) = response("* FLAGS (\\Seen $NotPhishing [Imap]/Trash Junk])\r\n") else {
        panic!()
    };
    assert_eq!(flags.len(), 4);
    assert!(matches!(&flags[2], Flag::Keyword(k) if k.as_str() == "[Imap]/Trash"));
    let atts = fetch_attributes("* 3 FETCH (UID 7 FLAGS (\\Seen [Imap]/Trash))\r\n");
    assert!(matches!(&atts[1], MessageAttribute::Flags(f) if f.len() == 2));
    // DavMail: two spaces before a literal.
    let atts = fetch_attributes("* 1 FETCH (UID 5 BODY[]  {5}\r\nhello RFC822.SIZE  5)\r\n");
    assert_eq!(
        atts[1],
        MessageAttribute::BodySection { section: Section::default(), origin: None, data: Some("hello".into()) }
    );
    // `BODY ("MIXED")`: a multipart with no parts.
    let atts = fetch_attributes("* 1 FETCH (BODY (\"MIXED\"))\r\n");
    assert!(
        matches!(&atts[0], MessageAttribute::Body(b) if matches!(&**b, BodyStructure::Multi { parts, .. } if parts.is_empty()))
    );
    // `INTERNALDATE NIL` says nothing and is left out.
    let atts = fetch_attributes("* 1 FETCH (UID 4 INTERNALDATE NIL RFC822.SIZE 9)\r\n");
    assert_eq!(atts, vec![MessageAttribute::Uid(n(4)), MessageAttribute::Rfc822Size(9)]);
    // RFC 9051's example: BADCHARSET without parentheses.
    let code = |line: &str| match response(line) {
        Response::Status(StatusResponse { code: Some(code), .. }) => *code,
        other => panic!("{other:?}"),
    };
    assert_eq!(code("B283 NO [BADCHARSET UTF-8] KOI8-R is not supported\r\n"), Code::BadCharset(vec!["UTF-8".into()]));
    // Clients that STORE \Recent: it is left out (no one can set it).
    let CommandBody::Store { flags, .. } = command("a STORE 1 +FLAGS (\\Seen \\Recent)\r\n") else { panic!() };
    assert_eq!(flags, vec![Flag::Seen]);
    let CommandBody::Store { flags, .. } = command("a STORE 1 FLAGS \\Recent\r\n") else { panic!() };
    assert_eq!(flags, vec![]);
    // Blank lines between responses are read past.
    let (errors, messages) = decode_all(b"* OK hi\r\n\r\n* 1 EXISTS\r\n\r\n\r\na1 OK done\r\n");
    assert_eq!((errors.len(), messages.len()), (0, 3), "{errors:?}");
}

/// A CRLF after a literal's data in the middle of a response (the defect
/// CPython's imaplib issue 88574 reports from a real server) is read past
/// while a parenthesis is open and the response goes on; a response that
/// ends with a literal is not joined to the next, nor is a broken one.
#[test]
fn crlf_after_literal_inside_a_response() {
    let body = |m: &ServerMessage| match m {
        ServerMessage::Response(Response::Data(Data::Fetch { attributes, .. })) => attributes.clone(),
        other => panic!("{other:?}"),
    };
    let stream: &[u8] = b"* OK hi\r\n\
        * 1 FETCH (UID 5 BODY[] {5}\r\nhello\r\n)\r\n\
        * 2 FETCH (BODY[HEADER] {4}\r\nab\r\n\r\n FLAGS (\\Seen))\r\n\
        * LIST () \"/\" {3}\r\na(b\r\n\
        * 3 FETCH (BODY[] {2}\r\nhi\r\n* 4 FETCH (UID 9)\r\n\
        * 5 FETCH (X-GM-LABELS (\"a)b\") BODY[] {3}\r\nx)y\r\n)\r\n\
        a1 OK done\r\n";
    let (events, messages) = common::decode_server(stream, stream.len(), Limits::default());
    for chunk in 1..stream.len() {
        assert_eq!(common::decode_server(stream, chunk, Limits::default()).0, events, "fed {chunk} bytes at a time");
    }
    let errors: Vec<_> = events.iter().filter_map(|e| e.as_ref().err()).collect();
    // `* 3 FETCH` never closes its parenthesis: refused alone, and the
    // response after it is kept.
    assert_eq!(errors.len(), 1, "{events:?}");
    assert_eq!(messages.len(), 7, "{events:?}");
    let section = |data: &str| MessageAttribute::BodySection {
        section: Section::default(),
        origin: None,
        data: Some(data.into()),
    };
    assert_eq!(body(&messages[1]), vec![MessageAttribute::Uid(n(5)), section("hello")]);
    let two = body(&messages[2]);
    assert!(matches!(&two[0], MessageAttribute::BodySection { data: Some(d), .. } if &d[..] == b"ab\r\n"));
    assert_eq!(two[1], MessageAttribute::Flags(vec![FlagFetch::Flag(Flag::Seen)]));
    assert!(
        matches!(&messages[3], ServerMessage::Response(Response::Data(Data::List(item)))
        if item.mailbox.as_bytes() == b"a(b"),
        "{:?}",
        messages[3]
    );
    assert_eq!(body(&messages[4]), vec![MessageAttribute::Uid(n(9))]);
    // Parentheses inside quoted strings and literal data do not count.
    assert_eq!(body(&messages[5])[1], section("x)y"));
    // Written back without the stray CRLF.
    assert_eq!(&messages[1].to_bytes()[..], b"* 1 FETCH (UID 5 BODY[] \"hello\")\r\n");
}

/// RFC 8437 UNAUTHENTICATE, RFC 8508 REPLACE, Gmail's XLIST.
#[test]
fn unauthenticate_replace_and_xlist() {
    assert_eq!(command("a UNAUTHENTICATE\r\n"), CommandBody::Unauthenticate);
    assert!(state::command_allowed(&CommandBody::Unauthenticate, state::State::Selected));
    assert!(!state::command_allowed(&CommandBody::Unauthenticate, state::State::NotAuthenticated));
    let CommandBody::Replace { uid, message, mailbox, replacement } =
        command("A003 REPLACE 4 Drafts (\\Seen \\Draft) {12}\r\nSubject: x\r\n\r\n")
    else {
        panic!()
    };
    assert_eq!((uid, message, mailbox), (false, SeqNumber::Value(n(4)), Mailbox::from("Drafts")));
    assert_eq!(replacement.flags, vec![Flag::Seen, Flag::Draft]);
    assert_eq!(replacement.literal().map(|l| l.len()), Some(12));
    let CommandBody::Replace { uid: true, message: SeqNumber::Largest, .. } =
        command("B UID REPLACE * Drafts {1}\r\nx\r\n")
    else {
        panic!()
    };
    let CommandBody::Xlist { reference, pattern } = command("a XLIST \"\" *\r\n") else { panic!() };
    assert_eq!((reference, pattern), (Mailbox::from(""), IString::from("*")));
    let Response::Data(Data::Xlist(item)) =
        response("* XLIST (\\HasNoChildren \\AllMail) \"/\" \"[Gmail]/All Mail\"\r\n")
    else {
        panic!()
    };
    assert_eq!(item.mailbox, Mailbox::from("[Gmail]/All Mail"));
    assert_eq!(item.attributes[1], MailboxAttribute::Extension(Atom::try_from("AllMail").unwrap()));
}

/// What other projects' test suites hold and the decoder once refused,
/// each named after where it comes from; every one round-trips.
#[test]
fn peer_test_suite_cases() {
    let roundtrip = |line: &str| {
        let r = response(line);
        let again = response(std::str::from_utf8(&r.to_bytes()).unwrap());
        assert_eq!(again, r, "{line}");
        r
    };
    // imap-codec and djc's imap-proto: extra spaces in QUOTA.
    let Response::Data(Data::Quota { resources, .. }) = roundtrip("* QUOTA \"\"  (STORAGE 10 512  MESSAGE 1 100)\r\n")
    else {
        panic!()
    };
    assert_eq!(resources.len(), 2);
    assert_eq!((resources[1].usage, resources[1].limit), (1, 100));
    // CPython issue 21815: brackets in a flag, `\[test]`.
    let atts = fetch_attributes("* 1 FETCH (UID 3 FLAGS (\\Seen \\[test]))\r\n");
    let MessageAttribute::Flags(flags) = &atts[1] else { panic!() };
    assert!(matches!(&flags[1], FlagFetch::Flag(Flag::Extension(a)) if a.as_str() == "[test]"));
    roundtrip("* 1 FETCH (UID 3 FLAGS (\\Seen \\[test]))\r\n");
    roundtrip("* FLAGS (\\Seen \\[test] \\*)\r\n");
    // A FETCH whose only attribute is `INTERNALDATE NIL`: nothing left.
    assert_eq!(
        roundtrip("* 7 FETCH (INTERNALDATE NIL)\r\n"),
        Response::Data(Data::Fetch { seq: n(7), attributes: vec![] })
    );
    // A multipart with zero parts inside a message/rfc822 part, with and
    // without its extension data.
    for inner in ["(\"MIXED\")", "(\"mixed\" (\"BOUNDARY\" \"x\") NIL NIL)", "(\"MIXED\" NIL NIL NIL)"] {
        let line = format!(
            "* 1 FETCH (BODYSTRUCTURE (\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 100 \
             (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) {inner} 5 NIL NIL NIL NIL))\r\n"
        );
        let atts = fetch_attributes(&line);
        let MessageAttribute::BodyStructure(body) = &atts[0] else { panic!() };
        let BodyStructure::Single { body, .. } = &**body else { panic!() };
        let SinglePartKind::Message { body: inner_body, .. } = &body.kind else { panic!("{line}") };
        assert!(matches!(&**inner_body, BodyStructure::Multi { parts, .. } if parts.is_empty()), "{line}");
        roundtrip(&line);
    }
}

/// RFC 6855 4: `APPEND mailbox [flags] [date] UTF8 (literal8)`, parsed,
/// written back as literal8, and refused by the machines unless the server
/// offers UTF8=ACCEPT.
#[test]
fn append_utf8_data() {
    for line in
        ["A1 APPEND INBOX UTF8 (~{8}\r\nSubj: \u{e9})\r\n", "A1 APPEND INBOX (\\Seen) UTF8 (~{5+}\r\nhello)\r\n"]
    {
        let command = Command::parse(line.as_bytes()).unwrap();
        let CommandBody::Append { messages, .. } = &command.body else { panic!() };
        assert!(matches!(&messages[0].content, AppendContent::Utf8(m) if m.len() >= 5));
        assert!(messages[0].literal().is_some());
        let wire = command.to_bytes();
        assert!(wire.windows(7).any(|w| w == b"UTF8 (~"), "{}", String::from_utf8_lossy(&wire));
        assert_eq!(Command::parse(&wire).unwrap(), command);
    }
    assert!(Command::parse(b"A1 APPEND INBOX UTF8 ({5}\r\nhello)\r\n").is_err(), "UTF8 takes literal8 only");
    let command = Command::parse(b"A1 APPEND INBOX UTF8 (~{5}\r\nhello)\r\n").unwrap();
    assert_eq!(imap_wire::state::missing_capability(&command.body, &[Capability::Imap4Rev1]), Some("UTF8=ACCEPT"));
}
