//! The rollout bucket, bit for bit as the production server computes it
//! (docs/protocol.md, part A): Java's `String.hashCode` over the UTF-16 code units
//! of `userId + ":" + flagName`, then `|h| mod 100` with `|h|` taken in 64 bits.

/// Java `String.hashCode` over a sequence of UTF-16 code units.
///
/// Wrapping signed 32-bit arithmetic, exactly as the JVM (and the JS server's
/// `(h << 5) - h + c | 0`) computes it.
pub fn java_hash_code<I: IntoIterator<Item = u16>>(units: I) -> i32 {
    units.into_iter().fold(0i32, |h, c| hash_step(h, u32::from(c)))
}

/// One code unit into the hash: `h * 31 + unit`, wrapping.
fn hash_step(h: i32, unit: u32) -> i32 {
    h.wrapping_mul(31).wrapping_add(unit as i32)
}

/// The hash of `userId + ":" + flagName`, without building the joined string.
pub fn rollout_hash(user_id: &str, flag_name: &str) -> i32 {
    // UTF-16 code units (not bytes, not chars) are the point: a character
    // outside the BMP contributes two, its surrogate pair, each hashed on
    // its own. (By hand: `encode_utf16` chained was 300 bytes more of the
    // module, and in a loop still 40.)
    let mut h = 0i32;
    for part in [user_id, ":", flag_name] {
        for c in part.chars() {
            let c = c as u32;
            if c < 0x10000 {
                h = hash_step(h, c);
            } else {
                // A surrogate pair: two code units.
                h = hash_step(hash_step(h, 0xD800 + ((c - 0x10000) >> 10)), 0xDC00 + (c & 0x3FF));
            }
        }
    }
    h
}

/// Bucket in `0..100` for a hash. `|h|` is taken in 64 bits because
/// `i32::abs(-2^31)` overflows; `2^31 mod 100 = 48`.
pub fn bucket_of_hash(h: i32) -> u8 {
    // The remainder is below 100, so the narrowing cannot truncate.
    (i64::from(h).unsigned_abs() % 100) as u8
}

/// The rollout bucket (`0..=99`) of a user for a flag.
pub fn bucket(user_id: &str, flag_name: &str) -> u8 {
    bucket_of_hash(rollout_hash(user_id, flag_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_ascii_match_java() {
        assert_eq!(java_hash_code("".encode_utf16()), 0);
        // Java: "hello".hashCode() == 99162322
        assert_eq!(java_hash_code("hello".encode_utf16()), 99_162_322);
        // Java: "u1:flag".hashCode(), computed by hand from the recurrence.
        let expected = "u1:flag"
            .bytes()
            .fold(0i64, |h, c| (h * 31 + i64::from(c)) as i32 as i64) as i32;
        assert_eq!(rollout_hash("u1", "flag"), expected);
    }

    #[test]
    fn non_bmp_characters_hash_as_two_utf16_units() {
        // U+1F680 is the surrogate pair D83D DE80 in UTF-16.
        let by_units = java_hash_code([0xD83Du16, 0xDE80, u16::from(b':'), u16::from(b'f')]);
        assert_eq!(rollout_hash("\u{1F680}", "f"), by_units);
        // Hashing the scalar value instead would give a different answer.
        let by_scalar = 0x1F680i32.wrapping_mul(31).wrapping_add(58).wrapping_mul(31) + 102;
        assert_ne!(by_units, by_scalar);
    }

    #[test]
    fn most_negative_hash_lands_in_bucket_48() {
        assert_eq!(bucket_of_hash(i32::MIN), 48);
        assert_eq!(bucket_of_hash(i32::MAX), (i32::MAX % 100) as u8);
        assert_eq!(bucket_of_hash(-1), 1);
        assert_eq!(bucket_of_hash(0), 0);
    }

    #[test]
    fn wraps_instead_of_overflowing_on_long_input() {
        let long = "\u{FFFF}".repeat(10_000);
        let b = bucket(&long, "flag");
        assert!(b < 100);
    }
}
