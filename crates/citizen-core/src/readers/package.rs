//! The zip guard: before any part of a zip package (xlsx, xlsm, xlsb, ods) is
//! inflated, its central directory is read and every part's inflated size is
//! held to the limits of [`super::limits`]: per part, for the package, and
//! against its compressed size (zip bombs). The sizes checked are the ones
//! the zip reader then enforces: it refuses to inflate a part past its
//! declared size, so a part cannot lie its way past the guard.

use super::limits::{
    too_large, MAX_COMPRESSION_RATIO, MAX_PACKAGE_BYTES, MAX_PACKAGE_ENTRIES, MAX_PART_BYTES, SMALL_PART_BYTES,
};
use super::table::ReadError;
use std::fs::File;
use std::io::{BufReader, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use zip::ZipArchive;

/// Refuses a zip package past the limits, each part held to `part_limit`
/// inflated bytes but the one named `streamed` (read as a stream and bounded
/// by its own guard), held to [`MAX_PART_BYTES`]. Files that are not zip
/// packages, or whose directory cannot be read, pass: the readers then say
/// what they are.
pub fn check(path: &Path, part_limit: u64, streamed: Option<&str>) -> Result<(), ReadError> {
    let Ok(mut file) = File::open(path) else { return Ok(()) };
    let mut magic = [0u8; 4];
    if file.read_exact(&mut magic).is_err() || magic != *b"PK\x03\x04" {
        return Ok(());
    }
    let on_disk = file.metadata().map(|m| m.len()).unwrap_or(0);
    drop(file);
    let checked = catch_unwind(AssertUnwindSafe(|| -> Result<(), ReadError> {
        let Ok(file) = File::open(path) else { return Ok(()) };
        let Ok(mut archive) = ZipArchive::new(BufReader::new(file)) else { return Ok(()) };
        if archive.len() > MAX_PACKAGE_ENTRIES {
            return Err(too_large(
                None,
                format!(
                    "the package holds {} parts, past the limit of {MAX_PACKAGE_ENTRIES}: it is no workbook \
                     Excel saves",
                    archive.len()
                ),
            ));
        }
        let mut total = 0u64;
        for index in 0..archive.len() {
            let Ok(entry) = archive.by_index_raw(index) else { continue };
            let (name, size, packed) =
                (String::from_utf8_lossy(entry.name_raw()).into_owned(), entry.size(), entry.compressed_size());
            let part_limit = if streamed == Some(name.as_str()) { MAX_PART_BYTES } else { part_limit };
            if size > part_limit {
                return Err(too_large(
                    None,
                    format!(
                        "the part '{name}' of the package inflates to {}, past the limit of {} for one part",
                        bytes(size),
                        bytes(part_limit)
                    ),
                ));
            }
            if size > SMALL_PART_BYTES && size / packed.max(1) >= MAX_COMPRESSION_RATIO {
                return Err(too_large(
                    None,
                    format!(
                        "the part '{name}' of the package inflates to {} from {} ({} to 1), past the limit of \
                         {MAX_COMPRESSION_RATIO} to 1 for parts over {} (a zip bomb guard: workbooks Excel saves \
                         compress far less)",
                        bytes(size),
                        bytes(packed),
                        size / packed.max(1),
                        bytes(SMALL_PART_BYTES)
                    ),
                ));
            }
            total = total.saturating_add(size);
            if total > MAX_PACKAGE_BYTES {
                return Err(too_large(
                    None,
                    format!(
                        "the package inflates to more than {} in all ({} on disk), past the limit",
                        bytes(MAX_PACKAGE_BYTES),
                        bytes(on_disk)
                    ),
                ));
            }
        }
        Ok(())
    }));
    checked.unwrap_or(Ok(()))
}

/// A byte count for messages: `1.5 GiB`, `20.0 MiB`, `512 bytes`.
pub fn bytes(n: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if n >= size {
            return format!("{:.1} {unit}", n as f64 / size as f64);
        }
    }
    format!("{n} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_sizes_in_binary_units() {
        assert_eq!(bytes(512), "512 bytes");
        assert_eq!(bytes(3 << 29), "1.5 GiB");
        assert_eq!(bytes(20 << 20), "20.0 MiB");
    }
}
