//! A short byte string's key: its length with its first and last eight bytes, compared in a
//! few integer comparisons (item ids and state names when interning, the suffix of a
//! timestamp in the date cache).

/// A byte string's length with its first and last eight bytes: two strings of at most 16
/// bytes are equal exactly when their keys are, so that comparing short ids and state names
/// takes a few integer comparisons rather than a call to `memcmp`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ShortKey {
    len: usize,
    head: u64,
    tail: u64,
}

impl ShortKey {
    #[inline]
    pub(crate) fn of(bytes: &[u8]) -> ShortKey {
        // Fixed-size loads only (no copy of a variable length): for a given length, the
        // first and last eight (or four) bytes, or the first, middle and last byte, are the
        // whole string when it is short enough.
        let n = bytes.len();
        let (head, tail) =
            if let (Some(h), Some(t)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
                (u64::from_le_bytes(*h), u64::from_le_bytes(*t))
            } else if let (Some(h), Some(t)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
                (
                    u64::from(u32::from_le_bytes(*h)),
                    u64::from(u32::from_le_bytes(*t)),
                )
            } else if let (Some(&a), Some(&z)) = (bytes.first(), bytes.last()) {
                let m = bytes.get(n / 2).copied().unwrap_or(0);
                (u64::from(a) | u64::from(m) << 8 | u64::from(z) << 16, 0)
            } else {
                (0, 0)
            };
        ShortKey { len: n, head, tail }
    }

    /// Whether equal keys mean equal strings (at most 16 bytes); longer strings with equal
    /// keys must be compared in full.
    #[inline]
    pub(crate) fn is_whole(self) -> bool {
        self.len <= 16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_are_equal_exactly_when_short_strings_are() {
        let words: Vec<Vec<u8>> = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "Dev",
            "Review",
            "Ready for Review",
            "Ready for Deploy",
            "abcdefgh",
            "abcdefgi",
            "abcdefghi",
            "bbcdefghi",
            "x\0",
            "x",
            "Ready for Review!",
            "Ready for Reviex!",
        ]
        .iter()
        .map(|w| w.as_bytes().to_vec())
        .collect();
        for a in &words {
            for b in &words {
                let (ka, kb) = (ShortKey::of(a), ShortKey::of(b));
                if a == b {
                    assert_eq!(ka, kb);
                } else if ka.is_whole() {
                    assert_ne!(ka, kb, "{a:?} {b:?}");
                }
            }
        }
        // Longer strings may share a key: the caller compares them in full.
        let (a, b) = (b"Ready for Review!", b"Ready foX Review!");
        assert_eq!(ShortKey::of(a), ShortKey::of(b));
        assert!(!ShortKey::of(a).is_whole());
    }
}
