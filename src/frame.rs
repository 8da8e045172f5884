//! Frames (doc/protocol.md §3): `"UN" | N u32be | !N u32be | payload | crc32 u32be`.
//!
//! A FIFO carries one byte stream with no connection boundaries, so the decoder must find its
//! way back to the next good frame after garbage or a torn frame, at the cost of that frame only.

use crate::crc32::crc32;

pub const MAGIC: [u8; 2] = [0x55, 0x4E];
pub const HEADER_LEN: usize = 10;
pub const TRAILER_LEN: usize = 4;
/// Largest payload a frame may carry (16 MiB).
pub const MAX_PAYLOAD: usize = 16 * 1024 * 1024;

/// Appends the frame carrying `payload` to `out`.
///
/// # Panics
/// When `payload` is empty or longer than [`MAX_PAYLOAD`]: callers encode their own messages and
/// check sizes first (see `protocol::encode`).
pub fn encode(payload: &[u8], out: &mut Vec<u8>) {
    assert!(!payload.is_empty() && payload.len() <= MAX_PAYLOAD);
    let n = payload.len() as u32;
    out.reserve(payload.len() + HEADER_LEN + TRAILER_LEN);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(&(!n).to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&crc32(payload).to_be_bytes());
}

/// What the decoder yields.
#[derive(Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// The payload of a good frame.
    Frame(&'a [u8]),
    /// One run of skipped bytes (garbage, a torn or corrupt frame), reported once, just before
    /// the good frame that ends it or when the stream is closed.
    Garbage(u64),
}

enum Candidate {
    /// Not a header, or a complete frame with a bad CRC.
    Bad,
    /// A plausible header whose frame has not fully arrived.
    Incomplete,
    /// A good frame of this many bytes in all.
    Good(usize),
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Judges the bytes at the start of `b`, which begin with [`MAGIC`].
fn judge(b: &[u8]) -> Candidate {
    if b.len() < HEADER_LEN {
        return Candidate::Incomplete;
    }
    let n = be32(&b[2..6]);
    if n == 0 || n as usize > MAX_PAYLOAD || be32(&b[6..10]) != !n {
        return Candidate::Bad;
    }
    let total = n as usize + HEADER_LEN + TRAILER_LEN;
    if b.len() < total {
        return Candidate::Incomplete;
    }
    let payload = &b[HEADER_LEN..total - TRAILER_LEN];
    if crc32(payload) == be32(&b[total - TRAILER_LEN..total]) {
        Candidate::Good(total)
    } else {
        Candidate::Bad
    }
}

fn find_magic(b: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = b[from..].iter().position(|&x| x == MAGIC[0]) {
        let at = from + i;
        match b.get(at + 1) {
            Some(&x) if x == MAGIC[1] => return Some(at),
            // A lone 0x55 at the very end may be the start of a magic still on its way.
            None => return Some(at),
            Some(_) => from = at + 1,
        }
    }
    None
}

/// Streaming decoder with resynchronisation.
#[derive(Default)]
pub struct Decoder {
    buf: Vec<u8>,
    pos: usize,
    skipped: u64,
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos >= 64 * 1024 && self.pos * 2 >= self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held that are not yet consumed.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn skip(&mut self, n: usize) {
        self.pos += n;
        self.skipped += n as u64;
    }

    /// The next item, or `None` when more bytes are needed.
    pub fn next_item(&mut self) -> Option<Item<'_>> {
        loop {
            let rest = &self.buf[self.pos..];
            match find_magic(rest) {
                Some(0) => {}
                Some(i) => self.skip(i),
                None => {
                    self.skip(rest.len());
                    return None;
                }
            }
            match judge(&self.buf[self.pos..]) {
                Candidate::Incomplete => return None,
                Candidate::Bad => self.skip(1),
                Candidate::Good(total) => {
                    if self.skipped > 0 {
                        return Some(Item::Garbage(std::mem::take(&mut self.skipped)));
                    }
                    let start = self.pos + HEADER_LEN;
                    self.pos += total;
                    return Some(Item::Frame(&self.buf[start..self.pos - TRAILER_LEN]));
                }
            }
        }
    }

