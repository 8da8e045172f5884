//! The queue between the worker threads and Neovim's main loop.
//!
//! Producers never block: when Neovim falls behind, log messages are dropped and counted (the
//! count arrives as a `Lost` event once there is room), while control events are held back in
//! order rather than lost. The consumer is woken through a pipe only when the queue goes from
//! empty to non-empty, so an idle connection costs Neovim nothing.

use crate::log::Entry;
use crate::protocol::FromUnity;
use crate::transport::WriteError;
use crate::wake_pipe::Notifier;
use crossbeam_channel::{bounded, Receiver, Sender, TryRecvError, TrySendError};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LostCause {
    /// `seq` gap: Unity dropped them, or their frames were torn.
    Gap,
    /// Corrupt frames not explained by a gap.
    Corrupt,
    /// Neovim's queue was full.
    Overflow,
}

impl LostCause {
    pub fn as_str(self) -> &'static str {
        match self {
            LostCause::Gap => "gap",
            LostCause::Corrupt => "corrupt",
            LostCause::Overflow => "overflow",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A log message, formatted on the reader thread.
    /// Not boxed: that would be an allocation on the reader thread and a free on Neovim's
    /// main thread per message, for 16 bytes per queue slot.
    Log(Entry),
    /// Any other message from Unity.
    Message(FromUnity),
    /// Messages lost, each counted once.
    Lost { count: u64, cause: LostCause },
    /// A corrupt frame or run of garbage was skipped (for diagnostics; losses come as `Lost`).
    Corrupt { reason: String },
    /// Unity closed its end of the pipe.
    Disconnected,
    /// The reader holds the pipe open and waits for Unity's frames: a good moment to say hello
    /// so that Unity greets us even if its hello went to a reader that just left.
    Listening,
    /// Something the user must act on (an unsafe rendezvous folder, an internal error).
    Failure(crate::failure::Failure),
    /// Another Neovim (this pid) holds the project's reader lock: we are not reading.
    Locked { pid: u32 },
    /// Another Neovim (this pid) took the connection over; this one stopped reading.
    Superseded { pid: u32 },
    /// The writer could not deliver command `id`: Unity never saw it.
    Undelivered { id: u64, why: WriteError },
}

impl Event {
    /// What may be dropped under load; everything else is held back instead.
    fn droppable(&self) -> bool {
        matches!(self, Event::Log(_) | Event::Corrupt { .. })
    }
}

/// Counters shared by the producers, read by `stats()`.
#[derive(Debug, Default)]
pub struct Counters {
    pub frames: AtomicU64,
    pub bytes: AtomicU64,
    pub corrupt: AtomicU64,
    pub overflow: AtomicU64,
    /// Times Unity's `seq` did not grow within one editor session (a new numbering).
    pub renumbered: AtomicU64,
}

pub struct Inbox {
    tx: Sender<Event>,
    rx: Receiver<Event>,
    capacity: usize,
    wake: Notifier,
    /// Set by the consumer when it found the queue empty: the next push must wake it.
    armed: AtomicBool,
    /// Rung by the consumer after a drain when a producer waits for room.
    room: Notifier,
    wants_room: AtomicBool,
    pub counters: Counters,
}

impl Inbox {
    pub fn new(capacity: usize) -> std::io::Result<Arc<Self>> {
        let capacity = capacity.max(1);
        let (tx, rx) = bounded(capacity);
        Ok(Arc::new(Self {
            tx,
            rx,
            capacity,
            wake: Notifier::new()?,
            armed: AtomicBool::new(true),
            room: Notifier::new()?,
            wants_room: AtomicBool::new(false),
            counters: Counters::default(),
        }))
    }

    /// A new descriptor, owned by the caller, that becomes readable when events wait. A
    /// duplicate, because an event loop that watches a descriptor closes it when it stops.
    #[cfg(unix)]
    pub fn wake_fd(&self) -> std::io::Result<std::os::fd::OwnedFd> {
        self.wake.dup_fd()
    }

    /// What rings when events wait; on Windows it also writes to a named pipe Neovim connects
    /// to (`Notifier::watch_pipe`), the counterpart of `wake_fd`.
    #[cfg(windows)]
    pub fn wake(&self) -> &Notifier {
        &self.wake
    }

    pub fn len(&self) -> usize {
        self.rx.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }

    fn ring(&self) {
        if self.armed.swap(false, Ordering::AcqRel) {
            self.wake.notify();
        }
    }

    /// Hands at most `max` events to `f`, until the queue is empty (returns false), `budget`
    /// is spent or `f` returns false (returns true: call again soon).
    pub fn drain(&self, budget: Duration, max: usize, f: impl FnMut(Event) -> bool) -> bool {
        let more = self.drain_inner(budget, max, f);
        if self.wants_room.swap(false, Ordering::AcqRel) {
            self.room.notify();
        }
        more
    }

