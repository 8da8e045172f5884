//! The logbook: the history and what the log buffer shows of it, put together from the parts
//! in this folder. Every change (an entry, a filter, a scope mark, collapsing, expanding)
//! leaves its buffer edits pending for `flush`; none needs a render after it. Free of mlua; it
//! lives on Neovim's main thread.

use crate::log::collapse::Collapse;
use crate::log::entry::{Entry, Line};
use crate::log::filter::{passes, Filter, Scope};
use crate::log::history::History;
use crate::log::look::Look;
use crate::log::view::{Edit, Expansion, Row, View};
use std::collections::HashMap;
use std::sync::Arc;

/// What the Lua hook made of an entry at the last full render.
#[derive(Debug, Clone, PartialEq)]
pub enum Custom {
    Hidden,
    Header(Line),
}

pub struct Logbook {
    shows: Shows,
    view: View,
    /// Entries up to this id left the history but not the buffer yet: trimming edits the
    /// buffer once per flush, not once per entry.
    trimmed_through: Option<u64>,
    /// Collapsed groups that lost a copy meanwhile: their count, or the entry standing for
    /// them, changed.
    touched: Vec<u64>,
    /// Entries that may still show as the rules were before the last change: `step` brings
    /// them up to date a chunk at a time.
    stale: Option<Stale>,
}

/// Ids `lo..hi`, and whether the newest chunk (what a window at the tail shows) is done: it
/// goes first, the rest oldest first, as Neovim edits the top of a long buffer faster than
/// its end (its byte-offset index is walked from the top for each line edited).
#[derive(Debug, Clone, Copy)]
struct Stale {
    lo: u64,
    hi: u64,
    tail_done: bool,
}

/// Which entries show, and how.
#[derive(Default)]
struct Rules {
    filter: Filter,
    /// Kept only while collapsing.
    collapse: Option<Collapse>,
    expansion: Expansion,
    /// From the last full render with a hook; entries added since have none.
    custom: HashMap<u64, Custom>,
}

/// What decides how an entry shows: a field of its own, so that it can be read while the
/// view it feeds is changed.
struct Shows {
    history: History,
    look: Arc<Look>,
    rules: Rules,
}

impl Shows {
    /// The tag of entry `id`'s row (see `tag`), or None when it is hidden or gone.
    fn shown_tag(&self, id: u64) -> Option<u64> {
        let e = self.history.get(id)?;
        if !passes(id, e, &self.rules.filter, self.history.marks())
            || self.custom(id) == Some(&Custom::Hidden)
        {
            return None;
        }
        let repeats = match &self.rules.collapse {
            Some(c) if e.level.is_some() => c.shown_count(id, e.key)?,
            _ => 1,
        };
        Some(self.tag(id, repeats))
    }

    /// What tells its header from another one of the same entry (see `Row`): how many copies
    /// its row stands for (1 unless collapsing), or u64::MAX for a hook's header, which wins
    /// over the count.
    fn tag(&self, id: u64, repeats: u64) -> u64 {
        match self.custom(id) {
            Some(Custom::Header(_)) => u64::MAX,
            _ => repeats,
        }
    }

    fn custom(&self, id: u64) -> Option<&Custom> {
        // An empty map would still hash the id: most histories have no hook.
        if self.rules.custom.is_empty() {
            return None;
        }
        self.rules.custom.get(&id)
    }

    /// The header of entry `id`'s row tagged `tag`.
    fn header(&self, id: u64, e: &Entry, tag: u64) -> Line {
        match self.custom(id) {
            Some(Custom::Header(h)) => Arc::clone(h),
            _ => e.header_with(tag, &self.look),
        }
    }

    fn body(&self, id: u64, e: &Entry) -> Vec<String> {
        if e.has_body && self.rules.expansion.is(id) {
            self.look.body(&e.message, e.stack.as_deref())
        } else {
            Vec::new()
        }
    }

