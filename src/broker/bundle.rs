//! The trust bundle handed to the child: the system's root certificates followed by the per-run
//! CA's certificate, in a 0600 file inside a private (0700) directory, removed when dropped.
//!
//! The system roots are the distribution's PEM bundle, read as text; they are parsed into a
//! root store only when the broker first connects upstream, so starting a broker costs one file
//! read here.

use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Where distributions keep their PEM bundle of trusted roots (Debian/Ubuntu/Alpine/Arch first,
/// then Fedora/RHEL, openSUSE, and the BSD-style path). `SSL_CERT_FILE` wins when it is set.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/ssl/cert.pem",
];

/// The system's roots as PEM text.
pub struct SystemRoots {
    pub pem: Vec<u8>,
}

impl SystemRoots {
    /// Reads `path`, or the first system bundle that exists.
    pub fn load(path: Option<&Path>) -> Result<SystemRoots> {
        let candidates: Vec<PathBuf> = match path {
            Some(p) => vec![p.to_path_buf()],
            None => std::env::var_os("SSL_CERT_FILE")
                .map(PathBuf::from)
                .into_iter()
                .chain(SYSTEM_BUNDLES.iter().map(PathBuf::from))
                .collect(),
        };
        for candidate in &candidates {
            match std::fs::read(candidate) {
                Ok(pem) => return Ok(SystemRoots { pem }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && path.is_none() => {}
                Err(e) => return Err(Error::io("cannot read the root certificates", candidate, e)),
            }
        }
        Err(Error::config("no system root certificates were found")
            .hint("install the ca-certificates package, or set SSL_CERT_FILE to a PEM bundle"))
    }
}

/// The bundle file; dropping it removes the file and its directory.
pub struct TrustBundle {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl TrustBundle {
    /// Writes `roots` then `ca_pem` to `bundle.pem` in a new private directory under `parent`.
    pub fn write(parent: &Path, roots: &[u8], ca_pem: &str) -> Result<TrustBundle> {
        let dir = tempfile::Builder::new()
            .prefix("agentcred-broker-")
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir_in(parent)
            .map_err(|e| Error::io("cannot create a private directory in", parent, e))?;
        let path = dir.path().join("bundle.pem");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| Error::io("cannot create", &path, e))?;
        let mut text = roots.to_vec();
        if !text.ends_with(b"\n") {
            text.push(b'\n');
        }
        text.extend_from_slice(b"# agentcred per-run CA\n");
        text.extend_from_slice(ca_pem.as_bytes());
        // No sync: the file lives only as long as this process, and a reader opens it after
        // this write returned, which the page cache already serves.
        file.write_all(&text)
            .map_err(|e| Error::io("cannot write", &path, e))?;
        Ok(TrustBundle { dir, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The private directory holding the bundle: removing it (recursively) removes everything
    /// the broker wrote, for a signal handler that cannot run destructors.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// Where the bundle's directory goes by default: the user's runtime directory when there is one
/// (private and memory-backed), else the temporary directory.
pub fn default_parent() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.is_dir())
        .unwrap_or_else(std::env::temp_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_is_private_and_removed_on_drop() {
        let parent = tempfile::tempdir().unwrap();
        let bundle = TrustBundle::write(parent.path(), b"ROOTS", "CA\n").unwrap();
        let path = bundle.path().to_path_buf();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(bundle.dir()), 0o700);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "ROOTS\n# agentcred per-run CA\nCA\n"
        );
        let dir = bundle.dir().to_path_buf();
        drop(bundle);
        assert!(!path.exists() && !dir.exists());
    }

    #[test]
    fn an_explicit_roots_file_must_exist() {
        let e = SystemRoots::load(Some(Path::new("/nonexistent/roots.pem")))
            .err()
            .unwrap();
        assert!(e.to_string().contains("/nonexistent/roots.pem"));
    }
}
