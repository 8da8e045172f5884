//! What the log buffer shows: which entries, on which rows, with how many lines, and the
//! buffer edits (`nvim_buf_set_lines` arguments) that bring the buffer there. Appends extend
//! one open edit (a flood costs one `nvim_buf_set_lines` per drained chunk); a filter change
//! edits only the runs of rows that changed. Knows rows and lines, not entries: the book says
//! which entries to show and gives their lines.

use crate::log::entry::Line;
use std::cmp::Ordering;
use std::collections::{HashSet, VecDeque};

/// `nvim_buf_set_lines(buf, first, last, false, lines)`, 0-based, -1 meaning the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub first: i64,
    pub last: i64,
    pub lines: Vec<Line>,
    /// Which of `lines` are entries' header lines: (index in `lines`, entry id), in order; a
    /// diff names them, an append does not. Lets Lua reuse the string it made
    /// when the entry was last shown by a change.
    pub heads: Vec<(usize, u64)>,
}

impl Edit {
    fn new(first: i64, last: i64, lines: Vec<Line>) -> Self {
        Self {
            first,
            last,
            lines,
            heads: Vec::new(),
        }
    }

    /// Appends the lines of entry `id` (`lines` writes them, returns how many).
    fn add_row(&mut self, id: u64, lines: impl FnOnce(&mut Vec<Line>) -> i64) -> i64 {
        let at = self.lines.len();
        let n = lines(&mut self.lines);
        if n > 0 {
            self.heads.push((at, id));
        }
        n
    }
}

/// An entry as shown: its id, how many lines, and a tag that changes when its header does
/// (the book's business: a repeat count, a header from the hook). Rows with the same id, lines
/// and tag show the same text, so a diff compares no text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub id: u64,
    pub n: i64,
    pub tag: u64,
}

/// A row and where it is. Rows are numbered once ("absolute"); the buffer row is
/// `abs - shift`, so trimming the top never renumbers the rest.
#[derive(Debug, Clone, Copy)]
struct Placed {
    abs: i64,
    row: Row,
}

/// Kept rows between two changed runs up to which both go in one edit: rewriting a few lines
/// costs less than another `nvim_buf_set_lines` call.
const MERGE_GAP: i64 = 8;

#[derive(Debug, Default)]
pub struct View {
    /// Whether a buffer shows the book (edits are made only then).
    shown: bool,
    /// In id order.
    rows: VecDeque<Placed>,
    next_abs: i64,
    shift: i64,
    /// Row 0 says how many entries left the history.
    top_marker: bool,
    /// Index in `edits` of the append still open to more lines.
    open_append: Option<usize>,
    /// `last_header` as of the last flush: what the buffer shows.
    flushed_last_header: i64,
    edits: Vec<Edit>,
}

impl View {
    pub fn shown(&self) -> bool {
        self.shown
    }

    /// Starts showing the book: the buffer holds only the optional top marker, the entries
    /// come with `diff`s (a logbook brings them in chunks, newest first).
    pub fn reset(&mut self, marker: Option<Line>) {
        *self = View {
            shown: true,
            top_marker: marker.is_some(),
            next_abs: marker.is_some() as i64,
            ..View::default()
        };
        self.edits
            .push(Edit::new(0, -1, marker.into_iter().collect()));
    }

    /// Lines the buffer holds by the rows (0: the one empty line of an empty buffer).
    fn line_count(&self) -> i64 {
        self.next_abs - self.shift
    }

    fn place_last(&mut self, row: Row) {
        self.rows.push_back(Placed {
            abs: self.next_abs,
            row,
        });
        self.next_abs += row.n;
    }

    /// No buffer shows the book any more: stop making edits until the next `reset`.
    pub fn hide(&mut self) {
        *self = View::default();
    }

    fn edit(&mut self, first: i64, last: i64, lines: Vec<Line>) {
        self.push(Edit::new(first, last, lines));
    }

