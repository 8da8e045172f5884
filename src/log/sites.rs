//! Runtime exception sites: errors, exceptions and asserts grouped by the place in the
//! project's own code that raised them (the first stack frame there) and their first line,
//! with a count and the time of the last one. Fed by the drain, in Rust, as entries go into the
//! history, so that a flood of 10 000 exceptions a second costs Lua only the sites that
//! changed (taken a bounded number at a time), never a call per message.
//!
//! The project's own code: frames in `Assets/` or `Packages/` (relative to the project, as
//! Unity writes them for the project's scripts and its embedded packages, `./` allowed), and
//! absolute paths under one of the `roots` Lua gives (the project's `Assets/` and `Packages/`,
//! and the folders of `file:` packages in `Packages/manifest.json`). Registry and built-in
//! packages (`Library/PackageCache/`, Unity's own) and frames without symbols never count.

use crate::log::entry::hash;
use crate::log::frames::first_frame;
use crate::log::text::{clean, first_line, fit};
use crate::log::Entry;
use crate::protocol::Level;
use std::borrow::Cow;
use std::collections::HashMap;

/// Most places kept: a loop throwing a new message each time must not grow without end.
pub const MAX_SITES: usize = 1000;
/// Longest first line kept (bytes).
const MAX_TEXT: usize = 300;

/// One place that raised, and how often.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Unique among the sites since the store was made (a cleared store does not reuse ids).
    pub id: u64,
    /// The frame's path, `/`-separated, without a leading `./`.
    pub path: String,
    pub line: u32,
    /// The message's first line, cleaned (rich text removed), at most `MAX_TEXT` bytes.
    pub text: String,
    /// The level of the last occurrence.
    pub level: Level,
    pub count: u64,
    /// Unity's time of the last occurrence (ms since the epoch), when it sent one.
    pub time: Option<i64>,
    changed: bool,
}

#[derive(Debug, Default)]
pub struct Sites {
    roots: Vec<String>,
    /// Hash of (path, line, text) -> index in `sites` (the next free hash on a collision).
    index: HashMap<u64, usize>,
    sites: Vec<Site>,
    /// Indices of sites changed since they were last taken, oldest first.
    changed: Vec<usize>,
    next_id: u64,
    /// Occurrences at new places not kept because `MAX_SITES` were kept already.
    overflow: u64,
}

/// `path` with `/` for `\\` (Windows frames).
fn slashed(path: &str) -> Cow<'_, str> {
    if path.contains('\\') {
        Cow::Owned(path.replace('\\', "/"))
    } else {
        Cow::Borrowed(path)
    }
}

/// Whether a level is grouped into sites.
fn grouped(level: Level) -> bool {
    matches!(level, Level::Error | Level::Exception | Level::Assert)
}

impl Sites {
    /// Absolute folders (`/`-separated) whose files are the project's own code.
    pub fn set_roots(&mut self, roots: Vec<String>) {
        self.roots = roots
            .into_iter()
            .map(|r| r.replace('\\', "/").trim_end_matches('/').to_owned())
            .filter(|r| !r.is_empty())
            .collect();
    }

    fn is_project(&self, path: &str) -> bool {
        let p = path.strip_prefix("./").unwrap_or(path);
        p.starts_with("Assets/")
            || p.starts_with("Packages/")
            || self.roots.iter().any(|r| {
                p.strip_prefix(r.as_str())
                    .is_some_and(|s| s.starts_with('/'))
            })
    }

