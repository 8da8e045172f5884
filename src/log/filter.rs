//! Which entries the log window shows: level groups, a text, and a scope (since the last
//! compile or play). `passes` is pure, a question about one entry.

use crate::log::entry::Entry;
use memchr::{memchr2_iter, memmem};

/// "Since the last compile" and "since the last play".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Compile,
    Play,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Compile => "compile",
            Scope::Play => "play",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Scope::All, Scope::Compile, Scope::Play]
            .into_iter()
            .find(|g| g.as_str() == s)
    }
}

/// Where the scopes start: the first id of "compile" and of "play", once there was one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks([Option<u64>; 2]);

impl Marks {
    pub fn set(&mut self, scope: Scope, id: u64) {
        match scope {
            Scope::Compile => self.0[0] = Some(id),
            Scope::Play => self.0[1] = Some(id),
            Scope::All => {}
        }
    }

    pub fn start(&self, scope: Scope) -> Option<u64> {
        match scope {
            Scope::All => None,
            Scope::Compile => self.0[0],
            Scope::Play => self.0[1],
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// Shown groups, indexed like `Group::ALL`.
    pub levels: [bool; 3],
    /// Case-insensitive unless it has capitals.
    pub text: Option<String>,
    pub scope: Scope,
}

impl Default for Filter {
    fn default() -> Self {
        Self {
            levels: [true; 3],
            text: None,
            scope: Scope::All,
        }
    }
}

/// Whether entry `id` passes the filter. Markers pass every level and text.
pub fn passes(id: u64, e: &Entry, f: &Filter, marks: &Marks) -> bool {
    if f.scope != Scope::All && marks.start(f.scope).is_none_or(|m| id < m) {
        return false;
    }
    let Some(group) = e.group() else { return true };
    if !f.levels[group as usize] {
        return false;
    }
    let Some(t) = &f.text else { return true };
    let stack = e.stack.as_deref().unwrap_or("");
    if t.bytes().any(|c| c.is_ascii_uppercase()) {
        let find = memmem::Finder::new(t);
        find.find(e.message.as_bytes()).is_some() || find.find(stack.as_bytes()).is_some()
    } else {
        has_folded(&e.message, t) || has_folded(stack, t)
    }
}

/// Whether `hay` holds `needle` (no ASCII capitals) ignoring ASCII case; copies nothing.
fn has_folded(hay: &str, needle: &str) -> bool {
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    let Some(&first) = needle.first() else {
        return true;
    };
    if hay.len() < needle.len() {
        return false;
    }
    let last_start = hay.len() - needle.len();
    memchr2_iter(first, first.to_ascii_uppercase(), &hay[..=last_start])
        .any(|i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::entry::tests::log;
    use crate::log::look::Look;
    use crate::protocol::Level;

    fn shown(f: &Filter, marks: &Marks, entries: &[Entry]) -> usize {
        (1..)
            .zip(entries)
            .filter(|(id, e)| passes(*id, e, f, marks))
            .count()
    }

    #[test]
    fn levels_text_and_scopes() {
        let entries = [
            log(1, Level::Error, "Enemy died", None),
            log(1, Level::Warning, "enemy late", None),
            log(1, Level::Log, "plain", Some("at Enemy.cs")),
            log(1, Level::Exception, "after compile", None),
            Entry::marker("reloaded", &Look::default()),
        ];
        let mut marks = Marks::default();
        marks.set(Scope::Compile, 4);
        let text = |t: &str| Filter {
            text: Some(t.into()),
            ..Filter::default()
        };
        assert_eq!(shown(&Filter::default(), &marks, &entries), 5);
        assert_eq!(
            shown(&text("enemy"), &marks, &entries),
            4,
            "any case, stack too"
        );
        assert_eq!(
            shown(&text("Enemy"), &marks, &entries),
            3,
            "capitals: exact case"
        );
        assert_eq!(shown(&text("zzz"), &marks, &entries), 1, "markers stay");
        let errors = Filter {
            levels: [true, false, false],
            ..Filter::default()
        };
        assert_eq!(shown(&errors, &marks, &entries), 3);
        let since = |scope| Filter {
            scope,
            ..Filter::default()
        };
        assert_eq!(shown(&since(Scope::Compile), &marks, &entries), 2);
        assert_eq!(
            shown(&since(Scope::Play), &marks, &entries),
            0,
            "no play yet"
        );
    }

    #[test]
    fn folded_search() {
        assert!(has_folded("Hello WORLD", "world"));
        assert!(has_folded("ÉtÉ é x", "é x"));
        assert!(!has_folded("ÉtÉ", "été"), "ASCII case only, as before");
        assert!(has_folded("ab", "ab") && !has_folded("a", "ab") && has_folded("", ""));
        assert!(has_folded("xxAxAb", "ab"));
    }
}