    /// Appends the lines of entry `id`'s row tagged `tag` to `out` (no vector of its own: the
    /// flood's hot path); returns how many.
    fn lines(&self, id: u64, tag: u64, out: &mut Vec<Line>) -> i64 {
        let Some(e) = self.history.get(id) else {
            return 0;
        };
        out.push(self.header(id, e, tag));
        let body = self.body(id, e);
        let n = 1 + body.len() as i64;
        out.extend(body.into_iter().map(Line::from));
        n
    }

    /// The row of entry `id`, if shown.
    fn row(&self, id: u64, e: &Entry) -> Option<Row> {
        Some(Row {
            id,
            tag: self.shown_tag(id)?,
            n: 1 + self.body(id, e).len() as i64,
        })
    }
}

impl Logbook {
    pub fn new(cap: usize, look: Arc<Look>) -> Self {
        Self {
            shows: Shows {
                history: History::new(cap),
                look,
                rules: Rules::default(),
            },
            view: View::default(),
            trimmed_through: None,
            touched: Vec::new(),
            stale: None,
        }
    }

    pub fn look(&self) -> &Arc<Look> {
        &self.shows.look
    }

    /// The entries kept, their counts and statistics.
    pub fn history(&self) -> &History {
        &self.shows.history
    }

    pub fn filter(&self) -> &Filter {
        &self.shows.rules.filter
    }

    pub fn collapsing(&self) -> bool {
        self.shows.rules.collapse.is_some()
    }

    /// Whether the filter, scope, collapsing and the hook let entry `id` be shown.
    pub fn visible(&self, id: u64) -> bool {
        self.shows.shown_tag(id).is_some()
    }

    /// Adds an entry; its lines are appended to the buffer when they pass the filter.
    pub fn push(&mut self, e: Entry) {
        let (key, is_log) = (e.key, e.level.is_some());
        let (id, trimmed) = self.shows.history.push(e);
        let rep = match &mut self.shows.rules.collapse {
            Some(c) if is_log => c.add(id, key),
            _ => None,
        };
        if self.view.shown() {
            match rep {
                Some(rep) => self.redraw_header(rep),
                None => {
                    let shows = &self.shows;
                    if let Some(tag) = shows.shown_tag(id) {
                        self.view.append(id, tag, |out| shows.lines(id, tag, out));
                    }
                }
            }
        }
        if let Some((old, e)) = trimmed {
            self.forget(old, &e);
        }
    }

    /// A collapsed group's count changed; a row now hidden waits for `step`.
    fn redraw_header(&mut self, id: u64) {
        let shows = &self.shows;
        if let (Some(e), Some(tag)) = (shows.history.get(id), shows.shown_tag(id)) {
            let header = shows.header(id, e, tag);
            self.view.splice(id, (0, Some(1)), vec![header], Some(tag));
        }
    }

    /// Entry `id` left the history: it leaves the collapse index and the expansion now, the
    /// buffer at the next flush.
    fn forget(&mut self, id: u64, e: &Entry) {
        let rules = &mut self.shows.rules;
        rules.expansion.forget(id);
        if !rules.custom.is_empty() {
            rules.custom.remove(&id);
        }
        if let (Some(c), Some(_)) = (&mut rules.collapse, e.level) {
            let history = &self.shows.history;
            let next = || {
                history
                    .since(id + 1)
                    .find(|(_, n)| n.level.is_some() && n.key == e.key)
                    .map(|(next, _)| next)
            };
            if let Some(rep) = c.remove(id, e.key, next) {
                if self.view.shown() {
                    self.touched.push(rep);
                }
            }
        }
        if self.view.shown() {
            self.trimmed_through = Some(id);
        }
    }

