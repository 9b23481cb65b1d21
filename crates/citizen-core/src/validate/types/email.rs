//! E-mail addresses, checked by the `email_address` library (no display text,
//! no domain literal, a top-level domain required). The plain ASCII form that
//! nearly every address in a municipal file has (`name.surname@host.co.il`)
//! takes a fast path; a differential test proves the library accepts every
//! address the fast path accepts, and anything else goes to the library.

/// Whether `trimmed` is a valid e-mail address.
pub fn is_valid_email(trimmed: &str) -> bool {
    fast_path(trimmed) || by_library(trimmed)
}

/// The library alone.
pub fn by_library(trimmed: &str) -> bool {
    let options = email_address::Options::default().without_display_text().without_domain_literal().with_required_tld();
    email_address::EmailAddress::parse_with_options(trimmed, options).is_ok()
}

/// Longest local part and domain the library allows (RFC 5321).
const LOCAL_MAX: usize = 64;
const DOMAIN_MAX: usize = 254;
const LABEL_MAX: usize = 63;

/// True only for `local@domain` where the local part is dot-separated runs of
/// ASCII letters, digits, `_`, `+` and `-`, and the domain is at least two
/// dot-separated labels of letters, digits and inner hyphens.
fn fast_path(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(at) = bytes.iter().position(|&b| b == b'@') else { return false };
    let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
    if local.is_empty() || local.len() > LOCAL_MAX || domain.len() > DOMAIN_MAX {
        return false;
    }
    // Dot-separated runs: no dot first, last or twice in a row.
    let mut previous = b'.';
    for &b in local {
        let ok =
            if b == b'.' { previous != b'.' } else { b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-') };
        if !ok {
            return false;
        }
        previous = b;
    }
    if previous == b'.' {
        return false;
    }
    let mut labels = 0usize;
    for label in domain.split(|&b| b == b'.') {
        let (Some(first), Some(last)) = (label.first(), label.last()) else { return false };
        if label.len() > LABEL_MAX
            || !first.is_ascii_alphanumeric()
            || !last.is_ascii_alphanumeric()
            || !label.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        {
            return false;
        }
        labels += 1;
    }
    labels >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(state: &mut u64) -> u64 {
        *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        *state >> 33
    }

    fn pick<'a>(state: &mut u64, items: &[&'a str]) -> &'a str {
        items[(lcg(state) % items.len() as u64) as usize]
    }

    /// A random address-like string: runs and labels of characters that
    /// matter, then sometimes one character from a wider set put anywhere.
    fn candidate(state: &mut u64) -> String {
        let runs = ["a", "Z9", "x_y", "a+b", "-", "_", "0", "q-r", "", "é", "א"];
        let labels = ["com", "co", "il", "a-b", "-a", "a-", "9", "x", "", "א", "bb-"];
        let wide =
            ["@", ".", " ", "<", ">", "\"", "[", "]", "(", ")", ",", ";", ":", "\\", "!", "#", "\u{a0}", "-", "א"];
        let mut local = String::new();
        for index in 0..=(lcg(state) % 3) {
            if index > 0 {
                local.push('.');
            }
            local.push_str(pick(state, &runs));
        }
        let mut domain = String::new();
        for index in 0..=(lcg(state) % 4) {
            if index > 0 {
                domain.push('.');
            }
            domain.push_str(pick(state, &labels));
        }
        let mut text = format!("{local}@{domain}");
        if lcg(state).is_multiple_of(2) {
            let mut at = (lcg(state) % (text.len() as u64 + 1)) as usize;
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, pick(state, &wide));
        }
        text
    }

    #[test]
    fn fast_path_agrees_with_library_on_every_input_it_accepts() {
        let mut state = 11u64;
        let mut accepted = 0usize;
        for _ in 0..200_000 {
            let text = candidate(&mut state);
            if fast_path(&text) {
                accepted += 1;
                assert!(by_library(&text), "fast path accepted {text:?}, the library does not");
            }
        }
        // Addresses at and beyond the length limits.
        for local_len in [1, 63, 64, 65] {
            for label_len in [1, 62, 63, 64] {
                for labels in [1, 2, 3, 5] {
                    let local = "a".repeat(local_len);
                    let domain = vec!["b".repeat(label_len); labels].join(".");
                    let text = format!("{local}@{domain}");
                    if fast_path(&text) {
                        accepted += 1;
                        assert!(by_library(&text), "fast path accepted {text:?}, the library does not");
                    }
                }
            }
        }
        assert!(accepted > 5_000, "the fast path took only {accepted} inputs");
    }

    #[test]
    fn common_addresses_take_the_fast_path() {
        for text in ["a.b@example.org", "rivka_katz+tag@walla.co.il", "x-1@a-b.com", "D.Levi99@Gmail.COM"] {
            assert!(fast_path(text), "{text}");
            assert!(by_library(text), "{text}");
        }
    }

    #[test]
    fn invalid_addresses_are_refused_by_both() {
        for text in
            ["", "a@", "@b.org", "a@b", "a..b@c.org", ".a@b.org", "a@-b.org", "a@b-.org", "a b@c.org", "Name <a@b.org>"]
        {
            assert!(!is_valid_email(text), "{text}");
        }
    }
}
