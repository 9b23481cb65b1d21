//! A small pull scanner for the XML inside .xlsx packages, streamed from any
//! reader. It reports what the fast xlsx path needs and nothing more: start and
//! end tags (a self-closing tag gives both, as calamine's reader is configured
//! to do), text, CDATA and entity references; comments, processing
//! instructions and doctypes are skipped. Attribute values stay raw; entities
//! are resolved by the caller through [`resolve_entity`].

use crate::readers::limits::MAX_XML_EVENT_BYTES;
use std::io::{ErrorKind, Read};

/// Bytes read from the source at a time.
const READ_CHUNK: usize = 256 * 1024;

/// What the scanner found next.
#[derive(Debug, PartialEq)]
pub(crate) enum Event<'a> {
    Start(Tag<'a>),
    /// An end tag, by its qualified name.
    End(&'a [u8]),
    /// Character data between markup, raw (line ends not yet normalised).
    Text(&'a [u8]),
    CData(&'a [u8]),
    /// An entity or character reference: the name between `&` and `;`.
    Ref(&'a [u8]),
    /// A comment, processing instruction, XML declaration or doctype: nothing
    /// a reader reads, but an event all the same, as quick-xml (calamine's
    /// reader) reports each, so "the first event after a tag" is the same
    /// for both (`<v><?pi?>61</v>` holds no value for calamine).
    Markup,
    Eof,
}

/// A start tag: its qualified name and the raw text of its attributes.
#[derive(Debug, PartialEq)]
pub(crate) struct Tag<'a> {
    pub name: &'a [u8],
    attributes: &'a [u8],
}

impl<'a> Tag<'a> {
    /// The name without its namespace prefix.
    pub fn local_name(&self) -> &'a [u8] {
        local_name(self.name)
    }

    /// The raw value of the attribute whose key is exactly `key`.
    pub fn attribute(&self, key: &[u8]) -> Result<Option<&'a [u8]>, ScanError> {
        for pair in self.attributes() {
            let (k, v) = pair?;
            if k == key {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// Every attribute as a raw key and value.
    pub fn attributes(&self) -> Attributes<'a> {
        Attributes { raw: self.attributes, pos: 0 }
    }
}

/// The next event of a small part (relationships, workbook, styles), with
/// every attribute of a start tag checked: calamine's reader refuses a
/// malformed attribute anywhere in the elements it reads there, so a start
/// tag with one ends the fast path's reading of the part (`None`), and the
/// workbook goes to calamine whole.
pub(crate) fn next_checked<'s, R: Read>(xml: &'s mut Scanner<R>) -> Option<Event<'s>> {
    let event = xml.next().ok()?;
    if let Event::Start(tag) = &event {
        if tag.attributes().any(|pair| pair.is_err()) {
            return None;
        }
    }
    Some(event)
}

/// The name after the namespace prefix, if any.
/// As quick-xml's `QName::local_name`: what follows the first `:`.
pub(crate) fn local_name(name: &[u8]) -> &[u8] {
    name.iter().position(|&b| b == b':').map_or(name, |colon| &name[colon + 1..])
}

/// Iterates over the attributes of a tag.
pub(crate) struct Attributes<'a> {
    raw: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Result<(&'a [u8], &'a [u8]), ScanError>;

    fn next(&mut self) -> Option<Self::Item> {
        let raw = self.raw;
        let mut pos = self.pos;
        while pos < raw.len() && raw[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= raw.len() {
            self.pos = pos;
            return None;
        }
        // Any error ends the iteration.
        self.pos = raw.len();
        let key_start = pos;
        while pos < raw.len() && raw[pos] != b'=' {
            pos += 1;
        }
        if pos >= raw.len() {
            return Some(Err(ScanError::Malformed("an attribute without a value")));
        }
        let key = raw[key_start..pos].trim_ascii_end();
        pos += 1;
        while pos < raw.len() && raw[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let quote = match raw.get(pos) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return Some(Err(ScanError::Malformed("an attribute value without quotes"))),
        };
        pos += 1;
        let value_start = pos;
        while pos < raw.len() && raw[pos] != quote {
            pos += 1;
        }
        let value = &raw[value_start..pos];
        self.pos = (pos + 1).min(raw.len());
        Some(Ok((key, value)))
    }
}

/// Why the XML could not be scanned.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ScanError {
    #[error("the XML ends inside {0}")]
    Truncated(&'static str),
    #[error("malformed XML: {0}")]
    Malformed(&'static str),
    #[error("unknown XML entity '&{0};'")]
    Entity(String),
    #[error("{what} longer than {mib} MiB, far more than a cell can hold", what = .0, mib = MAX_XML_EVENT_BYTES >> 20)]
    TooLarge(&'static str),
    /// Bytes that are not UTF-8, at this offset of the part.
    #[error("bytes that are not UTF-8 at byte {0}")]
    NotUtf8(u64),
    /// An end tag when no element is open (quick-xml's `UnmatchedEndTag`), at
    /// this offset of the part.
    #[error("an end tag with no open element at byte {0}")]
    UnmatchedEnd(u64),
    /// The part ended with elements still open, at this offset.
    #[error("the XML ends at byte {0} with {1} element(s) still open (a truncated part?)")]
    Unclosed(u64, usize),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Pulls [`Event`]s from XML read from `R`, holding only a window of it.
pub(crate) struct Scanner<R> {
    source: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// The name of a self-closing tag whose end is still to be reported.
    empty_element: Vec<u8>,
    pending_end: bool,
    /// How many unread bytes (from `pos`) were already searched for the end
    /// of the next event without finding it: the search resumes there after
    /// the next read, so scanning stays linear however the reads fall.
    searched: usize,
    /// Inside a start tag, the quote open at `searched` (0 when none).
    quote: u8,
    /// Bytes of the source dropped from the front of `buf` so far: `consumed
    /// + pos` is the offset of the next event in the part.
    consumed: u64,
    /// Elements open (start tags without their end tag yet). As calamine's
    /// quick-xml (`check_end_names` off) does, an end tag need not name the
    /// innermost element, but one with no element open is refused, and so is
    /// the end of the part with elements still open.
    depth: usize,
    /// See [`Scanner::allow_unclosed`].
    allow_unclosed: bool,
}

impl<R: Read> Scanner<R> {
    pub fn new(source: R) -> Self {
        Scanner {
            source,
            buf: vec![0; READ_CHUNK],
            pos: 0,
            end: 0,
            eof: false,
            empty_element: Vec::new(),
            pending_end: false,
            searched: 0,
            quote: 0,
            consumed: 0,
            depth: 0,
            allow_unclosed: false,
        }
    }

    /// Lets the part end with elements open, as quick-xml does: for the .ods
    /// guard, which reads `content.xml` to its end as calamine does (the
    /// xlsx parts are either read up to an end tag, or whole by the fast path
    /// alone, where refusing leaves the workbook to calamine).
    pub fn allow_unclosed(mut self) -> Self {
        self.allow_unclosed = true;
        self
    }

    /// The offset in the part of the next unread byte.
    fn offset(&self) -> u64 {
        self.consumed + self.pos as u64
    }

    /// Reads more of the source after the unread bytes; false at its end.
    fn fill(&mut self) -> Result<bool, ScanError> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.consumed += self.pos as u64;
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.buf.len() - self.end < READ_CHUNK / 2 {
            self.buf.resize(self.buf.len() + READ_CHUNK, 0);
        }
        loop {
            match self.source.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// A shortcut for the usual small element: when the unread XML is `open`,
    /// then text free of markup and references, then `close`, all of it in the
    /// bytes read so far, it is consumed and the text returned. Otherwise
    /// nothing is consumed and the caller reads events as usual.
    pub fn simple_element(&mut self, open: &[u8], close: &[u8]) -> Option<&[u8]> {
        if self.pending_end {
            return None;
        }
        let rest = self.buf[self.pos..self.end].strip_prefix(open)?;
        let markup = rest.iter().position(|&b| b == b'<' || b == b'&')?;
        if !rest[markup..].starts_with(close) {
            return None;
        }
        // The elements `open` starts and `close` ends: the element around
        // them must be open (else the events find the stray end tag).
        let opened = open.iter().filter(|&&b| b == b'<').count();
        let closed = close.windows(2).filter(|w| w == b"</").count();
        if self.depth + opened < closed {
            return None;
        }
        let start = self.pos + open.len();
        // Callers check the text itself as UTF-8.
        self.depth = self.depth + opened - closed;
        self.pos = start + markup + close.len();
        Some(&self.buf[start..start + markup])
    }

    /// The next event.
    pub fn next(&mut self) -> Result<Event<'_>, ScanError> {
        if self.pending_end {
            self.pending_end = false;
            self.depth -= 1;
            return Ok(Event::End(&self.empty_element));
        }
        loop {
            if self.pos == self.end && !self.fill()? {
                if self.depth > 0 && !self.allow_unclosed {
                    return Err(ScanError::Unclosed(self.offset(), self.depth));
                }
                return Ok(Event::Eof);
            }
            match self.locate()? {
                Some(found) => {
                    self.searched = 0;
                    self.quote = 0;
                    return self.take(found);
                }
                None => {
                    if self.end - self.pos > MAX_XML_EVENT_BYTES {
                        let what = match self.buf[self.pos] {
                            b'<' => "a tag, comment or section",
                            b'&' => "an entity reference",
                            _ => "a run of text",
                        };
                        return Err(ScanError::TooLarge(what));
                    }
                    if !self.fill()? {
                        return self.at_end();
                    }
                }
            }
        }
    }

    /// The source ended within the unread bytes: trailing text is text, an
    /// unfinished tag is an error.
    fn at_end(&mut self) -> Result<Event<'_>, ScanError> {
        match self.buf[self.pos] {
            b'<' => Err(ScanError::Truncated("a tag")),
            b'&' => Err(ScanError::Truncated("an entity reference")),
            _ => {
                self.check_utf8(self.end)?;
                let text = &self.buf[self.pos..self.end];
                self.pos = self.end;
                Ok(Event::Text(text))
            }
        }
    }

    /// The unread bytes up to `next` are UTF-8, as quick-xml requires of
    /// every event it reads for calamine. Events end at ASCII bytes, so
    /// checking them one by one checks the whole part up to there.
    fn check_utf8(&self, next: usize) -> Result<(), ScanError> {
        let bytes = &self.buf[self.pos..next];
        if bytes.is_ascii() {
            return Ok(());
        }
        std::str::from_utf8(bytes)
            .map(|_| ())
            .map_err(|error| ScanError::NotUtf8(self.offset() + error.valid_up_to() as u64))
    }

    /// Finds the extent of the next event in the buffer; None if it goes on
    /// past the bytes read so far.
    fn locate(&mut self) -> Result<Option<Found>, ScanError> {
        let data = &self.buf[self.pos..self.end];
        let at = self.pos;
        // Bytes already searched in an earlier call: not searched again.
        let from = self.searched;
        let found = match data[0] {
            b'<' => {
                if data.len() < 2 {
                    return Ok(None);
                }
                match data[1] {
                    // An end tag ends at a `>` outside quotes, as quick-xml's
                    // `ElementParser` reads it (`</a x=">">` is one end tag).
                    b'/' => tag_end(data, from, &mut self.quote).map(|gt| Found::End(at + 2, at + gt, at + gt + 1)),
                    b'?' => find(data, b"?>", from).map(|i| Found::Skip(at + i + 2)),
                    b'!' => {
                        if data.starts_with(b"<!--") {
                            find(&data[4..], b"-->", from.saturating_sub(4)).map(|i| Found::Skip(at + 4 + i + 3))
                        } else if data.starts_with(b"<![CDATA[") {
                            find(&data[9..], b"]]>", from.saturating_sub(9))
                                .map(|i| Found::CData(at + 9, at + 9 + i, at + 9 + i + 3))
                        } else if b"<!--".starts_with(data) || b"<![CDATA[".starts_with(data) {
                            // Too little read yet to tell a comment or a CDATA section.
                            None
                        } else if matches!(data.get(2), Some(b'D' | b'd')) {
                            // Searched from its start again only when a new `>` was
                            // read (it ends at one): a doctype is rare and short.
                            find(data, b">", from).and_then(|_| doctype_end(data)).map(|gt| Found::Skip(at + gt + 1))
                        } else {
                            find(data, b">", from).map(|gt| Found::Skip(at + gt + 1))
                        }
                    }
                    _ => tag_end(data, from, &mut self.quote).map(|gt| Found::Start(at, at + gt)),
                }
            }
            b'&' => reference_end(data)?.map(|semicolon| Found::Ref(at + 1, at + semicolon)),
            _ => data.iter().skip(from).position(|&b| b == b'<' || b == b'&').map(|i| Found::Text(at, at + from + i)),
        };
        if found.is_none() {
            self.searched = data.len();
        }
        Ok(found)
    }

    fn take(&mut self, found: Found) -> Result<Event<'_>, ScanError> {
        let next = match found {
            Found::Skip(next) | Found::End(_, _, next) | Found::CData(_, _, next) => next,
            Found::Ref(_, semicolon) => semicolon + 1,
            Found::Text(_, end) => end,
            Found::Start(_, gt) => gt + 1,
        };
        self.check_utf8(next)?;
        Ok(match found {
            Found::Skip(next) => {
                self.pos = next;
                Event::Markup
            }
            Found::End(start, end, next) => {
                if self.depth == 0 {
                    return Err(ScanError::UnmatchedEnd(self.offset()));
                }
                self.depth -= 1;
                self.pos = next;
                // quick-xml trims XML whitespace after the name only.
                let name = &self.buf[start..end];
                let kept = name.iter().rposition(|&b| !is_xml_space(b)).map_or(0, |last| last + 1);
                Event::End(&name[..kept])
            }
            Found::CData(start, end, next) => {
                self.pos = next;
                Event::CData(&self.buf[start..end])
            }
            Found::Ref(start, end) => {
                self.pos = end + 1;
                Event::Ref(&self.buf[start..end])
            }
            Found::Text(start, end) => {
                self.pos = end;
                Event::Text(&self.buf[start..end])
            }
            Found::Start(lt, gt) => {
                self.pos = gt + 1;
                self.depth += 1;
                let mut inner = &self.buf[lt + 1..gt];
                let empty = inner.last() == Some(&b'/');
                if empty {
                    inner = &inner[..inner.len() - 1];
                }
                let name_end = inner.iter().position(|&b| is_xml_space(b)).unwrap_or(inner.len());
                let (name, attributes) = inner.split_at(name_end);
                if empty {
                    self.empty_element.clear();
                    self.empty_element.extend_from_slice(name);
                    self.pending_end = true;
                }
                Event::Start(Tag { name, attributes })
            }
        })
    }
}

/// Where an event lies in the buffer (absolute indices).
enum Found {
    /// Markup to skip; the index after it.
    Skip(usize),
    /// Name start, name end, index after the tag.
    End(usize, usize, usize),
    /// Content start, content end, index after the section.
    CData(usize, usize, usize),
    /// Name start and the index of the `;`.
    Ref(usize, usize),
    Text(usize, usize),
    /// Indices of `<` and `>`.
    Start(usize, usize),
}

/// The first `needle` in `haystack`, searching on from about `from` (the bytes
/// before it hold none; a needle may straddle that point).
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let start = from.saturating_sub(needle.len() - 1).min(haystack.len());
    haystack[start..].windows(needle.len()).position(|w| w == needle).map(|i| start + i)
}

/// The index of the `>` that ends the doctype at the start of `data`, as
/// quick-xml's `DtdParser` finds it: quoted literals skipped, and an internal
/// subset (`[...]`) read to its `]`, its comments, processing instructions
/// and declarations skipped (quotes respected in `<!ENTITY`, `<!ATTLIST` and
/// `<!NOTATION`). None while the bytes read so far end inside it.
fn doctype_end(data: &[u8]) -> Option<usize> {
    let after = |from: usize, byte: u8| data.get(from..)?.iter().position(|&b| b == byte).map(|i| from + i);
    let mut i = 2;
    loop {
        match *data.get(i)? {
            quote @ (b'"' | b'\'') => i = after(i + 1, quote)?,
            b'[' => break,
            b'>' => return Some(i),
            _ => {}
        }
        i += 1;
    }
    i += 1;
    loop {
        match *data.get(i)? {
            b']' => return after(i + 1, b'>'),
            b'<' => {
                let rest = &data[i + 1..];
                let quoted = [&b"!ENTITY"[..], b"!ATTLIST", b"!NOTATION"];
                i = if rest.starts_with(b"?") {
                    i + 2 + find(&data[i + 2..], b"?>", 0)? + 2
                } else if rest.starts_with(b"!--") {
                    i + 4 + find(&data[i + 4..], b"-->", 0)? + 3
                } else if let Some(keyword) = quoted.iter().find(|k| rest.starts_with(k)) {
                    let start = i + 1 + keyword.len();
                    let mut quote = 0;
                    start + tag_end(&data[start - 1..], 1, &mut quote)?
                } else if rest.len() < 9
                    && [&b"?"[..], b"!--", b"!ENTITY", b"!ATTLIST", b"!NOTATION", b"!ELEMENT"]
                        .iter()
                        .any(|k| k.starts_with(rest))
                {
                    // Too little read yet to tell which markup this is.
                    return None;
                } else {
                    after(i + 1, b'>')? + 1
                };
            }
            _ => i += 1,
        }
    }
}

/// The index of the `>` that closes the start tag at the beginning of `data`,
/// skipping any `>` inside quoted attribute values; the search starts at
/// `from` with `quote` open there, and leaves the quote open at the end.
/// XML's white space (quick-xml's `is_whitespace`): no form feed.
fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\r' | b'\n' | b'\t')
}