    /// Ends the open append: `e` comes after it.
    fn push(&mut self, e: Edit) {
        self.open_append = None;
        self.edits.push(e);
    }

    /// Shows entry `id` (newer than every row) at the end.
    pub fn append(&mut self, id: u64, tag: u64, lines: impl FnOnce(&mut Vec<Line>) -> i64) {
        let i = match self.open_append {
            Some(i) => i,
            None => {
                // An empty buffer still has one (empty) line: replace it.
                let first = if self.line_count() == 0 { 0 } else { -1 };
                self.edits.push(Edit::new(first, -1, Vec::new()));
                self.open_append = Some(self.edits.len() - 1);
                self.edits.len() - 1
            }
        };
        // No head: the strings of a flood's lines are not kept (each string kept alive made
        // every new one slower to make and the garbage collector slower, doc/performance.md);
        // a change that shows the entry again makes and keeps its string.
        let n = lines(&mut self.edits[i].lines);
        self.place_last(Row { id, n, tag });
    }

    /// Replaces lines `start..end` (`None`: to its last) of the row of entry `id`, if shown;
    /// `tag` is its new tag when its header changes.
    pub fn splice(
        &mut self,
        id: u64,
        (start, end): (i64, Option<i64>),
        lines: Vec<Line>,
        tag: Option<u64>,
    ) {
        let Some(i) = self.row_index(id) else { return };
        let p = &mut self.rows[i];
        let end = end.unwrap_or(p.row.n);
        let delta = lines.len() as i64 - (end - start);
        p.row.tag = tag.unwrap_or(p.row.tag);
        p.row.n += delta;
        let at = p.abs - self.shift;
        for r in self.rows.range_mut(i + 1..) {
            r.abs += delta;
        }
        self.next_abs += delta;
        self.edit(at + start, at + end, lines);
    }

    /// Shows entry `id` among the rows already shown, in id order. Later rows are
    /// renumbered: rare (a collapsed group moved to a copy that was hidden).
    pub fn insert(&mut self, id: u64, tag: u64, lines: Vec<Line>) {
        let n = lines.len() as i64;
        let i = self.rows.partition_point(|r| r.row.id < id);
        let abs = self.rows.get(i).map_or(self.next_abs, |r| r.abs);
        for r in self.rows.range_mut(i..) {
            r.abs += n;
        }
        self.rows.insert(
            i,
            Placed {
                abs,
                row: Row { id, n, tag },
            },
        );
        self.next_abs += n;
        let at = abs - self.shift;
        self.edit(at, at, lines);
    }

    /// Entries up to `last` left the history: their rows go, the top marker says so.
    pub fn trim(&mut self, last: u64, marker: Line) {
        let mut nrows = 0;
        while let Some(r) = self.rows.front() {
            if r.row.id > last {
                break;
            }
            nrows += r.row.n;
            self.rows.pop_front();
        }
        if !self.top_marker && self.rows.is_empty() {
            // Nothing left: the marker replaces the buffer (whose last line cannot go).
            self.edit(0, -1, vec![marker]);
            self.top_marker = true;
            self.shift = 0;
            self.next_abs = 1;
            return;
        }
        let top = self.top_marker as i64;
        if nrows > 0 {
            self.edit(top, top + nrows, Vec::new());
        }
        self.shift += nrows;
        if self.top_marker {
            self.edit(0, 1, vec![marker]);
        } else {
            self.edit(0, 0, vec![marker]);
            self.top_marker = true;
            // Every row moved one down.
            self.shift -= 1;
        }
    }

