//! Generates strings that match a contract `pattern`, for columns whose
//! natural sample values do not (a code such as `[A-Z]{2}-[0-9]{3}`).
//!
//! Only the common subset is understood: literals and escapes, `.`, `\d \w \s`,
//! classes `[a-z0-9_]` (negated ones too), groups `(...)`, `(?:...)`,
//! alternation `|`, and the quantifiers `? * + {n} {n,} {n,m}`; anchors and
//! inline flags are ignored. Anything else gives `None`, and every result is
//! checked against the real compiled regex by the caller anyway.

use super::rng::Rng;

/// One element of the parsed pattern.
#[derive(Debug, Clone)]
enum Node {
    Literal(char),
    /// Inclusive ranges; `negated` means any char outside them.
    Class {
        ranges: Vec<(char, char)>,
        negated: bool,
    },
    /// Alternatives, each a sequence.
    Group(Vec<Vec<Node>>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: u32,
    },
}

/// A parsed pattern ready to sample from.
#[derive(Debug, Clone)]
pub(crate) struct PatternSampler {
    alternatives: Vec<Vec<Node>>,
}

/// Extra repetitions allowed for open-ended quantifiers (`*`, `+`, `{n,}`).
const OPEN_EXTRA: u32 = 3;

/// Characters sampled for `.` and negated classes.
const POOL: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789אבגדהוזחטיכלמנסעפצקרשת";

impl PatternSampler {
    /// Parses `pattern`; `None` when it uses syntax outside the supported subset.
    pub(crate) fn new(pattern: &str) -> Option<PatternSampler> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut parser = Parser { chars, at: 0 };
        let alternatives = parser.alternation()?;
        if parser.at != parser.chars.len() {
            return None;
        }
        Some(PatternSampler { alternatives })
    }

    /// The `index`-th string of a fixed shape of the pattern (first
    /// alternative of every group, longest repetition), counting like an
    /// odometer; distinct indexes give distinct strings. `None` past the end.
    pub(crate) fn nth(&self, index: u64) -> Option<String> {
        let mut slots: Vec<Slot<'_>> = Vec::new();
        for node in self.alternatives.first()? {
            flatten(node, &mut slots);
        }
        let mut capacity: u128 = 1;
        for slot in &slots {
            if let Slot::Class(ranges, negated) = slot {
                capacity = capacity.saturating_mul(class_size(ranges, *negated) as u128);
            }
        }
        if u128::from(index) >= capacity {
            return None;
        }
        let mut rest = index;
        let mut chars: Vec<char> = Vec::with_capacity(slots.len());
        for slot in slots.iter().rev() {
            match slot {
                Slot::Literal(c) => chars.push(*c),
                Slot::Class(ranges, negated) => {
                    let size = class_size(ranges, *negated);
                    chars.push(class_char(ranges, *negated, rest % size)?);
                    rest /= size;
                }
            }
        }
        Some(chars.into_iter().rev().collect())
    }

    /// One random string the pattern (probably) matches.
    pub(crate) fn sample(&self, rng: &mut Rng) -> String {
        let mut out = String::new();
        let sequence = rng.pick(&self.alternatives);
        for node in sequence {
            emit(node, rng, &mut out);
        }
        out
    }
}

/// One position of a pattern's fixed shape.
enum Slot<'a> {
    Literal(char),
    Class(&'a [(char, char)], bool),
}

fn flatten<'a>(node: &'a Node, slots: &mut Vec<Slot<'a>>) {
    match node {
        Node::Literal(c) => slots.push(Slot::Literal(*c)),
        Node::Class { ranges, negated } => slots.push(Slot::Class(ranges, *negated)),
        Node::Group(alternatives) => {
            for inner in alternatives.first().into_iter().flatten() {
                flatten(inner, slots);
            }
        }
        Node::Repeat { node, max, .. } => {
            for _ in 0..*max {
                flatten(node, slots);
            }
        }
    }
}

/// Characters of `POOL` outside the ranges (for negated classes and `.`).
fn outside(ranges: &[(char, char)]) -> impl Iterator<Item = char> + '_ {
    POOL.chars().filter(move |c| !ranges.iter().any(|(a, b)| (a..=b).contains(&c)))
}

