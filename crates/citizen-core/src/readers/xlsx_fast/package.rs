//! The package of an xlsx workbook as the fast path reads it: where the
//! workbook part is, its sheets and their parts, and each part inflated on a
//! thread of its own while the parser reads it. Anything unusual gives `None`,
//! which leaves the workbook to calamine.

use super::xml_scan::{attribute_text, local_name, next_checked, Event, Scanner};
use calamine::{Sheet, SheetType, SheetVisible};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use zip::ZipArchive;

pub(super) type Archive = ZipArchive<BufReader<File>>;

/// The zip entry for a package path: exact, else ignoring case and slashes' direction.
pub(super) fn part_name(archive: &Archive, path: &str) -> Option<String> {
    if archive.index_for_name(path).is_some() {
        return Some(path.to_owned());
    }
    archive
        .file_names()
        .filter_map(Result::ok)
        .find(|name| name.replace('\\', "/").eq_ignore_ascii_case(path))
        .map(|name| name.into_owned())
}

/// Whether a part starts as UTF-8 XML does (the scanner reads nothing else;
/// calamine also decodes parts written in UTF-16).
pub(super) fn is_utf8_xml(archive: &mut Archive, part: &str) -> bool {
    let Ok(mut entry) = archive.by_name(part) else { return false };
    let mut head = [0u8; 4];
    let mut filled = 0;
    while filled < head.len() {
        match entry.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(_) => return false,
        }
    }
    let head = &head[..filled];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    head.iter().find(|b| !b.is_ascii_whitespace()).is_none_or(|&b| b == b'<')
}