    /// Takes the entries that left the history out of the buffer; the top marker says how
    /// many left.
    fn settle_trim(&mut self) {
        let Some(last) = self.trimmed_through.take() else {
            return;
        };
        let marker = self.removed_marker();
        self.view.trim(last, marker);
        let mut touched = std::mem::take(&mut self.touched);
        touched.sort_unstable();
        touched.dedup();
        for id in touched {
            if self.view.is_shown(id) {
                self.redraw_header(id);
            } else if let Some(tag) = self.shows.shown_tag(id) {
                let mut lines = Vec::new();
                self.shows.lines(id, tag, &mut lines);
                self.view.insert(id, tag, lines);
            }
        }
    }

    fn removed_marker(&self) -> Line {
        self.shows.look.removed(self.shows.history.removed()).into()
    }

    /// Shows or hides the body and stack trace of entry `id`.
    pub fn toggle(&mut self, id: u64) {
        let Some(e) = self.shows.history.get(id).filter(|e| e.has_body) else {
            return;
        };
        self.shows.rules.expansion.toggle(id);
        if self.view.is_shown(id) {
            // The header stays: the cursor on it does not move.
            let body = self.shows.body(id, e).into_iter().map(Line::from).collect();
            self.view.splice(id, (1, None), body, None);
        }
    }

    /// The rules changed: every entry may show otherwise. `step` edits the buffer.
    fn reshow(&mut self) {
        if self.view.shown() {
            self.stale = Some(Stale {
                lo: self.shows.history.first_id(),
                hi: self.shows.history.next_id(),
                tail_done: false,
            });
        }
    }

    /// Whether some entries may still show as the rules were before the last change.
    pub fn reshowing(&self) -> bool {
        self.stale.is_some()
    }

    /// Brings up to `n` more entries to what the rules now say: first the newest, then the
    /// oldest not yet done. Their edits are pending for `flush`. The rows map to entries
    /// between steps as always (some show the old rules, that is all). Returns whether
    /// entries remain.
    pub fn step(&mut self, n: u64) -> bool {
        self.settle_trim();
        let Some(s) = self.stale else {
            return false;
        };
        let n = n.max(1);
        let lo = s.lo.max(self.shows.history.first_id());
        let (a, b) = if s.tail_done {
            (lo, lo.saturating_add(n).min(s.hi))
        } else {
            (s.hi.saturating_sub(n).max(lo), s.hi)
        };
        if a < b {
            let shows = &self.shows;
            let wanted = shows
                .history
                .since(a)
                .take_while(|(id, _)| *id < b)
                .filter_map(|(id, e)| shows.row(id, e))
                .collect();
            self.view
                .diff((a, b), wanted, |id, tag, out| shows.lines(id, tag, out));
        }
        let rest = if s.tail_done { (b, s.hi) } else { (lo, a) };
        self.stale = (rest.0 < rest.1).then_some(Stale {
            lo: rest.0,
            hi: rest.1,
            tail_done: true,
        });
        self.reshowing()
    }

    /// Expands every entry, or none.
    pub fn set_expand_all(&mut self, on: bool) {
        self.shows.rules.expansion.set_all(on);
        self.reshow();
    }

    pub fn set_filter(&mut self, f: Filter) {
        self.shows.rules.filter = f;
        self.reshow();
    }

    /// Collapses identical entries or stops doing so.
    pub fn set_collapse(&mut self, on: bool) {
        if on == self.collapsing() {
            return;
        }
        let history = &self.shows.history;
        self.shows.rules.collapse = on.then(|| {
            Collapse::of(
                history
                    .since(0)
                    .filter(|(_, e)| e.level.is_some())
                    .map(|(id, e)| (id, e.key)),
            )
        });
        self.reshow();
    }

    /// Starts scope "compile" or "play" at the next entry.
    pub fn mark(&mut self, scope: Scope) {
        self.shows.history.mark(scope);
        if self.shows.rules.filter.scope == scope {
            self.reshow();
        }
    }

    /// Forgets every entry; counts start again.
    pub fn clear(&mut self) {
        self.shows.history.clear();
        let rules = &mut self.shows.rules;
        if rules.collapse.is_some() {
            rules.collapse = Some(Collapse::default());
        }
        rules.expansion.forget_all();
        rules.custom.clear();
        if self.view.shown() {
            self.render();
        }
    }

