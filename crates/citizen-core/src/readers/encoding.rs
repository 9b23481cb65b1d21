//! Text encodings of CSV files: telling the encoding from the first bytes (byte
//! order mark, UTF-8 validity, then `chardetng` with a Hebrew hint), refusing
//! files that are not text at all, and a streaming `Read` adapter that
//! transcodes anything else to UTF-8 without holding the file in memory.

use super::table::ReadError;
use crate::contract::config::EncodingConfig;
use encoding_rs::{CoderResult, Decoder, Encoding, ISO_8859_8, ISO_8859_8_I, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1255};
use std::borrow::Cow;
use std::io::{self, Read};

/// How many leading bytes are examined to tell the encoding and the delimiter.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Raw bytes read from the underlying file per refill of a [`DecodingReader`].
const DECODER_INPUT_BYTES: usize = 256 * 1024;

/// The encoding chosen for a file, and the byte-order mark to skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    /// The text encoding of the bytes after the byte-order mark.
    pub encoding: &'static Encoding,
    /// Length of the byte-order mark at the start of the file (0 when none).
    pub bom_len: usize,
}

impl Detected {
    /// The encoding's standard name (`UTF-8`, `windows-1255`, `UTF-16LE`, ...).
    pub fn name(&self) -> &'static str {
        self.encoding.name()
    }

    /// True when the bytes are UTF-8 and can be parsed without transcoding.
    pub fn is_utf8(&self) -> bool {
        self.encoding == UTF_8
    }

    /// Decodes a leading chunk of the file (BOM excluded) for sniffing; invalid
    /// or cut-off sequences become U+FFFD.
    pub fn decode_prefix<'a>(&self, prefix: &'a [u8]) -> Cow<'a, str> {
        let bytes = prefix.get(self.bom_len..).unwrap_or_default();
        if self.is_utf8() {
            String::from_utf8_lossy(bytes)
        } else {
            self.encoding.decode_without_bom_handling(bytes).0
        }
    }
}

