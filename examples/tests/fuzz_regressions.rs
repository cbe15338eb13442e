//! Every fuzz corpus entry and every past crash input, replayed through the
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
        other => panic!("no check for fuzz target {other}"),
    }
}

/// Runs every file below `dir/<target>/` through its target's check.
fn replay_dir(dir: &Path) -> usize {
    let mut n = 0;
    let Ok(targets) = std::fs::read_dir(dir) else { return 0 };
    for target in targets {
        let target = target.unwrap().path();
        let name = target.file_name().unwrap().to_string_lossy().to_string();
        let check = check_for(&name);
        for file in std::fs::read_dir(&target).unwrap() {
            let path = file.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let result = std::panic::catch_unwind(|| check(&data));
            assert!(result.is_ok(), "{} fails its check", path.display());
            n += 1;
        }
    }
    n
}

#[test]
fn every_fuzz_target_has_a_check_and_a_corpus() {
    for t in std::fs::read_dir(format!("{FUZZ}/fuzz_targets")).unwrap() {
        let name = t.unwrap().path().file_stem().unwrap().to_string_lossy().to_string();
        let _ = check_for(&name);
        let corpus = Path::new(FUZZ).join("corpus").join(&name);
        assert!(std::fs::read_dir(&corpus).map(|d| d.count()).unwrap_or(0) > 0, "no corpus for {name}");
    }
}

#[test]
fn corpus_entries_pass_their_checks() {
    let n = replay_dir(&Path::new(FUZZ).join("corpus"));
    assert!(n > 500, "only {n} corpus entries");
}

#[test]
fn past_crashes_stay_fixed() {
    replay_dir(&Path::new(FUZZ).join("regressions"));
}
