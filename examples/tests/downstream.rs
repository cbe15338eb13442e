//! A crate outside the workspace that depends on mail-codec alone
//! (examples/downstream, as a user's crate would) builds, and runs an IMAP
//! and a POP3 session against the example servers.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, root};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(program: &str, port: u16, dir: &Path) -> Killed {
    let child = Command::new(program)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--users")
        .arg(dir.join("users"))
        .arg("--mail-root")
        .arg(dir.join("root"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{program} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Killed(child)
}

#[test]
fn a_crate_depending_on_mail_codec_alone_runs_imap_and_pop3_sessions() {
    let dir = std::env::temp_dir().join(format!("downstream-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let inbox = dir.join("root/alice");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(inbox.join(sub)).unwrap();
    }
    for i in 0..2 {
        let message = format!("Subject: message {i}\r\nFrom: bob@example.org\r\n\r\nHello {i}.\r\n");
        std::fs::write(inbox.join(format!("new/170000000{i}.M{i}P1.seed")), message).unwrap();
    }
    std::fs::write(dir.join("users"), "alice:secret\n").unwrap();
    let (imap_port, pop3_port) = (free_port(), free_port());
    let _imap = start(env!("CARGO_BIN_EXE_imap-server"), imap_port, &dir);
    let _pop3 = start(env!("CARGO_BIN_EXE_pop3-server"), pop3_port, &dir);

    // Built as a user builds it: its own workspace and lock file, its own
    // target directory (the outer build's is locked while tests run).
    let manifest = root().join("downstream/Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = root().join("../target/downstream");
    let build = Command::new(&cargo)
        .args(["build", "--quiet", "--locked", "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .unwrap();
    assert!(build.success(), "the downstream crate builds");
    let out = Command::new(target.join("debug/downstream-check"))
        .args(["127.0.0.1", &imap_port.to_string(), &pop3_port.to_string(), "alice", "secret"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    // INBOX and the folders the server makes at first login.
    assert!(lines[0].starts_with("imap: ") && lines[0].ends_with("INBOX 2 messages, 2 fetched"), "{stdout}");
    assert!(lines[1].starts_with("pop3: 2 messages, "), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}
