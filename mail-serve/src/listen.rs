//! Accepting connections: the loop a server program runs over its
//! listening sockets, with the limits that keep a flood of connections
//! from taking the server down.
//!
//! - At most [`ConnectionLimits::max_connections`] connections at once,
//!   and [`ConnectionLimits::max_connections_per_ip`] from one address:
//!   a connection over a limit gets the protocol's refusal (`* BYE` for
//!   IMAP, `-ERR [SYS/TEMP]` for POP3; on an implicit-TLS port it is
//!   closed, a handshake being what a flood would want) and is closed at
//!   once.
//! - An accept error (out of file descriptors, out of memory) is waited
//!   out, 10 ms doubling up to a second, instead of retried in a loop.
//! - When `stop` resolves: no more connections are accepted, every
//!   session is told to end (after the command in progress, with `* BYE`)
//!   and given `grace` to do so.
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! use mail_serve::imap::{ImapConfig, ImapService, Security};
//! use mail_serve::listen::{serve_listeners, ConnectionLimits};
//! use mail_serve::memory::MemoryStore;
//!
//! # async fn run() -> std::io::Result<()> {
//! let store = MemoryStore::new();
//! store.add_user("alice", "secret");
//! let service = Arc::new(ImapService::new(store, ImapConfig::default()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:1143").await?;
//! // A real program waits for SIGINT/SIGTERM here.
//! let stop = tokio::time::sleep(Duration::from_secs(3600));
//! let limits = ConnectionLimits::default();
//! serve_listeners(service, vec![(listener, Security::Plain)], limits, stop, Duration::from_secs(5)).await;
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::imap::Security;
use crate::Service;

/// How many connections a server takes. Defaults: Dovecot's
/// `default_client_limit` (1000) and a per-address share of it (50).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once, all addresses together.
    pub max_connections: usize,
    /// Connections open at once from one IP address.
    pub max_connections_per_ip: usize,
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits { max_connections: 1000, max_connections_per_ip: 50 }
    }
}

impl ConnectionLimits {
    /// Limits, refused when zero (no connection could ever be served) or
    /// when the per-address limit is above the total.
    ///
    /// ```
    /// use mail_serve::listen::ConnectionLimits;
    /// assert!(ConnectionLimits::new(1000, 50).is_ok());
    /// assert!(ConnectionLimits::new(0, 50).is_err());
    /// assert!(ConnectionLimits::new(10, 50).is_err());
    /// ```
    pub fn new(max_connections: usize, max_connections_per_ip: usize) -> Result<ConnectionLimits, LimitError> {
        if max_connections == 0 || max_connections_per_ip == 0 {
            return Err(LimitError("connection limits must be at least 1"));
        }
        if max_connections_per_ip > max_connections {
            return Err(LimitError("the per-address limit is above the total"));
        }
        Ok(ConnectionLimits { max_connections, max_connections_per_ip })
    }
}

/// Why a setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LimitError(pub &'static str);

/// Connections open now, in all and per address.
#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// One connection's place in the counts, given back when it ends
/// (however it ends: the session finished, panicked or was aborted).
struct Admitted {
    counts: Arc<Mutex<Counts>>,
    ip: IpAddr,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.total -= 1;
        if let Some(n) = counts.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.per_ip.remove(&self.ip);
            }
        }
    }
}

fn admit(counts: &Arc<Mutex<Counts>>, limits: &ConnectionLimits, ip: IpAddr) -> Option<Admitted> {
    let mut held = counts.lock().unwrap_or_else(|e| e.into_inner());
    let from_ip = held.per_ip.get(&ip).copied().unwrap_or(0);
    if held.total >= limits.max_connections || from_ip >= limits.max_connections_per_ip {
        return None;
    }
    held.total += 1;
    *held.per_ip.entry(ip).or_insert(0) += 1;
    Some(Admitted { counts: counts.clone(), ip })
}

/// An address as the limits count it: an IPv4 client reaching an IPv6
/// socket (`::ffff:a.b.c.d`) is its IPv4 address.
fn canonical(addr: SocketAddr) -> IpAddr {
    addr.ip().to_canonical()
}

/// Accepts connections on `listeners` and serves each with `service`
/// (with the [`Security`] its listener was given) until `stop` resolves,
/// within `limits`; then tells the sessions to end and waits up to
/// `grace` for them before dropping the rest.
pub async fn serve_listeners<S: Service>(
    service: Arc<S>,
    listeners: Vec<(TcpListener, Security)>,
    limits: ConnectionLimits,
    stop: impl Future<Output = ()>,
    grace: Duration,
) {
    let counts = Arc::new(Mutex::new(Counts::default()));
    let mut sessions = JoinSet::new();
    let mut accepts = JoinSet::new();
    let (conn_tx, mut conn_rx) = tokio::sync::mpsc::channel::<(TcpStream, SocketAddr, Security)>(64);
    for (listener, security) in listeners {
        let conn_tx = conn_tx.clone();
        accepts.spawn(async move {
            let mut backoff = Duration::from_millis(10);
            loop {
                match listener.accept().await {
                    Ok((stream, peer)) => {
                        backoff = Duration::from_millis(10);
                        if conn_tx.send((stream, peer, security.clone())).await.is_err() {
                            return;
                        }
                    }
                    // Out of descriptors and the like: the connection waits
                    // in the backlog; retrying at once would spin.
                    Err(_) => {
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(1));
                    }
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
                Some((stream, peer, security)) => {
                    let ip = canonical(peer);
                    match admit(&counts, &limits, ip) {
                        Some(admitted) => {
                            let _ = stream.set_nodelay(true);
                            let service = service.clone();
                            sessions.spawn(async move {
                                let _admitted = admitted;
                                service.serve_connection(stream, security, Some(ip)).await;
                            });
                        }
                        None => refuse(&*service, stream, &security),
                    }
                }
                None => break,
            },
            // Reap finished sessions as we go.
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
    accepts.abort_all();
    service.shutdown();
    let _ = tokio::time::timeout(grace, async { while sessions.join_next().await.is_some() {} }).await;
    sessions.abort_all();
}

/// Says why and closes, without waiting: the line fits an empty socket
/// buffer; a client that cannot take it gets the close alone.
fn refuse<S: Service>(service: &S, stream: TcpStream, security: &Security) {
    #[cfg(feature = "tls")]
    if matches!(security, Security::Implicit(_)) {
        return;
    }
    let _ = security;
    let _ = stream.try_write(service.busy_reply());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admission_counts_per_address_and_in_all() {
        let counts = Arc::new(Mutex::new(Counts::default()));
        let limits = ConnectionLimits::new(3, 2).unwrap();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = admit(&counts, &limits, a).unwrap();
        let _second = admit(&counts, &limits, a).unwrap();
        assert!(admit(&counts, &limits, a).is_none(), "two per address");
        let _third = admit(&counts, &limits, b).unwrap();
        assert!(admit(&counts, &limits, b).is_none(), "three in all");
        drop(first);
        assert!(admit(&counts, &limits, a).is_some(), "a place given back is taken again");
        let mapped: SocketAddr = "[::ffff:192.0.2.1]:143".parse().unwrap();
        assert_eq!(canonical(mapped), a);
    }
}
