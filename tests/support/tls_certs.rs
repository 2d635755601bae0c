//! Certificates for a TLS-only test PostgreSQL, made with the `openssl` command line
//! (installed wherever PostgreSQL is): a CA, a server certificate it signed for the name
//! `localhost` only (so dialling 127.0.0.1 is a host-name mismatch), and a second,
//! unrelated CA (so "signed by someone else" can be tested).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The files, all PEM, in one directory.
pub struct TlsFiles {
    /// The CA that signed the server's certificate: the right `sslrootcert`.
    pub ca: PathBuf,
    /// A CA that signed nothing here: the wrong `sslrootcert`.
    pub other_ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

impl TlsFiles {
    /// Makes the certificates in `dir` (valid for two days).
    pub fn generate(dir: &Path) -> Result<TlsFiles, String> {
        let file = |name: &str| dir.join(name);
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        for (name, subject) in [
            ("ca", "/CN=userapi test CA"),
            ("other_ca", "/CN=another CA"),
        ] {
            openssl(&[
                &["req", "-x509", "-days", "2", "-subj", subject][..],
                &ec,
                &["-addext", "basicConstraints=critical,CA:TRUE"],
                &["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                &["-keyout", path(&file(&format!("{name}.key")))],
                &["-out", path(&file(&format!("{name}.crt")))],
            ])?;
        }
        openssl(&[
            &["req", "-subj", "/CN=localhost"][..],
            &ec,
            &["-keyout", path(&file("server.key"))],
            &["-out", path(&file("server.csr"))],
        ])?;
        let extensions = file("server.ext");
        std::fs::write(&extensions, "subjectAltName=DNS:localhost\n").map_err(|e| e.to_string())?;
        openssl(&[&[
            "x509",
            "-req",
            "-days",
            "2",
            "-in",
            path(&file("server.csr")),
            "-CA",
            path(&file("ca.crt")),
            "-CAkey",
            path(&file("ca.key")),
            "-CAcreateserial",
            "-extfile",
            path(&extensions),
            "-out",
            path(&file("server.crt")),
        ]])?;
        Ok(TlsFiles {
            ca: file("ca.crt"),
            other_ca: file("other_ca.crt"),
            server_cert: file("server.crt"),
            server_key: file("server.key"),
        })
    }
}

fn path(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temp path")
}

fn openssl(args: &[&[&str]]) -> Result<(), String> {
    let output = Command::new("openssl")
        .args(args.concat())
        .output()
        .map_err(|e| format!("cannot run openssl (needed for the TLS tests): {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "openssl {:?} failed:\n{}",
            args.concat(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}
