//! What both engines apply to a connection before and around login: when
//! a password may travel in the clear, SASL PLAIN's message, and the
//! deadlines of a session (login timeout, autologout).

use std::net::IpAddr;
use std::time::Duration;

use tokio::time::Instant;

use crate::imap::Security;
use crate::store::Credentials;

/// Where a password may be sent in the clear (LOGIN, AUTHENTICATE PLAIN,
/// USER/PASS): Dovecot's `disable_plaintext_auth` with its exemption of
/// local connections. TLS connections may always log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaintextAuth {
    /// From anywhere (no TLS on offer, or a network trusted otherwise).
    Always,
    /// Only from the loopback address (127.0.0.0/8, ::1): other clients
    /// must use STARTTLS/STLS or the TLS port first.
    Loopback,
    /// Never: every client uses TLS first.
    Never,
}

impl std::str::FromStr for PlaintextAuth {
    type Err = String;

    /// `always`, `loopback` or `never`.
    ///
    /// ```
    /// use mail_serve::policy::PlaintextAuth;
    /// assert_eq!("loopback".parse(), Ok(PlaintextAuth::Loopback));
    /// assert!("sometimes".parse::<PlaintextAuth>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<PlaintextAuth, String> {
        match s {
            "always" => Ok(PlaintextAuth::Always),
            "loopback" => Ok(PlaintextAuth::Loopback),
            "never" => Ok(PlaintextAuth::Never),
            _ => Err(format!("expected always, loopback or never, not {s:?}")),
        }
    }
}

/// Whether a connection may send passwords in the clear before TLS.
/// `policy` `None` is the default: [`PlaintextAuth::Loopback`] where TLS
/// is on offer, [`PlaintextAuth::Always`] where it is not (there would be
/// no way to log in at all). An unknown peer is not the loopback.
pub(crate) fn plaintext_allowed(policy: Option<PlaintextAuth>, security: &Security, peer: Option<IpAddr>) -> bool {
    let tls_offered = !matches!(security, Security::Plain);
    let policy = policy.unwrap_or(if tls_offered { PlaintextAuth::Loopback } else { PlaintextAuth::Always });
    match policy {
        PlaintextAuth::Always => true,
        PlaintextAuth::Loopback => peer.is_some_and(|ip| ip.to_canonical().is_loopback()),
        PlaintextAuth::Never => false,
    }
}

/// Why a SASL PLAIN message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlainError {
    /// Not `authzid NUL authcid NUL password` in UTF-8.
    Malformed,
    /// An authorization identity other than the user's own (RFC 4616
    /// section 2: the server refuses an identity the user may not act as;
    /// this layer has no one who may act as another).
    Authorization,
}

/// SASL PLAIN (RFC 4616): `[authzid] NUL authcid NUL passwd`.
pub(crate) fn parse_plain(data: &[u8]) -> Result<Credentials, PlainError> {
    let mut parts = data.split(|&b| b == 0);
    let (Some(authzid), Some(user), Some(password), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(PlainError::Malformed);
    };
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| PlainError::Malformed);
    let (authzid, user, password) = (text(authzid)?, text(user)?, text(password)?);
    if user.is_empty() {
        return Err(PlainError::Malformed);
    }
    if !authzid.is_empty() && authzid != user {
        return Err(PlainError::Authorization);
    }
    Ok(Credentials { user, password, authorize_as: None })
}

/// A session's deadlines: the login timeout from the connection's start
/// until it authenticates, then the autologout from the last command.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadlines {
    started: Instant,
    last_input: Instant,
    login_timeout: Duration,
    idle_timeout: Duration,
}

impl Deadlines {
    pub(crate) fn new(login_timeout: Duration, idle_timeout: Duration) -> Deadlines {
        let now = Instant::now();
        Deadlines { started: now, last_input: now, login_timeout, idle_timeout }
    }

    /// The client sent something.
    pub(crate) fn input(&mut self) {
        self.last_input = Instant::now();
    }

    /// The session is back to logging in (UNAUTHENTICATE): the login
    /// timeout runs afresh from now.
    pub(crate) fn restart_login(&mut self) {
        self.started = Instant::now();
    }

    /// When the session ends if the client stays silent.
    pub(crate) fn next(&self, authenticated: bool) -> Instant {
        if authenticated {
            self.last_input + self.idle_timeout
        } else {
            self.started + self.login_timeout
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_messages() {
        let ok = parse_plain(b"\0bob\0secret").unwrap();
        assert_eq!((ok.user.as_str(), ok.password.as_str(), ok.authorize_as), ("bob", "secret", None));
        assert_eq!(parse_plain(b"bob\0bob\0secret").unwrap().user, "bob", "one's own identity is fine");
        assert_eq!(parse_plain(b"alice\0bob\0secret").unwrap_err(), PlainError::Authorization);
        assert_eq!(parse_plain(b"bob\0secret").unwrap_err(), PlainError::Malformed);
        assert_eq!(parse_plain(b"\0bob\0se\0cret").unwrap_err(), PlainError::Malformed);
        assert_eq!(parse_plain(b"\0\0secret").unwrap_err(), PlainError::Malformed);
        assert_eq!(parse_plain(b"\0b\xffb\0secret").unwrap_err(), PlainError::Malformed);
    }

    #[test]
    fn plaintext_policy() {
        let local: IpAddr = "127.0.0.2".parse().unwrap();
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        let remote: IpAddr = "192.0.2.7".parse().unwrap();
        let plain = Security::Plain;
        assert!(plaintext_allowed(None, &plain, Some(remote)), "no TLS on offer: the only way in");
        assert!(!plaintext_allowed(Some(PlaintextAuth::Never), &plain, Some(local)));
        assert!(plaintext_allowed(Some(PlaintextAuth::Loopback), &plain, Some(local)));
        assert!(plaintext_allowed(Some(PlaintextAuth::Loopback), &plain, Some(mapped)));
        assert!(!plaintext_allowed(Some(PlaintextAuth::Loopback), &plain, Some(remote)));
        assert!(!plaintext_allowed(Some(PlaintextAuth::Loopback), &plain, None), "unknown is not local");
    }
}
