//! The log window's layout, as configured (`log.look` in the Lua options): level labels, the
//! clock, the body and stack indents, the repeat count, marker lines and the cut mark. The one
//! place that turns entries into buffer lines; Lua derives the highlighting from the same
//! table. A header is `clock label message[count]`; body lines are the rest of the message
//! and the stack trace beneath, indented. Headers are made on the reader thread.

use crate::log::text::{clean, fit, split};
use crate::protocol::Level;
use std::cell::Cell;

/// What the configuration says, before it is checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// Indexed like `Level` (log, warning, error, exception, assert).
    pub labels: [String; 5],
    /// `%H`, `%M`, `%S` (local time), `%f` (milliseconds), `%%`; "" for no clock.
    pub clock: String,
    pub indent: String,
    pub stack_indent: String,
    /// Appended to a collapsed header; `%d` is the number of copies.
    pub count: String,
    /// A marker line (connection changes, losses); `%s` is the text.
    pub marker: String,
    /// Appended where a long line is cut; `%d` is the number of bytes left out.
    pub cut: String,
    /// The marker's text when entries left the history, for one and for more; `%d` is how
    /// many (worded in lua/unity/messages.lua, as every sentence).
    pub removed: [String; 2],
    /// Longest line, in bytes, before the cut mark.
    pub max_line: usize,
}

/// A plain look for Rust tests and tools. The plugin's defaults are config.lua's (its `cut`
/// names the key that shows a whole line); Lua gives every field (`look_spec`).
impl Default for Spec {
    fn default() -> Self {
        Self {
            labels: ["LOG ", "WARN", "ERR ", "EXC ", "ASRT"].map(String::from),
            clock: "%H:%M:%S.%f".into(),
            indent: "  ".into(),
            stack_indent: "    ".into(),
            count: "  (×%d)".into(),
            marker: "── %s ──".into(),
            cut: " … (%d more bytes)".into(),
            removed: [
                "%d older entry left the history",
                "%d older entries left the history",
            ]
            .map(String::from),
            max_line: 500,
        }
    }
}

/// A format with one hole: `before`, the value, `after`.
#[derive(Debug, Clone, PartialEq)]
struct Template {
    before: String,
    after: String,
}

impl Template {
    fn parse(name: &str, s: &str, hole: &str) -> Result<Self, String> {
        match s.split_once(hole) {
            Some((before, after)) if !after.contains(hole) && !s.contains('\n') => Ok(Self {
                before: before.into(),
                after: after.into(),
            }),
            _ => Err(format!(
                "log.look.{name} must hold {hole} once and no line break, got {s:?}"
            )),
        }
    }

    fn fill(&self, value: impl std::fmt::Display) -> String {
        format!("{}{value}{}", self.before, self.after)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Clock {
    Text(String),
    Hour,
    Minute,
    Second,
    Milli,
}

fn parse_clock(s: &str) -> Result<Vec<Clock>, String> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            text.push(c);
            continue;
        }
        let part = match chars.next() {
            Some('%') => {
                text.push('%');
                continue;
            }
            Some('H') => Clock::Hour,
            Some('M') => Clock::Minute,
            Some('S') => Clock::Second,
            Some('f') => Clock::Milli,
            other => {
                return Err(format!(
                    "log.look.clock: unknown %{} in {s:?} (%H, %M, %S, %f or %%)",
                    other.map_or(String::new(), String::from)
                ))
            }
        };
        if !text.is_empty() {
            out.push(Clock::Text(std::mem::take(&mut text)));
        }
        out.push(part);
    }
    if !text.is_empty() {
        out.push(Clock::Text(text));
    }
    Ok(out)
}

thread_local! {
    /// The last second turned into hours, minutes and seconds: consecutive messages mostly
    /// share it, and `localtime_r` is the costly part.
    static LAST_SECOND: Cell<(i64, [u8; 3])> = const { Cell::new((i64::MIN, [0; 3])) };
}