    fn drain_inner(&self, budget: Duration, max: usize, mut f: impl FnMut(Event) -> bool) -> bool {
        let start = Instant::now();
        let mut n = 0usize;
        let mut go_on = true;
        loop {
            if n == max || !go_on {
                // Saying "no more" without arming would lose the next wake-up.
                return !self.rx.is_empty() || !self.arm();
            }
            match self.rx.try_recv() {
                Ok(ev) => {
                    go_on = f(ev);
                    n += 1;
                    // Reading the clock costs about as much as a small event: look every 32.
                    if n.is_multiple_of(32) && start.elapsed() >= budget {
                        return true;
                    }
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => {
                    if self.arm() {
                        return false;
                    }
                }
            }
        }
    }

    /// Asks producers to wake the consumer at their next push; true if the queue is still
    /// empty afterwards (a push between the empty receive and arming did not ring).
    fn arm(&self) -> bool {
        self.wake.clear();
        self.armed.store(true, Ordering::Release);
        self.rx.is_empty()
    }

    pub fn producer(self: &Arc<Self>) -> Producer {
        Producer {
            inbox: Arc::clone(self),
            held: VecDeque::new(),
            dropped: 0,
        }
    }
}

/// One thread's handle for pushing events. Not shared: each worker owns one, so the events it
/// holds back keep their order.
pub struct Producer {
    inbox: Arc<Inbox>,
    held: VecDeque<Event>,
    dropped: u64,
}

/// Control events held back beyond this many are dropped like logs: only a peer flooding
/// control frames gets there.
const MAX_HELD: usize = 10_000;

impl Producer {
    pub fn counters(&self) -> &Counters {
        &self.inbox.counters
    }

    pub fn push(&mut self, ev: Event) {
        if self.flush() {
            match self.inbox.tx.try_send(ev) {
                Ok(()) => self.inbox.ring(),
                Err(TrySendError::Full(ev) | TrySendError::Disconnected(ev)) => self.hold(ev),
            }
        } else {
            self.hold(ev);
        }
    }

    fn hold(&mut self, ev: Event) {
        if ev.droppable() || self.held.len() >= MAX_HELD {
            self.dropped += 1;
            self.inbox.counters.overflow.fetch_add(1, Ordering::Relaxed);
        } else {
            self.held.push_back(ev);
        }
    }

    /// Tries to pass on what was held back, then the count of what was dropped; true when
    /// nothing is pending any more.
    pub fn flush(&mut self) -> bool {
        while let Some(ev) = self.held.pop_front() {
            if let Err(TrySendError::Full(ev) | TrySendError::Disconnected(ev)) =
                self.inbox.tx.try_send(ev)
            {
                self.held.push_front(ev);
                return false;
            }
            self.inbox.ring();
        }
        if self.dropped > 0 {
            let lost = Event::Lost {
                count: self.dropped,
                cause: LostCause::Overflow,
            };
            if self.inbox.tx.try_send(lost).is_err() {
                return false;
            }
            self.dropped = 0;
            self.inbox.ring();
        }
        true
    }

    pub fn holding(&self) -> bool {
        !self.held.is_empty() || self.dropped > 0
    }

    /// Whether `n` more events fit (an empty queue always takes them, whatever its size).
    fn has_room(&self, n: usize) -> bool {
        let len = self.inbox.tx.len();
        len == 0 || self.inbox.capacity.saturating_sub(len) >= n
    }