fn tag_end(data: &[u8], from: usize, quote: &mut u8) -> Option<usize> {
    for (i, &b) in data.iter().enumerate().skip(from.max(1)) {
        if *quote != 0 {
            if b == *quote {
                *quote = 0;
            }
        } else if b == b'>' {
            return Some(i);
        } else if b == b'"' || b == b'\'' {
            *quote = b;
        }
    }
    None
}

/// The longest reference name looked for, `&` and `;` not counted.
const MAX_REFERENCE_NAME: usize = 63;

/// Whether a byte may be part of a reference's name: ASCII letters, digits,
/// `.`, `-`, `_`, `:` and `#` (character references), and any non-ASCII byte.
fn reference_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'#') || b >= 0x80
}

/// Where the `;` of the reference at the start of `data` (an `&`) is; None
/// when the bytes read so far end inside its name. A reference ends with `;`
/// within MAX_REFERENCE_NAME bytes of its name, and the outcome depends only
/// on those bytes, never on how far beyond them the buffer goes.
fn reference_end(data: &[u8]) -> Result<Option<usize>, ScanError> {
    for (i, &b) in data.iter().enumerate().skip(1) {
        match b {
            b';' if i == 1 => return Err(ScanError::Malformed("an empty entity reference")),
            b';' => return Ok(Some(i)),
            _ if !reference_byte(b) || i > MAX_REFERENCE_NAME => {
                return Err(ScanError::Malformed("an '&' that starts no entity"))
            }
            _ => {}
        }
    }
    Ok(None)
}

