//! Timestamp identifiers (TIDs), the record keys of `app.bsky.feed.post`:
//! 13 characters of base32-sortable (`234567abcdefghijklmnopqrstuvwxyz`)
//! encoding the 64-bit `(microseconds since the epoch << 10) | clock_id`
//! with the top bit 0, so that later keys sort after earlier ones.

const ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";

/// The TID of `micros` (microseconds since the epoch) and `clock_id` (only
/// its low 10 bits are used).
pub fn encode(micros: u64, clock_id: u16) -> String {
    let mut v = ((micros << 10) | u64::from(clock_id & 0x3ff)) & (u64::MAX >> 1);
    let mut out = [b'2'; 13];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(v & 31) as usize];
        v >>= 5;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// Whether `s` is a TID: 13 characters of the alphabet, the first one
/// leaving the top bit 0.
pub fn is_valid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 13
        && b.iter().all(|c| ALPHABET.contains(c))
        && b.first().is_some_and(|c| b"234567abcdefghij".contains(c))
}

/// A clock id from the caller's unique string (FNV-1a), so two keys made in
/// the same microsecond for different items differ.
pub fn clock_id(unique: &str) -> u16 {
    let mut h: u32 = 0x811c_9dc5;
    for b in unique.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    (h & 0x3ff) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tids_have_the_known_form_and_sort_by_time() {
        assert_eq!(encode(0, 0), "2222222222222");
        let a = encode(1_765_000_000_000_000, 5);
        let b = encode(1_765_000_000_000_001, 0);
        assert!(is_valid(&a) && is_valid(&b), "{a} {b}");
        assert!(a < b);
        assert!(is_valid(&encode(u64::MAX, 1023)));
        assert!(!is_valid("3tendtest00001"));
        assert!(!is_valid("z222222222222"));
    }
}
