//! What the example tests share: paths, free ports, the programs they
//! need, the seeded messages, and an independent MIME splitter (the
//! tests' own oracle for IMAP sections).

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits (up to 10 s) until something listens on 127.0.0.1:`port`.
pub fn wait_until_listening(port: u16, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Whether a program is on the PATH; under CI=true a missing one fails.
pub fn have(program: &str) -> bool {
    let found = Command::new(program).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{program} is missing; CI must run these checks");
        eprintln!("skipped: {program} is not installed");
    }
    found
}

/// The seeded message files as they are (LF line ends), in order.
pub fn seeded_files() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("sessions/mail"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    paths.sort();
    paths
}

/// The seeded messages as stored (line ends CRLF), in delivery order.
pub fn seeded() -> Vec<Vec<u8>> {
    seeded_files().into_iter().map(|p| crlf(&std::fs::read(p).unwrap())).collect()
}

pub fn crlf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 20);
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' && (i == 0 || data[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// A small MIME splitter for the seeded messages (the test's own oracle,
/// independent of the code under test): every IMAP section with the
/// bytes RFC 3501 says it has.
pub fn sections(message: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let (header, body) = split_header(message);
    out.push((String::new(), message.to_vec()));
    out.push(("HEADER".into(), header.to_vec()));
    out.push(("TEXT".into(), body.to_vec()));
    walk(header, body, "", true, &mut out);
    out
}

fn split_header(entity: &[u8]) -> (&[u8], &[u8]) {
    match entity.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(i) => (&entity[..i + 4], &entity[i + 4..]),
        None => (entity, &[]),
    }
}

fn header_value(header: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(header).replace("\r\n ", " ").replace("\r\n\t", " ");
    text.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

fn boundary(content_type: &str) -> Option<String> {
    let at = content_type.to_ascii_lowercase().find("boundary=")?;
    Some(content_type[at + 9..].split(';').next()?.trim().trim_matches('"').to_string())
}

/// Adds the numbered sections of an entity (`prefix` is its number;
/// `top` for the message itself, whose single part is "1").
fn walk(header: &[u8], body: &[u8], prefix: &str, top: bool, out: &mut Vec<(String, Vec<u8>)>) {
    let content_type = header_value(header, "Content-Type").unwrap_or_else(|| "text/plain".into());
    let number = |i: usize| if prefix.is_empty() { i.to_string() } else { format!("{prefix}.{i}") };
    if let Some(boundary) =
        content_type.to_ascii_lowercase().starts_with("multipart/").then(|| boundary(&content_type)).flatten()
    {
        let delimiter = format!("\r\n--{boundary}");
        // The body with a CRLF in front, so that the first delimiter has
        // one too.
        let mut framed = b"\r\n".to_vec();
        framed.extend_from_slice(body);
        let mut pieces = Vec::new();
        let mut rest = &framed[..];
        while let Some(i) = rest.windows(delimiter.len()).position(|w| w == delimiter.as_bytes()) {
            pieces.push(&rest[..i]);
            rest = &rest[i + delimiter.len()..];
            // Skip to the end of the delimiter line.
            let eol = rest.windows(2).position(|w| w == b"\r\n").map_or(rest.len(), |e| e + 2);
            rest = &rest[eol..];
        }
        // pieces[0] is the preamble; each later one a part.
        for (i, part) in pieces.iter().enumerate().skip(1) {
            let (h, b) = split_header(part);
            let n = number(i);
            out.push((n.clone(), b.to_vec()));
            out.push((format!("{n}.MIME"), h.to_vec()));
            walk(h, b, &n, false, out);
        }
    } else if content_type.to_ascii_lowercase().starts_with("message/rfc822") {
        let (h, b) = split_header(body);
        out.push((format!("{prefix}.HEADER"), h.to_vec()));
        out.push((format!("{prefix}.TEXT"), b.to_vec()));
        walk(h, b, prefix, true, out);
    } else if top {
        out.push((number(1), body.to_vec()));
    }
}
