//! Every client/server example of the IMAP extension RFCs (and of RFC
//! 9051) in ../shared/rfc: decoded with no errors but the placeholders the
//! RFCs print for elided text, with no value left raw but the ones the
//! RFCs invent as examples of unknown extensions, re-serialized and
//! decoded again, and decoded the same at every split point.

mod common;

use common::*;
use imap_wire::*;

fn examples() -> Vec<Example> {
    parse_examples(include_str!("fixtures/extension-examples.txt"))
}

/// Values the RFCs print as examples of things this crate cannot know:
/// an `X` command, made-up extension data, a UIDVALIDITY over 32 bits.
const RAW_BY_DESIGN: [&str; 7] = [
    "XPIG-LATIN",
    "BLURDYBLOOP",
    "tablecloth",
    "ANNOTATE",
    "Atom(\"long\")",
    "Atom(\"line...\")",
    "UIDVALIDITY\"), arguments: Some(CodeText(\"9877410381\"))",
];

/// Whether a decoded message holds a value kept raw.
fn raw_leftover(debug: &str) -> bool {
    (debug.contains("Other {") || debug.contains("Other(Modifier") || debug.contains("RawValue("))
        && !RAW_BY_DESIGN.iter().any(|allowed| debug.contains(allowed))
}

#[test]
fn there_are_examples_of_every_extension() {
    let ex = examples();
    assert!(ex.len() >= 130, "{}", ex.len());
    for rfc in [
        "rfc2177", "rfc2342", "rfc2971", "rfc3502", "rfc4315", "rfc4731", "rfc4959", "rfc4978", "rfc5161", "rfc5256",
        "rfc5258", "rfc5267", "rfc5464", "rfc5530", "rfc5819", "rfc6154", "rfc6851", "rfc7162", "rfc7888", "rfc7889",
        "rfc8438", "rfc8474", "rfc9208", "rfc9051",
    ] {
        assert!(ex.iter().any(|e| e.name.starts_with(rfc)), "{rfc}");
    }
}

#[test]
fn every_example_decodes_without_raw_values_and_round_trips() {
    let (mut commands, mut responses) = (0, 0);
    let mut failures = Vec::new();
    for ex in examples() {
        let (events, messages) = decode_client(&ex.client, usize::MAX, Limits::default());
        for e in events.iter().filter(|e| e.is_err()) {
            failures.push(format!("{}: client {e:?}", ex.name));
        }
        let mut mode = ClientLineMode::Commands;
        for m in &messages {
            let debug = format!("{m:?}");
            if raw_leftover(&debug) {
                failures.push(format!("{}: raw {debug}", ex.name));
            }
            assert_eq!(&reparse_client(m, mode), m, "{}", ex.name);
            mode = match m {
                ClientMessage::Command(Command { body: CommandBody::Authenticate { .. }, .. })
                | ClientMessage::AuthenticateData(_) => ClientLineMode::Authenticate,
                ClientMessage::Command(Command { body: CommandBody::Idle, .. }) => ClientLineMode::Idle,
                _ => ClientLineMode::Commands,
            };
        }
        commands += messages.len();

        let (events, messages) = decode_server(&ex.server, usize::MAX, Limits::default());
        let errors: Vec<_> = events.iter().filter(|e| e.is_err()).collect();
        if errors.len() != ex.server_placeholders {
            failures.push(format!("{}: server {errors:?}", ex.name));
        }
        for m in &messages {
            let debug = format!("{m:?}");
            if raw_leftover(&debug) {
                failures.push(format!("{}: raw {debug}", ex.name));
            }
            assert_eq!(&reparse_server(m), m, "{}", ex.name);
        }
        responses += messages.len();
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(commands > 300, "{commands}");
    assert!(responses > 800, "{responses}");
}

#[test]
fn every_example_gives_the_same_events_at_every_split_point() {
    assert_same_events_at_every_split_point(&examples());
}
