//! The POP3 client's operations, as library code (the `pop3-client`
//! program and the demo share them): connect and log in, list, retrieve,
//! and download into a Maildir, with or without leaving the messages on
//! the server.

use std::collections::BTreeSet;
use std::path::Path;

use mail_codec::Pop3Client;
use pop3_wire::client::{ClientConfig, ClientEvent};
use pop3_wire::{Command, MessageNumber};

use crate::cli::{ConnectArgs, Failure, TlsMode};
use crate::maildir::Maildir;

/// Connects as the options say and logs in with USER/PASS, or AUTH PLAIN
/// when the server offers SASL PLAIN but not USER.
pub async fn connect(args: &ConnectArgs) -> Result<Pop3Client, Failure> {
    let port = args.port_or(110, 995);
    let tcp = args.tcp(port).await?;
    let wait = args.step_timeout();
    let greeting_wait = args.greeting_timeout();
    let mut pop = match args.tls {
        TlsMode::Implicit => {
            let (connector, name) = args.tls()?;
            tokio::time::timeout(greeting_wait, Pop3Client::connect_tls(tcp, &connector, name, ClientConfig::default()))
                .await
                .map_err(|_| args.no_greeting(port, TlsMode::Implicit))??
        }
        TlsMode::None | TlsMode::Starttls => {
            tokio::time::timeout(greeting_wait, Pop3Client::new(tcp, ClientConfig::default()))
                .await
                .map_err(|_| args.no_greeting(port, args.tls))??
        }
    };
    if args.tls == TlsMode::Starttls {
        let (connector, name) = args.tls()?;
        tokio::time::timeout(wait, pop.stls(&connector, name)).await??;
    }
    let password = args.password()?;
    // RFC 6856: without UTF8 a server may hand out a down-converted copy
    // of an 8-bit message (Courier does), which is not the message.
    tokio::time::timeout(wait, pop.utf8()).await??;
    let caps = tokio::time::timeout(wait, pop.capabilities()).await??;
    let sasl_plain_only = !caps.contains(&pop3_wire::Capability::User)
        && caps.iter().any(|c| matches!(c, pop3_wire::Capability::Sasl(m) if m.iter().any(|m| m.as_bytes().eq_ignore_ascii_case(b"PLAIN"))));
    if sasl_plain_only {
        tokio::time::timeout(wait, pop.authenticate_plain(&args.user, &password)).await??;
    } else {
        tokio::time::timeout(wait, pop.login(&args.user, &password)).await??;
    }
    Ok(pop)
}

/// One message of the maildrop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// Its number in this session.
    pub number: MessageNumber,
    /// Its size in octets.
    pub size: u64,
    /// Its unique id, when the server has UIDL.
    pub uidl: Option<String>,
}

impl std::fmt::Display for Listing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\t{}\t{}", self.number, self.size, self.uidl.as_deref().unwrap_or("-"))
    }
}

/// LIST and UIDL, merged.
pub async fn list(pop: &mut Pop3Client) -> Result<Vec<Listing>, Failure> {
    let ClientEvent::ScanListings { entries, .. } = pop.execute(Command::List(None)).await? else {
        return Err(Failure::Run("LIST gave no scan listing".into()));
    };
    let uidls = match pop.execute(Command::Uidl(None)).await {
        Ok(ClientEvent::UniqueIds { entries, .. }) => entries,
        Ok(_) | Err(mail_codec::Error::Pop3Refused { .. }) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    Ok(entries
        .iter()
        .map(|e| Listing {
            number: e.message,
            size: e.octets,
            uidl: uidls
                .iter()
                .find(|u| u.message == e.message)
                .map(|u| String::from_utf8_lossy(u.uid.as_bytes()).into_owned()),
        })
        .collect())
}

/// A message number from the command line.
pub fn parse_number(text: &str) -> Result<MessageNumber, Failure> {
    text.parse::<u32>()
        .ok()
        .and_then(|n| MessageNumber::try_from(n).ok())
        .ok_or_else(|| Failure::Usage(format!("invalid message number {text:?}")))
}

/// What a download did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DownloadReport {
    /// Messages written to the Maildir.
    pub downloaded: usize,
    /// Messages already downloaded by an earlier run.
    pub skipped: usize,
    /// Messages deleted on the server (at QUIT).
    pub deleted: usize,
    /// Messages to download (known once the maildrop is listed).
    pub to_download: usize,
}