fn local_hms(sec: i64) -> [u8; 3] {
    let (last, hms) = LAST_SECOND.get();
    if last == sec {
        return hms;
    }
    let hms = localtime(sec).map_or([99; 3], |tm| {
        [tm.tm_hour as u8, tm.tm_min as u8, tm.tm_sec as u8]
    });
    LAST_SECOND.set((sec, hms));
    hms
}

#[cfg(unix)]
fn localtime(sec: i64) -> Option<nix::libc::tm> {
    let t = sec as nix::libc::time_t;
    // SAFETY: localtime_r writes only into `tm`, which lives for the call.
    let mut tm: nix::libc::tm = unsafe { std::mem::zeroed() };
    (!unsafe { nix::libc::localtime_r(&t, &mut tm) }.is_null()).then_some(tm)
}

#[cfg(windows)]
fn localtime(sec: i64) -> Option<libc::tm> {
    let t = sec as libc::time_t;
    // SAFETY: localtime_s writes only into `tm`, which lives for the call.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    (unsafe { libc::localtime_s(&mut tm, &t) } == 0).then_some(tm)
}

fn push_digits(out: &mut String, n: u32, width: u32) {
    for i in (0..width).rev() {
        out.push(char::from(b'0' + (n / 10u32.pow(i) % 10) as u8));
    }
}

/// A checked `Spec`, ready to format.
#[derive(Debug)]
pub struct Look {
    labels: [String; 5],
    clock: Vec<Clock>,
    /// The clock when Unity sent no time: its digits as dashes.
    no_time: String,
    indent: String,
    stack_indent: String,
    count: Template,
    marker: Template,
    cut: Template,
    removed: [Template; 2],
    max_line: usize,
}

impl Default for Look {
    fn default() -> Self {
        Self::new(Spec::default()).expect("the default look is valid")
    }
}

impl Look {
    pub fn new(spec: Spec) -> Result<Self, String> {
        let clock = parse_clock(&spec.clock)?;
        let no_time = clock
            .iter()
            .map(|p| match p {
                Clock::Text(t) => t.as_str(),
                Clock::Milli => "---",
                _ => "--",
            })
            .collect();
        for (name, s) in [
            ("indent", &spec.indent),
            ("stack_indent", &spec.stack_indent),
            ("clock", &spec.clock),
        ]
        .into_iter()
        .chain(spec.labels.iter().map(|l| ("labels", l)))
        {
            if s.contains('\n') {
                return Err(format!("log.look.{name} must be one line, got {s:?}"));
            }
        }
        Ok(Self {
            clock,
            no_time,
            count: Template::parse("count", &spec.count, "%d")?,
            marker: Template::parse("marker", &spec.marker, "%s")?,
            cut: Template::parse("cut", &spec.cut, "%d")?,
            removed: [
                Template::parse("removed", &spec.removed[0], "%d")?,
                Template::parse("removed", &spec.removed[1], "%d")?,
            ],
            labels: spec.labels,
            indent: spec.indent,
            stack_indent: spec.stack_indent,
            max_line: spec.max_line.max(16),
        })
    }

    fn push_clock(&self, out: &mut String, ms: Option<i64>) {
        let Some(ms) = ms else {
            out.push_str(&self.no_time);
            return;
        };
        let (sec, milli) = (ms.div_euclid(1000), ms.rem_euclid(1000) as u32);
        let mut hms = None;
        for p in &self.clock {
            let mut part = |i: usize| hms.get_or_insert_with(|| local_hms(sec))[i] as u32;
            match p {
                Clock::Text(t) => out.push_str(t),
                Clock::Hour => push_digits(out, part(0), 2),
                Clock::Minute => push_digits(out, part(1), 2),
                Clock::Second => push_digits(out, part(2), 2),
                Clock::Milli => push_digits(out, milli, 3),
            }
        }
    }