    /// Gives up on an incomplete frame when a complete good frame follows inside it: a torn
    /// header that claims a long payload must not hold later frames back. Call when the stream
    /// has gone quiet; returns whether anything was skipped (then call `next_item` again).
    pub fn unstick(&mut self) -> bool {
        let rest = &self.buf[self.pos..];
        let mut from = 1;
        while from < rest.len() {
            let Some(i) = find_magic(&rest[from..]) else {
                return false;
            };
            let at = from + i;
            if let Candidate::Good(_) = judge(&rest[at..]) {
                self.skip(at);
                return true;
            }
            from = at + 1;
        }
        false
    }

    /// The writer closed: whatever cannot become a frame any more is garbage. Returns the
    /// skipped run still unreported, if any. Call after `next_item` returned `None`.
    pub fn close(&mut self) -> Option<u64> {
        self.skip(self.buf.len() - self.pos);
        self.buf.clear();
        self.pos = 0;
        match std::mem::take(&mut self.skipped) {
            0 => None,
            n => Some(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        encode(payload, &mut v);
        v
    }

    /// Feeds `bytes` in chunks of `chunk` and collects what comes out, closing at the end.
    fn decode_all(bytes: &[u8], chunk: usize) -> Vec<Result<Vec<u8>, u64>> {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        for c in bytes.chunks(chunk.max(1)) {
            d.push(c);
            while let Some(item) = d.next_item() {
                out.push(match item {
                    Item::Frame(p) => Ok(p.to_vec()),
                    Item::Garbage(n) => Err(n),
                });
            }
        }
        loop {
            while let Some(item) = d.next_item() {
                out.push(match item {
                    Item::Frame(p) => Ok(p.to_vec()),
                    Item::Garbage(n) => Err(n),
                });
            }
            if !d.unstick() {
                break;
            }
        }
        if let Some(n) = d.close() {
            out.push(Err(n));
        }
        out
    }

    fn oks(items: &[Result<Vec<u8>, u64>]) -> Vec<Vec<u8>> {
        items.iter().filter_map(|r| r.clone().ok()).collect()
    }

    fn garbage_runs(items: &[Result<Vec<u8>, u64>]) -> usize {
        items.iter().filter(|r| r.is_err()).count()
    }

    #[test]
    fn layout_matches_the_protocol_document() {
        let f = frame(b"abc");
        assert_eq!(&f[..10], &[0x55, 0x4E, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0xFC]);
        assert_eq!(&f[10..13], b"abc");
        assert_eq!(&f[13..], &crc32(b"abc").to_be_bytes());
    }

    #[test]
    fn round_trip_in_any_chunking() {
        let payloads: Vec<Vec<u8>> = (1..40).map(|i| vec![i as u8; i * 7]).collect();
        let stream: Vec<u8> = payloads.iter().flat_map(|p| frame(p)).collect();
        for chunk in [1, 2, 3, 7, 64, 4096, stream.len()] {
            let out = decode_all(&stream, chunk);
            assert_eq!(garbage_runs(&out), 0, "chunk {chunk}");
            assert_eq!(oks(&out), payloads, "chunk {chunk}");
        }
    }

    #[test]
    fn garbage_between_frames_is_one_run() {
        let mut s = frame(b"one");
        s.extend_from_slice(b"random UN bytes \x55\x4e\x00\x00 and more UUUNNN");
        s.extend(frame(b"two"));
        let out = decode_all(&s, 5);
        assert_eq!(oks(&out), vec![b"one".to_vec(), b"two".to_vec()]);
        assert_eq!(garbage_runs(&out), 1);
    }

    #[test]
    fn torn_frame_costs_that_frame_only() {
        // A writer dies half way through a frame; the next writer's frames follow.
        let torn = frame(&[7u8; 500]);
        let mut s = frame(b"before");
        s.extend_from_slice(&torn[..200]);
        for i in 0..5u8 {
            s.extend(frame(&[i + 1; 30]));
        }
        let out = decode_all(&s, 13);
        let got = oks(&out);
        assert_eq!(got.len(), 6, "{out:?}");
        assert_eq!(got[0], b"before");
        assert_eq!(got[1], vec![1u8; 30]);
        assert_eq!(garbage_runs(&out), 1);
    }

    #[test]
    fn torn_header_claiming_a_long_payload_is_unstuck_when_quiet() {
        let mut s = Vec::new();
        s.extend_from_slice(&frame(&vec![1u8; 1_000_000])[..100]);
        s.extend(frame(b"after"));
        let mut d = Decoder::new();
        d.push(&s);
        assert_eq!(d.next_item(), None, "waits for the claimed payload");
        assert!(d.unstick());
        assert_eq!(d.next_item(), Some(Item::Garbage(100)));
        assert_eq!(d.next_item(), Some(Item::Frame(b"after")));
        assert_eq!(d.next_item(), None);
        assert!(!d.unstick());
    }

    #[test]
    fn bad_crc_wrong_magic_and_bad_lengths_are_skipped() {
        let mut bad_crc = frame(b"payload");
        let last = bad_crc.len() - 1;
        bad_crc[last] ^= 1;
        let mut bad_magic = frame(b"payload");
        bad_magic[1] = b'X';
        let mut zero = vec![0x55, 0x4E, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        zero.extend_from_slice(&[0; 4]);
        let big = (MAX_PAYLOAD as u32) + 1;
        let mut too_big = vec![0x55, 0x4E];
        too_big.extend_from_slice(&big.to_be_bytes());
        too_big.extend_from_slice(&(!big).to_be_bytes());
        let mut not_mismatch = frame(b"payload");
        not_mismatch[9] ^= 0x10;
        for bad in [bad_crc, bad_magic, zero, too_big, not_mismatch] {
            let mut s = bad.clone();
            s.extend(frame(b"good"));
            let out = decode_all(&s, 3);
            assert_eq!(oks(&out), vec![b"good".to_vec()], "{bad:?}");
            assert_eq!(garbage_runs(&out), 1, "{bad:?}");
        }
    }

    #[test]
    fn incomplete_tail_at_close_is_garbage() {
        let mut s = frame(b"good");
        s.extend_from_slice(&frame(b"cut short")[..8]);
        let out = decode_all(&s, 4);
        assert_eq!(out, vec![Ok(b"good".to_vec()), Err(8)]);
    }

    #[test]
    fn largest_payload_passes_and_buffer_is_reclaimed() {
        let big = vec![0xAB; MAX_PAYLOAD];
        let mut s = frame(&big);
        s.extend(frame(b"x"));
        let mut d = Decoder::new();
        for c in s.chunks(65536) {
            d.push(c);
        }
        assert!(matches!(d.next_item(), Some(Item::Frame(p)) if p.len() == MAX_PAYLOAD));
        assert_eq!(d.next_item(), Some(Item::Frame(b"x")));
        d.push(b"");
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn random_bytes_never_panic_and_good_frames_survive() {
        let mut seed = 0x1234_5678_9ABC_DEF0u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..200 {
            let mut s = Vec::new();
            let junk = (rnd() % 300) as usize;
            for _ in 0..junk {
                // Bias towards the magic bytes so headers get exercised.
                let b = match rnd() % 4 {
                    0 => 0x55,
                    1 => 0x4E,
                    _ => rnd() as u8,
                };
                s.push(b);
            }
            s.extend(frame(b"survivor"));
            let out = decode_all(&s, (rnd() % 17 + 1) as usize);
            assert!(oks(&out).contains(&b"survivor".to_vec()));
        }
    }
}