impl std::fmt::Display for DownloadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "downloaded {}, skipped {}, deleted {}", self.downloaded, self.skipped, self.deleted)
    }
}

/// The UIDLs already downloaded, one per line, beside the Maildir.
const STATE_FILE: &str = ".pop3-uidls";

/// Downloads the maildrop into the Maildir at `dir`. A message whose UIDL
/// is in the state file is never downloaded again. Without `keep`, each
/// message is deleted on the server once it is on disk (written, synced,
/// renamed, and recorded); the deletions take effect at QUIT, which the
/// caller sends ([`Pop3Client::quit`]): a connection that drops first
/// deletes nothing.
///
/// Each message is streamed into its file (never whole in memory) and
/// synced; the directory and the state file are synced once per batch of
/// [`BATCH`] messages, before the batch's DELEs. `report` counts as the
/// work goes (it tells how far an interrupted download got).
pub async fn download(
    pop: &mut Pop3Client,
    dir: &Path,
    keep: bool,
    report: &mut DownloadReport,
) -> Result<(), Failure> {
    let maildir = Maildir::create(dir)?;
    let state_path = dir.join(STATE_FILE);
    let seen: BTreeSet<String> = match std::fs::read_to_string(&state_path) {
        Ok(text) => recorded_uidls(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeSet::new(),
        Err(e) => return Err(e.into()),
    };
    // Appended to, one line per message (never rewritten: the work per
    // message does not grow with the mailbox).
    let mut state = std::fs::OpenOptions::new().create(true).append(true).open(&state_path)?;
    let listings = list(pop).await?;
    if keep && listings.iter().any(|l| l.uidl.is_none()) {
        return Err(Failure::Run("the server has no UIDL: --keep cannot tell old messages from new".into()));
    }
    let known = |l: &Listing| l.uidl.as_ref().is_some_and(|u| seen.contains(u));
    report.to_download = listings.iter().filter(|l| !known(l)).count();
    let progress = crate::cli::Progress::new(report.to_download as u64, "download");
    let pid = std::process::id();
    for batch in listings.chunks(BATCH) {
        let mut recorded = String::new();
        for listing in batch {
            if known(listing) {
                report.skipped += 1;
                continue;
            }
            let unique = match &listing.uidl {
                // UIDLs are 0x21..0x7E; '/' and ':' cannot be in a name.
                Some(uidl) => format!("{}.pop3", uidl.replace(['/', ':'], "_")),
                None => format!("{}.{pid}.{}.pop3", unix_time(), listing.number),
            };
            let (tmp, file) = maildir.create_tmp(&unique)?;
            let mut file = tokio::fs::File::from_std(file);
            pop.retr_to(listing.number, &mut file).await?;
            file.sync_all().await?;
            drop(file);
            maildir.commit(&tmp, &unique, None)?;
            if let Some(uidl) = &listing.uidl {
                recorded.push_str(uidl);
                recorded.push('\n');
            }
            report.downloaded += 1;
            progress.step();
        }
        // The batch on disk and recorded before the server may forget it.
        maildir.sync()?;
        if !recorded.is_empty() {
            std::io::Write::write_all(&mut state, recorded.as_bytes())?;
            state.sync_data()?;
        }
        if !keep {
            for listing in batch {
                pop.dele(listing.number).await?;
                report.deleted += 1;
            }
        }
    }
    Ok(())
}

/// Messages per batch of a download: their directory entries and UIDLs
/// are synced together.
pub const BATCH: usize = 50;

/// The UIDLs a state file records: whole lines only (a line cut short by
/// a crash while it was appended names no message).
fn recorded_uidls(text: &str) -> BTreeSet<String> {
    text.split_inclusive('\n')
        .filter_map(|line| line.strip_suffix('\n'))
        .filter(|uidl| !uidl.is_empty())
        .map(str::to_string)
        .collect()
}

fn unix_time() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_file_cut_short_records_whole_lines_only() {
        let seen = recorded_uidls("abc\ndef\n\nghi");
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["abc", "def"], "the torn \"ghi\" names nothing");
    }
}