/// Tells the encoding of a file from its first bytes (`prefix`, at most
/// [`SNIFF_BYTES`]; `at_eof` when the prefix is the whole file).
///
/// Order: a byte-order mark always wins (UTF-8, UTF-16LE/BE); then the
/// contract's `encoding`; then UTF-8 when the prefix is valid UTF-8; then
/// `chardetng` with the `.il` hint (Hebrew Excel exports are windows-1255, so
/// a guess of ISO-8859-8 becomes windows-1255).
/// Files that are not text (NUL bytes, known binary formats) are refused.
pub fn detect(prefix: &[u8], at_eof: bool, forced: Option<EncodingConfig>) -> Result<Detected, ReadError> {
    if prefix.starts_with(&[0xFF, 0xFE, 0x00, 0x00]) || prefix.starts_with(&[0x00, 0x00, 0xFE, 0xFF]) {
        return Err(ReadError::Unreadable {
            message: "the file is UTF-32 text, which is not supported: save it as \"CSV UTF-8\"".to_owned(),
        });
    }
    if let Some((encoding, bom_len)) = Encoding::for_bom(prefix) {
        return Ok(Detected { encoding, bom_len });
    }
    let no_bom = |encoding| Ok(Detected { encoding, bom_len: 0 });
    if forced == Some(EncodingConfig::Utf16) {
        return no_bom(utf16_without_bom(prefix).unwrap_or(UTF_16LE));
    }
    if let Some(kind) = binary_kind(prefix) {
        return Err(not_text(kind));
    }
    if prefix.contains(&0) {
        return match utf16_without_bom(prefix) {
            Some(encoding) => no_bom(encoding),
            None => Err(not_text("a binary file (it contains NUL bytes)")),
        };
    }
    if looks_binary(prefix) {
        return Err(not_text("a binary file (it holds control bytes that text does not)"));
    }
    match forced {
        Some(EncodingConfig::Utf8) => return no_bom(UTF_8),
        Some(EncodingConfig::Windows1255) => return no_bom(WINDOWS_1255),
        Some(EncodingConfig::Utf16 | EncodingConfig::Auto) | None => {}
    }
    if is_utf8_prefix(prefix, at_eof) {
        return no_bom(UTF_8);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(prefix, at_eof);
    match detector.guess(Some(b"il"), chardetng::Utf8Detection::Deny) {
        // The ISO Hebrew encodings map the letters as windows-1255 does, which
        // also has the shekel sign and vowel points: it is what Excel writes.
        e if e == ISO_8859_8 || e == ISO_8859_8_I => no_bom(WINDOWS_1255),
        e => no_bom(e),
    }
}

/// True when `prefix` is valid UTF-8, allowing a multi-byte sequence cut off by
/// the end of the chunk when more of the file follows.
pub fn is_utf8_prefix(prefix: &[u8], at_eof: bool) -> bool {
    match std::str::from_utf8(prefix) {
        Ok(_) => true,
        // `error_len() == None` means the input ended inside a sequence.
        Err(e) => e.error_len().is_none() && !at_eof && prefix.len() - e.valid_up_to() < 4,
    }
}

/// UTF-16 without a byte-order mark, told from where the NUL bytes fall: ASCII
/// text in UTF-16LE has a zero at every odd offset, in UTF-16BE at every even one.
fn utf16_without_bom(prefix: &[u8]) -> Option<&'static Encoding> {
    let sample = &prefix[..prefix.len().min(4096) & !1];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut zero_even, mut zero_odd) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        zero_even += usize::from(pair[0] == 0);
        zero_odd += usize::from(pair[1] == 0);
    }
    // Hebrew UTF-16 has no zero bytes at all, so require only a good share of
    // ASCII (delimiters, digits, line breaks) and no zeros on the other side.
    let enough = (pairs / 5).max(1);
    let few = pairs / 50;
    if zero_odd >= enough && zero_even <= few {
        Some(UTF_16LE)
    } else if zero_even >= enough && zero_odd <= few {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// True when the chunk holds a share of control bytes that no text file has
/// (tab, line feed, carriage return, form feed and escape excepted).
fn looks_binary(prefix: &[u8]) -> bool {
    let control = prefix.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B)).count();
    control > 0 && control * 50 > prefix.len()
}

/// Names well-known non-text formats from their magic bytes, e.g. a workbook
/// or a PDF given a `.csv` name.
pub fn binary_kind(prefix: &[u8]) -> Option<&'static str> {
    const KINDS: &[(&[u8], &str)] = &[
        (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or OpenDocument .ods workbook is one)"),
        (b"PK\x05\x06", "an empty ZIP archive"),
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "an Office document in the old binary format (an Excel .xls workbook, \
             or a password-protected workbook)",
        ),
        (b"%PDF-", "a PDF document"),
        (b"\x89PNG\r\n\x1A\n", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"\x1F\x8B\x08", "a gzip-compressed file"),
        (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
        (b"Rar!\x1A\x07", "a RAR archive"),
        (b"SQLite format 3\0", "an SQLite database"),
        (b"{\\rtf", "an RTF document"),
    ];
    KINDS.iter().find(|(magic, _)| prefix.starts_with(magic)).map(|(_, kind)| *kind)
}

/// The "this is not a CSV file" failure for a file that looks like `kind`.
fn not_text(kind: &str) -> ReadError {
    let advice = if kind.starts_with("a ZIP") || kind.starts_with("an Office") {
        "if it is an Excel workbook, give it its real extension (.xlsx or .xls) \
         or save it from Excel as \"CSV UTF-8\""
    } else {
        "export the data from its source program as \"CSV UTF-8\" or as an Excel workbook"
    };
    ReadError::Unreadable { message: format!("the file is not CSV text: it looks like {kind}; {advice}") }
}

