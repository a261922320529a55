//! `--out FILE`: where `mint`, `identity export` and `key issue`/`key rotate` write what they
//! would print (a credential, the admin identity, an agent key), instead of a terminal or a pipe
//! a secret could be read from. The file is created 0600; one already there is refused unless
//! `--force`, which replaces it with a new 0600 file renamed over it (never a write into a file
//! that others could already read). Refused before anything is minted or issued.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Kind, Result};

fn exists(path: &Path) -> Error {
    Error::exists(format!("{} already exists", path.display()))
        .hint("pass --force to replace it, or choose another path")
}

/// Refuses an existing `path` unless `force`: called before the work that produces the file's
/// contents, so that a refusal leaves nothing behind.
pub fn check(path: &Path, force: bool) -> Result<()> {
    if !force && std::fs::symlink_metadata(path).is_ok() {
        return Err(exists(path));
    }
    Ok(())
}

/// Writes `bytes` to `path` (0600), replacing an existing file only if `force`.
pub fn write(path: &Path, bytes: &[u8], force: bool) -> Result<()> {
    if !force {
        return crate::vault::fsio::create_new_private(path, bytes).map_err(|e| {
            if e.kind() == Kind::AlreadyExists {
                exists(path)
            } else {
                e
            }
        });
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // tempfile creates its files 0600.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Error::io("cannot create a file in", dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io("cannot write", path, e))?;
    tmp.persist(path)
        .map_err(|e| Error::io("cannot replace", path, e.error))?;
    Ok(())
}
