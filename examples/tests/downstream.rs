//! A crate outside the workspace that depends on mail-codec alone
//! (examples/downstream, as a user's crate would) builds, and runs an IMAP
//! and a POP3 session against the example servers.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};

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
    common::wait_until_listening(port, program);
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

/// A blocking driver written once against `mail_sansio::Machine` (the
/// contract of the four machines) runs an IMAP and a POP3 client over
/// std's TcpStream against the example servers.
#[test]
fn one_blocking_driver_runs_both_protocols_machines() {
    use std::io::{Read, Write};

    use mail_codec::{imap_wire, pop3_wire, Machine};

    /// Polls, writes and reads until `done` says so (or the peer closes).
    fn drive<M: Machine>(
        machine: &mut M,
        io: &mut std::net::TcpStream,
        done: impl Fn(&M::Event) -> bool,
    ) -> Vec<M::Event> {
        let mut events = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            while let Some(out) = machine.poll_transmit() {
                io.write_all(&out).unwrap();
            }
            while let Some(event) = machine.poll_event() {
                let stop = done(&event);
                events.push(event);
                if stop {
                    return events;
                }
            }
            match io.read(&mut buf).unwrap() {
                0 => {
                    machine.receive_eof();
                    events.extend(std::iter::from_fn(|| machine.poll_event()));
                    return events;
                }
                n => machine.receive(&buf[..n]),
            }
        }
    }

    let dir = std::env::temp_dir().join(format!("blocking-driver-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(dir.join("root/alice").join(sub)).unwrap();
    }
    std::fs::write(dir.join("root/alice/new/1700000000.M1P1.seed"), "Subject: hi\r\n\r\nHello.\r\n").unwrap();
    std::fs::write(dir.join("users"), "alice:secret\n").unwrap();
    let (imap_port, pop3_port) = (free_port(), free_port());
    let _imap = start(env!("CARGO_BIN_EXE_imap-server"), imap_port, &dir);
    let _pop3 = start(env!("CARGO_BIN_EXE_pop3-server"), pop3_port, &dir);

    use imap_wire::client::{Client, ClientConfig, ClientEvent};
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", imap_port)).unwrap();
    let mut imap = Client::new(ClientConfig::default());
    imap.send(imap_wire::CommandBody::Login { username: "alice".into(), password: "secret".into() }).unwrap();
    imap.send(imap_wire::CommandBody::Select { mailbox: imap_wire::Mailbox::inbox(), parameters: vec![] }).unwrap();
    imap.send(imap_wire::CommandBody::Logout).unwrap();
    let events = drive(&mut imap, &mut tcp, |e| matches!(e, ClientEvent::Closed));
    let completed: Vec<(&str, imap_wire::StatusKind)> = events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Completed { command, status } => Some((command.body.name(), status.kind)),
            _ => None,
        })
        .collect();
    assert_eq!(
        completed,
        [
            ("LOGIN", imap_wire::StatusKind::Ok),
            ("SELECT", imap_wire::StatusKind::Ok),
            ("LOGOUT", imap_wire::StatusKind::Ok)
        ],
        "{events:?}"
    );

    use pop3_wire::client::{Client as Pop3, ClientConfig as Pop3Config, ClientEvent as Pop3Event};
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", pop3_port)).unwrap();
    let mut pop = Pop3::new(Pop3Config::default());
    for command in [
        pop3_wire::Command::User("alice".try_into().unwrap()),
        pop3_wire::Command::Pass("secret".try_into().unwrap()),
        pop3_wire::Command::Stat,
        pop3_wire::Command::Quit,
    ] {
        pop.send(command).unwrap();
    }
    let events = drive(&mut pop, &mut tcp, |e| matches!(e, Pop3Event::Closed));
    assert!(events.iter().any(|e| matches!(e, Pop3Event::Stat { stat, .. } if stat.messages == 1)), "{events:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