fn class_size(ranges: &[(char, char)], negated: bool) -> u64 {
    if negated {
        outside(ranges).count() as u64
    } else {
        ranges.iter().map(|(a, b)| u64::from(*b) - u64::from(*a) + 1).sum()
    }
}

/// The `index`-th character of a class.
fn class_char(ranges: &[(char, char)], negated: bool, mut index: u64) -> Option<char> {
    if negated {
        return outside(ranges).nth(index as usize);
    }
    for (a, b) in ranges {
        let size = u64::from(*b) - u64::from(*a) + 1;
        if index < size {
            return char::from_u32(*a as u32 + index as u32);
        }
        index -= size;
    }
    None
}

fn emit(node: &Node, rng: &mut Rng, out: &mut String) {
    match node {
        Node::Literal(c) => out.push(*c),
        Node::Class { ranges, negated } => {
            let size = class_size(ranges, *negated);
            if let Some(c) = class_char(ranges, *negated, rng.below(size)) {
                out.push(c);
            }
        }
        Node::Group(alternatives) => {
            for inner in rng.pick(alternatives) {
                emit(inner, rng, out);
            }
        }
        Node::Repeat { node, min, max } => {
            let count = rng.range_i64(i64::from(*min), i64::from(*max));
            for _ in 0..count {
                emit(node, rng, out);
            }
        }
    }
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn alternation(&mut self) -> Option<Vec<Vec<Node>>> {
        let mut alternatives = vec![self.sequence()?];
        while self.peek() == Some('|') {
            self.at += 1;
            alternatives.push(self.sequence()?);
        }
        Some(alternatives)
    }

    fn sequence(&mut self) -> Option<Vec<Node>> {
        let mut nodes = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let Some(atom) = self.atom()? else { continue };
            let node = self.quantified(atom)?;
            nodes.push(node);
        }
        Some(nodes)
    }

    /// An atom, or `Some(None)` for zero-width syntax (anchors, flags).
    fn atom(&mut self) -> Option<Option<Node>> {
        let c = self.next()?;
        Some(Some(match c {
            '^' | '$' => return Some(None),
            '.' => Node::Class { ranges: vec![('\n', '\n')], negated: true },
            '[' => self.class()?,
            '(' => {
                if self.peek() == Some('?') {
                    self.at += 1;
                    // Inline flags `(?i)` or a flagged group `(?i:...)`; `(?:` included.
                    while let Some(f) = self.peek() {
                        if f.is_ascii_alphabetic() || f == '-' {
                            self.at += 1;
                        } else {
                            break;
                        }
                    }
                    match self.next()? {
                        ')' => return Some(None),
                        ':' => {}
                        _ => return None,
                    }
                }
                let alternatives = self.alternation()?;
                if self.next()? != ')' {
                    return None;
                }
                Node::Group(alternatives)
            }
            '\\' => match self.escape()? {
                Escape::Node(node) => node,
                Escape::ZeroWidth => return Some(None),
            },
            '*' | '+' | '?' | '{' | ')' => return None,
            other => Node::Literal(other),
        }))
    }

    fn escape(&mut self) -> Option<Escape> {
        let c = self.next()?;
        Some(Escape::Node(match c {
            'd' => Node::Class { ranges: vec![('0', '9')], negated: false },
            'D' => Node::Class { ranges: vec![('0', '9')], negated: true },
            'w' => Node::Class { ranges: word_ranges(), negated: false },
            's' => Node::Literal(' '),
            'b' | 'B' | 'A' | 'z' => return Some(Escape::ZeroWidth),
            'n' => Node::Literal('\n'),
            't' => Node::Literal('\t'),
            c if c.is_ascii_alphanumeric() => return None,
            c => Node::Literal(c),
        }))
    }

    fn class(&mut self) -> Option<Node> {
        let mut negated = false;
        if self.peek() == Some('^') {
            negated = true;
            self.at += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.next()?;
            if c == ']' && !first {
                break;
            }
            first = false;
            let low = match c {
                '\\' => match self.next()? {
                    'd' => {
                        ranges.push(('0', '9'));
                        continue;
                    }
                    'w' => {
                        ranges.extend(word_ranges());
                        continue;
                    }
                    's' => {
                        ranges.push((' ', ' '));
                        continue;
                    }
                    e if e.is_ascii_alphanumeric() => return None,
                    e => e,
                },
                '[' => return None,
                c => c,
            };
            if self.peek() == Some('-') && self.chars.get(self.at + 1).is_some_and(|&n| n != ']') {
                self.at += 1;
                let mut high = self.next()?;
                if high == '\\' {
                    high = self.next()?;
                }
                if high < low {
                    return None;
                }
                ranges.push((low, high));
            } else {
                ranges.push((low, low));
            }
        }
        Some(Node::Class { ranges, negated })
    }

    fn quantified(&mut self, atom: Node) -> Option<Node> {
        let (min, max) = match self.peek() {
            Some('?') => (0, 1),
            Some('*') => (0, OPEN_EXTRA),
            Some('+') => (1, 1 + OPEN_EXTRA),
            Some('{') => {
                let close = self.chars[self.at..].iter().position(|&c| c == '}')? + self.at;
                let inside: String = self.chars[self.at + 1..close].iter().collect();
                let (min, max) = match inside.split_once(',') {
                    None => {
                        let n = inside.trim().parse::<u32>().ok()?;
                        (n, n)
                    }
                    Some((lo, "")) => {
                        let n = lo.trim().parse::<u32>().ok()?;
                        (n, n + OPEN_EXTRA)
                    }
                    Some((lo, hi)) => (lo.trim().parse::<u32>().ok()?, hi.trim().parse::<u32>().ok()?),
                };
                if min > max || max > 1000 {
                    return None;
                }
                self.at = close;
                (min, max)
            }
            _ => return Some(atom),
        };
        self.at += 1;
        if self.peek() == Some('?') {
            self.at += 1;
        }
        Some(Node::Repeat { node: Box::new(atom), min, max })
    }
}

