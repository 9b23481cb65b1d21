//! The workbook's cell styles as the fast path needs them: which make a
//! number a date or a duration, as calamine decides it.

use super::xml_scan::{attribute_text, local_name, next_checked, Event, Scanner};
use std::collections::HashMap;

/// How a cell style shows a number; only dates and durations change the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NumberKind {
    Plain,
    DateTime,
    Duration,
}

/// The number kind of each cell style (`cellXfs`), from built-in format ids
/// and the workbook's own format codes. Read as calamine reads the part, so
/// that a part calamine refuses sends the workbook to it (None): up to the
/// end tag of `<styleSheet>`, each list (`numFmts`, `fonts`, `fills`,
/// `borders`, `cellXfs`) read to its own end tag, and inside them each
/// `font`, `fill`, `border` (and its sides) and `xf` read to its own end tag,
/// so that an end tag of another name ends nothing, and the part ending
/// inside any of them is refused.
pub(super) fn number_formats(xml: &[u8]) -> Option<Vec<NumberKind>> {
    let mut xml = Scanner::new(xml);
    let mut codes: HashMap<Vec<u8>, String> = HashMap::new();
    let mut kinds = Vec::new();
    // The end tags calamine's nested loops wait for, innermost last.
    let mut awaiting: Vec<&'static [u8]> = Vec::new();
    loop {
        match next_checked(&mut xml)? {
            Event::Start(tag) => {
                let local = tag.local_name();
                let opens = match awaiting.last().copied() {
                    None => LISTS.iter().copied().find(|&list| list == local),
                    Some(b"numFmts") => {
                        if local == b"numFmt" {
                            if let (Some(id), Some(code)) =
                                (tag.attribute(b"numFmtId").ok()?, tag.attribute(b"formatCode").ok()?)
                            {
                                codes.insert(id.to_vec(), attribute_text(code).ok()?);
                            }
                        }
                        None
                    }
                    Some(b"fonts") => (local == b"font").then_some(b"font".as_slice()),
                    Some(b"font") => {
                        // calamine decodes a font's name, refusing a bad entity.
                        if local == b"name" {
                            if let Some(name) = tag.attribute(b"val").ok()? {
                                attribute_text(name).ok()?;
                            }
                        }
                        None
                    }
                    Some(b"fills") => (local == b"fill").then_some(b"fill".as_slice()),
                    Some(b"borders") => (local == b"border").then_some(b"border".as_slice()),
                    Some(b"border") => BORDER_SIDES.iter().copied().find(|&side| side == local),
                    Some(b"cellXfs") if local == b"xf" => {
                        kinds.push(tag.attribute(b"numFmtId").ok()?.map_or(NumberKind::Plain, |id| {
                            codes.get(id).map_or_else(|| builtin_format(id), |code| custom_format(code))
                        }));
                        Some(b"xf".as_slice())
                    }
                    Some(_) => None,
                };
                awaiting.extend(opens);
            }
            Event::End(name) => {
                let local = local_name(name);
                if awaiting.last().copied() == Some(local) {
                    awaiting.pop();
                } else if awaiting.is_empty() && local == b"styleSheet" {
                    return Some(kinds);
                }
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// The lists of `styles.xml` calamine reads each to its end tag.
const LISTS: [&[u8]; 5] = [b"numFmts", b"fonts", b"fills", b"borders", b"cellXfs"];

/// The sides of a `<border>`, each read to its end tag.
const BORDER_SIDES: [&[u8]; 5] = [b"left", b"right", b"top", b"bottom", b"diagonal"];

/// The built-in number formats that show dates, times or durations (ECMA-376 18.8.30).
pub(super) fn builtin_format(id: &[u8]) -> NumberKind {
    match id {
        b"14" | b"15" | b"16" | b"17" | b"18" | b"19" | b"20" | b"21" | b"22" | b"45" | b"47" => NumberKind::DateTime,
        b"27" | b"28" | b"29" | b"30" | b"31" | b"32" | b"33" | b"34" | b"35" | b"36" | b"50" | b"51" | b"52"
        | b"53" | b"54" | b"55" | b"56" | b"57" | b"58" => NumberKind::DateTime,
        b"46" => NumberKind::Duration,
        _ => NumberKind::Plain,
    }
}

/// Whether a format code shows a date or a duration, as calamine decides it:
/// the first section only, quoted and escaped text and `[...]` parts skipped,
/// `[h]`, `[m]`, `[s]` make a duration.
pub(super) fn custom_format(code: &str) -> NumberKind {
    let (mut escaped, mut quoted, mut brackets, mut prev, mut hms, mut ap) = (false, false, 0u8, ' ', false, false);
    for c in code.chars() {
        match (c, escaped, quoted, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => quoted = false,
            (_, _, true, _, _) => (),
            ('"', ..) => quoted = true,
            (';', ..) => return NumberKind::Plain,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return NumberKind::Duration,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return NumberKind::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => return NumberKind::DateTime,
            _ => {
                if !(hms && c.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(c, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = c;
    }
    NumberKind::Plain
}