    /// Brings the rows of the entries with ids in `lo..hi` to `wanted` (in id order, ids in
    /// that range) with edits for the runs that differ only; `lines` gives the lines of a row
    /// to (re)write. Rows above the range keep their buffer rows, rows below move with it.
    pub fn diff(
        &mut self,
        (lo, hi): (u64, u64),
        wanted: Vec<Row>,
        mut lines: impl FnMut(u64, u64, &mut Vec<Line>) -> i64,
    ) {
        let i0 = self.rows.partition_point(|r| r.row.id < lo);
        let i1 = self.rows.partition_point(|r| r.row.id < hi);
        if self.rows.range(i0..i1).map(|p| &p.row).eq(wanted.iter()) {
            return; // nothing to edit, no rows to move (a scope's older entries, say)
        }
        let start = self.rows.get(i0).map_or(self.next_abs, |r| r.abs);
        let old: Vec<Row> = self.rows.range(i0..i1).map(|p| p.row).collect();
        if self.line_count() == 0 {
            // The empty buffer's one line cannot be kept under new lines: replace it.
            let mut out = Edit::new(0, -1, Vec::new());
            for r in &wanted {
                out.add_row(r.id, |l| lines(r.id, r.tag, l));
            }
            if !out.lines.is_empty() {
                self.push(out);
            }
        } else {
            self.diff_runs(start - self.shift, &old, &wanted, &mut lines);
        }
        let old_n: i64 = old.iter().map(|r| r.n).sum();
        let new_n: i64 = wanted.iter().map(|r| r.n).sum();
        // The rows on the shorter side are renumbered and moved: a logbook diffs a long
        // buffer chunk after chunk. Above, their numbers and the shift move together, so that
        // their buffer rows stay.
        let delta = new_n - old_n;
        let first = if i0 < self.rows.len() - i1 {
            for p in self.rows.range_mut(..i0) {
                p.abs -= delta;
            }
            self.shift -= delta;
            start - delta
        } else {
            for p in self.rows.range_mut(i1..) {
                p.abs += delta;
            }
            self.next_abs += delta;
            start
        };
        self.replace_rows(i0..i1, first, wanted);
    }

    /// Puts `wanted` in place of the rows at `range`, numbered from `abs`: the slots are
    /// reused and only the shorter side of the deque moves.
    fn replace_rows(&mut self, range: std::ops::Range<usize>, mut abs: i64, wanted: Vec<Row>) {
        let (i0, i1, w) = (range.start, range.end, wanted.len());
        let mut placed = wanted.into_iter().map(|row| {
            let p = Placed { abs, row };
            abs += row.n;
            p
        });
        for (slot, p) in self.rows.range_mut(i0..i1).zip(&mut placed) {
            *slot = p;
        }
        match w.cmp(&(i1 - i0)) {
            Ordering::Equal => {}
            Ordering::Less => {
                self.rows.drain(i0 + w..i1);
            }
            Ordering::Greater if i1 >= self.rows.len() - i1 => {
                let below = self.rows.split_off(i1);
                self.rows.extend(placed);
                self.rows.extend(below);
            }
            Ordering::Greater => {
                let above: Vec<Placed> = self.rows.drain(..i1).collect();
                let more: Vec<Placed> = placed.collect();
                for p in more.into_iter().rev().chain(above.into_iter().rev()) {
                    self.rows.push_front(p);
                }
            }
        }
    }

    fn diff_runs(
        &mut self,
        top: i64,
        old: &[Row],
        wanted: &[Row],
        lines: &mut impl FnMut(u64, u64, &mut Vec<Line>) -> i64,
    ) {
        let mut pos = top;
        // The edit being gathered: it starts at buffer row `first` (edits before it applied)
        // and replaces `last - first` lines so far.
        let mut run: Option<Edit> = None;
        // Rows kept since the run, not yet known to be part of it.
        let (mut held, mut held_n) = (Vec::new(), 0);
        let (mut i, mut j) = (0, 0);
        loop {
            let (removed, add) = match (old.get(i), wanted.get(j)) {
                (None, None) => break,
                (Some(o), Some(w)) if o.id == w.id => {
                    i += 1;
                    j += 1;
                    if o == w {
                        if run.is_some() {
                            held.push(*o);
                            held_n += o.n;
                        } else {
                            pos += o.n;
                        }
                        if held_n > MERGE_GAP {
                            let r = run.take().expect("held rows follow a run");
                            pos = r.first + r.lines.len() as i64 + held_n;
                            self.push(r);
                            held.clear();
                            held_n = 0;
                        }
                        continue;
                    }
                    (o.n, Some(*w))
                }
                (Some(o), w) if w.is_none_or(|w| o.id < w.id) => {
                    i += 1;
                    (o.n, None)
                }
                (_, w) => {
                    j += 1;
                    (0, w.copied())
                }
            };
            let r = run.get_or_insert_with(|| Edit::new(pos, pos, Vec::new()));
            for h in held.drain(..) {
                r.add_row(h.id, |l| lines(h.id, h.tag, l));
            }
            r.last += held_n + removed;
            held_n = 0;
            if let Some(w) = add {
                r.add_row(w.id, |l| lines(w.id, w.tag, l));
            }
        }
        if let Some(r) = run {
            self.push(r);
        }
    }

