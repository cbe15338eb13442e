//! TLS with rustls (the `tls` feature): configurations for clients and
//! servers, and PEM loading.
//!
//! Clients verify the server's certificate by default against Mozilla's
//! roots (webpki-roots) or a CA file of your own; turning verification off
//! ([`Verification::DangerAcceptAnyCertificate`]) is explicit and meant
//! for self-signed test servers. The drivers take a [`TlsConnector`] or
//! [`TlsAcceptor`] built from these configurations (or from any rustls
//! configuration of your own):
//! [`ImapClient::connect_tls`](crate::ImapClient::connect_tls) (implicit
//! TLS, port 993), [`ImapClient::starttls`](crate::ImapClient::starttls),
//! [`Pop3Client::stls`](crate::Pop3Client::stls), and on the server side
//! [`ImapServer::accept_tls`](crate::ImapServer::accept_tls) and
//! [`ImapServer::with_starttls`](crate::ImapServer::with_starttls).
//!
//! ```
//! use mail_codec::tls::{client_config, Verification};
//!
//! let connector = mail_codec::tls::TlsConnector::from(client_config(Verification::WebPkiRoots).unwrap());
//! let name = mail_codec::tls::server_name("imap.example.org").unwrap();
//! # let _ = (connector, name);
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
pub use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
pub use tokio_rustls::rustls;
use tokio_rustls::rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use tokio_rustls::rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use tokio_rustls::rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
pub use tokio_rustls::{TlsAcceptor, TlsConnector};

use crate::Error;

/// How a client checks the server's certificate.
#[derive(Debug, Clone)]
pub enum Verification {
    /// Against Mozilla's root certificates (webpki-roots).
    WebPkiRoots,
    /// Against the CA certificates in this PEM file (and only those).
    CaFile(PathBuf),
    /// Not at all: any certificate is accepted (its signature on the
    /// handshake is still checked). For self-signed test servers only: a
    /// man in the middle can read everything, passwords included.
    DangerAcceptAnyCertificate,
}

/// The crypto provider: the process default when the application
/// installed one (`CryptoProvider::install_default`), else the one a
/// feature compiled in (`ring`, the default, or `aws-lc-rs`).
fn provider() -> Result<Arc<CryptoProvider>, Error> {
    if let Some(installed) = CryptoProvider::get_default() {
        return Ok(installed.clone());
    }
    #[cfg(feature = "ring")]
    return Ok(Arc::new(tokio_rustls::rustls::crypto::ring::default_provider()));
    #[cfg(all(feature = "aws-lc-rs", not(feature = "ring")))]
    return Ok(Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider()));
    #[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
    return Err(Error::TlsSetup(
        "no rustls crypto provider: turn on mail-codec's `ring` or `aws-lc-rs` feature, or install a process default \
         with rustls::crypto::CryptoProvider::install_default"
            .into(),
    ));
}

fn setup(e: impl std::fmt::Display) -> Error {
    Error::TlsSetup(e.to_string())
}

/// A rustls client configuration verifying as asked.
pub fn client_config(verification: Verification) -> Result<Arc<rustls::ClientConfig>, Error> {
    let builder = rustls::ClientConfig::builder_with_provider(provider()?)
        .with_safe_default_protocol_versions()
        .map_err(setup)?;
    let config = match verification {
        Verification::WebPkiRoots => {
            let roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Verification::CaFile(path) => {
            let mut roots = RootCertStore::empty();
            for cert in load_certificates(&path)? {
                roots.add(cert).map_err(|e| Error::TlsSetup(format!("{}: {e}", path.display())))?;
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Verification::DangerAcceptAnyCertificate => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider()?)))
            .with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// A rustls server configuration with this certificate chain and key.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, Error> {
    let config = rustls::ServerConfig::builder_with_provider(provider()?)
        .with_safe_default_protocol_versions()
        .map_err(setup)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(setup)?;
    Ok(Arc::new(config))
}

/// A rustls server configuration from a PEM certificate chain file and a
/// PEM private key file (PKCS#8, PKCS#1 or SEC1).
pub fn server_config_from_files(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, Error> {
    server_config(load_certificates(cert)?, load_private_key(key)?)
}

/// The certificates in a PEM file (at least one).
pub fn load_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| Error::TlsSetup(format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::TlsSetup(format!("{}: no certificate in the file", path.display())));
    }
    Ok(certs)
}