    /// Waits until `n` more events fit, so that a reader can leave bytes in the pipe instead of
    /// dropping what it decoded. Returns true when `stop` fired.
    pub fn wait_for_room(&self, n: usize, stop: &Notifier) -> bool {
        use crate::transport::{wait_notified, Wait};
        while !self.has_room(n) {
            self.inbox.wants_room.store(true, Ordering::Release);
            // The consumer may have drained between the check and the flag.
            if self.has_room(n) {
                break;
            }
            // The timeout only guards against a consumer that stopped draining for good.
            let w = wait_notified(&self.inbox.room, stop, Some(Duration::from_millis(50)));
            self.inbox.room.clear();
            if w == Wait::Stopped {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Bye, ByeReason, Level, Log};

    fn log(seq: u64) -> Event {
        Event::Log(Entry::log(
            Log {
                seq,
                time: None,
                level: Level::Log,
                message: String::new(),
                stack: None,
            },
            &crate::log::look::Look::default(),
        ))
    }

    fn bye() -> Event {
        Event::Message(FromUnity::Bye(Bye {
            reason: ByeReason::Reload,
        }))
    }

    /// Drains at most `max` events within `budget`, counting them into `n`; returns `more`.
    fn count(inbox: &Inbox, budget: Duration, max: usize, n: &mut usize) -> bool {
        inbox.drain(budget, max, |_| {
            *n += 1;
            true
        })
    }

    fn drain_all(inbox: &Inbox) -> Vec<Event> {
        let mut v = Vec::new();
        while inbox.drain(Duration::from_secs(1), usize::MAX, |e| {
            v.push(e);
            true
        }) {}
        v
    }

    #[test]
    fn wakes_only_on_empty_to_non_empty() {
        let inbox = Inbox::new(8).unwrap();
        let mut p = inbox.producer();
        assert!(!inbox.wake.is_set());
        p.push(log(1));
        assert!(inbox.wake.is_set());
        inbox.wake.clear();
        p.push(log(2));
        assert!(!inbox.wake.is_set(), "already non-empty: no second wake-up");
        assert_eq!(drain_all(&inbox).len(), 2);
        assert!(!inbox.wake.is_set());
        p.push(log(3));
        assert!(inbox.wake.is_set());
    }

    #[test]
    fn overflow_drops_logs_holds_control_and_counts_once() {
        let inbox = Inbox::new(4).unwrap();
        let mut p = inbox.producer();
        for i in 0..4 {
            p.push(log(i));
        }
        p.push(log(4)); // dropped
        p.push(bye()); // held
        p.push(log(5)); // dropped: something is held, order must be kept
        assert!(p.holding());
        let first = drain_all(&inbox);
        assert_eq!(first.len(), 4);
        assert!(p.flush());
        let rest = drain_all(&inbox);
        assert_eq!(
            rest,
            vec![
                bye(),
                Event::Lost {
                    count: 2,
                    cause: LostCause::Overflow
                }
            ]
        );
        assert_eq!(inbox.counters.overflow.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn a_producer_waits_for_room_and_the_drain_wakes_it() {
        let inbox = Inbox::new(100).unwrap();
        let mut p = inbox.producer();
        for i in 0..95 {
            p.push(log(i));
        }
        let stop = Notifier::new().unwrap();
        let consumer = Arc::clone(&inbox);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            let mut n = 0;
            count(&consumer, Duration::from_secs(1), usize::MAX, &mut n);
            n
        });
        assert!(!p.wait_for_room(10, &stop), "room came");
        assert_eq!(t.join().unwrap(), 95);
        // An empty queue always has room; stop ends a wait.
        assert!(!p.wait_for_room(1000, &stop));
        for i in 0..100 {
            p.push(log(i));
        }
        stop.notify();
        assert!(p.wait_for_room(1, &stop));
    }

    #[test]
    fn drain_stops_at_the_count() {
        let inbox = Inbox::new(100).unwrap();
        let mut p = inbox.producer();
        for i in 0..10 {
            p.push(log(i));
        }
        let mut n = 0;
        assert!(count(&inbox, Duration::from_secs(1), 4, &mut n));
        assert_eq!(n, 4);
        assert!(
            !count(&inbox, Duration::from_secs(1), 6, &mut n),
            "nothing left"
        );
        assert_eq!(n, 10);
    }

    #[test]
    fn drain_stops_after_the_event_the_consumer_says() {
        let inbox = Inbox::new(100).unwrap();
        let mut p = inbox.producer();
        p.push(log(1));
        p.push(bye());
        p.push(log(2));
        let mut got = Vec::new();
        let more = inbox.drain(Duration::from_secs(1), usize::MAX, |e| {
            let go_on = !matches!(e, Event::Message(_));
            got.push(e);
            go_on
        });
        assert!(more, "an event is left");
        assert!(
            matches!(got[..], [Event::Log(_), Event::Message(_)]),
            "{got:?}"
        );
        let rest = drain_all(&inbox);
        assert!(matches!(rest[..], [Event::Log(_)]), "{rest:?}");
    }

    #[test]
    fn drain_stops_at_the_budget() {
        let inbox = Inbox::new(100_000).unwrap();
        let mut p = inbox.producer();
        for i in 0..100_000 {
            p.push(log(i));
        }
        let mut n = 0;
        assert!(count(&inbox, Duration::ZERO, usize::MAX, &mut n));
        assert_eq!(n, 32);
    }

    #[test]
    fn concurrent_producer_never_loses_a_wake_up() {
        let inbox = Inbox::new(1024).unwrap();
        let mut p = inbox.producer();
        let room = Arc::clone(&inbox);
        let t = std::thread::spawn(move || {
            for i in 0..200_000 {
                // Stay within capacity so that nothing is dropped and every seq must arrive.
                while room.len() >= 1000 {
                    std::thread::yield_now();
                }
                p.push(log(i));
            }
        });
        let mut got = 0u64;
        let mut seen = Vec::new();
        while got < 200_000 {
            // Wait for the wake-up exactly as Neovim does, then drain everything.
            if !inbox.wake.is_set() && inbox.is_empty() {
                let never = Notifier::new().unwrap();
                let w = crate::transport::wait_notified(
                    &inbox.wake,
                    &never,
                    Some(Duration::from_secs(5)),
                );
                assert_eq!(
                    w,
                    crate::transport::Wait::Ready,
                    "no wake-up after {got} events"
                );
            }
            // A small count, as Neovim drains in chunks: stopping at it must not lose a wake-up.
            while inbox.drain(Duration::from_millis(5), 7, |e| {
                if let Event::Log(l) = e {
                    seen.extend(l.seq)
                }
                got += 1;
                true
            }) {}
        }
        t.join().unwrap();
        assert!(seen.windows(2).all(|w| w[1] == w[0] + 1));
    }
}
