//! Fuzzes the frame decoder and the message parser with arbitrary bytes in arbitrary chunks,
//! and the log window's lines with the same bytes as a message's text.
//! Properties: nothing panics; every payload handed out is within the protocol's bounds; a
//! good frame written after any garbage is still delivered (resynchronisation); and no line
//! made for the log buffer holds a control character or runs far past `max_line`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unity_native::frame::{encode, Decoder, Item, MAX_PAYLOAD};
use unity_native::log::look::{Look, Spec};
use unity_native::log::Entry;
use unity_native::protocol::{decode, FromNvim, FromUnity, Level, Log};

const MAX_LINE: usize = 80;

fn check_line(l: &str) {
    assert!(!l.chars().any(|c| c.is_control()), "control character in {l:?}");
    // A cut line ends with " … (N more bytes)".
    assert!(l.len() <= MAX_LINE + 48, "{} bytes: {l:?}", l.len());
}

const SENTINEL: &[u8] = b"\x82\xa1t\xa3bye\xa6reason\xa4quit";

fuzz_target!(|data: &[u8]| {
    let (chunk, bytes) = match data.split_first() {
        Some((c, rest)) => ((*c as usize % 64) + 1, rest),
        None => return,
    };
    let text = String::from_utf8_lossy(bytes);
    let half = (0..=text.len() / 2).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let (message, stack) = text.split_at(half);
    let log = Log {
        seq: 1,
        time: Some(chunk as i64 * 86_399_937),
        level: Level::Exception,
        message: message.to_owned(),
        stack: Some(stack.to_owned()),
    };
    let look = Look::new(Spec {
        max_line: MAX_LINE,
        ..Spec::default()
    })
    .expect("a valid look");
    let e = Entry::log(log, &look);
    check_line(&e.header);
    assert!(!e.header.starts_with(' '), "a header never starts with a blank");
    let lines = look.body(message, Some(stack));
    assert_eq!(e.has_body, !lines.is_empty());
    for l in &lines {
        check_line(l);
        assert!(l.starts_with("  "), "body lines are indented: {l:?}");
    }

    let mut stream = bytes.to_vec();
    encode(SENTINEL, &mut stream);
    let mut dec = Decoder::new();
    let mut sentinel_seen = false;
    let mut take = |dec: &mut Decoder| {
        while let Some(item) = dec.next_item() {
            if let Item::Frame(p) = item {
                assert!(!p.is_empty() && p.len() <= MAX_PAYLOAD);
                let _ = decode::<FromUnity>(p);
                let _ = decode::<FromNvim>(p);
                sentinel_seen |= p == SENTINEL;
            }
        }
    };
    for c in stream.chunks(chunk) {
        dec.push(c);
        take(&mut dec);
    }
    loop {
        take(&mut dec);
        if !dec.unstick() {
            break;
        }
    }
    dec.close();
    assert_eq!(dec.pending(), 0);
    assert!(
        sentinel_seen,
        "a good frame after garbage was not delivered"
    );
});