/// The first private key in a PEM file.
pub fn load_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, Error> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| Error::TlsSetup(format!("{}: {e}", path.display())))
}

/// The openssl command that makes a self-signed certificate rustls
/// accepts as a server's (the usual `openssl req -x509` marks it CA:TRUE,
/// which rustls refuses as `CaUsedAsEndEntity`).
pub const SELF_SIGNED_OPENSSL: &str = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
     -keyout key.pem -out cert.pem -days 365 -subj /CN=localhost \
     -addext basicConstraints=critical,CA:FALSE -addext subjectAltName=DNS:localhost,IP:127.0.0.1";

/// A client's TLS handshake on the plaintext connection.
type ClientHandshake = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<tokio_rustls::client::TlsStream<crate::BoxedStream>, Error>> + Send>,
>;

/// The client side of STARTTLS/STLS with this rustls connector, for
/// `starttls_with`/`stls_with`.
pub(crate) fn connector_upgrade(
    connector: &TlsConnector,
    server_name: ServerName<'static>,
) -> impl FnOnce(crate::BoxedStream) -> ClientHandshake {
    let connector = connector.clone();
    move |plain| Box::pin(async move { connector.connect(server_name, plain).await.map_err(handshake_error) })
}

/// The server side of STARTTLS/STLS with this rustls acceptor.
pub(crate) fn acceptor_upgrade(acceptor: TlsAcceptor) -> crate::TlsUpgrade {
    crate::tls_upgrade(move |plain: crate::BoxedStream| {
        let acceptor = acceptor.clone();
        async move { acceptor.accept(plain).await.map_err(handshake_error) }
    })
}

/// A failed TLS handshake, with what to do about it in one line.
pub(crate) fn handshake_error(source: std::io::Error) -> Error {
    let rustls_error = source.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>());
    let detail = match rustls_error {
        Some(e) => format!("{e:?}"),
        None => source.to_string(),
    };
    let reason = if detail.contains("CaUsedAsEndEntity") {
        format!(
            "the server's certificate is a CA certificate (basicConstraints CA:TRUE, as a plain `openssl req -x509` \
             makes it), which rustls refuses as a server's; make one with: {SELF_SIGNED_OPENSSL}"
        )
    } else if detail.contains("InvalidContentType") || detail.contains("corrupt message") {
        "the peer answered in plaintext, not TLS: this port does not speak TLS from the first byte \
         (use STARTTLS/STLS on it, or the implicit-TLS port, usually 993 or 995)"
            .to_string()
    } else if detail.contains("UnknownIssuer") {
        "the server's certificate is not signed by a trusted CA: verify against its CA file \
         (Verification::CaFile, --ca FILE), or accept any certificate for a test server only"
            .to_string()
    } else if detail.contains("NotValidForName") {
        "the server's certificate does not name the host connected to (check the host name, or the \
         certificate's subjectAltName)"
            .to_string()
    } else if detail.contains("Expired") {
        "the server's certificate has expired".to_string()
    } else if source.kind() == std::io::ErrorKind::UnexpectedEof {
        "the peer closed the connection during the handshake (is this a TLS port?)".to_string()
    } else {
        source.to_string()
    };
    Error::TlsHandshake { reason, source }
}

/// A server name (DNS name or IP address) to verify the certificate
/// against.
pub fn server_name(host: &str) -> Result<ServerName<'static>, Error> {
    ServerName::try_from(host.to_string()).map_err(|e| Error::TlsSetup(format!("{host}: {e}")))
}

/// Accepts any certificate; checks the handshake signatures.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