    /// The buffer edits since the last call, in the order to apply them.
    pub fn flush(&mut self) -> Vec<Edit> {
        self.open_append = None;
        self.flushed_last_header = self.rows.back().map_or(0, |r| r.abs - self.shift + 1);
        std::mem::take(&mut self.edits)
    }

    /// The entry whose lines hold buffer row `row` (1-based), and which of its lines it is
    /// (0: the header); None on the top marker.
    pub fn entry_at(&self, row: i64) -> Option<(u64, i64)> {
        let abs = row - 1 + self.shift;
        let i = self.rows.partition_point(|r| r.abs <= abs).checked_sub(1)?;
        let r = &self.rows[i];
        (abs < r.abs + r.row.n).then_some((r.row.id, abs - r.abs))
    }

    /// 1-based buffer row of the header of entry `id`, if shown.
    pub fn row_of(&self, id: u64) -> Option<i64> {
        let r = &self.rows[self.row_index(id)?];
        Some(r.abs - self.shift + 1)
    }

    pub fn is_shown(&self, id: u64) -> bool {
        self.row_index(id).is_some()
    }

    /// Index in `rows` of entry `id`, if shown.
    fn row_index(&self, id: u64) -> Option<usize> {
        let i = self.rows.partition_point(|r| r.row.id < id);
        (self.rows.get(i)?.row.id == id).then_some(i)
    }

    /// 1-based buffer row of the newest entry's first line once the edits flushed so far are
    /// applied (edits still pending not counted), or 0.
    pub fn last_header(&self) -> i64 {
        self.flushed_last_header
    }
}

/// Which entries show their body and stack: all or none, with exceptions.
#[derive(Debug, Default)]
pub struct Expansion {
    all: bool,
    toggled: HashSet<u64>,
}

impl Expansion {
    pub fn is(&self, id: u64) -> bool {
        self.all != (!self.toggled.is_empty() && self.toggled.contains(&id))
    }

    pub fn toggle(&mut self, id: u64) {
        if !self.toggled.remove(&id) {
            self.toggled.insert(id);
        }
    }

    pub fn set_all(&mut self, on: bool) {
        self.all = on;
        self.toggled.clear();
    }

    /// Every entry left the history: no exceptions remain.
    pub fn forget_all(&mut self) {
        self.toggled.clear();
    }

