//! TLS with rustls: a certificate and key from files, or a self-signed certificate generated
//! into the data directory for development (phones on the same network can then reach the
//! server over `wss://`, which browsers require for service workers off localhost).

use std::path::{Path, PathBuf};

use axum_server::tls_rustls::RustlsConfig;

use crate::config::ServeConfig;
use crate::error::AppError;

/// Where `--tls-self-signed` keeps its certificate and key.
pub const SELF_SIGNED_DIR: &str = "tls";

/// The rustls configuration the server should use, if TLS is configured.
pub async fn config(cfg: &ServeConfig) -> Result<Option<RustlsConfig>, AppError> {
    let (cert, key) = match (&cfg.tls_cert, &cfg.tls_key, cfg.tls_self_signed) {
        (Some(cert), Some(key), _) => (cert.clone(), key.clone()),
        (None, None, true) => self_signed(&cfg.data_dir, &cfg.tls_hostnames)?,
        (None, None, false) => return Ok(None),
        _ => {
            return Err(AppError::BadRequest(
                "--tls-cert and --tls-key go together".into(),
            ))
        }
    };
    // Only the ring provider is compiled in; make it the process default (once).
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(Some(RustlsConfig::from_pem_file(cert, key).await?))
}

/// Generates (once) a self-signed certificate for localhost, 127.0.0.1 and `extra` names.
fn self_signed(data_dir: &Path, extra: &[String]) -> Result<(PathBuf, PathBuf), AppError> {
    let dir = data_dir.join(SELF_SIGNED_DIR);
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    if cert_path.exists() && key_path.exists() {
        return Ok((cert_path, key_path));
    }
    std::fs::create_dir_all(&dir)?;
    let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    names.extend(extra.iter().cloned());
    let certified = rcgen::generate_simple_self_signed(names)
        .map_err(|e| AppError::BadRequest(format!("could not generate a certificate: {e}")))?;
    std::fs::write(&cert_path, certified.cert.pem())?;
    // The private key is readable by the server's user only (the data directory is too).
    let _ = std::fs::remove_file(&key_path);
    crate::private_files::write_private(
        &key_path,
        certified.signing_key.serialize_pem().as_bytes(),
    )?;
    tracing::info!(cert = %cert_path.display(), "generated a self-signed certificate");
    Ok((cert_path, key_path))
}
