//! Step `land`: the raw file, byte for byte, into `land.file`. The client
//! sends only the name and the bytes (a binary COPY, streamed, never held
//! whole); the server computes sha256, size, sender and time itself.

use crate::error::CoreError;
use sqlx::PgConnection;
use std::io::Read;
use std::path::Path;

pub use super::snapshot::MAX_FILE_BYTES;
const CHUNK: usize = 1 << 20;

fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Lands `path` through `COPY land.file (content, file_name) ... (FORMAT
/// binary)` on `conn`, in the caller's transaction, and returns the new file_id.
pub async fn land_file(conn: &mut PgConnection, path: &Path, file_name: &str) -> Result<i64, CoreError> {
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
        .copy_in_raw("COPY land.file (content, file_name) FROM STDIN (FORMAT binary)")
        .await
        .map_err(|e| CoreError::db("landing the file", e))?;
    let mut head = Vec::with_capacity(32);
    head.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    head.extend_from_slice(&0i32.to_be_bytes());
    head.extend_from_slice(&0i32.to_be_bytes());
    head.extend_from_slice(&2i16.to_be_bytes());
    head.extend_from_slice(&(size as i32).to_be_bytes());
    copy.send(head).await.map_err(|e| CoreError::db("landing the file", e))?;
    let mut buffer = vec![0u8; CHUNK];
    let mut sent = 0u64;
    while sent < size {
        let want = CHUNK.min((size - sent) as usize);
        let read = file.read(&mut buffer[..want]).map_err(io)?;
        if read == 0 {
            break;
        }
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
    let mut tail = Vec::with_capacity(file_name.len() + 8);
    field(&mut tail, file_name.as_bytes());
    tail.extend_from_slice(&(-1i16).to_be_bytes());
    copy.send(tail).await.map_err(|e| CoreError::db("landing the file", e))?;
    copy.finish().await.map_err(|e| CoreError::db("landing the file", e))?;
    sqlx::query_scalar("SELECT currval('land.file_file_id_seq')")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| CoreError::db("landing the file", e))
}
