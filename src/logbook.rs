//! The log history and what the log buffer shows of it.
//!
//! Entries arrive preformatted (see `log_text`); the book keeps the newest `cap` of them with
//! their level counts, answers the filters (levels, text, scope since the last compile or
//! play, Unity-style collapsing), shows each entry as its header line alone unless expanded
//! (body and stack trace beneath, as Unity's console shows the selected entry), and turns
//! every change into buffer edits
//! (`nvim_buf_set_lines` arguments) that Lua applies as they are. Appends never redraw what is
//! already in the buffer, so a flood costs Neovim one `nvim_buf_set_lines` per drained chunk.
//! Free of mlua; it lives on Neovim's main thread.

use crate::log_text;
use crate::protocol::{Level, Log};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

/// A buffer line. Shared, so that putting a header in an edit copies no text.
pub type Line = Arc<str>;

/// One history entry: what Unity sent (kept for the filters, `K` and jumps) and its header.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Unity's sequence number; None for markers and entries added from Lua.
    pub seq: Option<u64>,
    pub time: Option<i64>,
    /// None for a marker line (connection changes, losses).
    pub level: Option<Level>,
    pub message: String,
    pub stack: Option<String>,
    pub header: Line,
    /// Whether expanding shows anything (more message lines, a stack trace). The body lines
    /// are made only when shown: most entries are never expanded.
    pub has_body: bool,
}

impl Entry {
    /// A log message with its header line (made on the reader thread).
    pub fn log(l: Log, max_line: usize) -> Self {
        Self {
            header: log_text::header(l.level, l.time, &l.message, 1, max_line).into(),
            has_body: log_text::has_body(&l.message, l.stack.as_deref()),
            seq: Some(l.seq),
            time: l.time,
            level: Some(l.level),
            message: l.message,
            stack: l.stack,
        }
    }

    pub fn marker(message: &str, max_line: usize) -> Self {
        Self {
            seq: None,
            time: None,
            level: None,
            message: message.to_owned(),
            stack: None,
            header: log_text::marker(message, max_line).into(),
            has_body: false,
        }
    }

    pub fn group(&self) -> Option<Group> {
        self.level.map(Group::of)
    }

    /// Identity for collapsing: level, message and stack.
    fn key(&self) -> String {
        let level = self.level.map_or("", Level::as_str);
        format!(
            "{level}\0{}\0{}",
            self.message,
            self.stack.as_deref().unwrap_or("")
        )
    }
}

/// The three level filters of Unity's console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Error,
    Warning,
    Log,
}

impl Group {
    pub const ALL: [Group; 3] = [Group::Error, Group::Warning, Group::Log];