/// Appends the text an entity or character reference stands for.
pub(crate) fn resolve_entity(name: &[u8], out: &mut String) -> Result<(), ScanError> {
    let unknown = || ScanError::Entity(String::from_utf8_lossy(name).into_owned());
    let text = match name {
        b"lt" => "<",
        b"gt" => ">",
        b"amp" => "&",
        b"apos" => "'",
        b"quot" => "\"",
        [b'#', b'x', hex @ ..] => return push_code_point(hex, 16, out).ok_or_else(unknown),
        [b'#', decimal @ ..] => return push_code_point(decimal, 10, out).ok_or_else(unknown),
        _ => return Err(unknown()),
    };
    out.push_str(text);
    Ok(())
}

fn push_code_point(digits: &[u8], radix: u32, out: &mut String) -> Option<()> {
    let digits = std::str::from_utf8(digits).ok()?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    out.push(char::from_u32(code).filter(|&c| c != '\0')?);
    Some(())
}

/// Appends character data with its line ends normalised as XML 1.0 says
/// (`\r\n` and a lone `\r` become `\n`).
pub(crate) fn push_text(raw: &[u8], out: &mut String) -> Result<(), ScanError> {
    let text = std::str::from_utf8(raw).map_err(|_| ScanError::Malformed("text that is not UTF-8"))?;
    if !text.contains('\r') {
        out.push_str(text);
        return Ok(());
    }
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    Ok(())
}