    /// The place and first line `e` would be grouped under, if any.
    fn place<'a>(&self, level: Level, stack: Option<&'a str>) -> Option<(Cow<'a, str>, u32)> {
        if !grouped(level) {
            return None;
        }
        let frame = first_frame(stack?, |p| self.is_project(&slashed(p)))?;
        let path = match slashed(frame.path) {
            Cow::Borrowed(p) => Cow::Borrowed(p.strip_prefix("./").unwrap_or(p)),
            Cow::Owned(p) => Cow::Owned(p.strip_prefix("./").unwrap_or(&p).to_owned()),
        };
        Some((path, frame.line))
    }

    fn find(&self, path: &str, line: u32, text: &str) -> Result<usize, u64> {
        let mut k = hash(u64::from(line) + 1, [path.as_bytes(), text.as_bytes()]);
        loop {
            match self.index.get(&k) {
                Some(&i) => {
                    let s = &self.sites[i];
                    if s.line == line && s.path == path && s.text == text {
                        return Ok(i);
                    }
                    k = k.wrapping_add(1);
                }
                None => return Err(k),
            }
        }
    }

    /// Counts `e` at its site when it is an error, exception or assert with a frame in the
    /// project's code. Other entries cost one comparison.
    pub fn record(&mut self, e: &Entry) {
        let Some(level) = e.level.filter(|&l| grouped(l)) else {
            return;
        };
        let Some((path, line)) = self.place(level, e.stack.as_deref()) else {
            return;
        };
        let text = clean(first_line(&e.message));
        let text = fit(&text, MAX_TEXT);
        let i = match self.find(&path, line, text) {
            Ok(i) => i,
            Err(_) if self.sites.len() >= MAX_SITES => {
                self.overflow += 1;
                return;
            }
            Err(k) => {
                self.next_id += 1;
                self.index.insert(k, self.sites.len());
                self.sites.push(Site {
                    id: self.next_id,
                    path: path.into_owned(),
                    line,
                    text: text.to_owned(),
                    level,
                    count: 0,
                    time: None,
                    changed: false,
                });
                self.sites.len() - 1
            }
        };
        let s = &mut self.sites[i];
        s.count += 1;
        s.level = level;
        s.time = e.time.or(s.time);
        if !s.changed {
            s.changed = true;
            self.changed.push(i);
        }
    }

    /// The id of the site an entry with these fields was counted at, if any.
    pub fn site_of(&self, level: Level, message: &str, stack: Option<&str>) -> Option<u64> {
        let (path, line) = self.place(level, stack)?;
        let text = clean(first_line(message));
        self.find(&path, line, fit(&text, MAX_TEXT))
            .ok()
            .map(|i| self.sites[i].id)
    }

    /// Up to `max` sites changed since they were last taken, oldest change first.
    pub fn take_changed(&mut self, max: usize) -> Vec<&Site> {
        let n = max.min(self.changed.len());
        let taken: Vec<usize> = self.changed.drain(..n).collect();
        for &i in &taken {
            self.sites[i].changed = false;
        }
        taken.into_iter().map(|i| &self.sites[i]).collect()
    }

    /// How many sites changed and were not taken yet.
    pub fn pending(&self) -> usize {
        self.changed.len()
    }

    pub fn all(&self) -> &[Site] {
        &self.sites
    }

    pub fn overflow(&self) -> u64 {
        self.overflow
    }

    /// Forgets every site (ids are not reused).
    pub fn clear(&mut self) {
        self.index.clear();
        self.sites.clear();
        self.changed.clear();
        self.overflow = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::entry::tests::log;

    const NRE: &str = "NullReferenceException: Object reference not set\nmore text";
    const AT_ENEMY: &str = "UnityEngine.Debug:LogException (System.Exception)\n\
                            Game.Enemy:Update () (at Assets/Scripts/Enemy.cs:42)";

    fn timed(e: Entry, time: i64) -> Entry {
        Entry {
            time: Some(time),
            ..e
        }
    }

    #[test]
    fn repeats_at_one_place_update_one_site_with_count_and_last_time() {
        let mut s = Sites::default();
        for t in 0..37 {
            s.record(&timed(
                log(t, Level::Exception, NRE, Some(AT_ENEMY)),
                1000 + t as i64,
            ));
        }
        let changed = s.take_changed(10);
        assert_eq!(changed.len(), 1);
        let site = changed[0];
        assert_eq!(
            (site.path.as_str(), site.line, site.text.as_str()),
            (
                "Assets/Scripts/Enemy.cs",
                42,
                "NullReferenceException: Object reference not set"
            )
        );
        assert_eq!(
            (site.count, site.time, site.level),
            (37, Some(1036), Level::Exception)
        );
        assert!(
            s.take_changed(10).is_empty(),
            "taken once until it changes again"
        );
        s.record(&log(99, Level::Exception, NRE, Some(AT_ENEMY)));
        let again = s.take_changed(10);
        assert_eq!((again[0].count, again[0].time), (38, Some(1036)));
    }

    #[test]
    fn place_and_first_line_tell_sites_apart() {
        let mut s = Sites::default();
        s.record(&log(1, Level::Error, "a", Some(AT_ENEMY)));
        s.record(&log(2, Level::Error, "b", Some(AT_ENEMY)));
        s.record(&log(
            3,
            Level::Assert,
            "a",
            Some("X:Y () (at Assets/Scripts/Enemy.cs:43)"),
        ));
        s.record(&log(
            4,
            Level::Error,
            "a\nother second line",
            Some(AT_ENEMY),
        ));
        assert_eq!(s.all().len(), 3);
        assert_eq!(s.all()[0].count, 2);
        let ids: Vec<u64> = s.all().iter().map(|x| x.id).collect();
        assert_eq!(ids, [1, 2, 3]);
        assert_eq!(
            s.site_of(Level::Error, "a\nzzz", Some(AT_ENEMY)),
            Some(1),
            "found again by its fields"
        );
        assert_eq!(s.site_of(Level::Log, "a", Some(AT_ENEMY)), None);
    }

    #[test]
    fn only_errors_with_frames_in_the_projects_code_count() {
        let mut s = Sites::default();
        s.set_roots(vec!["/proj/Assets".into(), "/pkgs/com.me.tools/".into()]);
        let engine = "UnityEngine.Object:Instantiate () (at /home/bokken/build/Runtime/Export/Scripting/UnityEngineObject.bindings.cs:10)\n\
                      Lib.T:Do () (at Library/PackageCache/com.unity.x@1.0.0/T.cs:3)\n\
                      Loop:Tick () (at <a1b2c3d4e5f6>:0)";
        s.record(&log(1, Level::Exception, "x", Some(engine)));
        s.record(&log(2, Level::Log, "x", Some(AT_ENEMY)));
        s.record(&log(3, Level::Warning, "x", Some(AT_ENEMY)));
        s.record(&log(4, Level::Error, "no stack", None));
        assert!(s.all().is_empty());
        for (i, frame) in [
            "(at ./Assets/A.cs:1)",
            "(at Packages/com.me.embedded/Runtime/B.cs:2)",
            "(at /proj/Assets/C.cs:3)",
            "(at /pkgs/com.me.tools/D.cs:4)",
            " in C:\\proj\\Assets\\E.cs:5",
        ]
        .iter()
        .enumerate()
        {
            s.record(&log(i as u64, Level::Error, "e", Some(frame)));
        }
        let paths: Vec<&str> = s.all().iter().map(|x| x.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "Assets/A.cs",
                "Packages/com.me.embedded/Runtime/B.cs",
                "/proj/Assets/C.cs",
                "/pkgs/com.me.tools/D.cs"
            ],
            "an absolute path outside the roots is not the project's"
        );
        assert!(!s.is_project("/pkgs/com.me.toolsX/D.cs"));
    }

    #[test]
    fn changes_are_taken_a_bounded_number_at_a_time_and_the_store_is_bounded() {
        let mut s = Sites::default();
        for i in 0..(MAX_SITES as u64 + 5) {
            s.record(&log(i, Level::Error, &format!("e{i}"), Some(AT_ENEMY)));
        }
        assert_eq!((s.all().len(), s.overflow()), (MAX_SITES, 5));
        assert_eq!(s.take_changed(400).len(), 400);
        assert_eq!(s.pending(), MAX_SITES - 400);
        assert_eq!(s.take_changed(400)[0].text, "e400", "oldest change first");
        s.clear();
        assert_eq!((s.all().len(), s.pending(), s.overflow()), (0, 0, 0));
        s.record(&log(1, Level::Error, "e0", Some(AT_ENEMY)));
        assert_eq!(s.all()[0].id, MAX_SITES as u64 + 1, "ids are not reused");
    }
}
