//! What the example servers share: the users file, the TLS acceptor from
//! PEM files, and the accept loop that runs sessions until SIGINT/SIGTERM
//! and then lets them finish.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use mail_codec::tls;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::cli::Failure;

/// `name:password` lines; `#` starts a comment line.
#[derive(Debug, Clone, Default)]
pub struct Users {
    passwords: HashMap<String, String>,
}

impl Users {
    /// Reads a users file; a malformed line is an error naming it.
    pub fn load(path: &Path) -> Result<Users, Failure> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::Usage(format!("cannot read users file {}: {e}", path.display())))?;
        Users::parse(&text).map_err(|(n, why)| Failure::Usage(format!("{}:{n}: {why}", path.display())))
    }

    /// Parses the file's text; the error is the line number and why.
    pub fn parse(text: &str) -> Result<Users, (usize, &'static str)> {
        let mut passwords = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, password) = line.split_once(':').ok_or((i + 1, "expected name:password"))?;
            let valid_name =
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-@+".contains(&b));
            if !valid_name || name.starts_with('.') {
                return Err((i + 1, "a user name is letters, digits and . _ - @ + (not starting with .)"));
            }
            if passwords.insert(name.to_string(), password.to_string()).is_some() {
                return Err((i + 1, "the user is listed twice"));
            }
        }
        Ok(Users { passwords })
    }

    /// Whether the name and password match (in time independent of where
    /// they differ).
    pub fn check(&self, name: &str, password: &str) -> bool {
        match self.passwords.get(name) {
            Some(expected) => {
                let (a, b) = (expected.as_bytes(), password.as_bytes());
                a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
            }
            None => false,
        }
    }

    /// A user's mail directory under the mail root.
    pub fn mail_dir(root: &Path, name: &str) -> PathBuf {
        root.join(name)
    }
}

/// The TLS acceptor for `--cert` and `--key`, when given.
pub fn acceptor(cert: Option<&Path>, key: Option<&Path>) -> Result<Option<tls::TlsAcceptor>, Failure> {
    match (cert, key) {
        (Some(cert), Some(key)) => {
            let config = tls::server_config_from_files(cert, key).map_err(|e| Failure::Usage(e.to_string()))?;
            Ok(Some(tls::TlsAcceptor::from(config)))
        }
        (None, None) => Ok(None),
        _ => Err(Failure::Usage("--cert and --key go together".into())),
    }
}

/// Binds a listener, with the address in the error.
pub async fn bind(addr: &str) -> Result<TcpListener, Failure> {
    TcpListener::bind(addr).await.map_err(|e| Failure::Run(format!("cannot listen on {addr}: {e}")))
}

/// How a connection arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// The plain port (STARTTLS/STLS on offer when a certificate is set).
    Plain,
    /// The implicit-TLS port.
    Tls,
}

/// Accepts connections on the listeners and runs `session` for each until
/// `stop` resolves; then stops accepting, tells the sessions (the watch
/// turns `true`) and waits up to `grace` for them to end.
pub async fn run<F, Fut>(
    listeners: Vec<(TcpListener, Entry)>,
    stop: impl Future<Output = ()>,
    grace: Duration,
    session: F,
) -> Result<(), Failure>
where
    F: Fn(TcpStream, SocketAddr, Entry, watch::Receiver<bool>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (shutdown, watcher) = watch::channel(false);
    let session = Arc::new(session);
    let mut sessions = JoinSet::new();
    let mut accepts = JoinSet::new();
    let (conn_tx, mut conn_rx) = tokio::sync::mpsc::channel::<(TcpStream, SocketAddr, Entry)>(64);
    for (listener, entry) in listeners {
        let conn_tx = conn_tx.clone();
        accepts.spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, peer)) => {
                        if conn_tx.send((stream, peer, entry)).await.is_err() {
                            return;
                        }
                    }
                    // Out of descriptors and the like: wait, do not spin.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        });
    }
    drop(conn_tx);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            conn = conn_rx.recv() => match conn {
                Some((stream, peer, entry)) => {
                    let _ = stream.set_nodelay(true);
                    sessions.spawn((session)(stream, peer, entry, watcher.clone()));
                }
                None => break,
            },
            // Reap finished sessions as we go.
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
    accepts.abort_all();
    let _ = shutdown.send(true);
    let _ = tokio::time::timeout(grace, async { while sessions.join_next().await.is_some() {} }).await;
    sessions.abort_all();
    Ok(())
}

/// The command line both example servers take.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// Address for the plain protocol (STARTTLS or STLS on offer when a
    /// certificate is given).
    #[arg(long, value_name = "ADDR")]
    pub listen: String,
    /// Address for TLS from the first byte (needs --cert/--key).
    #[arg(long, value_name = "ADDR", requires = "cert")]
    pub tls_listen: Option<String>,
    /// PEM certificate chain.
    #[arg(long, value_name = "PEM", requires = "key")]
    pub cert: Option<PathBuf>,
    /// PEM private key.
    #[arg(long, value_name = "PEM", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Users file: one name:password per line.
    #[arg(long, value_name = "FILE")]
    pub users: PathBuf,
    /// Each user's mail is MAIL_ROOT/NAME/ (a Maildir, created at first
    /// login).
    #[arg(long, value_name = "DIR")]
    pub mail_root: PathBuf,
}

/// A server program's `main`: loads the users and the certificate, listens
/// (plain, and TLS when asked), runs `session` for each connection until
/// SIGINT/SIGTERM, and turns the outcome into the exit status.
pub fn server_main<F, Fut>(
    program: &str,
    args: ServerArgs,
    service: impl FnOnce(Users, PathBuf, Option<tls::TlsAcceptor>) -> F,
) -> std::process::ExitCode
where
    F: Fn(TcpStream, SocketAddr, Entry, watch::Receiver<bool>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return crate::cli::finish(program, Err(Failure::Run(e.to_string()))),
    };
    let outcome = runtime.block_on(async {
        let users = Users::load(&args.users)?;
        let acceptor = acceptor(args.cert.as_deref(), args.key.as_deref())?;
        std::fs::create_dir_all(&args.mail_root)
            .map_err(|e| Failure::Usage(format!("cannot use {}: {e}", args.mail_root.display())))?;
        let mut listeners = vec![(bind(&args.listen).await?, Entry::Plain)];
        if let Some(addr) = &args.tls_listen {
            listeners.push((bind(addr).await?, Entry::Tls));
        }
        for (listener, entry) in &listeners {
            if let Ok(addr) = listener.local_addr() {
                let kind = if *entry == Entry::Tls { "TLS" } else { "plain" };
                eprintln!("{program}: listening on {addr} ({kind})");
            }
        }
        let session = service(users, args.mail_root, acceptor);
        run(listeners, crate::cli::stop_requested(), Duration::from_secs(5), session).await?;
        eprintln!("{program}: stopped");
        Ok(())
    });
    crate::cli::finish(program, outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_file_lines() {
        let users = Users::parse("# comment\nalice:secret\n\nbob:pa:ss\r\n").unwrap();
        assert!(users.check("alice", "secret"));
        assert!(users.check("bob", "pa:ss"), "the password is the rest of the line");
        assert!(!users.check("alice", "secreT"));
        assert!(!users.check("carol", ""));
        assert_eq!(Users::parse("alice\n").unwrap_err().0, 1);
        assert_eq!(Users::parse("ok:1\n../x:2\n").unwrap_err().0, 2);
        assert_eq!(Users::parse("a:1\na:2\n").unwrap_err().0, 2);
    }
}