    /// The header line of a log entry from its message's first line (not yet cleaned);
    /// `repeats` > 1 shows how many identical entries it stands for (collapsing).
    pub fn header(&self, level: Level, time: Option<i64>, first: &str, repeats: u64) -> String {
        let first = clean(first);
        let label = &self.labels[level as usize];
        let mut h = String::with_capacity(self.no_time.len() + label.len() + 2 + first.len());
        if !self.clock.is_empty() {
            self.push_clock(&mut h, time);
            h.push(' ');
        }
        h.push_str(label);
        h.push(' ');
        h.push_str(&first);
        if repeats > 1 {
            h.push_str(&self.count.fill(repeats));
        }
        self.cut(h)
    }

    /// The header of an entry standing for `repeats` copies made from its own header `base`
    /// (no clock or text to lay out again: collapsing makes thousands), or None when `base`
    /// may have been cut or the count would be. A cut line is at least `max_line - 2` bytes
    /// long: `fit` keeps up to 3 bytes less, the cut mark adds at least one.
    pub fn counted(&self, base: &str, repeats: u64) -> Option<String> {
        let count = self.count.fill(repeats);
        (base.len() + 3 <= self.max_line && base.len() + count.len() <= self.max_line)
            .then(|| base.to_owned() + &count)
    }

    /// The lines beneath the header when an entry is expanded: the rest of the message, then
    /// the stack trace, indented (blank lines left out).
    pub fn body(&self, message: &str, stack: Option<&str>) -> Vec<String> {
        let line = |indent: &str, l: &str| self.cut(format!("{indent}{}", clean(l)));
        let blank = |l: &&str| !l.trim().is_empty();
        let rest = split(message)
            .into_iter()
            .skip(1)
            .filter(blank)
            .map(|l| line(&self.indent, l));
        let frames = stack.map(split).unwrap_or_default();
        rest.chain(
            frames
                .into_iter()
                .filter(blank)
                .map(|l| line(&self.stack_indent, l)),
        )
        .collect()
    }

    /// The line of a marker (connection changes, losses).
    pub fn marker(&self, text: &str) -> String {
        self.cut(self.marker.fill(clean(text)))
    }

    /// The marker that says `n` entries left the history.
    pub fn removed(&self, n: u64) -> String {
        self.marker(&self.removed[usize::from(n != 1)].fill(n))
    }

    /// Any text as one line of the log buffer (the Lua hook's headers): cleaned and cut.
    pub fn line(&self, text: &str) -> String {
        self.cut(clean(text).into_owned())
    }

    /// `s` cut to the longest line, the cut marked.
    fn cut(&self, s: String) -> String {
        if s.len() <= self.max_line {
            return s;
        }
        let kept = fit(&s, self.max_line);
        let mut out = String::with_capacity(kept.len() + self.cut.before.len() + 24);
        out.push_str(kept);
        out.push_str(&self.cut.fill(s.len() - kept.len()));
        out
    }
}