/// A `Read` adapter that transcodes a byte stream in any `encoding_rs` encoding
/// to UTF-8 as it is read, holding only a fixed-size buffer. Malformed input
/// becomes U+FFFD. The byte-order mark, if any, must already be skipped.
pub struct DecodingReader<R> {
    inner: R,
    decoder: Decoder,
    input: Box<[u8]>,
    in_pos: usize,
    in_end: usize,
    /// The inner reader reported end of file.
    inner_eof: bool,
    /// The decoder has been flushed; nothing more will come.
    finished: bool,
    /// Decoded bytes that did not fit a caller's tiny buffer.
    spill: [u8; 16],
    spill_pos: usize,
    spill_end: usize,
}

impl<R: Read> DecodingReader<R> {
    /// Wraps `inner`, whose bytes are in `encoding`.
    pub fn new(inner: R, encoding: &'static Encoding) -> Self {
        DecodingReader {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; DECODER_INPUT_BYTES].into_boxed_slice(),
            in_pos: 0,
            in_end: 0,
            inner_eof: false,
            finished: false,
            spill: [0; 16],
            spill_pos: 0,
            spill_end: 0,
        }
    }

    /// Decodes into `dst` (at least 16 bytes long); 0 only at the end.
    fn decode_into(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.finished {
                return Ok(0);
            }
            if self.in_pos == self.in_end && !self.inner_eof {
                let n = loop {
                    match self.inner.read(&mut self.input) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                };
                self.in_pos = 0;
                self.in_end = n;
                self.inner_eof = n == 0;
            }
            let last = self.inner_eof;
            let src = &self.input[self.in_pos..self.in_end];
            let (result, read, written, _) = self.decoder.decode_to_utf8(src, dst, last);
            self.in_pos += read;
            if last && result == CoderResult::InputEmpty {
                self.finished = true;
            }
            if written > 0 {
                return Ok(written);
            }
        }
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        if dst.is_empty() {
            return Ok(0);
        }
        if self.spill_pos == self.spill_end && dst.len() < self.spill.len() {
            let mut spill = [0u8; 16];
            let n = self.decode_into(&mut spill)?;
            self.spill = spill;
            self.spill_pos = 0;
            self.spill_end = n;
        }
        if self.spill_pos < self.spill_end {
            let n = dst.len().min(self.spill_end - self.spill_pos);
            dst[..n].copy_from_slice(&self.spill[self.spill_pos..self.spill_pos + n]);
            self.spill_pos += n;
            return Ok(n);
        }
        self.decode_into(dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_auto(bytes: &[u8]) -> Result<Detected, ReadError> {
        detect(bytes, true, None)
    }

    #[test]
    fn boms_win() {
        let d = detect_auto(b"\xEF\xBB\xBFid,name\n").unwrap();
        assert_eq!((d.name(), d.bom_len), ("UTF-8", 3));
        let d = detect_auto(b"\xFF\xFEi\0d\0").unwrap();
        assert_eq!((d.name(), d.bom_len), ("UTF-16LE", 2));
        let d = detect_auto(b"\xFE\xFF\0i\0d").unwrap();
        assert_eq!((d.name(), d.bom_len), ("UTF-16BE", 2));
        // A BOM also wins over what the contract declares.
        let d = detect(b"\xEF\xBB\xBFid\n", true, Some(EncodingConfig::Windows1255)).unwrap();
        assert_eq!(d.name(), "UTF-8");
    }

    #[test]
    fn plain_ascii_and_utf8_are_utf8() {
        assert_eq!(detect_auto(b"id,name\n1,abc\n").unwrap().name(), "UTF-8");
        assert_eq!(detect_auto("id,שם\n1,דנה\n".as_bytes()).unwrap().name(), "UTF-8");
    }

    #[test]
    fn utf8_cut_at_the_chunk_end_is_still_utf8() {
        let text = "שלום".as_bytes();
        let cut = &text[..text.len() - 1];
        assert!(is_utf8_prefix(cut, false));
        assert!(!is_utf8_prefix(cut, true));
        assert_eq!(detect(cut, false, None).unwrap().name(), "UTF-8");
        assert!(!is_utf8_prefix(b"abc\xFFdef", false));
    }

    #[test]
    fn hebrew_windows_1255_is_detected() {
        let text = "מספר זהות,שם פרטי,שם משפחה,עיר\n123456782,דנה,כהן,תל אביב\n\
                    234567891,יוסי,לוי,ירושלים\n345678903,מיכל,אברהם,חיפה\n";
        let (bytes, _, _) = WINDOWS_1255.encode(text);
        let d = detect_auto(&bytes).unwrap();
        assert_eq!(d.name(), "windows-1255");
        assert_eq!(d.decode_prefix(&bytes), text);
    }

    #[test]
    fn short_hebrew_guessed_as_iso_8859_8_reads_as_windows_1255() {
        let (bytes, _, _) = WINDOWS_1255.encode("שם,עיר\r\nדנה כהן,תל אביב\r\n");
        assert_eq!(detect_auto(&bytes).unwrap().name(), "windows-1255");
    }

    #[test]
    fn forced_encodings_are_used() {
        let d = detect(b"plain ascii", true, Some(EncodingConfig::Windows1255)).unwrap();
        assert_eq!(d.name(), "windows-1255");
        let d = detect(b"a\0b\0", true, Some(EncodingConfig::Utf16)).unwrap();
        assert_eq!(d.name(), "UTF-16LE");
        let d = detect(b"\0a\0b\0c", true, Some(EncodingConfig::Utf16)).unwrap();
        assert_eq!(d.name(), "UTF-16BE");
        let d = detect(b"ascii", true, Some(EncodingConfig::Utf8)).unwrap();
        assert_eq!(d.name(), "UTF-8");
    }

    #[test]
    fn utf16_without_bom_is_recognised() {
        let le: Vec<u8> = "id,name\r\n1,abc\r\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(detect_auto(&le).unwrap().name(), "UTF-16LE");
        let be: Vec<u8> = "id,name\r\n1,abc\r\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(detect_auto(&be).unwrap().name(), "UTF-16BE");
    }

    #[test]
    fn binary_files_are_refused() {
        for (bytes, needle) in [
            (&b"PK\x03\x04\x14\0\x06\0rest"[..], "ZIP"),
            (b"%PDF-1.7\n%\xE2\xE3", "PDF"),
            (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", "old binary format"),
            (b"\x01\x02\x03\x04\x05\x06\0\0\x07\x08\xFA", "binary file"),
        ] {
            match detect_auto(bytes) {
                Err(ReadError::Unreadable { message }) => {
                    assert!(message.contains(needle), "{message}")
                }
                other => panic!("expected unreadable, got {other:?}"),
            }
        }
    }

    #[test]
    fn utf32_is_refused() {
        assert!(matches!(detect_auto(b"\xFF\xFE\0\0a\0\0\0"), Err(ReadError::Unreadable { .. })));
    }

    fn read_all<R: Read>(mut r: R, chunk: usize) -> String {
        let mut out = Vec::new();
        let mut buf = vec![0u8; chunk];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn decoding_reader_transcodes_streams() {
        let text = "שם,עיר\nדנה,תל אביב\n".repeat(20_000);
        let (bytes, _, _) = WINDOWS_1255.encode(&text);
        for chunk in [1, 3, 15, 16, 17, 4096, 1 << 20] {
            let reader = DecodingReader::new(io::Cursor::new(bytes.to_vec()), WINDOWS_1255);
            assert_eq!(read_all(reader, chunk), text, "chunk {chunk}");
        }
        let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let reader = DecodingReader::new(io::Cursor::new(utf16), UTF_16LE);
        assert_eq!(read_all(reader, 1000), text);
    }

    #[test]
    fn decoding_reader_replaces_malformed_input() {
        // An unpaired surrogate and an odd trailing byte.
        let bytes = [b'a', 0, 0x00, 0xD8, b'b', 0, 0x41];
        let reader = DecodingReader::new(io::Cursor::new(bytes.to_vec()), UTF_16LE);
        assert_eq!(read_all(reader, 64), "a\u{FFFD}b\u{FFFD}");
    }
}