/// An attribute value with its entity references resolved.
pub(crate) fn attribute_text(raw: &[u8]) -> Result<String, ScanError> {
    let text = std::str::from_utf8(raw).map_err(|_| ScanError::Malformed("an attribute that is not UTF-8"))?;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semicolon =
            reference_end(&rest.as_bytes()[amp..])?.ok_or(ScanError::Malformed("an '&' that starts no entity"))? - 1;
        resolve_entity(&after.as_bytes()[..semicolon], &mut out)?;
        rest = &after[semicolon + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Undoes Excel's own escapes: `_xHHHH_` stands for a UTF-16 code unit (two in
/// a row for a character beyond the BMP; a lone surrogate becomes U+FFFD).
pub(crate) fn unescape_excel(text: String) -> String {
    let Some(first) = find_excel_escape(&text, 0) else {
        return text;
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut next = Some(first);
    while let Some((index, unit)) = next {
        out.push_str(&text[copied..index]);
        let mut after = index + EXCEL_ESCAPE_LEN;
        let c = match unit {
            0xD800..=0xDBFF => match parse_excel_escape(&text, after) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    after += EXCEL_ESCAPE_LEN;
                    char::from_u32(0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00))
                }
                _ => None,
            },
            0xDC00..=0xDFFF => None,
            _ => char::from_u32(u32::from(unit)),
        };
        out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
        copied = after;
        next = find_excel_escape(&text, after);
    }
    out.push_str(&text[copied..]);
    out
}

