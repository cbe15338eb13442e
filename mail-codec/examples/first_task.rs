//! Logs in, lists the mailboxes, selects INBOX, prints UID, flags and
//! subject of every message, waits five seconds in IDLE for news, logs
//! out. Against the example server, for instance:
//!
//! ```text
//! cargo run -p mail-examples --bin imap-server -- --listen 127.0.0.1:1143 --users USERS --mail-root DIR
//! cargo run -p mail-codec --example first_task -- 127.0.0.1:1143 alice secret
//! ```

use std::time::Duration;

use mail_codec::imap_wire::client::ClientConfig;
use mail_codec::{ImapClient, Items};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [address, user, password] = &args[..] else { return Err("usage: first_task HOST:PORT USER PASSWORD".into()) };
    let tcp = tokio::net::TcpStream::connect(address).await?;
    let mut imap = ImapClient::new(tcp, ClientConfig::default()).await?;
    imap.login(user, password).await?;
    for mailbox in imap.list("", "*").await? {
        println!("mailbox {}", mailbox.name);
    }
    let inbox = imap.select("INBOX").await?;
    println!("INBOX: {} messages", inbox.exists);
    let mut messages = imap.fetch(.., Items::new().uid().flags().envelope()).await?;
    while let Some(message) = messages.next().await? {
        let flags: Vec<String> = message.flags().iter().map(|flag| flag.to_string()).collect();
        let uid = message.uid().map_or(0, |uid| uid.get());
        println!("{uid} [{}] {}", flags.join(" "), message.subject().unwrap_or_default());
    }
    let (mut idle, until) = (imap.idle().await?, tokio::time::Instant::now() + Duration::from_secs(5));
    while let Ok(update) = tokio::time::timeout_at(until, idle.next_update()).await {
        let Some(update) = update? else { break };
        println!("update: {:?}", update);
    }
    idle.done().await?;
    imap.logout().await?;
    Ok(())
}
