//! What the example servers share: the command line (addresses, TLS,
//! users, and the operating settings: timeouts, connection limits, login
//! policy), the users file, the TLS acceptor from PEM files, and a `main`
//! that serves until SIGINT/SIGTERM with mail-serve's accept loop.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use mail_codec::tls;
use mail_serve::imap::Security;
use mail_serve::listen::{serve_listeners, ConnectionLimits};
use mail_serve::policy::PlaintextAuth;
use mail_serve::users::UserList;
use mail_serve::Service;
use tokio::net::TcpListener;

use crate::cli::Failure;

/// Reads a users file (`name:password` lines), naming the file and line
/// in the error.
pub fn load_users(path: &Path) -> Result<UserList, Failure> {
    UserList::load(path).map_err(|e| match e.line {
        0 => Failure::Usage(format!("cannot read users file {}: {}", path.display(), e.reason)),
        n => Failure::Usage(format!("{}:{n}: {}", path.display(), e.reason)),
    })
}

/// The operating settings both example servers take (see [`ServerArgs`]).
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--login-timeout`.
    pub login_timeout: Duration,
    /// `--idle-timeout`; `None`: the protocol's default.
    pub idle_timeout: Option<Duration>,
    /// `--auth-failure-delay`.
    pub auth_failure_delay: Duration,
    /// `--plaintext-auth`; `None`: loopback when a certificate is
    /// configured, always without one.
    pub plaintext_auth: Option<PlaintextAuth>,
    /// `--max-connections` and `--max-connections-per-ip`.
    pub limits: ConnectionLimits,
}

impl Default for Settings {
    fn default() -> Settings {
        let imap = mail_serve::imap::ImapConfig::default();
        Settings {
            login_timeout: imap.login_timeout,
            idle_timeout: None,
            auth_failure_delay: imap.auth_failure_delay,
            plaintext_auth: None,
            limits: ConnectionLimits::default(),
        }
    }
}

/// The example IMAP server's settings.
pub fn imap_config(settings: &Settings) -> mail_serve::imap::ImapConfig {
    let defaults = mail_serve::imap::ImapConfig::default();
    mail_serve::imap::ImapConfig {
        greeting: "mail-proto IMAP server ready.".into(),
        id: vec![("name".into(), "mail-proto imap-server".into()), ("vendor".into(), "mail-proto".into())],
        login_timeout: settings.login_timeout,
        idle_timeout: settings.idle_timeout.unwrap_or(defaults.idle_timeout),
        auth_failure_delay: settings.auth_failure_delay,
        plaintext_auth: settings.plaintext_auth,
        ..defaults
    }
}

/// The example POP3 server's settings.
pub fn pop3_config(settings: &Settings) -> mail_serve::pop3::Pop3Config {
    let defaults = mail_serve::pop3::Pop3Config::default();
    mail_serve::pop3::Pop3Config {
        greeting: "mail-proto POP3 server ready".into(),
        implementation: "mail-proto-example".into(),
        login_timeout: settings.login_timeout,
        idle_timeout: settings.idle_timeout.unwrap_or(defaults.idle_timeout),
        auth_failure_delay: settings.auth_failure_delay,
        plaintext_auth: settings.plaintext_auth,
        ..defaults
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

/// Every ten seconds, hands the memory freed since to the system.
///
/// glibc's allocator returns freed memory only from the top of its heaps;
/// after a flood of connections ends, what they used stays in the process
/// (reused by the next ones, but counted against the server) unless
/// `malloc_trim` releases the free pages in between. Dovecot's processes
/// give theirs back by exiting; a server of one process does it this way.
async fn give_back_freed_memory() {
    let mut every = tokio::time::interval(Duration::from_secs(10));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        trim();
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: malloc_trim takes no pointers and may be called at any time
    // from any thread (it locks each arena while it works).
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

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
    /// Seconds a connection has to log in (TLS handshake included).
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub login_timeout: u64,
    /// Seconds a logged-in connection may stay silent [default: 1800 for
    /// IMAP, 600 for POP3].
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: Option<u64>,
    /// Connections served at once.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,
    /// Connections served at once from one IP address [default: 50, or
    /// --max-connections when that is lower].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections_per_ip: Option<u64>,
    /// Milliseconds before a failed login is answered.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub auth_failure_delay: u64,
    /// Where passwords may be sent before TLS: always, loopback or never
    /// [default: loopback with --cert, always without].
    #[arg(long, value_name = "WHERE")]
    pub plaintext_auth: Option<PlaintextAuth>,
}

impl ServerArgs {
    /// The operating settings, checked together.
    pub fn settings(&self) -> Result<Settings, Failure> {
        let per_ip = self.max_connections_per_ip.unwrap_or(self.max_connections.min(50));
        let limits = ConnectionLimits::new(self.max_connections as usize, per_ip as usize)
            .map_err(|e| Failure::Usage(format!("--max-connections-per-ip: {e}")))?;
        Ok(Settings {
            login_timeout: Duration::from_secs(self.login_timeout),
            idle_timeout: self.idle_timeout.map(Duration::from_secs),
            auth_failure_delay: Duration::from_millis(self.auth_failure_delay),
            plaintext_auth: self.plaintext_auth,
            limits,
        })
    }
}

/// A server program's `main`: loads the users and the certificate,
/// listens (plain, and TLS when asked), serves with the service `make`
/// builds until SIGINT/SIGTERM, and turns the outcome into the exit
/// status.
pub fn server_main<S: Service>(
    program: &str,
    args: ServerArgs,
    make: impl FnOnce(UserList, PathBuf, &Settings) -> Arc<S>,
) -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return crate::cli::finish(program, Err(Failure::Run(e.to_string()))),
    };
    let outcome = runtime.block_on(async {
        let settings = args.settings()?;
        let users = load_users(&args.users)?;
        let acceptor = acceptor(args.cert.as_deref(), args.key.as_deref())?;
        std::fs::create_dir_all(&args.mail_root)
            .map_err(|e| Failure::Usage(format!("cannot use {}: {e}", args.mail_root.display())))?;
        let plain = match &acceptor {
            Some(acceptor) => Security::StartTls(acceptor.clone()),
            None => Security::Plain,
        };
        let mut listeners = vec![(bind(&args.listen).await?, plain)];
        if let (Some(addr), Some(acceptor)) = (&args.tls_listen, &acceptor) {
            listeners.push((bind(addr).await?, Security::Implicit(acceptor.clone())));
        }
        for (listener, security) in &listeners {
            if let Ok(addr) = listener.local_addr() {
                let kind = if matches!(security, Security::Implicit(_)) { "TLS" } else { "plain" };
                eprintln!("{program}: listening on {addr} ({kind})");
            }
        }
        let service = make(users, args.mail_root, &settings);
        tokio::spawn(give_back_freed_memory());
        let stop = crate::cli::stop_requested();
        serve_listeners(service, listeners, settings.limits, stop, Duration::from_secs(5)).await;
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
                text.ends_with(":2: a user name is 1 to 64 letters, digits and . _ - @ + (not starting with .)"),
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
