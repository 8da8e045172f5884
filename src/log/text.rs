//! Text as Unity sends it, made safe for one buffer line: rich-text tags go, control
//! characters and escape sequences are replaced, lines split and cut on character boundaries.
//! Knows nothing of the log window's layout (that is `look`).

use std::borrow::Cow;

/// Whether `b` may need cleaning: a control character, the start of a rich-text tag, or the
/// first byte of a C1 control character's UTF-8 (U+0080-U+009F; U+009B is a terminal's CSI).
fn special(b: u8) -> bool {
    b < 0x20 || b == 0x7f || b == b'<' || b == 0xc2
}

/// Length of the rich-text tag Unity's console would hide at the start of `s` (which starts
/// with '<'): `<b>`, `</i>`, `<color=red>`, `</size>`, `<material=2>`, `<quad ...>`.
fn tag_len(s: &[u8]) -> Option<usize> {
    let close = s.get(1) == Some(&b'/');
    let name = &s[1 + close as usize..];
    if name.len() >= 2 && matches!(name[0], b'b' | b'i' | b'u') && name[1] == b'>' {
        return Some(1 + close as usize + 2);
    }
    let attr = ["color", "size", "material", "quad"]
        .iter()
        .find(|n| name.starts_with(n.as_bytes()) && !(close && **n == "quad"))?;
    let end = s.iter().position(|&b| b == b'>')?;
    (end >= 1 + close as usize + attr.len()).then_some(end + 1)
}

/// Length of the terminal escape sequence at the start of `s` (which starts with ESC): CSI
/// (`ESC [ params final`), or OSC/DCS (`ESC ]` or `ESC P` up to BEL or ESC, then `\`).
fn escape_len(s: &[u8]) -> Option<usize> {
    match s.get(1)? {
        b'[' => {
            let params = s[2..]
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b';' || **b == b'?')
                .count();
            let fin = *s.get(2 + params)?;
            (fin.is_ascii_alphabetic() || fin == b'@').then_some(3 + params)
        }
        b']' | b'P' => {
            let body = s[2..]
                .iter()
                .position(|&b| b == 0x1b || b == 0x07)
                .map_or(s.len(), |p| 2 + p + 1);
            Some(body + (s.get(body) == Some(&b'\\')) as usize)
        }
        _ => None,
    }
}

/// The text with rich-text tags and escape sequences removed, tabs as four spaces and other
/// control characters as spaces. Most lines hold nothing to clean and are not copied.
pub fn clean(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    if !b.iter().any(|&c| special(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let skip = match c {
            0x1b => escape_len(&b[i..]),
            b'<' => tag_len(&b[i..]),
            _ => None,
        };
        if let Some(n) = skip {
            i += n;
            continue;
        }
        if c == 0xc2 && matches!(b.get(i + 1), Some(0x80..=0x9f)) {
            out.push(b' ');
            i += 2;
            continue;
        }
        match c {
            b'\t' => out.extend_from_slice(b"    "),
            0x00..=0x1f | 0x7f => out.push(b' '),
            _ => out.push(c),
        }
        i += 1;
    }
    // Only ASCII bytes were removed or replaced, and never from inside a UTF-8 sequence.
    Cow::Owned(
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub fn fit(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    &s[..i]
}

/// The lines of `s`: split on '\n', one '\r' before it dropped, trailing blank lines dropped.
pub fn split(s: &str) -> Vec<&str> {
    let mut out: Vec<&str> = s
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    out
}

/// The first line of a message, as `split` would give it, without splitting the rest (a
/// flood's hot path).
pub fn first_line(message: &str) -> &str {
    match message.split_once('\n') {
        _ if message.trim().is_empty() => "",
        Some((first, _)) => first.strip_suffix('\r').unwrap_or(first),
        None => message,
    }
}

/// Every line of `s`, cleaned and uncut: an entry's whole text, for Lua to show.
pub fn lines(s: &str) -> Vec<String> {
    split(s)
        .into_iter()
        .map(|l| clean(l).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_removes_tags_and_escapes_and_replaces_controls() {
        assert!(matches!(clean("plain text"), Cow::Borrowed(_)));
        assert_eq!(
            clean("<color=red>Hit</color> <b>x</b><i>y</i><u>z</u>"),
            "Hit xyz"
        );
        assert_eq!(
            clean("<size=20>big</size><material=1>m</material><quad w=1>q"),
            "bigmq"
        );
        assert_eq!(clean("a < b and c<d>"), "a < b and c<d>", "not tags");
        assert_eq!(clean("\x1b[31;1mred\x1b[0m"), "red");
        assert_eq!(clean("\x1b]0;title\x07after"), "after");
        assert_eq!(clean("\x1b]8;;http://x\x1b\\link"), "link");
        assert_eq!(clean("a\tb\rc\0d\x7fe"), "a    b c d e");
        assert_eq!(clean("\x1b[12"), " [12", "no final byte: not a sequence");
        assert_eq!(clean("é<b>ü</b>\x01"), "éü ");
        assert_eq!(clean("90° \u{9b}31m £"), "90°  31m £", "C1 controls too");
    }

    #[test]
    fn fit_keeps_characters_whole() {
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("abcdef", 3), "abc");
        // 'é' is two bytes: a cut inside it backs up.
        assert_eq!(fit("aéb", 2), "a");
    }

    #[test]
    fn first_line_and_lines() {
        assert_eq!(first_line("one\r\ntwo"), "one");
        assert_eq!(first_line("  \n "), "");
        assert_eq!(lines("a<b>b</b>\r\n\tc\n\n"), vec!["ab", "    c"]);
    }

    #[test]
    fn split_drops_cr_and_trailing_blank_lines() {
        assert_eq!(split("a\r\nb\n\n  \n"), vec!["a", "b"]);
        assert_eq!(split("one"), vec!["one"]);
        assert!(split("   ").is_empty());
        assert_eq!(split("a\n\nb"), vec!["a", "", "b"]);
    }
}