    pub fn of(level: Level) -> Self {
        match level {
            Level::Error | Level::Exception | Level::Assert => Group::Error,
            Level::Warning => Group::Warning,
            Level::Log => Group::Log,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Error => "error",
            Group::Warning => "warning",
            Group::Log => "log",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

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

/// `nvim_buf_set_lines(buf, first, last, false, lines)`, 0-based, -1 meaning the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub first: i64,
    pub last: i64,
    pub lines: Vec<Line>,
}

/// An entry's place in the buffer. Rows are numbered once ("absolute"); the buffer row is
/// `abs - shift`, so trimming the top never renumbers the rest.
#[derive(Debug, Clone, Copy)]
struct Row {
    abs: i64,
    id: u64,
    n: i64,
}

#[derive(Debug, Default)]
struct View {
    /// Whether a buffer shows the book (edits are made only then).
    shown: bool,
    rows: VecDeque<Row>,
    next_abs: i64,
    shift: i64,
    /// Row 0 says how many entries left the history.
    top_marker: bool,
    /// Index in `edits` of the append still open to more lines.
    open_append: Option<usize>,
    /// `last_header` as of the last flush: what the buffer shows.
    flushed_last_header: i64,
}

#[derive(Debug, Clone, Copy)]
struct Dup {
    first: u64,
    count: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Log messages (not markers) ever added.
    pub added: u64,
    /// Highest Unity sequence number added.
    pub last_seq: u64,
    /// Id of the newest entry (ids start at 1 and never repeat).
    pub last_id: u64,
}

pub struct Logbook {
    entries: VecDeque<Entry>,
    /// Id of `entries[0]`.
    first: u64,
    removed: u64,
    counts: [u64; 3],
    cap: usize,
    max_line: usize,
    /// First id of the "compile" and "play" scopes.
    marks: [Option<u64>; 2],
    filter: Filter,
    collapse: bool,
    /// Collapse index, kept only while collapsing (a key per entry is the costliest part).
    dups: HashMap<String, Dup>,
    /// Whether entries show their body and stack; `toggled` holds the exceptions.
    expand_all: bool,
    toggled: HashSet<u64>,
    view: View,
    edits: Vec<Edit>,
    stats: Stats,
}

impl Logbook {
    pub fn new(cap: usize, max_line: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            first: 1,
            removed: 0,
            counts: [0; 3],
            cap: cap.max(1),
            max_line: max_line.max(16),
            marks: [None; 2],
            filter: Filter::default(),
            collapse: false,
            dups: HashMap::new(),
            expand_all: false,
            toggled: HashSet::new(),
            view: View::default(),
            edits: Vec::new(),
            stats: Stats::default(),
        }
    }

    pub fn max_line(&self) -> usize {
        self.max_line
    }

    fn next_id(&self) -> u64 {
        self.first + self.entries.len() as u64
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, id: u64) -> Option<&Entry> {
        let i = id.checked_sub(self.first)?;
        self.entries.get(usize::try_from(i).ok()?)
    }

    /// Entries with ids from `from` on, oldest first.
    pub fn since(&self, from: u64) -> impl Iterator<Item = (u64, &Entry)> {
        let skip = from.saturating_sub(self.first) as usize;
        (self.first..).zip(self.entries.iter()).skip(skip)
    }

    pub fn counts(&self) -> [u64; 3] {
        self.counts
    }

    pub fn removed(&self) -> u64 {
        self.removed
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    pub fn collapsing(&self) -> bool {
        self.collapse
    }

    /// Adds an entry; its lines are appended to the buffer when they pass the filter.
    pub fn push(&mut self, e: Entry) {
        let id = self.next_id();
        self.stats.last_id = id;
        if let Some(seq) = e.seq {
            self.stats.last_seq = self.stats.last_seq.max(seq);
        }
        if let Some(g) = e.group() {
            self.stats.added += 1;
            self.counts[g as usize] += 1;
        }
        let rep = if self.collapse && e.level.is_some() {
            self.index(id, &e)
        } else {
            None
        };
        self.entries.push_back(e);
        match rep {
            Some(rep) => self.redraw_header(rep),
            None => {
                if self.view.shown && self.visible(id) {
                    self.append_rows(id);
                }
            }
        }
    }

    /// Counts `e` in the collapse index; returns the id of the entry that stands for it.
    fn index(&mut self, id: u64, e: &Entry) -> Option<u64> {
        let d = self.dups.entry(e.key()).or_insert(Dup {
            first: id,
            count: 0,
        });
        d.count += 1;
        (d.first != id).then_some(d.first)
    }

    fn repeats(&self, id: u64) -> u64 {
        match self.get(id) {
            Some(e) if self.collapse && e.level.is_some() => {
                self.dups.get(&e.key()).map_or(1, |d| d.count)
            }
            _ => 1,
        }
    }

    pub fn expanded(&self, id: u64) -> bool {
        self.expand_all != (!self.toggled.is_empty() && self.toggled.contains(&id))
    }

    /// The lines of entry `id` as shown: the header alone unless expanded, with its repeat
    /// count while collapsing.
    fn lines_of(&self, id: u64) -> Vec<Line> {
        let mut lines = Vec::new();
        self.push_lines_of(id, &mut lines);
        lines
    }

    /// Appends the lines of entry `id` to `out` (no vector of its own: the flood's hot path);
    /// returns how many.
    fn push_lines_of(&self, id: u64, out: &mut Vec<Line>) -> i64 {
        let Some(e) = self.get(id) else { return 0 };
        let repeats = self.repeats(id);
        out.push(match (repeats > 1, e.level) {
            (true, Some(level)) => {
                log_text::header(level, e.time, &e.message, repeats, self.max_line).into()
            }
            _ => Arc::clone(&e.header),
        });
        if !(e.has_body && self.expanded(id)) {
            return 1;
        }
        let body = log_text::body(&e.message, e.stack.as_deref(), self.max_line);
        let n = 1 + body.len() as i64;
        out.extend(body.into_iter().map(Line::from));
        n
    }

    /// Shows or hides the body and stack trace of entry `id`.
    pub fn toggle(&mut self, id: u64) {
        if self.get(id).is_none_or(|e| !e.has_body) {
            return;
        }
        if !self.toggled.remove(&id) {
            self.toggled.insert(id);
        }
        let Some(i) = self.row_index(id) else { return };
        let row = self.view.rows[i];
        let lines = self.lines_of(id);
        let n = lines.len() as i64;
        let at = row.abs - self.view.shift;
        // The header stays: the cursor on it does not move.
        self.edit(at + 1, at + row.n, lines.into_iter().skip(1).collect());
        self.view.rows[i].n = n;
        for r in self.view.rows.range_mut(i + 1..) {
            r.abs += n - row.n;
        }
        self.view.next_abs += n - row.n;
    }

    /// Expands every entry, or none. Call `render` after.
    pub fn set_expand_all(&mut self, on: bool) {
        self.expand_all = on;
        self.toggled.clear();
    }

    fn redraw_header(&mut self, id: u64) {
        if !self.view.shown {
            return;
        }
        if let Some(i) = self.row_index(id) {
            let at = self.view.rows[i].abs - self.view.shift;
            let header = self.lines_of(id).swap_remove(0);
            self.edit(at, at + 1, vec![header]);
        }
    }

    fn edit(&mut self, first: i64, last: i64, lines: Vec<Line>) {
        self.view.open_append = None;
        self.edits.push(Edit { first, last, lines });
    }

    fn append_rows(&mut self, id: u64) {
        let i = match self.view.open_append {
            Some(i) => i,
            None => {
                // An empty buffer still has one (empty) line: replace it.
                let first = if self.view.next_abs == 0 { 0 } else { -1 };
                self.edits.push(Edit {
                    first,
                    last: -1,
                    lines: Vec::new(),
                });
                self.view.open_append = Some(self.edits.len() - 1);
                self.edits.len() - 1
            }
        };
        let mut lines = std::mem::take(&mut self.edits[i].lines);
        let n = self.push_lines_of(id, &mut lines);
        self.edits[i].lines = lines;
        self.view.rows.push_back(Row {
            abs: self.view.next_abs,
            id,
            n,
        });
        self.view.next_abs += n;
    }

    /// Whether the filter, scope and collapsing let entry `id` be shown.
    pub fn visible(&self, id: u64) -> bool {
        let Some(e) = self.get(id) else { return false };
        let f = &self.filter;
        let mark = match f.scope {
            Scope::All => None,
            Scope::Compile => Some(self.marks[0].unwrap_or(u64::MAX)),
            Scope::Play => Some(self.marks[1].unwrap_or(u64::MAX)),
        };
        if mark.is_some_and(|m| id < m) {
            return false;
        }
        let Some(group) = e.group() else { return true };
        if !f.levels[group as usize] {
            return false;
        }
        if self.collapse && self.dups.get(&e.key()).is_some_and(|d| d.first != id) {
            return false;
        }
        match &f.text {
            None => true,
            Some(t) => {
                let stack = e.stack.as_deref().unwrap_or("");
                if t.chars().any(|c| c.is_ascii_uppercase()) {
                    e.message.contains(t.as_str()) || stack.contains(t.as_str())
                } else {
                    let has = |s: &str| s.to_ascii_lowercase().contains(t.as_str());
                    has(&e.message) || has(stack)
                }
            }
        }
    }

    /// Drops the oldest entries beyond the cap, once the history runs over by a hundredth
    /// (so a flood trims, and deletes buffer lines, in chunks).
    fn trim(&mut self) {
        if self.entries.len() <= self.cap + (self.cap / 100).max(1) {
            return;
        }
        let mut last_removed = 0;
        // Collapsed groups that lost a copy: their count, or the entry standing for them, changed.
        let mut touched = Vec::new();
        while self.entries.len() > self.cap {
            let Some(e) = self.entries.pop_front() else {
                break;
            };
            let id = self.first;
            self.first += 1;
            self.removed += 1;
            last_removed = id;
            if !self.toggled.is_empty() {
                self.toggled.remove(&id);
            }
            if let Some(g) = e.group() {
                self.counts[g as usize] -= 1;
                if self.collapse {
                    touched.extend(self.unindex(id, &e));
                }
            }
        }
        if !self.view.shown {
            return;
        }
        let mut nrows = 0;
        while let Some(r) = self.view.rows.front() {
            if r.id > last_removed {
                break;
            }
            nrows += r.n;
            self.view.rows.pop_front();
        }
        let top = self.view.top_marker as i64;
        if nrows > 0 {
            self.edit(top, top + nrows, Vec::new());
        }
        self.view.shift += nrows;
        let marker = self.marker_line();
        if self.view.top_marker {
            self.edit(0, 1, vec![marker.into()]);
        } else {
            self.edit(0, 0, vec![marker.into()]);
            self.view.top_marker = true;
            // Every row moved one down.
            self.view.shift -= 1;
        }
        touched.sort_unstable();
        touched.dedup();
        for id in touched {
            if self.row_index(id).is_some() {
                self.redraw_header(id);
            } else if self.visible(id) {
                self.insert_rows(id);
            }
        }
    }

    /// Shows entry `id` among the rows already shown, in id order (a collapsed group moved to
    /// a copy that was hidden). Later rows are renumbered: rare, and only while collapsing.
    fn insert_rows(&mut self, id: u64) {
        let lines = self.lines_of(id);
        let n = lines.len() as i64;
        let i = self.view.rows.partition_point(|r| r.id < id);
        let abs = self.view.rows.get(i).map_or(self.view.next_abs, |r| r.abs);
        for r in self.view.rows.range_mut(i..) {
            r.abs += n;
        }
        self.view.rows.insert(i, Row { abs, id, n });
        self.view.next_abs += n;
        let at = abs - self.view.shift;
        self.edit(at, at, lines);
    }

    /// Takes a removed entry out of the collapse index; returns the id now standing for its
    /// group, if copies remain.
    fn unindex(&mut self, id: u64, e: &Entry) -> Option<u64> {
        let key = e.key();
        let d = self.dups.get_mut(&key)?;
        d.count -= 1;
        if d.count == 0 {
            self.dups.remove(&key);
            return None;
        }
        if d.first == id {
            // The next copy still kept stands for the group from now on.
            let next = self
                .since(id + 1)
                .find(|(_, n)| n.level.is_some() && n.key() == key)
                .map(|(next, _)| next);
            if let (Some(next), Some(d)) = (next, self.dups.get_mut(&key)) {
                d.first = next;
            }
        }
        self.dups.get(&key).map(|d| d.first)
    }

    fn marker_line(&self) -> String {
        let n = self.removed;
        format!(
            "── {n} older entr{} left the history ──",
            if n == 1 { "y" } else { "ies" }
        )
    }

    /// The buffer edits since the last call (trimming first), in the order to apply them.
    pub fn flush(&mut self) -> Vec<Edit> {
        self.trim();
        self.view.open_append = None;
        self.view.flushed_last_header = self
            .view
            .rows
            .back()
            .map_or(0, |r| r.abs - self.view.shift + 1);
        std::mem::take(&mut self.edits)
    }

    /// Redraws everything (a filter changed, the buffer is new): one edit replaces the buffer.
    pub fn render(&mut self) {
        let mut v = View {
            shown: true,
            ..View::default()
        };
        let mut lines = Vec::new();
        if self.removed > 0 {
            lines.push(self.marker_line().into());
            v.top_marker = true;
            v.next_abs = 1;
        }
        for id in self.first..self.next_id() {
            if self.visible(id) {
                let l = self.lines_of(id);
                v.rows.push_back(Row {
                    abs: v.next_abs,
                    id,
                    n: l.len() as i64,
                });
                v.next_abs += l.len() as i64;
                lines.extend(l);
            }
        }
        self.view = v;
        self.edits.clear();
        self.edits.push(Edit {
            first: 0,
            last: -1,
            lines,
        });
    }

    /// No buffer shows the book any more: stop making edits until the next `render`.
    pub fn hide(&mut self) {
        self.view = View::default();
        self.edits.clear();
    }

    /// The entry whose lines hold buffer row `row` (1-based); None on the top marker.
    pub fn entry_at(&self, row: i64) -> Option<u64> {
        let abs = row - 1 + self.view.shift;
        let rows = &self.view.rows;
        let i = rows.partition_point(|r| r.abs <= abs).checked_sub(1)?;
        let r = rows[i];
        (abs < r.abs + r.n).then_some(r.id)
    }

    /// 1-based buffer row of the header of entry `id`, if shown.
    pub fn row_of(&self, id: u64) -> Option<i64> {
        let r = self.view.rows[self.row_index(id)?];
        Some(r.abs - self.view.shift + 1)
    }

    /// Index in `view.rows` (kept in id order) of entry `id`, if shown.
    fn row_index(&self, id: u64) -> Option<usize> {
        let i = self.view.rows.partition_point(|r| r.id < id);
        (self.view.rows.get(i)?.id == id).then_some(i)
    }

    /// 1-based buffer row of the newest entry's first line once the edits flushed so far are
    /// applied (edits still pending not counted), or 0.
    pub fn last_header(&self) -> i64 {
        self.view.flushed_last_header
    }

    /// Forgets every entry; counts start again. Call `render` after.
    pub fn clear(&mut self) {
        self.first = self.next_id();
        self.entries.clear();
        self.dups.clear();
        self.toggled.clear();
        self.removed = 0;
        self.counts = [0; 3];
    }

    /// Starts scope "compile" or "play" at the next entry. Call `render` after if the scope
    /// is the one shown.
    pub fn mark(&mut self, scope: Scope) {
        let at = Some(self.next_id());
        match scope {
            Scope::Compile => self.marks[0] = at,
            Scope::Play => self.marks[1] = at,
            Scope::All => {}
        }
    }

    /// Changes the filter. Call `render` after.
    pub fn set_filter(&mut self, f: Filter) {
        self.filter = f;
    }

    /// Collapses identical entries or stops doing so. Call `render` after.
    pub fn set_collapse(&mut self, on: bool) {
        self.collapse = on;
        self.dups.clear();
        if on {
            for (i, e) in self.entries.iter().enumerate() {
                if e.level.is_some() {
                    let d = self.dups.entry(e.key()).or_insert(Dup {
                        first: self.first + i as u64,
                        count: 0,
                    });
                    d.count += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(seq: u64, level: Level, message: &str, stack: Option<&str>) -> Entry {
        Entry::log(
            Log {
                seq,
                time: None,
                level,
                message: message.into(),
                stack: stack.map(Into::into),
            },
            200,
        )
    }

    fn plain(seq: u64) -> Entry {
        log(
            seq,
            Level::Log,
            &format!("message {seq}"),
            seq.is_multiple_of(3).then_some("A:B ()\nC:D ()"),
        )
    }

    /// Applies edits as `nvim_buf_set_lines` does (a new buffer holds one empty line).
    fn apply(buf: &mut Vec<String>, edits: Vec<Edit>) {
        for e in edits {
            let len = buf.len() as i64;
            let at = |i: i64| if i < 0 { len + 1 + i } else { i } as usize;
            let (first, last) = (at(e.first), at(e.last));
            assert!(
                first <= last && last <= buf.len(),
                "edit {first}..{last} of {len} lines"
            );
            buf.splice(first..last, e.lines.iter().map(|l| l.to_string()));
        }
        if buf.is_empty() {
            buf.push(String::new());
        }
    }

    /// What a fresh render of the same book shows.
    fn rendered(b: &mut Logbook) -> Vec<String> {
        b.render();
        let mut buf = vec![String::new()];
        apply(&mut buf, b.flush());
        buf
    }

    /// Incremental edits must leave exactly what a full render would show.
    fn check_incremental(b: &mut Logbook, buf: &mut Vec<String>) {
        apply(buf, b.flush());
        let full = rendered(b);
        assert_eq!(*buf, full);
    }

    #[test]
    fn appends_and_trims_match_a_full_render() {
        let mut b = Logbook::new(50, 200);
        let mut buf = vec![String::new()];
        b.render();
        apply(&mut buf, b.flush());
        for seq in 1..=400 {
            b.push(plain(seq));
            if seq.is_multiple_of(7) {
                b.push(Entry::marker("reloaded", 200));
            }
            if seq.is_multiple_of(6) {
                // Expand an entry with a stack a few rows up: an edit inside the buffer.
                b.toggle(b.stats().last_id.saturating_sub(3));
            }
            if seq.is_multiple_of(13) {
                check_incremental(&mut b, &mut buf);
            }
        }
        check_incremental(&mut b, &mut buf);
        assert!(b.len() <= 50 + 1);
        assert!(buf[0].starts_with("── ") && buf[0].contains("older entries left the history"));
        assert_eq!(b.stats().added, 400);
        assert_eq!(b.stats().last_seq, 400);
    }

    #[test]
    fn one_chunk_is_one_append() {
        let mut b = Logbook::new(1000, 200);
        b.render();
        b.flush();
        for seq in 1..=100 {
            b.push(plain(seq));
        }
        let edits = b.flush();
        assert_eq!(edits.len(), 1);
        assert_eq!(
            (edits[0].first, edits[0].last),
            (0, -1),
            "the empty buffer's line is replaced"
        );
        b.push(plain(101));
        assert_eq!(b.flush()[0].first, -1);
    }

    #[test]
    fn nothing_is_edited_before_a_buffer_shows_the_book() {
        let mut b = Logbook::new(10, 200);
        for seq in 1..=30 {
            b.push(plain(seq));
        }
        assert!(b.flush().is_empty());
        let buf = rendered(&mut b);
        assert_eq!(b.len(), 10);
        assert!(buf[0].contains("20 older entries"));
        assert!(buf[1].ends_with("message 21"));
    }

    #[test]
    fn rows_map_back_to_entries() {
        let mut b = Logbook::new(5, 200);
        let mut buf = vec![String::new()];
        b.render();
        for seq in 1..=12 {
            b.push(plain(seq));
            b.toggle(b.stats().last_id);
            check_incremental(&mut b, &mut buf);
        }
        for (i, line) in buf.iter().enumerate() {
            let id = b.entry_at(i as i64 + 1);
            if i == 0 {
                assert_eq!(id, None, "the top marker");
                continue;
            }
            let e = b.get(id.expect("an entry")).unwrap();
            if !line.starts_with(' ') {
                assert!(line.ends_with(&e.message), "{line} / {}", e.message);
            }
        }
        b.push(plain(13));
        let last = b.last_header() as usize;
        assert!(
            buf[last - 1].ends_with("message 12"),
            "pending edits not counted"
        );
    }

    #[test]
    fn filters_levels_text_and_scopes() {
        let mut b = Logbook::new(100, 200);
        b.push(log(1, Level::Error, "Enemy died", None));
        b.push(log(2, Level::Warning, "enemy late", None));
        b.push(log(3, Level::Log, "plain", Some("at Enemy.cs")));
        b.mark(Scope::Compile);
        b.push(log(4, Level::Exception, "after compile", None));
        assert_eq!(b.counts(), [2, 1, 1]);
        let show = |b: &mut Logbook| {
            rendered(b)
                .into_iter()
                .filter(|l| !l.starts_with(' '))
                .count()
        };
        assert_eq!(show(&mut b), 4);
        b.set_filter(Filter {
            text: Some("enemy".into()),
            ..Filter::default()
        });
        assert_eq!(show(&mut b), 3, "case-insensitive, stack included");
        b.set_filter(Filter {
            text: Some("Enemy".into()),
            ..Filter::default()
        });
        assert_eq!(show(&mut b), 2, "capitals: case-sensitive");
        b.set_filter(Filter {
            levels: [true, false, false],
            ..Filter::default()
        });
        assert_eq!(show(&mut b), 2);
        b.set_filter(Filter {
            scope: Scope::Compile,
            ..Filter::default()
        });
        assert_eq!(show(&mut b), 1);
        b.set_filter(Filter {
            scope: Scope::Play,
            ..Filter::default()
        });
        assert_eq!(rendered(&mut b), vec![String::new()], "no play yet");
        b.clear();
        assert_eq!(b.counts(), [0; 3]);
    }

    #[test]
    fn collapsing_counts_copies_on_their_first_row() {
        let mut b = Logbook::new(6, 200);
        let mut buf = vec![String::new()];
        b.set_collapse(true);
        b.render();
        let same = |seq| log(seq, Level::Warning, "same", None);
        for seq in 1..=4 {
            b.push(same(seq));
            b.push(log(100 + seq, Level::Log, &format!("other {seq}"), None));
            check_incremental(&mut b, &mut buf);
        }
        let headers: Vec<_> = buf.iter().filter(|l| l.contains("same")).collect();
        assert_eq!(headers.len(), 1);
        assert!(
            headers[0].ends_with("same  (×3)") || headers[0].ends_with("same  (×4)"),
            "{headers:?}"
        );
        // Trimming moves the group onto its next copy still kept.
        for seq in 5..=12 {
            b.push(log(100 + seq, Level::Log, &format!("other {seq}"), None));
            check_incremental(&mut b, &mut buf);
        }
        assert!(buf.iter().all(|l| !l.contains("same")), "all copies left");
        b.set_collapse(false);
        check_incremental(&mut b, &mut buf);
    }

    #[test]
    fn entries_show_their_header_until_expanded() {
        let mut b = Logbook::new(100, 200);
        let mut buf = vec![String::new()];
        b.render();
        b.push(log(1, Level::Error, "Boom\nmore", Some("A:B ()\nC:D ()")));
        b.push(log(2, Level::Log, "after", None));
        check_incremental(&mut b, &mut buf);
        assert_eq!(buf.len(), 2, "headers only: {buf:?}");
        b.toggle(1);
        let edits = b.flush();
        assert_eq!(
            (edits[0].first, edits[0].last),
            (1, 1),
            "inserted under the header"
        );
        apply(&mut buf, edits);
        assert_eq!(buf[1..4], ["  more", "    A:B ()", "    C:D ()"]);
        assert_eq!(b.entry_at(4), Some(1));
        assert_eq!(b.entry_at(5), Some(2));
        assert_eq!(
            (b.row_of(1), b.row_of(2), b.row_of(9)),
            (Some(1), Some(5), None)
        );
        b.toggle(2); // nothing to expand
        b.toggle(1);
        check_incremental(&mut b, &mut buf);
        assert_eq!(buf.len(), 2);
        b.set_expand_all(true);
        b.render();
        apply(&mut buf, b.flush());
        b.push(log(3, Level::Warning, "new", Some("E:F ()")));
        b.toggle(1);
        check_incremental(&mut b, &mut buf);
        assert_eq!(buf.len(), 4, "3 expanded by default, 1 hidden: {buf:?}");
        assert!(b.expanded(3) && !b.expanded(1));
    }

    #[test]
    fn hidden_and_shown_again() {
        let mut b = Logbook::new(100, 200);
        b.render();
        b.push(plain(1));
        b.hide();
        b.push(plain(2));
        assert!(b.flush().is_empty());
        let buf = rendered(&mut b);
        assert_eq!(buf.iter().filter(|l| l.contains("message")).count(), 2);
        assert_eq!(b.since(2).map(|(id, _)| id).collect::<Vec<_>>(), vec![2]);
    }
}
