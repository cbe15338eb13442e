//! IMAP extensions typed in both directions: every example of each RFC
//! (from ../shared/rfc), parsed to the expected value and serialized back
//! to bytes that parse to the same value.

use imap_proto::*;

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
