//! Step `land`: the raw file, byte for byte, with its sha256, into `land.file`.
//! The bytes stream through a binary COPY, hashed on the way, never held whole.

use crate::error::CoreError;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use std::io::Read;
use std::path::Path;

/// PostgreSQL refuses bytea values of 1 GiB and more.
const MAX_FILE_BYTES: u64 = 1 << 30;
const CHUNK: usize = 1 << 20;

/// What landing a file produced.
#[derive(Debug, Clone)]
pub struct Landed {
    pub file_id: i64,
    pub sha256: String,
    pub size_bytes: u64,
}

/// sha256 of a file, streamed.
pub fn file_sha256(path: &Path) -> Result<String, CoreError> {
    let io = |source| CoreError::Io { path: path.to_path_buf(), source };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let read = file.read(&mut buffer).map_err(io)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(crate::contract::compile::hex(&hasher.finalize()))
}

fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Lands `path` through `COPY land.file ... (FORMAT binary)` on `conn`, in the
/// caller's transaction, and returns the new file_id.
pub async fn land_file(conn: &mut PgConnection, path: &Path, file_name: &str) -> Result<Landed, CoreError> {
    let io = |source| CoreError::Io { path: path.to_path_buf(), source };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size >= MAX_FILE_BYTES {
        return Err(CoreError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other("the file is 1 GiB or larger; split it by period or region"),
        });
    }
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut copy = conn
        .copy_in_raw("COPY land.file (content, size_bytes, file_name, sha256) FROM STDIN (FORMAT binary)")
        .await
        .map_err(|e| CoreError::db("landing the file", e))?;
    let mut head = Vec::with_capacity(32);
    head.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    head.extend_from_slice(&0i32.to_be_bytes());
    head.extend_from_slice(&0i32.to_be_bytes());
    head.extend_from_slice(&4i16.to_be_bytes());
    head.extend_from_slice(&(size as i32).to_be_bytes());
    copy.send(head).await.map_err(|e| CoreError::db("landing the file", e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; CHUNK];
    let mut sent = 0u64;
    while sent < size {
        let want = CHUNK.min((size - sent) as usize);
        let read = file.read(&mut buffer[..want]).map_err(io)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        copy.send(&buffer[..read]).await.map_err(|e| CoreError::db("landing the file", e))?;
        sent += read as u64;
    }
    if sent != size {
        let _ = copy.abort("the file changed while it was read").await;
        return Err(CoreError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other("the file changed while it was being read; try again"),
        });
    }
    let sha256 = crate::contract::compile::hex(&hasher.finalize());
    let mut tail = Vec::with_capacity(128);
    field(&mut tail, &(size as i64).to_be_bytes());
    field(&mut tail, file_name.as_bytes());
    field(&mut tail, sha256.as_bytes());
    tail.extend_from_slice(&(-1i16).to_be_bytes());
    copy.send(tail).await.map_err(|e| CoreError::db("landing the file", e))?;
    copy.finish().await.map_err(|e| CoreError::db("landing the file", e))?;
    let file_id: i64 = sqlx::query_scalar("SELECT currval('land.file_file_id_seq')")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| CoreError::db("landing the file", e))?;
    Ok(Landed { file_id, sha256, size_bytes: size })
}
