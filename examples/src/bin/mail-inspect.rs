//! `mail-inspect`: a protocol dissector for recorded mail sessions.
//!
//! ```text
//! mail-inspect imap --from server|client [--roundtrip] [--chunk N] FILE|-
//! mail-inspect imap --client C2S_FILE --server S2C_FILE [--roundtrip] [--chunk N]
//! mail-inspect pop3 --client C2S_FILE --server S2C_FILE [--roundtrip] [--chunk N]
//! ```
//!
//! Prints one JSON object per decoded message (`offset` and `message`, or
//! `offset` and `error`; a replayed pair also says `from`), then a last line
//! `N messages, M errors`. Exit status 0 when there were no errors, 1
//! otherwise, 2 for usage errors. The output is the same for every
//! `--chunk N`.

use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use mail_examples::inspect::{inspect_imap, Direction, InspectOptions, Summary};
use mail_examples::pop3_replay::Record;

const USAGE: &str = "usage: mail-inspect imap --from server|client [--roundtrip] [--chunk N] FILE|-
       mail-inspect imap --client C2S_FILE --server S2C_FILE [--roundtrip] [--chunk N]
       mail-inspect pop3 --client C2S_FILE --server S2C_FILE [--roundtrip] [--chunk N]";

fn main() -> ExitCode {
    match run() {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        // The reader went away (`| head`): stop quietly.
        Err(msg) if msg.contains("Broken pipe") => ExitCode::from(1),
        Err(msg) => {
            eprintln!("mail-inspect: {msg}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

#[derive(Default)]
struct Args {
    direction: Option<Direction>,
    client: Option<String>,
    server: Option<String>,
    file: Option<String>,
    options: InspectOptions,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--from" => {
                a.direction = Some(match args.next().as_deref() {
                    Some("server") => Direction::FromServer,
                    Some("client") => Direction::FromClient,
                    other => return Err(format!("--from takes server or client, not {other:?}")),
                })
            }
            "--client" => a.client = Some(args.next().ok_or("--client needs a file")?),
            "--server" => a.server = Some(args.next().ok_or("--server needs a file")?),
            "--roundtrip" => a.options.roundtrip = true,
            "--chunk" => {
                let n = args.next().ok_or("--chunk needs a number")?;
                a.options.chunk =
                    n.parse().ok().filter(|&n| n > 0).ok_or(format!("--chunk takes a positive number, not {n:?}"))?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ if a.file.is_none() && (arg == "-" || !arg.starts_with("--")) => a.file = Some(arg),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    Ok(a)
}

fn run() -> Result<u64, String> {
    let mut args = std::env::args().skip(1);
    let protocol = args.next().ok_or("missing protocol")?;
    if protocol == "-h" || protocol == "--help" {
        println!("{USAGE}");
        return Ok(0);
    }
    let a = parse_args(args)?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let summary = match protocol.as_str() {
        "imap" if a.client.is_some() || a.server.is_some() => {
            if a.file.is_some() || a.direction.is_some() {
                return Err("a replayed pair takes --client and --server files only".into());
            }
            let (c2s, s2c) = read_pair(&a)?;
            let records =
                mail_examples::imap_replay::replay(&c2s, &s2c, a.options.chunk, a.options.roundtrip, a.options.limits);
            write_records(&records, &mut out)?
        }
        "imap" => {
            let direction = a.direction.ok_or("missing --from")?;
            let file = a.file.ok_or("missing FILE")?;
            let input = read_input(&file).map_err(|e| format!("{file}: {e}"))?;
            inspect_imap(&input, direction, a.options, &mut out).map_err(|e| e.to_string())?
        }
        "pop3" => {
            if a.file.is_some() || a.direction.is_some() {
                return Err("pop3 takes --client and --server files".into());
            }
            let (c2s, s2c) = read_pair(&a)?;
            let records = mail_examples::pop3_replay::replay(
                &c2s,
                &s2c,
                a.options.chunk,
                a.options.roundtrip,
                pop3_wire::Limits::default(),
            );
            write_records(&records, &mut out)?
        }
        other => return Err(format!("unknown protocol {other:?}")),
    };
    writeln!(out, "{} messages, {} errors", summary.messages, summary.errors).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    Ok(summary.errors)
}

/// Reads the `--client` and `--server` files.
fn read_pair(a: &Args) -> Result<(Vec<u8>, Vec<u8>), String> {
    let client = a.client.as_deref().ok_or("missing --client")?;
    let server = a.server.as_deref().ok_or("missing --server")?;
    let c2s = read_input(client).map_err(|e| format!("{client}: {e}"))?;
    let s2c = read_input(server).map_err(|e| format!("{server}: {e}"))?;
    Ok((c2s, s2c))
}

fn write_records(records: &[Record], out: &mut impl Write) -> Result<Summary, String> {
    let mut summary = Summary::default();
    for record in records {
        summary.messages += record.message.is_some() as u64;
        summary.errors += record.error.is_some() as u64;
        writeln!(out, "{}", record.to_json_line()).map_err(|e| e.to_string())?;
    }
    Ok(summary)
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
