//! How a log entry becomes buffer lines: a header line (clock, level, first line of the
//! message), then the rest of the message and the stack trace indented beneath it, which the
//! log window folds by indent. Nothing a message holds can break the layout: rich-text tags
//! go, control characters and escape sequences are replaced, and very long lines are cut (the
//! full text is one key away). Runs on the reader thread, off Neovim's main loop.

use crate::protocol::Level;
use std::borrow::Cow;
use std::cell::RefCell;

/// Body lines start with this; headers never start with a blank, so folding by indent puts
/// each entry's body in one fold under its header.
pub const INDENT: &str = "  ";
pub const STACK_INDENT: &str = "    ";

pub fn label(level: Level) -> &'static str {
    match level {
        Level::Log => "LOG ",
        Level::Warning => "WARN",
        Level::Error => "ERR ",
        Level::Exception => "EXC ",
        Level::Assert => "ASRT",
    }
}

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

/// `s` cut to at most `max` bytes on a character boundary, the cut marked.
pub fn cut(s: String, max: usize) -> String {
    if s.len() <= max {
        return s;
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    format!("{} … ({} more bytes, K shows all)", &s[..i], s.len() - i)
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

thread_local! {
    /// The last second formatted: consecutive messages mostly share it.
    static LAST_SECOND: RefCell<(i64, String)> = const { RefCell::new((i64::MIN, String::new())) };
}

/// Appends `HH:MM:SS.mmm` in local time for Unix milliseconds; dashes when Unity sent no time.
fn push_clock(out: &mut String, ms: Option<i64>) {
    let Some(ms) = ms else {
        out.push_str("--:--:--.---");
        return;
    };
    let (sec, milli) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    LAST_SECOND.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != sec {
            *last = (sec, hms(sec));
        }
        out.push_str(&last.1);
    });
    out.push('.');
    for d in [milli / 100, milli / 10 % 10, milli % 10] {
        out.push(char::from(b'0' + d as u8));
    }
}

fn hms(sec: i64) -> String {
    let t = sec as nix::libc::time_t;
    // SAFETY: localtime_r writes only into `tm`, which lives for the call.
    let mut tm: nix::libc::tm = unsafe { std::mem::zeroed() };
    if unsafe { nix::libc::localtime_r(&t, &mut tm) }.is_null() {
        return "??:??:??".into();
    }
    format!("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec)
}

/// The header line of a log entry; `repeats` > 1 shows how many identical entries it stands
/// for (collapsing).
pub fn header(level: Level, time: Option<i64>, message: &str, repeats: u64, max: usize) -> String {
    // The first line, as `split` would give it, without splitting the rest (a flood's hot path).
    let first = match message.split_once('\n') {
        _ if message.trim().is_empty() => "",
        Some((first, _)) => first.strip_suffix('\r').unwrap_or(first),
        None => message,
    };
    let first = clean(first);
    let mut h = String::with_capacity(18 + first.len());
    push_clock(&mut h, time);
    h.push(' ');
    h.push_str(label(level));
    h.push(' ');
    h.push_str(&first);
    if repeats > 1 {
        h.push_str(&format!("  (×{repeats})"));
    }
    cut(h, max)
}

/// The lines shown beneath the header when an entry is expanded: the rest of the message,
/// then the stack trace, indented (blank lines left out).
pub fn body(message: &str, stack: Option<&str>, max: usize) -> Vec<String> {
    let line = |indent: &str, l: &str| cut(format!("{indent}{}", clean(l)), max);
    let blank = |l: &&str| !l.trim().is_empty();
    let rest = split(message)
        .into_iter()
        .skip(1)
        .filter(blank)
        .map(|l| line(INDENT, l));
    let frames = stack.map(split).unwrap_or_default();
    rest.chain(
        frames
            .into_iter()
            .filter(blank)
            .map(|l| line(STACK_INDENT, l)),
    )
    .collect()
}

/// Whether `body` would show anything, without making it.
pub fn has_body(message: &str, stack: Option<&str>) -> bool {
    let more = |s: &str, skip: usize| s.split('\n').skip(skip).any(|l| !l.trim().is_empty());
    more(message, 1) || stack.is_some_and(|s| more(s, 0))
}

/// The line of a marker (connection changes, losses).
pub fn marker(message: &str, max: usize) -> String {
    cut(format!("── {} ──", clean(message)), max)
}

/// Every line of `s`, cleaned and uncut: the whole entry, for the `K` float.
pub fn full(s: &str) -> Vec<String> {
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
    fn cut_keeps_characters_whole() {
        assert_eq!(cut("short".into(), 10), "short");
        assert_eq!(cut("abcdef".into(), 3), "abc … (3 more bytes, K shows all)");
        // 'é' is two bytes: a cut inside it backs up.
        assert_eq!(cut("aéb".into(), 2), "a … (3 more bytes, K shows all)");
    }

    #[test]
    fn split_drops_cr_and_trailing_blank_lines() {
        assert_eq!(split("a\r\nb\n\n  \n"), vec!["a", "b"]);
        assert_eq!(split("one"), vec!["one"]);
        assert!(split("   ").is_empty());
        assert_eq!(split("a\n\nb"), vec!["a", "", "b"]);
    }

    fn clock(ms: Option<i64>) -> String {
        let mut s = String::new();
        push_clock(&mut s, ms);
        s
    }

    #[test]
    fn clock_formats_local_time_and_missing_time() {
        assert_eq!(clock(None), "--:--:--.---");
        let c = clock(Some(1_700_000_000_123));
        assert_eq!(c.len(), 12);
        assert!(c.ends_with(".123"), "{c}");
        assert_eq!(&c[..8], hms(1_700_000_000));
        assert!(clock(Some(-1)).ends_with(".999"), "before 1970 rounds down");
    }

    #[test]
    fn the_body_holds_the_rest_of_the_message_and_the_stack() {
        let (msg, stack) = (
            "Boom <b>here</b>\nsecond line\n\n",
            "Game.A:B () (at Assets/A.cs:3)\n\nGame.C:D ()\n",
        );
        assert_eq!(
            header(Level::Error, None, msg, 1, 200),
            "--:--:--.--- ERR  Boom here"
        );
        assert_eq!(
            body(msg, Some(stack), 200),
            vec![
                "  second line",
                "    Game.A:B () (at Assets/A.cs:3)",
                "    Game.C:D ()"
            ]
        );
        assert!(has_body(msg, Some(stack)));
        assert!(has_body("one\ntwo", None));
        assert!(!has_body("one\n \n", Some("\n")));
        assert!(body("one\n \n", Some("\n"), 200).is_empty());
    }

    #[test]
    fn headers_show_repeats_and_are_cut() {
        let h = header(Level::Log, None, "same", 3, 200);
        assert_eq!(h, "--:--:--.--- LOG  same  (×3)");
        let long = "x".repeat(500);
        let h = header(Level::Warning, None, &long, 1, 100);
        assert!(h.starts_with("--:--:--.--- WARN xxx"));
        assert!(h.ends_with("more bytes, K shows all)"), "{h}");
        assert_eq!(marker("Unity \x1b[1mquit", 100), "── Unity quit ──");
    }
}
