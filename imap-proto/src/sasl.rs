//! Client-side helpers for the SASL mechanisms IMAP servers offer: the
//! bytes to hand to `AUTHENTICATE` as its initial response, or to
//! [`Client::sasl_response`](crate::client::Client::sasl_response)
//! for a challenge. Base64 is the machine's business; these are the raw
//! messages.
//!
//! ```
//! use imap_wire::{sasl, Atom, CommandBody, IString};
//!
//! let auth = CommandBody::Authenticate {
//!     mechanism: Atom::try_from("PLAIN").unwrap(),
//!     initial_response: Some(IString::from(sasl::plain("", "alice", "secret"))),
//! };
//! # let _ = auth;
//! assert_eq!(sasl::plain("", "alice", "secret"), b"\0alice\0secret");
//! ```

/// PLAIN (RFC 4616): `authzid NUL authcid NUL password`; `authzid` is
/// usually empty (act as yourself).
pub fn plain(authzid: &str, username: &str, password: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(authzid.len() + username.len() + password.len() + 2);
    out.extend_from_slice(authzid.as_bytes());
    out.push(0);
    out.extend_from_slice(username.as_bytes());
    out.push(0);
    out.extend_from_slice(password.as_bytes());
    out
}

/// The LOGIN mechanism (draft-murchison-sasl-login): the user name for a
/// challenge asking for it (`Username:`, or `User Name`), else the
/// password.
///
/// ```
/// assert_eq!(imap_wire::sasl::login_response(b"Username:", "alice", "secret"), b"alice");
/// assert_eq!(imap_wire::sasl::login_response(b"Password:", "alice", "secret"), b"secret");
/// ```
pub fn login_response(challenge: &[u8], username: &str, password: &str) -> Vec<u8> {
    let lower = challenge.to_ascii_lowercase();
    if lower.starts_with(b"user") {
        username.as_bytes().to_vec()
    } else {
        password.as_bytes().to_vec()
    }
}

/// XOAUTH2 (Google, Microsoft): `user=NAME ^A auth=Bearer TOKEN ^A ^A`.
///
/// ```
/// let ir = imap_wire::sasl::xoauth2("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
/// assert!(ir.starts_with(b"user=someuser@example.com\x01auth=Bearer ya29."));
/// assert!(ir.ends_with(b"\x01\x01"));
/// ```
pub fn xoauth2(username: &str, access_token: &str) -> Vec<u8> {
    format!("user={username}\x01auth=Bearer {access_token}\x01\x01").into_bytes()
}

/// OAUTHBEARER (RFC 7628): the GS2 header with the user, then the host,
/// port and bearer token as key-value pairs.
///
/// ```
/// let ir = imap_wire::sasl::oauthbearer("user@example.com", "server.example.com", 993, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
/// assert_eq!(
///     ir,
///     b"n,a=user@example.com,\x01host=server.example.com\x01port=993\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"
/// );
/// ```
pub fn oauthbearer(username: &str, host: &str, port: u16, access_token: &str) -> Vec<u8> {
    // RFC 5801 saslname: ',' and '=' are escaped.
    let user = username.replace('=', "=3D").replace(',', "=2C");
    format!("n,a={user},\x01host={host}\x01port={port}\x01auth=Bearer {access_token}\x01\x01").into_bytes()
}
