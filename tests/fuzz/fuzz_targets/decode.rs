//! Fuzzes the frame decoder and the message parser with arbitrary bytes in arbitrary chunks.
//! Properties: nothing panics; every payload handed out is within the protocol's bounds; and a
//! good frame written after any garbage is still delivered (resynchronisation).
#![no_main]

use libfuzzer_sys::fuzz_target;
use unity_native::frame::{encode, Decoder, Item, MAX_PAYLOAD};
use unity_native::protocol::{decode, FromNvim, FromUnity};

const SENTINEL: &[u8] = b"\x82\xa1t\xa3bye\xa6reason\xa4quit";

fuzz_target!(|data: &[u8]| {
    let (chunk, bytes) = match data.split_first() {
        Some((c, rest)) => ((*c as usize % 64) + 1, rest),
        None => return,
    };
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
