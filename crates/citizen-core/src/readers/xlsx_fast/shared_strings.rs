//! The workbook's shared strings, read into one packed [`StringTable`].

use super::sheet::{long_text, trimmed_text, Reader, SheetError};
use super::xml_scan::{local_name, push_text, Event};
use crate::readers::cell::StringTable;
use crate::readers::limits::{self, MAX_SHARED_STRINGS, MAX_SHARED_STRINGS_BYTES};
use std::io::Read;

/// The shared strings table, in order.
pub(super) fn shared_strings(part: impl Read) -> Result<StringTable, SheetError> {
    let mut reader = Reader::new(part);
    let mut strings = StringTable::default();
    loop {
        match reader.xml.next()? {
            Event::Start(tag) if tag.local_name() == b"sst" => {
                if let Some(count) = tag.attribute(b"uniqueCount")? {
                    let count: usize = std::str::from_utf8(count).ok().and_then(|c| c.parse().ok()).unwrap_or(0);
                    strings = StringTable::with_capacity(count.min(1 << 20));
                }
                break;
            }
            Event::Eof => return Err(SheetError::Eof("sst")),
            _ => {}
        }
    }
    loop {
        match reader.xml.next()? {
            Event::Start(tag) if tag.local_name() == b"si" => {
                if strings.len() >= MAX_SHARED_STRINGS {
                    return Err(SheetError::TooLarge(format!(
                        "more than {MAX_SHARED_STRINGS} distinct strings (the limit, 16 for each of Excel's \
                         1,048,576 rows)"
                    )));
                }
                if strings.memory() > MAX_SHARED_STRINGS_BYTES {
                    return Err(SheetError::TooLarge(format!(
                        "more than {} MiB of distinct text (the limit for the strings held while the sheet is read)",
                        MAX_SHARED_STRINGS_BYTES >> 20
                    )));
                }
                reader.names.push(tag.name);
                let string = match reader.xml.simple_element(b"<t>", b"</t></si>") {
                    Some(raw) => {
                        reader.names.pop();
                        let mut text = String::with_capacity(raw.len());
                        push_text(raw, &mut text)?;
                        trimmed_text(text)
                    }
                    None => reader.rich_text()?,
                };
                if limits::cell_too_long(&string) {
                    return Err(long_text(None));
                }
                strings.push(&string);
            }
            Event::End(name) if local_name(name) == b"sst" => return Ok(strings),
            Event::Eof => return Err(SheetError::Eof("sst")),
            _ => {}
        }
    }
}
