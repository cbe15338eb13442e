//! `mail-inspect`: a protocol dissector for recorded mail sessions.
//!
//! ```text
//! mail-inspect imap --from server|client [--roundtrip] [--chunk N] FILE|-
//! ```
//!
//! Prints one JSON object per decoded message (`offset` and `message`, or
//! `offset` and `error`), then a last line `N messages, M errors`. Exit
//! status 0 when there were no errors, 1 otherwise, 2 for usage errors.

use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use mail_examples::inspect::{inspect_imap, Direction, InspectOptions};

const USAGE: &str = "usage: mail-inspect imap --from server|client [--roundtrip] [--chunk N] FILE|-";

fn main() -> ExitCode {
    match run() {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(msg) => {
            eprintln!("mail-inspect: {msg}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<u64, String> {
    let mut args = std::env::args().skip(1);
    let protocol = args.next().ok_or("missing protocol")?;
    let mut direction = None;
    let mut options = InspectOptions::default();
    let mut file = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--from" => {
                direction = Some(match args.next().as_deref() {
                    Some("server") => Direction::FromServer,
                    Some("client") => Direction::FromClient,
                    other => return Err(format!("--from takes server or client, not {other:?}")),
                })
            }
            "--roundtrip" => options.roundtrip = true,
            "--chunk" => {
                let n = args.next().ok_or("--chunk needs a number")?;
                options.chunk =
                    n.parse().ok().filter(|&n| n > 0).ok_or(format!("--chunk takes a positive number, not {n:?}"))?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ if file.is_none() && (arg == "-" || !arg.starts_with("--")) => file = Some(arg),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    if protocol != "imap" {
        return Err(format!("unknown protocol {protocol:?}"));
    }
    let direction = direction.ok_or("missing --from")?;
    let file = file.ok_or("missing FILE")?;
    let input = read_input(&file).map_err(|e| format!("{file}: {e}"))?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let summary = inspect_imap(&input, direction, options, &mut out).map_err(|e| e.to_string())?;
    writeln!(out, "{} messages, {} errors", summary.messages, summary.errors).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    Ok(summary.errors)
}

fn read_input(file: &str) -> io::Result<Vec<u8>> {
    if file == "-" {
        let mut buf = Vec::new();
        io::stdin().read_to_end(&mut buf)?;
        Ok(buf)
    } else {
        std::fs::read(file)
    }
}