    /// Entry `id` left the history.
    pub fn forget(&mut self, id: u64) {
        if !self.toggled.is_empty() {
            self.toggled.remove(&id);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Applies edits as `nvim_buf_set_lines` does (a buffer always holds a line).
    pub fn apply(buf: &mut Vec<String>, edits: Vec<Edit>) {
        for e in edits {
            let mut at = 0;
            for &(i, _) in &e.heads {
                assert!(
                    i >= at && i < e.lines.len(),
                    "heads in order, within the lines"
                );
                at = i + 1;
            }
            let len = buf.len() as i64;
            let at = |i: i64| if i < 0 { len + 1 + i } else { i } as usize;
            let (first, last) = (at(e.first), at(e.last));
            assert!(
                first <= last && last <= buf.len(),
                "edit {first}..{last} of {len} lines"
            );
            buf.splice(first..last, e.lines.iter().map(|l| l.to_string()));
            if buf.is_empty() {
                buf.push(String::new());
            }
        }
    }

    /// Rows of one line per id, "<id>" or "<id>*" for a changed header, and "<id>+" beneath
    /// when expanded.
    fn lines_of(spec: &[(u64, bool, bool)]) -> impl Fn(u64, u64, &mut Vec<Line>) -> i64 + '_ {
        move |id, _, out| {
            let &(_, star, more) = spec.iter().find(|s| s.0 == id).unwrap();
            out.push(format!("{id}{}", if star { "*" } else { "" }).into());
            if more {
                out.push(format!("{id}+").into());
            }
            1 + more as i64
        }
    }

    fn wanted(spec: &[(u64, bool, bool)]) -> Vec<Row> {
        spec.iter()
            .map(|&(id, star, more)| Row {
                id,
                n: 1 + more as i64,
                tag: star as u64,
            })
            .collect()
    }

    const ALL: (u64, u64) = (0, u64::MAX);

    /// A view showing `spec` after a reset (with an optional top marker).
    fn showing(marker: Option<&str>, spec: &[(u64, bool, bool)]) -> View {
        let mut v = View::default();
        v.reset(marker.map(Line::from));
        v.diff(ALL, wanted(spec), lines_of(spec));
        v
    }

    /// Each head names the row whose first line it points at ("<id>", "<id>*").
    fn check_heads(edits: &[Edit]) {
        for e in edits {
            for &(i, id) in &e.heads {
                assert_eq!(e.lines[i].trim_end_matches('*'), id.to_string(), "{e:?}");
            }
        }
    }

    fn shown(spec: &[(u64, bool, bool)]) -> Vec<String> {
        let f = lines_of(spec);
        let mut l = Vec::new();
        for s in spec {
            f(s.0, 0, &mut l);
        }
        l.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn a_diff_edits_only_the_runs_that_changed() {
        let before: Vec<_> = (1..=100).map(|id| (id, false, false)).collect();
        let mut v = showing(None, &before);
        let mut buf = vec![String::new()];
        apply(&mut buf, v.flush());
        // Hide 10 and 50..=52, show 70 with a changed header, expand 90.
        let after: Vec<_> = before
            .iter()
            .filter(|s| s.0 != 10 && !(50..=52).contains(&s.0))
            .map(|&(id, _, _)| (id, id == 70, id == 90))
            .collect();
        v.diff(ALL, wanted(&after), lines_of(&after));
        let edits = v.flush();
        let rewritten: usize = edits.iter().map(|e| e.lines.len()).sum();
        assert_eq!(edits.len(), 4, "{edits:?}");
        assert_eq!(rewritten, 3);
        check_heads(&edits);
        assert_eq!(edits.iter().map(|e| e.heads.len()).sum::<usize>(), 2);
        apply(&mut buf, edits);
        assert_eq!(buf, shown(&after));
        assert_eq!(v.entry_at(buf.len() as i64 - 10), Some((90, 1)));
        assert_eq!(v.row_of(91), Some(buf.len() as i64 - 9));
    }

    #[test]
    fn close_runs_go_in_one_edit() {
        let before: Vec<_> = (1..=40).map(|id| (id, false, false)).collect();
        let mut v = showing(Some("top"), &before);
        let mut buf = vec![String::new()];
        apply(&mut buf, v.flush());
        let after: Vec<_> = before.iter().filter(|s| s.0 % 3 != 0).copied().collect();
        v.diff(ALL, wanted(&after), lines_of(&after));
        let edits = v.flush();
        assert_eq!(edits.len(), 1, "gaps of two rows: one edit");
        check_heads(&edits);
        assert_eq!(
            edits[0].heads.len(),
            edits[0].lines.len(),
            "one line per row"
        );
        apply(&mut buf, edits);
        let mut want = vec!["top".to_string()];
        want.extend(shown(&after));
        assert_eq!(buf, want);
        v.diff(ALL, Vec::new(), lines_of(&after));
        apply(&mut buf, v.flush());
        assert_eq!(buf, ["top"]);
        v.diff(ALL, wanted(&before), lines_of(&before));
        apply(&mut buf, v.flush());
        assert_eq!(buf[1..], shown(&before)[..]);
    }

    #[test]
    fn appends_splices_inserts_and_trims() {
        let spec: Vec<_> = (1..=6).map(|id| (id, false, id == 2)).collect();
        let f = lines_of(&spec);
        let mut v = showing(None, &[]);
        let mut buf = vec![String::new()];
        for id in [1, 2, 4] {
            v.append(id, 0, |out| f(id, 0, out));
        }
        let edits = v.flush();
        assert_eq!(edits.len(), 2, "the reset, then one append");
        check_heads(&edits);
        assert!(edits[1].heads.is_empty(), "appends name no heads");
        apply(&mut buf, edits);
        assert_eq!(buf, ["1", "2", "2+", "4"]);
        v.insert(3, 0, vec!["3".into()]);
        v.splice(2, (1, None), Vec::new(), None);
        v.splice(4, (0, Some(1)), vec!["4*".into()], Some(1));
        v.trim(1, "gone".into());
        v.append(5, 0, |out| f(5, 0, out));
        apply(&mut buf, v.flush());
        assert_eq!(buf, ["gone", "2", "3", "4*", "5"]);
        assert_eq!(v.entry_at(1), None);
        assert_eq!(v.entry_at(4), Some((4, 0)));
        assert_eq!(v.last_header(), 5);
    }

    /// A diff made in chunks of ids, going up or down, each applied before the next is made,
    /// leaves what one diff of every row leaves; the rows map to the buffer after each chunk.
    #[test]
    fn a_diff_in_chunks_matches_one_diff() {
        let before: Vec<_> = (1..=60).map(|id| (id, id % 4 == 0, id % 9 == 0)).collect();
        let after: Vec<_> = before
            .iter()
            .filter(|s| s.0 % 5 != 0)
            .map(|&(id, star, more)| (id, star != (id % 7 == 0), more || id % 11 == 0))
            .collect();
        let cases = [(None, 1), (Some("top"), 7), (None, 13), (Some("top"), 100)];
        for ((marker, chunk), up) in cases.into_iter().flat_map(|c| [(c, true), (c, false)]) {
            let mut v = showing(marker, &before);
            let mut buf = vec![String::new()];
            apply(&mut buf, v.flush());
            let (mut lo, mut hi): (u64, u64) = (1, 61);
            while lo < hi {
                let range = if up {
                    (hi.saturating_sub(chunk).max(lo), hi)
                } else {
                    (lo, (lo + chunk).min(hi))
                };
                let part: Vec<_> = after
                    .iter()
                    .filter(|s| (range.0..range.1).contains(&s.0))
                    .copied()
                    .collect();
                v.diff(range, wanted(&part), lines_of(&after));
                apply(&mut buf, v.flush());
                (lo, hi) = if up { (lo, range.0) } else { (range.1, hi) };
                for (row, line) in (1..).zip(&buf) {
                    if let Some((id, part)) = v.entry_at(row) {
                        let id = id.to_string();
                        assert!(line.starts_with(&id), "{row}: {line} is not {id} ({part})");
                    }
                }
            }
            let mut want: Vec<String> = marker.into_iter().map(String::from).collect();
            want.extend(shown(&after));
            assert_eq!(buf, want, "chunks of {chunk}, up: {up}");
            let at = buf.iter().position(|l| l == "59").unwrap() as i64 + 1;
            assert_eq!(v.row_of(59), Some(at));
            assert_eq!(v.line_count(), buf.len() as i64);
        }
    }
}