const EXCEL_ESCAPE_LEN: usize = 7;

fn find_excel_escape(text: &str, mut start: usize) -> Option<(usize, u16)> {
    while let Some(offset) = text[start..].find('_') {
        let index = start + offset;
        if let Some(unit) = parse_excel_escape(text, index) {
            return Some((index, unit));
        }
        start = index + 1;
    }
    None
}

fn parse_excel_escape(text: &str, index: usize) -> Option<u16> {
    let bytes = text.as_bytes().get(index..index + EXCEL_ESCAPE_LEN)?;
    if bytes[0] != b'_' || bytes[1] != b'x' || bytes[6] != b'_' || !bytes[2..6].iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u16::from_str_radix(std::str::from_utf8(&bytes[2..6]).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out one byte at a time, to cross every buffer edge.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&b, rest)), Some(slot)) => {
                    *slot = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn describe<R: Read>(mut scanner: Scanner<R>) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            match scanner.next().expect("well-formed") {
                Event::Start(tag) => {
                    let attrs: Vec<String> = tag
                        .attributes()
                        .map(|a| a.map(|(k, v)| format!("{}={}", text(k), text(v))).expect("attribute"))
                        .collect();
                    out.push(format!("<{} {}>", text(tag.name), attrs.join(",")));
                }
                Event::End(name) => out.push(format!("</{}>", text(name))),
                Event::Text([]) | Event::Markup => {}
                Event::Text(t) => out.push(format!("text {}", text(t))),
                Event::CData(t) => out.push(format!("cdata {}", text(t))),
                Event::Ref(r) => out.push(format!("ref {}", text(r))),
                Event::Eof => return out,
            }
        }
    }

    const SAMPLE: &[u8] = b"<?xml version=\"1.0\"?>\n<!-- a comment with <tags> -->\
        <x:row r=\"1\" spans='1:2' note=\"a>b\"><c r=\"A1\" t=\"s\"><v>7</v></c><c r=\"B1\"/>\
        <is><t xml:space=\"preserve\"> a &amp; b&#x5D0;</t><![CDATA[<raw>]]></is></x:row >tail";

    fn expected() -> Vec<String> {
        [
            "text \n",
            "<x:row r=1,spans=1:2,note=a>b>",
            "<c r=A1,t=s>",
            "<v >",
            "text 7",
            "</v>",
            "</c>",
            "<c r=B1>",
            "</c>",
            "<is >",
            "<t xml:space=preserve>",
            "text  a ",
            "ref amp",
            "text  b",
            "ref #x5D0",
            "</t>",
            "cdata <raw>",
            "</is>",
            "</x:row>",
            "text tail",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn scans_tags_text_references_and_sections() {
        assert_eq!(describe(Scanner::new(SAMPLE)), expected());
    }

    #[test]
    fn gives_the_same_events_whatever_the_read_sizes() {
        assert_eq!(describe(Scanner::new(Trickle(SAMPLE))), expected());
    }

    #[test]
    fn takes_a_simple_element_whole_or_not_at_all() {
        let mut scanner = Scanner::new(&b"<c><c><c><v>12</v></c><v>1&amp;2</v></c><v>3</v> </c>"[..]);
        for _ in 0..3 {
            assert!(matches!(scanner.next(), Ok(Event::Start(_))));
        }
        assert_eq!(scanner.simple_element(b"<v>", b"</v></c>"), Some(&b"12"[..]));
        assert_eq!(scanner.simple_element(b"<v>", b"</v></c>"), None, "a reference needs events");
        let mut rest = Vec::new();
        loop {
            match scanner.next().expect("well-formed") {
                Event::Eof => break,
                Event::End(name) if name == b"c" => {
                    assert_eq!(scanner.simple_element(b"<v>", b"</v></c>"), None, "space before </c>");
                    rest.push("</c>".to_owned());
                }
                event => rest.push(format!("{event:?}")),
            }
        }
        assert_eq!(rest.len(), 11, "{rest:?}");
    }

    /// The first error of a scan, or None when it reaches the end.
    fn scan_error(source: &[u8]) -> Option<String> {
        let whole = first_reference_error(Scanner::new(source)).map(|e| e.to_string());
        let trickled = first_reference_error(Scanner::new(Trickle(source))).map(|e| e.to_string());
        assert_eq!(whole, trickled, "{}", String::from_utf8_lossy(source));
        whole
    }

    /// As strict as quick-xml is for calamine (issue 11): every byte UTF-8,
    /// no end tag without an open element, no end of the part inside one.
    #[test]
    fn refuses_bad_utf8_stray_end_tags_and_unclosed_elements() {
        let cases: [(&[u8], Option<&str>); 10] = [
            (b"<a>\xd7\x90</a>", None),
            (b"<a>x\xff</a>", Some("bytes that are not UTF-8 at byte 4")),
            (b"<a><!-- \xc3 --></a>", Some("bytes that are not UTF-8 at byte 8")),
            (b"<a b=\"\xe0\x80\"/>", Some("bytes that are not UTF-8 at byte 6")),
            (b"<a/>\xff", Some("bytes that are not UTF-8 at byte 4")),
            (b"<a></b>", None),
            (b"<a></a></a>", Some("an end tag with no open element at byte 7")),
            (b"</>", Some("an end tag with no open element at byte 0")),
            (b"<a><b/>", Some("the XML ends at byte 7 with 1 element(s) still open (a truncated part?)")),
            (b"<?xml version=\"1.0\"?><a/> ", None),
        ];
        for (source, expected) in cases {
            assert_eq!(scan_error(source).as_deref(), expected, "{}", String::from_utf8_lossy(source));
        }
    }

    /// A doctype ends where quick-xml ends it: after its internal subset.
    #[test]
    fn a_doctype_is_skipped_with_its_internal_subset() {
        let source =
            &b"<a>21<!DOCTYPE x SYSTEM \"a>b\" [<!ENTITY e \"x>\"><!-- > --><?p > ?><!ELEMENT a ANY>]>56</a>"[..];
        let expected = ["<a >", "text 21", "text 56", "</a>"];
        assert_eq!(describe(Scanner::new(source)), expected);
        assert_eq!(describe(Scanner::new(Trickle(source))), expected);
        assert_eq!(describe(Scanner::new(&b"<a><!DOCTYPE a>1</a>"[..])), ["<a >", "text 1", "</a>"]);
    }

    #[test]
    fn a_short_comment_at_the_very_end_is_skipped() {
        for source in [&b"<a/><!---->"[..], b"<a/><!DOCTYPE a>"] {
            assert_eq!(describe(Scanner::new(source)), ["<a >", "</a>"]);
            assert_eq!(describe(Scanner::new(Trickle(source))), ["<a >", "</a>"]);
        }
    }

    #[test]
    fn an_unfinished_tag_is_an_error_not_text() {
        let mut scanner = Scanner::new(&b"<row><c r=\"A1"[..]);
        assert!(matches!(scanner.next(), Ok(Event::Start(_))));
        assert!(matches!(scanner.next(), Err(ScanError::Truncated("a tag"))));
    }

    #[test]
    fn attributes_must_be_quoted() {
        let mut scanner = Scanner::new(&b"<c r=A1>"[..]);
        let Ok(Event::Start(tag)) = scanner.next() else { panic!("a start tag") };
        assert!(tag.attribute(b"r").is_err());
        assert_eq!(tag.local_name(), b"c");
    }

    #[test]
    fn resolves_predefined_entities_and_character_references() {
        let mut out = String::new();
        for name in ["lt", "gt", "amp", "apos", "quot", "#65", "#x5d0"] {
            resolve_entity(name.as_bytes(), &mut out).expect("known");
        }
        assert_eq!(out, "<>&'\"Aא");
        for bad in ["nbsp", "#", "#x", "#0", "#xD800", "#x110000", "#12a"] {
            assert!(resolve_entity(bad.as_bytes(), &mut out).is_err(), "{bad}");
        }
        assert_eq!(attribute_text(b"R&amp;D &#1488;").expect("valid"), "R&D א");
        assert!(attribute_text(b"a & b").is_err());
        assert!(attribute_text(b"a &amp b;").is_err());
    }

    /// An `&` whose name does not end with `;` within a few bytes is refused,
    /// the same way whatever the read sizes.
    #[test]
    fn a_reference_ends_near_its_ampersand_whatever_the_read_sizes() {
        let long = format!("<a>&{};</a>", "x".repeat(MAX_REFERENCE_NAME));
        let too_long = format!("<a>&{};</a>", "x".repeat(MAX_REFERENCE_NAME + 1));
        let far = format!("<a>&amp<b>{};</a>", "x".repeat(73));
        let cases = [
            (long.as_str(), Ok(MAX_REFERENCE_NAME)),
            ("<a>&#x5d0;</a>", Ok(5)),
            (too_long.as_str(), Err("an '&' that starts no entity")),
            (far.as_str(), Err("an '&' that starts no entity")),
            ("<a>&amp </a>;", Err("an '&' that starts no entity")),
            ("<a>&;</a>", Err("an empty entity reference")),
        ];
        for (xml, expected) in cases {
            let whole = first_reference(Scanner::new(xml.as_bytes()));
            let trickled = first_reference(Scanner::new(Trickle(xml.as_bytes())));
            assert_eq!(whole, expected, "{xml}");
            assert_eq!(trickled, expected, "{xml}, a byte at a time");
        }
        assert!(matches!(
            first_reference_error(Scanner::new(&b"<a>&amp"[..])),
            Some(ScanError::Truncated("an entity reference"))
        ));
    }

    /// The length of the first reference's name, or the scanner's error.
    fn first_reference<R: Read>(scanner: Scanner<R>) -> Result<usize, &'static str> {
        let mut scanner = scanner;
        loop {
            match scanner.next() {
                Ok(Event::Ref(name)) => return Ok(name.len()),
                Ok(Event::Eof) => panic!("no reference"),
                Ok(_) => {}
                Err(ScanError::Malformed(what)) => return Err(what),
                Err(error) => panic!("{error}"),
            }
        }
    }

    fn first_reference_error<R: Read>(mut scanner: Scanner<R>) -> Option<ScanError> {
        loop {
            match scanner.next() {
                Ok(Event::Eof) => return None,
                Ok(_) => {}
                Err(error) => return Some(error),
            }
        }
    }

    #[test]
    fn normalises_line_ends() {
        let mut out = String::new();
        push_text(b"a\r\nb\rc\nd", &mut out).expect("UTF-8");
        assert_eq!(out, "a\nb\nc\nd");
        assert!(push_text(b"\xff", &mut out).is_err());
    }

    #[test]
    fn undoes_excel_escapes() {
        let cases = [
            ("plain", "plain"),
            ("a_x000D_b", "a\rb"),
            ("_x005F_x000D_", "_x000D_"),
            ("_xD83D__xDCF7_", "\u{1F4F7}"),
            ("_xD83D_x", "\u{FFFD}x"),
            ("_xDCF7_", "\u{FFFD}"),
            ("_x00e9_", "é"),
            ("_x12_ _xZZZZ_", "_x12_ _xZZZZ_"),
        ];
        for (escaped, plain) in cases {
            assert_eq!(unescape_excel(escaped.to_owned()), plain, "{escaped}");
        }
    }
}
