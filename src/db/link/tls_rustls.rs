//! The rustls side of [`tls`](super::tls): a tokio-postgres connector that believes the
//! server's certificate exactly as much as libpq would for the `sslmode`.
//!
//! libpq hands these choices to OpenSSL (`SSL_VERIFY_NONE` for `require`, `SSL_VERIFY_PEER`
//! for `verify-ca`, plus its own host-name check for `verify-full`). rustls verifies chain
//! and name together, always; so the two weaker modes get a verifier of their own,
//! `PartialVerifier`: it forgives only a name mismatch (`verify-ca`), or accepts any
//! certificate (`require`: encryption against eavesdroppers, no protection against
//! someone in the middle, as libpq documents), and still checks that the handshake was
//! signed by the certificate's key.
//! The files (`sslrootcert`, `sslcert`, `sslkey`) are read at every connection attempt,
//! as libpq does, so a rotated certificate is picked up at the next reconnect.

use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::connect_failure::ConnectFailure;
use crate::db::settings::{RootCerts, SslMode, TlsSettings};

/// The connector for one attempt. Fails (before any socket is opened) when a file named
/// by the settings cannot be read.
pub(super) fn connector(tls: &TlsSettings) -> Result<MakeRustlsConnect, ConnectFailure> {
    // The provider is named, not looked up: no process-wide default to install or race.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let algorithms = provider.signature_verification_algorithms;
    let verifier: Arc<dyn ServerCertVerifier> = match (&tls.root_certs, tls.mode) {
        (Some(roots), SslMode::VerifyFull) => webpki(roots, &provider)?,
        // libpq: "if a root CA file exists, the behavior of sslmode=require will be the
        // same as that of verify-ca".
        (Some(roots), SslMode::VerifyCa | SslMode::Require) => Arc::new(PartialVerifier {
            chain: Some(webpki(roots, &provider)?),
            algorithms,
        }),
        (None, SslMode::VerifyCa | SslMode::VerifyFull) => {
            return Err(ConnectFailure::Setup(format!(
                "sslmode={} needs sslrootcert (a CA file, or `system`)",
                tls.mode.as_str()
            )));
        }
        _ => Arc::new(PartialVerifier {
            chain: None,
            algorithms,
        }),
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectFailure::Setup(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let config = match &tls.client_cert {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => {
            let chain = read_certificates(cert, "sslcert")?;
            let key =
                PrivateKeyDer::from_pem_file(key).map_err(|e| setup_error("sslkey", key, e))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| ConnectFailure::Setup(format!("sslcert/sslkey: {e}")))?
        }
    };
    Ok(MakeRustlsConnect::new(config))
}

/// rustls's own verifier: chain to one of `roots`, and the name we dialled.
fn webpki(
    roots: &RootCerts,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, ConnectFailure> {
    let mut store = RootCertStore::empty();
    match roots {
        RootCerts::File(path) => {
            for cert in read_certificates(path, "sslrootcert")? {
                store
                    .add(cert)
                    .map_err(|e| setup_error("sslrootcert", path, e))?;
            }
        }
        RootCerts::System => {
            // The same places OpenSSL looks (SSL_CERT_FILE, /etc/ssl/certs...).
            let found = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                return Err(ConnectFailure::Setup(
                    "sslrootcert=system: this machine has no trusted root certificates".into(),
                ));
            }
        }
    }
    WebPkiServerVerifier::builder_with_provider(Arc::new(store), Arc::clone(provider))
        .build()
        .map_err(|e| ConnectFailure::Setup(format!("sslrootcert: {e}")))
}

fn read_certificates(
    path: &Path,
    setting: &str,
) -> Result<Vec<CertificateDer<'static>>, ConnectFailure> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| setup_error(setting, path, e))?;
    if certs.is_empty() {
        return Err(setup_error(setting, path, "no PEM certificate in it"));
    }
    Ok(certs)
}

fn setup_error(setting: &str, path: &Path, error: impl std::fmt::Display) -> ConnectFailure {
    ConnectFailure::Setup(format!("{setting} {}: {error}", path.display()))
}

/// libpq's weaker modes, which rustls's own verifier cannot be told to be: `require`
/// (`chain: None`, any certificate) and `verify-ca` (the chain must lead to a trusted
/// root, the name may be anything). Either way the handshake must be signed by the key
/// in the certificate presented.
#[derive(Debug)]
struct PartialVerifier {
    chain: Option<Arc<WebPkiServerVerifier>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PartialVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        // webpki checks the chain first and the name last, so a name error means the
        // chain was fine.
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(mode: SslMode, root_certs: Option<RootCerts>) -> TlsSettings {
        TlsSettings {
            mode,
            root_certs,
            client_cert: None,
        }
    }

    #[test]
    fn system_roots_are_this_machines_trusted_certificates() {
        let system = settings(SslMode::VerifyFull, Some(RootCerts::System));
        assert!(connector(&system).is_ok());
    }

    #[test]
    fn an_unreadable_root_file_is_a_setup_failure_naming_the_setting() {
        let missing = RootCerts::File("/nonexistent/ca.pem".into());
        let failure = connector(&settings(SslMode::VerifyCa, Some(missing))).err();
        let text = failure.map(|f| f.to_string()).unwrap_or_default();
        assert!(text.contains("sslrootcert /nonexistent/ca.pem"), "{text}");
    }
}