    /// Redraws everything (the buffer is new): one edit empties the buffer, `step` brings the
    /// entries back.
    pub fn render(&mut self) {
        self.shows.rules.custom.clear();
        self.render_kept();
    }

    /// Redraws everything, asking `decide` first about each entry that would be shown (the
    /// Lua hook): None shows it as usual; a header is cleaned and cut as any line.
    pub fn render_with<E>(
        &mut self,
        mut decide: impl FnMut(u64, &Entry) -> Result<Option<Custom>, E>,
    ) -> Result<(), E> {
        self.shows.rules.custom.clear();
        let mut custom = HashMap::new();
        for (id, e) in self.shows.history.since(0) {
            if self.visible(id) {
                match decide(id, e)? {
                    Some(Custom::Header(h)) => {
                        custom.insert(id, Custom::Header(self.shows.look.line(&h).into()));
                    }
                    Some(Custom::Hidden) => {
                        custom.insert(id, Custom::Hidden);
                    }
                    None => {}
                }
            }
        }
        self.shows.rules.custom = custom;
        self.render_kept();
        Ok(())
    }

    fn render_kept(&mut self) {
        self.trimmed_through = None;
        self.touched.clear();
        let marker = (self.shows.history.removed() > 0).then(|| self.removed_marker());
        self.view.reset(marker);
        self.reshow();
    }

    /// No buffer shows the book any more: stop making edits until the next `render`.
    pub fn hide(&mut self) {
        self.view.hide();
        self.stale = None;
        self.trimmed_through = None;
        self.touched.clear();
    }

    /// The buffer edits since the last call, in the order to apply them.
    pub fn flush(&mut self) -> Vec<Edit> {
        self.settle_trim();
        self.view.flush()
    }

    /// The entry whose lines hold buffer row `row` (1-based) and which of its lines that is
    /// (0: its header); None on the top marker.
    pub fn entry_at(&self, row: i64) -> Option<(u64, i64)> {
        self.view.entry_at(row)
    }

    /// 1-based buffer row of the header of entry `id`, if shown.
    pub fn row_of(&self, id: u64) -> Option<i64> {
        self.view.row_of(id)
    }

