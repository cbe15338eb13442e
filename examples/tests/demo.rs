//! The README's run command: `cargo run -p mail-examples --bin demo` works
//! with nothing set up, says what it did, and exits 0.

use std::process::Command;

#[test]
fn the_demo_runs_every_step_and_exits_zero() {
    let out = Command::new(env!("CARGO_BIN_EXE_demo")).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    for expected in [
        "  Sent\t.\t\\HasNoChildren \\Sent",
        "  UID 2  []  Nightly report with attachments",
        "  \"All 1,204 tests passed.\\r\\n\"",
        "  UIDs [2, 3]",
        "  first client, idling: * FETCH 1 FLAGS (\\Flagged)",
        "  stored as UID 4",
        "  downloaded 4, skipped 0, deleted 0",
        "  downloaded 0, skipped 4, deleted 0",
    ] {
        assert!(text.lines().any(|l| l == expected), "{expected:?} missing from:\n{text}");
    }
    assert!(text.contains("both servers stopped"));
}
