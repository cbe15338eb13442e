use super::*;
use imap_wire::{BodyStructure, Encode, EncodeOptions, Section, SinglePartKind};

const MIXED: &[u8] = b"From: Alice <alice@example.org>\r\n\
Subject: test\r\n\
Content-Type: multipart/mixed; boundary=\"outer\"\r\n\
\r\n\
preamble\r\n\
--outer\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
hello\r\n\
world\r\n\
--outer\r\n\
Content-Type: message/rfc822\r\n\
\r\n\
Subject: inner\r\n\
Content-Type: multipart/alternative; boundary=inner\r\n\
\r\n\
--inner\r\n\
\r\n\
plain\r\n\
--inner\r\n\
Content-Type: text/html\r\n\
\r\n\
<b>html</b>\r\n\
--inner--\r\n\
--outer--\r\n\
epilogue\r\n";

fn encode(b: &BodyStructure) -> String {
    let mut out = bytes::BytesMut::new();
    b.encode_to(&mut out, EncodeOptions::default());
    String::from_utf8_lossy(&out).to_lowercase()
}

fn parse_section(text: &str) -> Section {
    use imap_wire::{IString, SectionText};
    let mut part = Vec::new();
    let mut rest = text;
    while let Some((head, tail)) = rest.split_once('.').or(Some((rest, ""))) {
        match head.parse::<u32>() {
            Ok(n) => part.push(n.try_into().unwrap()),
            Err(_) => break,
        }
        rest = tail;
        if rest.is_empty() {
            break;
        }
    }
    let text = match rest {
        "" => None,
        "MIME" => Some(SectionText::Mime),
        "HEADER" => Some(SectionText::Header),
        "TEXT" => Some(SectionText::Text),
        fields => {
            let not = fields.starts_with("HEADER.FIELDS.NOT");
            let list = fields.split_once('(').unwrap().1.trim_end_matches(')');
            let fields = list.split(' ').map(|f| IString::from(f.as_bytes().to_vec())).collect();
            Some(SectionText::HeaderFields { not, fields })
        }
    };
    Section { part, text }
}

fn bytes_of(message: &[u8], s: &Structure, section: &str) -> Vec<u8> {
    let section = parse_section(section);
    match s.section(&section) {
        SectionBytes::Range(r) => message[r.start as usize..r.end as usize].to_vec(),
        SectionBytes::Fields { header, names, not } => {
            header_fields(&message[header.start as usize..header.end as usize], &names, not)
        }
        SectionBytes::Empty => Vec::new(),
    }
}

#[test]
fn sections_of_a_nested_message() {
    let s = Structure::of(MIXED, ScanLimits::default());
    assert_eq!(s.size, MIXED.len() as u64);
    assert_eq!(bytes_of(MIXED, &s, "1"), b"hello\r\nworld");
    assert_eq!(bytes_of(MIXED, &s, "1.MIME"), b"Content-Type: text/plain; charset=utf-8\r\n\r\n");
    assert_eq!(
        bytes_of(MIXED, &s, "2.HEADER"),
        b"Subject: inner\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
    );
    assert_eq!(bytes_of(MIXED, &s, "2.1"), b"plain");
    assert_eq!(bytes_of(MIXED, &s, "2.2"), b"<b>html</b>");
    assert_eq!(bytes_of(MIXED, &s, "2.2.MIME"), b"Content-Type: text/html\r\n\r\n");
    assert!(bytes_of(MIXED, &s, "2.TEXT").starts_with(b"--inner\r\n"));
    assert!(bytes_of(MIXED, &s, "2.TEXT").ends_with(b"</b>\r\n--inner--"));
    assert_eq!(bytes_of(MIXED, &s, "HEADER.FIELDS (SUBJECT)"), b"Subject: test\r\n\r\n");
    assert_eq!(bytes_of(MIXED, &s, "3"), b"");
    assert_eq!(bytes_of(MIXED, &s, "1.1"), b"");
    assert!(bytes_of(MIXED, &s, "TEXT").starts_with(b"preamble"));
    let text = encode(&body::body_structure(&s, true));
    assert!(
        text.starts_with("((\"text\" \"plain\" (\"charset\" \"utf-8\") nil nil \"7bit\" 12 1 nil nil nil nil)"),
        "{text}"
    );
    assert!(text.contains("\"message\" \"rfc822\" nil nil nil \"7bit\""), "{text}");
    assert!(text.contains("\"alternative\" (\"boundary\" \"inner\")"), "{text}");
    let env = body::message_envelope(&s);
    assert_eq!(&env.subject.unwrap()[..], b"test");
    assert_eq!(&env.from[0].host.as_ref().unwrap()[..], b"example.org");
    assert_eq!(env.sender, env.from);
}

