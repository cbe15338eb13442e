//! What the example servers share: the users file, the TLS acceptor from
//! PEM files, and the accept loop that runs sessions until SIGINT/SIGTERM
//! and then lets them finish.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use mail_codec::tls;
use mail_serve::imap::Security;
use mail_serve::users::UserList;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::cli::Failure;

/// Reads a users file (`name:password` lines), naming the file and line
/// in the error.
pub fn load_users(path: &Path) -> Result<UserList, Failure> {
    UserList::load(path).map_err(|e| match e.line {
        0 => Failure::Usage(format!("cannot read users file {}: {}", path.display(), e.reason)),
        n => Failure::Usage(format!("{}:{n}: {}", path.display(), e.reason)),
    })
}

/// How a connection that arrived on `entry` is secured.
pub fn security(entry: Entry, acceptor: &Option<tls::TlsAcceptor>) -> Security {
    match (entry, acceptor) {
        (Entry::Tls, Some(acceptor)) => Security::Implicit(acceptor.clone()),
        (Entry::Plain, Some(acceptor)) => Security::StartTls(acceptor.clone()),
        _ => Security::Plain,
    }
}

/// The example IMAP server's settings.
pub fn imap_config() -> mail_serve::imap::ImapConfig {
    mail_serve::imap::ImapConfig {
        greeting: "mail-proto IMAP server ready.".into(),
        id: vec![("name".into(), "mail-proto imap-server".into()), ("vendor".into(), "mail-proto".into())],
        ..Default::default()
    }
}

/// The example POP3 server's settings.
pub fn pop3_config() -> mail_serve::pop3::Pop3Config {
    mail_serve::pop3::Pop3Config {
        greeting: "mail-proto POP3 server ready".into(),
        implementation: "mail-proto-example".into(),
    }
}

/// The sessions of a mail-serve service: each connection served with the
/// security its port asks for, told to end when the server shuts down.
pub fn sessions<S: mail_serve::Service>(
    service: Arc<S>,
    acceptor: Option<tls::TlsAcceptor>,
) -> impl Fn(TcpStream, SocketAddr, Entry, watch::Receiver<bool>) -> SessionFuture + Send + Sync + 'static {
    move |stream, _peer, entry, shutdown| {
        let service = service.clone();
        let security = security(entry, &acceptor);
        Box::pin(async move {
            let stopper = service.clone();
            let serving = Box::pin(async move { service.serve_connection(stream, security).await });
            until_shutdown(serving, shutdown, move || stopper.shutdown()).await
        })
    }
}

/// A session's future, boxed: the wrapper below keeps it once, on the
/// heap, instead of a copy in its own state.
pub type SessionFuture = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs a session until it ends; when the server shuts down meanwhile,
/// `on_shutdown` tells the layer (the session then says BYE and ends).
pub async fn until_shutdown(
    mut session: SessionFuture,
    mut shutdown: watch::Receiver<bool>,
    on_shutdown: impl FnOnce(),
) {
    tokio::select! {
        () = &mut session => return,
        _ = shutdown.wait_for(|stop| *stop) => on_shutdown(),
    }
    session.await;
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
    service: impl FnOnce(UserList, PathBuf, Option<tls::TlsAcceptor>) -> F,
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
        let users = load_users(&args.users)?;
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
    fn a_users_file_error_names_the_file_and_line() {
        let dir = std::env::temp_dir().join(format!("serve-users-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("users");
        std::fs::write(&path, "ok:1\n../x:2\n").unwrap();
        match load_users(&path) {
            Err(Failure::Usage(text)) => assert!(
                text.ends_with(":2: a user name is letters, digits and . _ - @ + (not starting with .)"),
                "{text}"
            ),
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(load_users(&dir.join("missing")), Err(Failure::Usage(t)) if t.starts_with("cannot read users file"))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