enum Escape {
    Node(Node),
    ZeroWidth,
}

fn word_ranges() -> Vec<(char, char)> {
    vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')]
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    #[test]
    fn samples_match_their_patterns() {
        let patterns = [
            "[0-9]{1,5}",
            "[A-Z]{2}-[0-9]{3}",
            "(?:TA|JR|HF)[0-9]+",
            "\\d{3}\\.\\d?",
            "[^0-9]{2,4}x*",
            "(?i)ab(c|d)e?",
            "^[א-ת]{2,6}$",
            "[\\w-]{3}",
        ];
        let mut rng = Rng::new(3);
        for pattern in patterns {
            let sampler = PatternSampler::new(pattern);
            let Some(sampler) = sampler else { panic!("{pattern} not understood") };
            let regex = Regex::new(&format!("^(?:{pattern})$")).unwrap_or_else(|e| panic!("{e}"));
            for _ in 0..200 {
                let text = sampler.sample(&mut rng);
                assert!(regex.is_match(&text), "{pattern} gave {text:?}");
            }
        }
    }

    #[test]
    fn nth_counts_distinct_matching_strings() {
        let sampler = PatternSampler::new("[A-Z]{2}-[0-9]{3,4}");
        let Some(sampler) = sampler else { panic!("not understood") };
        let regex = Regex::new("^(?:[A-Z]{2}-[0-9]{3,4})$").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sampler.nth(0).as_deref(), Some("AA-0000"));
        assert_eq!(sampler.nth(10_001).as_deref(), Some("AB-0001"));
        let mut seen = std::collections::HashSet::new();
        for index in (0..6_760_000u64).step_by(997) {
            let text = sampler.nth(index).unwrap_or_default();
            assert!(regex.is_match(&text), "{text}");
            assert!(seen.insert(text));
        }
        assert_eq!(sampler.nth(6_760_000), None);
    }

    #[test]
    fn unsupported_syntax_is_refused() {
        for pattern in ["(unclosed", "a{2", "[[:alpha:]]", "\\p{L}+", "*a"] {
            assert!(PatternSampler::new(pattern).is_none(), "{pattern}");
        }
    }
}
