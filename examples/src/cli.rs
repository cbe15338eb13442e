//! What the example clients share: the connection options, connecting
//! (plain, STARTTLS/STLS, implicit TLS) and logging in, and how a failure
//! becomes one line on stderr and an exit status.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use mail_codec::tls::{self, Verification};

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TlsMode {
    /// Plaintext (for servers on localhost only).
    None,
    /// Plaintext, upgraded with STARTTLS (IMAP) or STLS (POP3) before
    /// logging in.
    Starttls,
    /// TLS from the first byte (ports 993 and 995).
    Implicit,
}

/// The options every client takes.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectArgs {
    /// Server host name or address.
    #[arg(long)]
    pub host: String,
    /// Server port [default: 143/993 for IMAP, 110/995 for POP3, by --tls].
    #[arg(long)]
    pub port: Option<u16>,
    /// Connection security.
    #[arg(long, value_enum, default_value_t = TlsMode::None)]
    pub tls: TlsMode,
    /// Accept any server certificate (self-signed test servers only).
    #[arg(long, conflicts_with = "ca")]
    pub insecure: bool,
    /// Verify the server against the CA certificates in this PEM file
    /// instead of the built-in roots.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// User name.
    #[arg(long)]
    pub user: String,
    /// Password (visible to other local users in the process list: prefer
    /// --password-env).
    #[arg(long, required_unless_present = "password_env", conflicts_with = "password_env")]
    pub password: Option<String>,
    /// Read the password from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Seconds to wait for each server answer.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub timeout: u64,
}

/// Why a program stops: a usage error (exit status 2) or a failure while
/// running (exit status 1).
#[derive(Debug)]
pub enum Failure {
    /// The command line or an input file is wrong.
    Usage(String),
    /// The server, the network or the disk failed.
    Run(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Usage(why) | Failure::Run(why) => f.write_str(why),
        }
    }
}

impl From<mail_codec::Error> for Failure {
    fn from(e: mail_codec::Error) -> Failure {
        Failure::Run(e.to_string())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::Run(e.to_string())
    }
}

impl From<tokio::time::error::Elapsed> for Failure {
    fn from(_: tokio::time::error::Elapsed) -> Failure {
        Failure::Run("timed out waiting for the server".into())
    }
}

/// Prints a failure as one line and turns it into the exit status.
pub fn finish(program: &str, result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("{program}: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Run(message)) => {
            eprintln!("{program}: {message}");
            ExitCode::from(1)
        }
    }
}

impl ConnectArgs {
    /// The password, from the option or the environment.
    pub fn password(&self) -> Result<String, Failure> {
        if let Some(password) = &self.password {
            return Ok(password.clone());
        }
        let var = self.password_env.as_deref().unwrap_or_default();
        std::env::var(var).map_err(|_| Failure::Usage(format!("the environment variable {var} is not set")))
    }

    /// The port, or the protocol's default for the TLS mode.
    pub fn port_or(&self, plain: u16, implicit: u16) -> u16 {
        self.port.unwrap_or(if self.tls == TlsMode::Implicit { implicit } else { plain })
    }

    /// How long to wait for each answer.
    pub fn step_timeout(&self) -> Duration {
        Duration::from_secs(self.timeout.max(1))
    }

    /// How long to wait for the greeting: servers greet at once, so at
    /// most 10 s (a silent port is usually one that waits for TLS).
    pub fn greeting_timeout(&self) -> Duration {
        self.step_timeout().min(Duration::from_secs(10))
    }

    /// The error for a server that sent no greeting in time, with what to
    /// try instead.
    pub fn no_greeting(&self, port: u16, mode: TlsMode) -> Failure {
        let waited = self.greeting_timeout().as_secs();
        let hint = match mode {
            TlsMode::Implicit => "the TLS handshake or the greeting never finished",
            TlsMode::None | TlsMode::Starttls => {
                "a port that waits for the client to speak first usually expects TLS from the first byte: try --tls implicit"
            }
        };
        Failure::Run(format!("no greeting from {}:{port} within {waited} s; {hint}", self.host))
    }

    /// The TLS connector and server name for these options.
    pub fn tls(&self) -> Result<(tls::TlsConnector, tls::ServerName<'static>), Failure> {
        let verification = if self.insecure {
            Verification::DangerAcceptAnyCertificate
        } else if let Some(ca) = &self.ca {
            Verification::CaFile(ca.clone())
        } else {
            Verification::WebPkiRoots
        };
        let config = tls::client_config(verification).map_err(|e| Failure::Usage(e.to_string()))?;
        let name = tls::server_name(&self.host).map_err(|e| Failure::Usage(e.to_string()))?;
        Ok((tls::TlsConnector::from(config), name))
    }

    /// A TCP connection to the server.
    pub async fn tcp(&self, port: u16) -> Result<tokio::net::TcpStream, Failure> {
        let connect = tokio::net::TcpStream::connect((self.host.as_str(), port));
        let tcp = tokio::time::timeout(self.step_timeout(), connect)
            .await?
            .map_err(|e| Failure::Run(format!("cannot connect to {}:{port}: {e}", self.host)))?;
        tcp.set_nodelay(true)?;
        Ok(tcp)
    }
}

/// Resolves when the process is asked to stop (SIGINT or SIGTERM).
pub async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Progress of long work on stderr, shown only when stderr is a terminal
/// (nothing at all in a pipe, a log or a test).
#[derive(Debug)]
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// A bar for `total` steps, labelled `what`; hidden unless stderr is a
    /// terminal.
    pub fn new(total: u64, what: &str) -> Progress {
        use std::io::IsTerminal;
        if total == 0 || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {per_sec} eta {eta}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        Progress(Some(bar))
    }

    /// Whether the bar is shown.
    pub fn is_shown(&self) -> bool {
        self.0.is_some()
    }

    /// One more step done.
    pub fn step(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // The bar leaves the terminal clean for the summary line.
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