/// A small part of the package, whole.
pub(super) fn read_part(archive: &mut Archive, path: &str) -> Option<Vec<u8>> {
    let name = part_name(archive, path)?;
    let mut entry = archive.by_name(&name).ok()?;
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// The folder and file name of the workbook part, from the package relationships.
pub(super) fn office_document(archive: &mut Archive) -> Option<(String, String)> {
    let rels = read_part(archive, "_rels/.rels")?;
    let mut xml = Scanner::new(&rels[..]);
    let mut target = None;
    // As calamine reads it: from `<Relationships>` to its end tag, which must come.
    loop {
        match next_checked(&mut xml)? {
            Event::Start(tag) if tag.local_name() == b"Relationships" => break,
            Event::Eof => return None,
            _ => {}
        }
    }
    loop {
        match next_checked(&mut xml)? {
            Event::Start(tag) if tag.local_name() == b"Relationship" => {
                let kind = tag.attribute(b"Type").ok()?;
                if kind.is_some_and(|k| k.ends_with(b"/relationships/officeDocument")) {
                    if let Some(t) = tag.attribute(b"Target").ok()? {
                        target = Some(attribute_text(t).ok()?);
                    }
                }
            }
            Event::End(name) if local_name(name) == b"Relationships" => break,
            Event::Eof => return None,
            _ => {}
        }
    }
    let target = target?;
    let (dir, name) = target.rfind('/').map_or(("", target.as_str()), |i| target.split_at(i + 1));
    let name = if name.is_empty() { "workbook.xml" } else { name };
    Some((dir.strip_prefix('/').unwrap_or(dir).to_owned(), name.to_owned()))
}

/// The workbook relationships: id to target and type, both raw. Read up to
/// the end tag of `<Relationships>`, as calamine reads them (None without it).
pub(super) fn relationships(xml: &[u8]) -> Option<HashMap<Vec<u8>, (String, String)>> {
    let mut xml = Scanner::new(xml);
    let mut found = HashMap::new();
    loop {
        match next_checked(&mut xml)? {
            Event::Start(tag) if tag.local_name() == b"Relationship" => {
                let text = |v: Option<&[u8]>| String::from_utf8(v.unwrap_or_default().to_vec()).ok();
                if let Some(id) = tag.attribute(b"Id").ok()? {
                    let target = text(tag.attribute(b"Target").ok()?)?;
                    let kind = text(tag.attribute(b"Type").ok()?)?;
                    found.insert(id.to_vec(), (target, kind));
                }
            }
            Event::End(name) if local_name(name) == b"Relationships" => return Some(found),
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// The sheets in workbook order, the zip path of each, and the date epoch.
/// Read up to the end tag of `<workbook>`, as calamine reads it (None
/// without it).
pub(super) fn sheets(
    xml: &[u8],
    relationships: &HashMap<Vec<u8>, (String, String)>,
    xl_path: &str,
) -> Option<(Vec<Sheet>, Vec<String>, bool)> {
    let mut xml = Scanner::new(xml);
    let (mut sheets, mut parts, mut is_1904) = (Vec::new(), Vec::new(), false);
    loop {
        match next_checked(&mut xml)? {
            Event::Start(tag) if tag.local_name() == b"sheet" => {
                let (mut name, mut visible, mut id) = (String::new(), SheetVisible::Visible, &b""[..]);
                for pair in tag.attributes() {
                    let (key, value) = pair.ok()?;
                    match key {
                        b"name" => name = attribute_text(value).ok()?,
                        b"state" => {
                            visible = match value {
                                b"visible" => SheetVisible::Visible,
                                b"hidden" => SheetVisible::Hidden,
                                b"veryHidden" => SheetVisible::VeryHidden,
                                _ => return None,
                            }
                        }
                        key if local_name(key) == b"id" => id = value,
                        _ => {}
                    }
                }
                let (target, kind) = relationships.get(id)?;
                let typ = match kind.rsplit('/').next() {
                    Some("worksheet") => SheetType::WorkSheet,
                    Some("chartsheet") => SheetType::ChartSheet,
                    Some("dialogsheet") => SheetType::DialogSheet,
                    _ => return None,
                };
                parts.push(target.strip_prefix('/').map_or_else(|| format!("{xl_path}{target}"), str::to_owned));
                sheets.push(Sheet { name, typ, visible });
            }
            Event::Start(tag) if tag.local_name() == b"workbookPr" => {
                if let Some(v) = tag.attribute(b"date1904").ok()? {
                    is_1904 = v == b"1" || v == b"true";
                }
            }
            Event::End(name) if local_name(name) == b"workbook" => return Some((sheets, parts, is_1904)),
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// Bytes inflated per block, and blocks in flight per part.
const INFLATED_BLOCK: usize = 128 * 1024;
const BLOCKS_IN_FLIGHT: usize = 8;

/// A part of the package as another thread inflates it, block by block.
pub(super) struct Inflated {
    blocks: Receiver<std::io::Result<Vec<u8>>>,
    block: Vec<u8>,
    at: usize,
}

impl Read for Inflated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.block.len() {
            match self.blocks.recv() {
                Ok(block) => {
                    self.block = block?;
                    self.at = 0;
                }
                // The inflating thread is done with this part.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.block.len() - self.at);
        buf[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Inflates `parts` one after the other on a thread of its own, so that
/// decompression overlaps parsing; the parts are read back in the same order.
pub(super) fn inflate(mut archive: Archive, parts: Vec<String>) -> Vec<Inflated> {
    let (senders, readers): (Vec<_>, Vec<_>) = parts
        .iter()
        .map(|_| {
            let (sender, blocks) = sync_channel(BLOCKS_IN_FLIGHT);
            (sender, Inflated { blocks, block: Vec::new(), at: 0 })
        })
        .collect();
    std::thread::spawn(move || {
        // zip parses untrusted bytes: a panic ends the parts early (the
        // parser then reports the XML as cut short) instead of the process.
        let _ = catch_unwind(AssertUnwindSafe(move || {
            for (part, sender) in parts.iter().zip(senders) {
                if !inflate_part(&mut archive, part, &sender) {
                    return;
                }
            }
        }));
    });
    readers
}

/// Sends one part in blocks; false once the parser has gone.
pub(super) fn inflate_part(archive: &mut Archive, part: &str, sender: &SyncSender<std::io::Result<Vec<u8>>>) -> bool {
    let mut entry = match archive.by_name(part) {
        Ok(entry) => entry,
        Err(error) => return sender.send(Err(std::io::Error::other(error))).is_ok(),
    };
    loop {
        let mut block = vec![0; INFLATED_BLOCK];
        let mut filled = 0;
        while filled < block.len() {
            match entry.read(&mut block[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return sender.send(Err(error)).is_ok(),
            }
        }
        if filled == 0 {
            return true;
        }
        block.truncate(filled);
        if sender.send(Ok(block)).is_err() {
            return false;
        }
    }
}