#[test]
fn every_split_point_gives_the_same_structure() {
    let whole = format!("{:?}", Structure::of(MIXED, ScanLimits::default()));
    for split in 0..MIXED.len() {
        let mut scanner = Scanner::new(ScanLimits::default());
        scanner.feed(&MIXED[..split]);
        scanner.feed(&MIXED[split..]);
        assert_eq!(format!("{:?}", scanner.finish()), whole, "split at {split}");
    }
    let mut scanner = Scanner::new(ScanLimits::default());
    for b in MIXED {
        scanner.feed(std::slice::from_ref(b));
    }
    assert_eq!(format!("{:?}", scanner.finish()), whole, "byte by byte");
}

#[test]
fn deep_multipart_nesting_is_capped_without_recursion() {
    let mut m = Vec::new();
    for i in 0..5000 {
        m.extend_from_slice(format!("Content-Type: multipart/mixed; boundary=b{i:05}\r\n\r\n--b{i:05}\r\n").as_bytes());
    }
    m.extend_from_slice(b"\r\nleaf\r\n");
    let s = Structure::of(&m, ScanLimits::default());
    assert!(s.part_count() <= 101, "{}", s.part_count());
    let deepest = (0..s.part_count() as u32).map(|i| s.part(i).depth).max().unwrap();
    assert_eq!(deepest, 99);
    let text = encode(&body::body_structure(&s, true));
    assert!(text.contains("\"application\" \"octet-stream\""));
}

#[test]
fn deep_message_nesting_is_capped() {
    let mut m = Vec::new();
    for _ in 0..5000 {
        m.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
    }
    m.extend_from_slice(b"Subject: last\r\n\r\nbody\r\n");
    let s = Structure::of(&m, ScanLimits::default());
    assert!(s.part_count() <= 101);
    let _ = encode(&body::body_structure(&s, false));
    let path = vec!["1"; 200];
    let _ = bytes_of(&m, &s, &path.join("."));
}

#[test]
fn many_parts_are_capped() {
    let mut m = b"Content-Type: multipart/mixed; boundary=x\r\n\r\n".to_vec();
    for _ in 0..20_000 {
        m.extend_from_slice(b"--x\r\n\r\np\r\n");
    }
    m.extend_from_slice(b"--x--\r\n");
    let limits = ScanLimits { max_parts: 100, ..ScanLimits::default() };
    let s = Structure::of(&m, limits);
    assert_eq!(s.part_count(), 100);
    // The last part holds the rest.
    let last = s.part(99);
    assert!(last.body().end - last.body().start > 100_000);
}

#[test]
fn closing_boundary_without_line_end_and_empty_parts() {
    let m = b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\n--x\r\nContent-Type: text/html\r\n--x--";
    let s = Structure::of(m, ScanLimits::default());
    assert_eq!(s.children(0).count(), 2);
    assert_eq!(bytes_of(m, &s, "1"), b"");
    assert_eq!(bytes_of(m, &s, "2"), b"");
    assert_eq!(bytes_of(m, &s, "2.MIME"), b"Content-Type: text/html\r\n");
    let text = encode(&body::body_structure(&s, false));
    assert!(text.contains("\"text\" \"html\""), "{text}");
}

#[test]
fn a_plain_message_and_headers_without_body() {
    let s = Structure::of(b"Subject: x\r\n\r\nline1\r\nline2\r\n", ScanLimits::default());
    match body::body_structure(&s, false) {
        BodyStructure::Single { body, .. } => {
            assert!(matches!(body.kind, SinglePartKind::Text { lines: 2, .. }));
            assert_eq!(body.fields.octets, 14);
        }
        other => panic!("{other:?}"),
    }
    let s = Structure::of(b"Subject: x\r\n", ScanLimits::default());
    assert_eq!(s.root().body(), 12..12);
    let s = Structure::of(b"", ScanLimits::default());
    assert_eq!(s.size, 0);
}