/// Whether `body` would show anything, without making it.
pub fn has_body(message: &str, stack: Option<&str>) -> bool {
    let more = |s: &str, skip: usize| s.split('\n').skip(skip).any(|l| !l.trim().is_empty());
    more(message, 1) || stack.is_some_and(|s| more(s, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(f: impl FnOnce(&mut Spec)) -> Look {
        let mut spec = Spec::default();
        f(&mut spec);
        Look::new(spec).unwrap()
    }

    /// A count appended to an entry's own header is the header laid out with the count, for
    /// lines around the cut, with characters of several bytes, and short count and cut marks.
    #[test]
    fn a_count_on_a_header_is_the_header_with_the_count() {
        for (count, cut) in [("  (×%d)", " … (%d more bytes)"), ("%d", "%d")] {
            for max_line in [8, 20, 21, 22, 23, 40] {
                let l = look(|s| {
                    (s.count, s.cut, s.max_line) = (count.into(), cut.into(), max_line);
                });
                for n in 0..30 {
                    let first = "𝄞".repeat(n % 4) + &"é".repeat(n / 3) + &"x".repeat(n);
                    let base = l.header(Level::Warning, Some(0), &first, 1);
                    for repeats in [2, 10, 12345] {
                        let full = l.header(Level::Warning, Some(0), &first, repeats);
                        if let Some(counted) = l.counted(&base, repeats) {
                            assert_eq!(counted, full, "{max_line}: {base:?} x{repeats}");
                        }
                    }
                }
            }
        }
        let l = Look::default();
        let base = l.header(Level::Log, None, "short", 1);
        assert!(
            l.counted(&base, 3).is_some(),
            "most headers take the short way"
        );
    }

    #[test]
    fn the_default_look() {
        let l = Look::default();
        let (msg, stack) = (
            "Boom <b>here</b>\nsecond line\n\n",
            "Game.A:B () (at Assets/A.cs:3)\n\nGame.C:D ()\n",
        );
        assert_eq!(
            l.header(Level::Error, None, "Boom <b>here</b>", 1),
            "--:--:--.--- ERR  Boom here"
        );
        assert_eq!(
            l.body(msg, Some(stack)),
            vec![
                "  second line",
                "    Game.A:B () (at Assets/A.cs:3)",
                "    Game.C:D ()"
            ]
        );
        assert!(has_body(msg, Some(stack)));
        assert!(has_body("one\ntwo", None));
        assert!(!has_body("one\n \n", Some("\n")));
        assert!(l.body("one\n \n", Some("\n")).is_empty());
        assert_eq!(
            l.header(Level::Log, None, "same", 3),
            "--:--:--.--- LOG  same  (×3)"
        );
        assert_eq!(l.marker("Unity \x1b[1mquit"), "── Unity quit ──");
    }

    #[test]
    fn the_clock_shows_local_time() {
        let l = Look::default();
        let h = l.header(Level::Log, Some(1_700_000_000_123), "x", 1);
        let hms = local_hms(1_700_000_000);
        assert_eq!(
            h,
            format!("{:02}:{:02}:{:02}.123 LOG  x", hms[0], hms[1], hms[2])
        );
        let h = l.header(Level::Log, Some(-1), "x", 1);
        assert!(h.starts_with(&format!("{:02}", local_hms(-1)[0])), "{h}");
        assert_eq!(&h[8..12], ".999", "before 1970 rounds down");
    }

    #[test]
    fn a_configured_look() {
        let l = look(|s| {
            s.labels[2] = "E!".into();
            s.clock = "[%M:%S %%]".into();
            s.indent = "| ".into();
            s.stack_indent = "> ".into();
            s.count = " x%d".into();
            s.marker = "== %s ==".into();
        });
        assert_eq!(
            l.header(Level::Error, None, "boom", 2),
            "[--:-- %] E! boom x2"
        );
        assert_eq!(l.body("a\nb", Some("f")), vec!["| b", "> f"]);
        assert_eq!(l.marker("hi"), "== hi ==");
        let plain = look(|s| s.clock = String::new());
        assert_eq!(plain.header(Level::Warning, Some(5), "w", 1), "WARN w");
    }

    #[test]
    fn long_lines_are_cut_with_the_configured_mark() {
        let l = look(|s| {
            s.max_line = 20;
            s.cut = "… +%d".into();
        });
        assert_eq!(l.line(&"x".repeat(30)), format!("{}… +10", "x".repeat(20)));
        assert_eq!(l.line("a\tb"), "a    b");
        // 'é' is two bytes: a cut inside it backs up.
        assert_eq!(
            l.line(&format!("{}é", "x".repeat(19))),
            format!("{}… +2", "x".repeat(19))
        );
    }

    #[test]
    fn bad_formats_are_refused_with_their_option() {
        let bad = |f: fn(&mut Spec)| {
            let mut spec = Spec::default();
            f(&mut spec);
            Look::new(spec).unwrap_err()
        };
        assert!(bad(|s| s.count = "x".into()).contains("log.look.count"));
        assert!(bad(|s| s.marker = "%s %s".into()).contains("log.look.marker"));
        assert!(bad(|s| s.clock = "%Y".into()).contains("unknown %Y"));
        assert!(bad(|s| s.indent = "\n".into()).contains("log.look.indent"));
    }
}