    /// 1-based buffer row of the newest entry's first line once the edits flushed so far are
    /// applied, or 0.
    pub fn last_header(&self) -> i64 {
        self.view.last_header()
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::entry::tests::{log, log_with};
    use crate::log::look::Spec;
    use crate::log::view::tests::apply;
    use crate::protocol::Level;

    fn look() -> Arc<Look> {
        let spec = Spec {
            max_line: 200,
            ..Spec::default()
        };
        Arc::new(Look::new(spec).unwrap())
    }

    fn book(cap: usize) -> Logbook {
        Logbook::new(cap, look())
    }

    fn plain(seq: u64) -> Entry {
        log(
            seq,
            Level::Log,
            &format!("message {seq}"),
            seq.is_multiple_of(3).then_some("A:B ()\nC:D ()"),
        )
    }

    /// The pending edits, every stale entry brought up to date `chunk` entries a step.
    fn settled(b: &mut Logbook, chunk: u64) -> Vec<Edit> {
        let mut edits = b.flush();
        while b.reshowing() {
            b.step(chunk);
            edits.extend(b.flush());
        }
        edits
    }

    /// What a fresh render of the same book shows.
    fn rendered(b: &mut Logbook) -> Vec<String> {
        b.render();
        let mut buf = vec![String::new()];
        apply(&mut buf, settled(b, 1000));
        buf
    }

    /// Incremental edits must leave exactly what a full render would show.
    fn check_incremental(b: &mut Logbook, buf: &mut Vec<String>) {
        apply(buf, settled(b, 7));
        let full = rendered(b);
        assert_eq!(*buf, full);
    }

    #[test]
    fn appends_and_trims_match_a_full_render() {
        let mut b = book(50);
        let mut buf = vec![String::new()];
        b.render();
        apply(&mut buf, b.flush());
        for seq in 1..=400 {
            b.push(plain(seq));
            if seq.is_multiple_of(7) {
                b.push(Entry::marker("reloaded", &Look::default()));
            }
            if seq.is_multiple_of(6) {
                // Expand an entry with a stack a few rows up: an edit inside the buffer.
                b.toggle(b.history().stats().last_id.saturating_sub(3));
            }
            if seq.is_multiple_of(13) {
                check_incremental(&mut b, &mut buf);
            }
        }
        check_incremental(&mut b, &mut buf);
        assert_eq!(b.history().len(), 50);
        assert!(buf[0].starts_with("── ") && buf[0].contains("older entries left the history"));
        assert_eq!(b.history().stats().added, 400);
        assert_eq!(b.history().stats().last_seq, 400);
    }

    #[test]
    fn one_chunk_is_one_append() {
        let mut b = book(1000);
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
        let mut b = book(10);
        for seq in 1..=30 {
            b.push(plain(seq));
        }
        assert!(b.flush().is_empty());
        let buf = rendered(&mut b);
        assert_eq!(b.history().len(), 10);
        assert!(buf[0].contains("20 older entries"));
        assert!(buf[1].ends_with("message 21"));
    }

    #[test]
    fn rows_map_back_to_entries() {
        let mut b = book(5);
        let mut buf = vec![String::new()];
        b.render();
        for seq in 1..=12 {
            b.push(plain(seq));
            b.toggle(b.history().stats().last_id);
            check_incremental(&mut b, &mut buf);
        }
        for (i, line) in buf.iter().enumerate() {
            let id = b.entry_at(i as i64 + 1).map(|(id, _)| id);
            if i == 0 {
                assert_eq!(id, None, "the top marker");
                continue;
            }
            let e = b.history().get(id.expect("an entry")).unwrap();
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
        let mut b = book(100);
        b.push(log(1, Level::Error, "Enemy died", None));
        b.push(log(2, Level::Warning, "enemy late", None));
        b.push(log(3, Level::Log, "plain", Some("at Enemy.cs")));
        b.mark(Scope::Compile);
        b.push(log(4, Level::Exception, "after compile", None));
        assert_eq!(b.history().counts(), [2, 1, 1]);
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
        assert_eq!(b.history().counts(), [0; 3]);
    }

    #[test]
    fn collapsing_counts_copies_on_their_first_row() {
        let mut b = book(6);
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
        let mut b = book(100);
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
        assert_eq!(b.entry_at(4), Some((1, 3)));
        assert_eq!(b.entry_at(5), Some((2, 0)));
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
        apply(&mut buf, settled(&mut b, 2));
        b.push(log(3, Level::Warning, "new", Some("E:F ()")));
        b.toggle(1);
        check_incremental(&mut b, &mut buf);
        assert_eq!(buf.len(), 4, "3 expanded by default, 1 hidden: {buf:?}");
        assert!(b.shows.rules.expansion.is(3) && !b.shows.rules.expansion.is(1));
    }

    #[test]
    fn hidden_and_shown_again() {
        let mut b = book(100);
        b.render();
        b.push(plain(1));
        b.hide();
        b.push(plain(2));
        assert!(b.flush().is_empty());
        let buf = rendered(&mut b);
        assert_eq!(buf.iter().filter(|l| l.contains("message")).count(), 2);
        assert_eq!(
            b.history().since(2).map(|(id, _)| id).collect::<Vec<_>>(),
            vec![2]
        );
    }

    /// Every change (filters, scopes, collapsing, expanding, trimming, clearing) in a long
    /// random sequence: the incremental edits always leave what a full render shows.
    #[test]
    fn every_change_matches_a_full_render() {
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        let mut b = book(120);
        let mut buf = vec![String::new()];
        b.render();
        let levels = [Level::Log, Level::Warning, Level::Error, Level::Exception];
        for seq in 1..=3000 {
            let level = levels[next(4) as usize];
            let stack = (next(3) == 0).then_some("A:B () (at Assets/A.cs:1)\nC:D ()");
            b.push(log(seq, level, &format!("msg {}\nmore", next(15)), stack));
            match next(40) {
                0 => b.set_filter(Filter {
                    levels: [next(2) == 0, next(2) == 0, next(3) != 0],
                    ..b.filter().clone()
                }),
                1 => b.set_filter(Filter {
                    text: [None, Some("msg 1".to_string()), Some("MSG".to_string())]
                        [next(3) as usize]
                        .clone(),
                    ..b.filter().clone()
                }),
                2 => b.set_collapse(!b.collapsing()),
                3 => b.mark([Scope::Compile, Scope::Play][next(2) as usize]),
                4 => b.set_filter(Filter {
                    scope: [Scope::All, Scope::Compile, Scope::Play][next(3) as usize],
                    ..b.filter().clone()
                }),
                5 => b.set_expand_all(next(2) == 0),
                6..=12 => b.toggle(b.history().stats().last_id.saturating_sub(next(30))),
                13 if next(10) == 0 => b.clear(),
                14 => b.push(Entry::marker("reloaded", &Look::default())),
                _ => {}
            }
            // A change shown only in part when the next entry or change comes.
            if b.reshowing() && next(2) == 0 {
                b.step(1 + next(40));
                apply(&mut buf, b.flush());
            }
            if next(5) == 0 {
                check_incremental(&mut b, &mut buf);
            }
        }
        check_incremental(&mut b, &mut buf);
    }

    #[test]
    fn the_hook_hides_and_rewrites_at_a_full_render_only() {
        let mut b = book(100);
        let mut buf = vec![String::new()];
        for seq in 1..=4 {
            b.push(plain(seq));
        }
        b.render_with(|id, _| {
            Ok::<_, ()>(match id {
                1 => Some(Custom::Hidden),
                2 => Some(Custom::Header("custom\tline".into())),
                _ => None,
            })
        })
        .unwrap();
        apply(&mut buf, settled(&mut b, 3));
        assert_eq!(buf[0], "custom    line", "cleaned like any line");
        assert!(buf[1].ends_with("message 3"), "{buf:?}");
        assert!(!b.visible(1));
        b.push(plain(5));
        apply(&mut buf, b.flush());
        assert!(
            buf.last().unwrap().ends_with("message 5"),
            "new entries: no hook"
        );
        b.set_filter(Filter {
            levels: [true, true, false],
            ..Filter::default()
        });
        b.set_filter(Filter::default());
        apply(&mut buf, settled(&mut b, 3));
        assert_eq!(buf[0], "custom    line", "kept until the next full render");
        b.render();
        assert!(b.visible(1), "a render without the hook forgets it");
        assert_eq!(b.render_with(|_, _| Err("boom")), Err("boom"));
    }

    #[test]
    fn a_configured_look_shows_in_every_line() {
        let spec = Spec {
            labels: ["L", "W", "E", "X", "A"].map(String::from),
            clock: String::new(),
            count: " [%d]".into(),
            marker: "## %s ##".into(),
            stack_indent: "  > ".into(),
            ..Spec::default()
        };
        let look = Arc::new(Look::new(spec).unwrap());
        let mut b = Logbook::new(3, Arc::clone(&look));
        let mut buf = vec![String::new()];
        b.render();
        b.set_collapse(true);
        for seq in 1..=5 {
            b.push(log_with(&look, seq, Level::Warning, "same", Some("at X")));
        }
        b.toggle(3);
        check_incremental(&mut b, &mut buf);
        assert_eq!(
            buf,
            [
                "## 2 older entries left the history ##",
                "W same [3]",
                "  > at X"
            ]
        );
    }
}
