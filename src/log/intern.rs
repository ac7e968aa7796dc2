//! String interning with a fast, non-cryptographic hash.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The hash of rustc's `FxHasher` (a multiply-rotate over machine words): several times
/// faster than SipHash on short keys such as item ids and state names. It gives no
/// protection against inputs crafted to collide; event logs are the user's own data.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` with [`FxHasher`].
pub(crate) type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Maps byte strings to dense `u32` ids, numbered in order of first appearance.
#[derive(Clone, Debug, Default)]
pub(crate) struct Interner {
    map: FxHashMap<Box<[u8]>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    /// The id of `bytes`, interning it if new; `None` if the bytes are not UTF-8 (or the
    /// interner is full).
    #[inline]
    pub(crate) fn intern(&mut self, bytes: &[u8]) -> Option<u32> {
        if let Some(&id) = self.map.get(bytes) {
            return Some(id);
        }
        let name = std::str::from_utf8(bytes).ok()?;
        let id = u32::try_from(self.names.len()).ok()?;
        self.names.push(name.into());
        self.map.insert(bytes.into(), id);
        Some(id)
    }

    /// The name of `id`.
    pub(crate) fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// The id of `name`, if interned.
    #[cfg(test)]
    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        self.map.get(name.as_bytes()).copied()
    }

    /// The names, by id.
    pub(crate) fn into_names(self) -> Vec<Box<str>> {
        self.names
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hash;

    #[test]
    fn ids_are_dense_in_order_of_first_appearance() {
        let mut i = Interner::default();
        assert_eq!(i.intern(b"b"), Some(0));
        assert_eq!(i.intern(b"a"), Some(1));
        assert_eq!(i.intern(b"b"), Some(0));
        assert_eq!(i.get("a"), Some(1));
        assert_eq!(i.name(1), "a");
        assert_eq!(i.intern(&[0xff, 0xfe]), None);
        assert_eq!(i.into_names().len(), 2);
    }

    #[test]
    fn hasher_separates_close_keys() {
        let h = |s: &[u8]| {
            let mut f = FxHasher::default();
            s.hash(&mut f);
            f.finish()
        };
        assert_ne!(h(b"ISSUE-1"), h(b"ISSUE-2"));
        assert_ne!(h(b"abcdefgh1"), h(b"abcdefgh2"));
        assert_ne!(h(b""), h(b"\0"));
    }
}
