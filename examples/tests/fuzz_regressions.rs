//! Every fuzz corpus entry, seed and past crash input, replayed through the
//! same checks the fuzz targets run (the checks are `fuzz/src/lib.rs`,
//! included here), so that CI checks them on stable without the fuzzer.

#[allow(dead_code, unused_imports)]
#[path = "../../fuzz/src/lib.rs"]
mod fuzz_checks;

use std::path::Path;

const FUZZ: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz");

fn check_for(target: &str) -> fn(&[u8]) {
    match target {
        "imap_response" => fuzz_checks::imap_response_stream,
        "imap_command" => fuzz_checks::imap_command_stream,
        "imap_greeting" => fuzz_checks::imap_greeting,
        "imap_framer" => fuzz_checks::imap_framer,
        "imap_typed" => fuzz_checks::imap_typed,
        "pop3_command" => fuzz_checks::pop3_command,
        "pop3_response" => fuzz_checks::pop3_response,
        "pop3_dot" => fuzz_checks::pop3_dot,
        "pop3_client" => fuzz_checks::pop3_client,
        "pop3_server" => fuzz_checks::pop3_server,
        "pop3_typed" => fuzz_checks::pop3_typed,
        "imap_client" => fuzz_checks::imap_client,
        "imap_server" => fuzz_checks::imap_server,
        "imap_session" => fuzz_checks::imap_session,
        other => panic!("no check for fuzz target {other}"),
    }
}

/// Runs every file below `dir/<target>/` through its target's check and
/// returns the `target/file` names replayed. A missing folder is an error.
fn replay_dir(dir: &Path) -> Vec<String> {
    let mut replayed = Vec::new();
    let targets = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for target in targets {
        let target = target.unwrap().path();
        let name = target.file_name().unwrap().to_string_lossy().to_string();
        let check = check_for(&name);
        for file in std::fs::read_dir(&target).unwrap() {
            let path = file.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let result = std::panic::catch_unwind(|| check(&data));
            assert!(result.is_ok(), "{} fails its check", path.display());
            replayed.push(format!("{name}/{}", path.file_name().unwrap().to_string_lossy()));
        }
    }
    replayed.sort();
    replayed
}

#[test]
fn every_fuzz_target_has_a_check_and_a_corpus() {
    for t in std::fs::read_dir(format!("{FUZZ}/fuzz_targets")).unwrap() {
        let name = t.unwrap().path().file_stem().unwrap().to_string_lossy().to_string();
        let _ = check_for(&name);
        let seeds = Path::new(FUZZ).join("seeds").join(&name);
        assert!(std::fs::read_dir(&seeds).map(|d| d.count()).unwrap_or(0) > 0, "no seeds for {name}");
        let corpus = Path::new(FUZZ).join("corpus").join(format!("{name}.tar"));
        assert!(corpus.is_file(), "no corpus archive for {name}");
    }
}

/// Runs every entry of each `corpus/TARGET.tar` through its target's check
/// and returns how many there were.
fn replay_archives(dir: &Path) -> usize {
    let mut n = 0;
    for archive in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = archive.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let check = check_for(&name);
        let file = std::fs::File::open(&path).unwrap();
        let mut entries = tar::Archive::new(file);
        let mut in_this = 0;
        for entry in entries.entries().unwrap() {
            let mut entry = entry.unwrap();
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
            let entry_name = entry.path().unwrap().display().to_string();
            let result = std::panic::catch_unwind(|| check(&data));
            assert!(result.is_ok(), "{name}: {entry_name} fails its check");
            in_this += 1;
        }
        assert!(in_this > 0, "{} is empty", path.display());
        n += in_this;
    }
    n
}

#[test]
fn corpus_entries_pass_their_checks() {
    let n = replay_archives(&Path::new(FUZZ).join("corpus"));
    assert!(n > 500, "only {n} corpus entries");
}

#[test]
fn seeds_pass_their_checks() {
    let n = replay_dir(&Path::new(FUZZ).join("seeds")).len();
    assert!(n > 100, "only {n} seeds");
}

/// Every input a fuzzer ever failed on. A new finding gets a file in
/// `fuzz/regressions/TARGET/` and a line here; none is ever removed.
const PAST_CRASHES: &[&str] = &[
    "imap_client/idle-started-only-when-output-was-taken",
    "imap_client/not-imap-greeting-then-more-input",
    "imap_client/not-imap-offset-depended-on-chunking",
    "imap_command/modifier-round-trip",
    "imap_framer/discarded-line-tail-window-depended-on-chunking",
    "imap_greeting/raw-value-starting-with-bracket",
    "imap_server/command-during-idle-read-ahead-of-select",
    "imap_server/held-updates-at-the-end-depended-on-chunking",
    "imap_server/streamed-append-aborted-with-its-tag-reused",
    "imap_server/streamed-append-completion-raced-a-second-with-its-tag",
    "imap_server/streamed-append-waits-for-an-earlier-command-with-its-tag",
    "pop3_client/chunked-greeting-events-differ",
    "pop3_client/plaintext-after-stls-count-depended-on-chunking",
    "pop3_dot/empty-input-harness-divided-by-zero",
    "pop3_server/closed-offset-depended-on-buffered-input",
    "pop3_server/command-after-quit-read-depending-on-chunking",
    "pop3_server/empty-input-greeting-not-compared",
];

#[test]
fn past_crashes_stay_fixed() {
    let replayed = replay_dir(&Path::new(FUZZ).join("regressions"));
    let mut expected: Vec<String> = PAST_CRASHES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(replayed, expected, "every past crash is replayed, and each is listed here");
}

/// The recorded sessions, far larger than the limits the checks use, go
/// through the checks whole: the memory check bounds what the decoder
/// keeps, not the input (before, every input over 16 KiB failed it).
#[test]
fn recorded_sessions_pass_the_checks_whole() {
    let sessions = concat!(env!("CARGO_MANIFEST_DIR"), "/sessions");
    // Each recording six times over: a long session.
    let read = |name: &str| {
        let mut data = vec![7u8]; // the chunking seed
                                  // The base IMAP recording lives with imap-wire's own tests.
        let path = match name {
            "dovecot-imap.s2c" | "dovecot-imap.c2s" => {
                format!("{}/../imap-proto/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
            }
            _ => format!("{sessions}/{name}"),
        };
        let session = std::fs::read(path).unwrap();
        for _ in 0..6 {
            data.extend_from_slice(&session);
        }
        data
    };
    let s2c = read("dovecot-imap.s2c");
    assert!(s2c.len() > 64 << 10, "the input is large: {}", s2c.len());
    fuzz_checks::imap_response_stream(&s2c);
    fuzz_checks::imap_command_stream(&read("dovecot-imap.c2s"));
    for name in ["dovecot-pop3-auth.s2c", "dovecot-pop3-user.s2c"] {
        fuzz_checks::pop3_client(&read(name));
        fuzz_checks::pop3_response(&read(name));
    }
    for name in ["dovecot-pop3-auth.c2s", "dovecot-pop3-user.c2s"] {
        fuzz_checks::pop3_server(&read(name));
        fuzz_checks::pop3_command(&read(name));
    }
    // The IMAP machines (the client's input starts with its four command
    // choices after the chunking seed).
    fuzz_checks::imap_server(&read("dovecot-imap.c2s"));
    let mut client_input = vec![7u8, 1, 2, 7, 4];
    client_input.extend_from_slice(&s2c[1..]);
    fuzz_checks::imap_client(&client_input);
}
