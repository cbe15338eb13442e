//! Every client/server example of RFC 3501 sections 6, 7 and 8, decoded,
//! re-serialized and decoded again, whole and at every split point.

mod common;

use common::*;
use imap_wire::*;

fn examples() -> Vec<Example> {
    parse_examples(include_str!("fixtures/rfc3501-examples.txt"))
}

#[test]
fn there_are_examples_from_every_section() {
    let ex = examples();
    assert!(ex.len() >= 45, "{}", ex.len());
    for section in ["6.1.1", "6.2.2", "6.3.11", "6.4.4", "6.4.8", "7.1.1", "7.4.2", "7.5", "8"] {
        assert!(ex.iter().any(|e| e.name.split(' ').next() == Some(section)), "{section}");
    }
}

#[test]
fn every_example_decodes_and_round_trips() {
    let mut commands = 0;
    let mut responses = 0;
    for ex in examples() {
        let (events, messages) = decode_client(&ex.client, usize::MAX, Limits::default());
        let errors: Vec<_> = events.iter().filter(|e| e.is_err()).collect();
        assert!(errors.is_empty(), "{}: client errors {errors:?}", ex.name);
        let mut mode = ClientLineMode::Commands;
        for m in &messages {
            assert_eq!(&reparse_client(m, mode), m, "{}", ex.name);
            mode = match m {
                ClientMessage::Command(Command { body: CommandBody::Authenticate { .. }, .. })
                | ClientMessage::AuthenticateData(_) => ClientLineMode::Authenticate,
                _ => ClientLineMode::Commands,
            };
        }
        commands += messages.len();

        let (events, messages) = decode_server(&ex.server, usize::MAX, Limits::default());
        let errors = events.iter().filter(|e| e.is_err()).count();
        assert_eq!(errors, ex.server_placeholders, "{}: {events:?}", ex.name);
        for m in &messages {
            assert_eq!(&reparse_server(m), m, "{}", ex.name);
        }
        responses += messages.len();
    }
    assert!(commands > 60, "{commands}");
    assert!(responses > 150, "{responses}");
}

#[test]
fn every_example_gives_the_same_events_at_every_split_point() {
    assert_same_events_at_every_split_point(&examples());
}

#[test]
fn section_8_session_values() {
    let ex = examples().into_iter().find(|e| e.name.starts_with("8 ")).unwrap();
    let (_, messages) = decode_server(&ex.server, usize::MAX, Limits::default());
    assert!(matches!(&messages[0], ServerMessage::Greeting(Greeting { kind: GreetingKind::Ok, .. })));
    let fetch = messages
        .iter()
        .find_map(|m| match m {
            ServerMessage::Response(Response::Data(Data::Fetch { attributes, .. })) if attributes.len() == 5 => {
                Some(attributes)
            }
            _ => None,
        })
        .expect("the FETCH FULL response");
    let MessageAttribute::Envelope(env) = &fetch[3] else { panic!("{fetch:?}") };
    assert_eq!(env.subject.as_ref().unwrap().as_str(), Some("IMAP4rev1 WG mtg summary and minutes"));
    assert_eq!(env.cc.len(), 2);
    assert_eq!(env.cc[1].name.as_ref().unwrap().as_str(), Some("John Klensin"));
    assert_eq!(env.in_reply_to, None);
    let MessageAttribute::InternalDate(date) = &fetch[1] else { panic!() };
    assert_eq!(date.to_string(), "17-Jul-1996 02:44:25 -0700");
    let MessageAttribute::Body(body) = &fetch[4] else { panic!() };
    let BodyStructure::Single { body, extension: None } = &**body else { panic!() };
    assert_eq!(body.fields.octets, 3028);
    assert!(matches!(&body.kind, SinglePartKind::Text { lines: 92, .. }));

    let header = messages
        .iter()
        .find_map(|m| match m {
            ServerMessage::Response(Response::Data(Data::Fetch { attributes, .. })) => match &attributes[0] {
                MessageAttribute::BodySection { section, data: Some(d), .. }
                    if section.text == Some(SectionText::Header) =>
                {
                    Some(d.clone())
                }
                _ => None,
            },
            _ => None,
        })
        .expect("the BODY[HEADER] response");
    assert_eq!(header.len(), 342);
    assert!(header.starts_with(b"Date: Wed, 17 Jul 1996"));
    assert!(header.ends_with(b"US-ASCII\r\n\r\n"));
}
