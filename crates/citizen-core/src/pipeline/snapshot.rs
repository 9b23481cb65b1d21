//! One snapshot per submit: the file is copied once, hashed on the way, into a
//! private temporary file (mode 0600, a random name, created exclusively), and
//! validation, landing and staging all read that copy. A file saved again
//! while a submit runs cannot land one content and stage another.

use crate::error::CoreError;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;

/// PostgreSQL refuses bytea values of 1 GiB and more.
pub const MAX_FILE_BYTES: u64 = 1 << 30;
const CHUNK: usize = 1 << 20;

/// The bytes of one submit, frozen.
#[derive(Debug)]
pub struct Snapshot {
    file: tempfile::NamedTempFile,
    /// sha256 of the bytes, lowercase hex.
    pub sha256: String,
    pub size_bytes: u64,
}

impl Snapshot {
    /// Copies `path` into a private temporary file, keeping its extension
    /// (readers choose by it), and hashes the bytes copied.
    pub fn take(path: &Path) -> Result<Snapshot, CoreError> {
        let io = |source| CoreError::Io { path: path.to_path_buf(), source };
        let mut source = std::fs::File::open(path).map_err(io)?;
        let suffix = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
        let mut file = tempfile::Builder::new().prefix("citizen-submit-").suffix(&suffix).tempfile().map_err(io)?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; CHUNK];
        let mut size = 0u64;
        loop {
            let read = source.read(&mut buffer).map_err(io)?;
            if read == 0 {
                break;
            }
            size += read as u64;
            if size >= MAX_FILE_BYTES {
                return Err(CoreError::Io {
                    path: path.to_path_buf(),
                    source: std::io::Error::other("the file is 1 GiB or larger; split it by period or region"),
                });
            }
            hasher.update(&buffer[..read]);
            file.write_all(&buffer[..read]).map_err(io)?;
        }
        file.flush().map_err(io)?;
        Ok(Snapshot { file, sha256: crate::contract::compile::hex(&hasher.finalize()), size_bytes: size })
    }

    /// Where the frozen bytes are.
    pub fn path(&self) -> &Path {
        self.file.path()
    }
}

#[cfg(test)]
mod tests {
    use super::Snapshot;

    #[test]
    fn the_snapshot_keeps_the_bytes_taken_whatever_happens_to_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("welfare.csv");
        std::fs::write(&path, "a,b\n1,2\n").unwrap_or_else(|e| panic!("{e}"));
        let snapshot = Snapshot::take(&path).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, "a,b\n9,9\n9,9\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(snapshot.path()).unwrap_or_default(), b"a,b\n1,2\n");
        assert_eq!(snapshot.size_bytes, 8);
        assert_eq!(snapshot.sha256.len(), 64);
        assert!(snapshot.path().extension().is_some_and(|e| e == "csv"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(snapshot.path()).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
        assert_eq!(mode, 0o600, "private to this user");
        let taken = snapshot.path().to_path_buf();
        drop(snapshot);
        assert!(!taken.exists(), "removed when the submit ends");
    }
}
