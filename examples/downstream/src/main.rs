//! What a user writes with mail-codec as the only mail dependency:
//! `downstream-check HOST IMAP_PORT POP3_PORT USER PASSWORD` logs in over
//! IMAP, lists the mailboxes, selects INBOX and fetches every message's
//! UID and flags; then logs in over POP3 and asks for the maildrop's size.

use std::time::Duration;

use mail_codec::imap_wire::{self, CommandBody, Data, IString, Mailbox};
use mail_codec::pop3_wire;
use mail_codec::{ImapClient, Pop3Client};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [host, imap_port, pop3_port, user, password] = &args[..] else {
        return Err("usage: downstream-check HOST IMAP_PORT POP3_PORT USER PASSWORD".into());
    };
    let wait = Duration::from_secs(20);

    let tcp = tokio::net::TcpStream::connect((host.as_str(), imap_port.parse::<u16>()?)).await?;
    let mut imap = tokio::time::timeout(wait, ImapClient::new(tcp, imap_wire::client::ClientConfig::default())).await??;
    imap.login(user, password).await?;
    let list = imap.execute(CommandBody::list(Mailbox::from(""), IString::from("*"))).await?;
    let mailboxes = list.data.iter().filter(|d| matches!(d, Data::List(_))).count();
    imap.execute(CommandBody::Select { mailbox: Mailbox::inbox(), parameters: vec![] }).await?;
    let exists = imap.machine().mailbox().map_or(0, |m| m.exists);
    let mut fetched = 0;
    if exists > 0 {
        let fetch = CommandBody::Fetch {
            uid: false,
            sequence_set: imap_wire::SequenceSet::all(),
            items: imap_wire::FetchItems::Attributes(vec![imap_wire::FetchAttribute::Uid, imap_wire::FetchAttribute::Flags]),
            modifiers: vec![],
        };
        fetched = imap.execute(fetch).await?.data.iter().filter(|d| matches!(d, Data::Fetch { .. })).count();
    }
    imap.logout().await?;
    println!("imap: {mailboxes} mailboxes, INBOX {exists} messages, {fetched} fetched");

    let tcp = tokio::net::TcpStream::connect((host.as_str(), pop3_port.parse::<u16>()?)).await?;
    let mut pop = tokio::time::timeout(wait, Pop3Client::new(tcp, pop3_wire::client::ClientConfig::default())).await??;
    pop.login(user, password).await?;
    let (count, size) = pop.stat().await?;
    pop.quit().await?;
    println!("pop3: {count} messages, {size} octets");
    Ok(())
}
