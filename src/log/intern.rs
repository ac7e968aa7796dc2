//! String interning with a fast, non-cryptographic hash.

use std::hash::Hasher;

/// A multiply-rotate hash over machine words (the mixing step of rustc's `FxHasher`) with
/// MurmurHash3's finaliser: several times faster than SipHash on short keys such as item ids
/// and state names. It gives no protection against inputs crafted to collide; event logs
/// are the user's own data.
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
        // The multiply-rotate state only carries differences upward (a product's low bits
        // depend only on its inputs' low bits), and hash tables index by the low bits:
        // ids that differ in a late character would collide. MurmurHash3's 64-bit
        // finaliser (fmix64) spreads every bit over the whole word.
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// Maps byte strings to dense `u32` ids, numbered in order of first appearance.
///
/// Names live end to end in one string (no allocation per name); an open-addressing table
/// of `(id, hash tag)` slots finds them with one probe into the table and one comparison
/// against the arena in the common case. A name's place in the table is given by the high
/// bits of its tag, so that names in tag order have their places in table order whatever
/// the table's size: growing the table, or interning another interner's names in the
/// order of its table, walks through memory instead of jumping about.
#[derive(Clone, Debug, Default)]
pub(crate) struct Interner {
    /// Open addressing with linear probing, at most half full.
    slots: Vec<Slot>,
    /// One bit a slot, set when the slot is taken: small enough to stay in cache, so that
    /// a new name whose home slot is free is placed without reading the table (a store
    /// does not wait for memory; a load does).
    used: Vec<u64>,
    names: Names,
    /// The names in the table: the first `indexed`. Names absorbed from another interner
    /// are placed only when the table is next needed (after the last absorb of a chunked
    /// read it never is).
    indexed: usize,
}

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    /// The high half of the name's hash: most slots of other names are passed over on it
    /// without touching the arena.
    tag: u32,
    /// The id plus one; 0 marks an empty slot.
    id1: u32,
}

/// Interned names: one string, the end offset of each name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Names {
    arena: String,
    ends: Vec<usize>,
}

impl Names {
    /// The name of `id`.
    #[inline]
    pub(crate) fn get(&self, id: usize) -> &str {
        let start = if id == 0 { 0 } else { self.ends[id - 1] };
        &self.arena[start..self.ends[id]]
    }

    /// The number of names.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The bytes of all names together.
    pub(crate) fn bytes(&self) -> usize {
        self.arena.len()
    }

    /// The names in id order.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = &str> {
        (0..self.len()).map(move |i| self.get(i))
    }

    pub(crate) fn push(&mut self, name: &str) {
        self.arena.push_str(name);
        self.ends.push(self.arena.len());
    }
}

impl std::ops::Index<usize> for Names {
    type Output = str;

    #[inline]
    fn index(&self, id: usize) -> &str {
        self.get(id)
    }
}

/// The first place to look for a name with this tag in a table of `cap` slots: the tag's
/// high bits (names in tag order have their places in table order).
#[inline]
fn home(tag: u32, cap: usize) -> usize {
    ((u128::from(tag) * cap as u128) >> 32) as usize
}

/// Whether slot `i` is taken.
#[inline]
fn is_used(used: &[u64], i: usize) -> bool {
    used[i / 64] >> (i % 64) & 1 == 1
}

/// Puts `slot` in the first free place from its home (the table has one).
fn place(slots: &mut [Slot], used: &mut [u64], slot: Slot) {
    let mask = slots.len() - 1;
    let mut i = home(slot.tag, slots.len());
    while is_used(used, i) {
        i = (i + 1) & mask;
    }
    slots[i] = slot;
    used[i / 64] |= 1 << (i % 64);
}

#[inline]
fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(bytes);
    h.write_usize(bytes.len());
    h.finish()
}

impl Interner {
    /// The id of `bytes`, interning it if new; `None` if the bytes are not UTF-8 (or the
    /// interner is full).
    #[inline]
    pub(crate) fn intern(&mut self, bytes: &[u8]) -> Option<u32> {
        if self.indexed < self.names.len() {
            self.index_rest();
        }
        if self.slots.len() < 2 * (self.names.len() + 1) {
            self.grow();
        }
        // The slot index comes from the tag itself, so that growing the table never needs
        // the names hashed again.
        let tag = (hash_bytes(bytes) >> 32) as u32;
        let mask = self.slots.len() - 1;
        let mut i = home(tag, self.slots.len());
        while is_used(&self.used, i) {
            let slot = self.slots[i];
            if slot.tag == tag {
                let id = slot.id1 - 1;
                if self.names.get(id as usize).as_bytes() == bytes {
                    return Some(id);
                }
            }
            i = (i + 1) & mask;
        }
        let name = std::str::from_utf8(bytes).ok()?;
        let id = u32::try_from(self.names.len())
            .ok()
            .filter(|&id| id < u32::MAX)?;
        self.names.push(name);
        self.indexed = self.names.len();
        self.slots[i] = Slot { tag, id1: id + 1 };
        self.used[i / 64] |= 1 << (i % 64);
        Some(id)
    }

    /// Places the names not yet in the table.
    #[cold]
    fn index_rest(&mut self) {
        let want = 2 * (self.names.len() + 1);
        if self.slots.len() < want {
            self.rebuild(want.next_power_of_two());
        }
        for id in self.indexed..self.names.len() {
            let tag = (hash_bytes(self.names.get(id).as_bytes()) >> 32) as u32;
            // Ids below u32::MAX: `intern` and `absorb` number no more names.
            let id1 = u32::try_from(id + 1).unwrap_or(u32::MAX);
            place(&mut self.slots, &mut self.used, Slot { tag, id1 });
        }
        self.indexed = self.names.len();
    }

    /// Doubles the table (at least 16 slots), keeping the load factor at most one half.
    fn grow(&mut self) {
        self.rebuild((self.slots.len() * 2).max(16));
    }

    /// Moves every slot into a table of `cap` slots (a power of two).
    fn rebuild(&mut self, cap: usize) {
        let mut slots = vec![Slot::default(); cap];
        let mut used = vec![0; cap.div_ceil(64)];
        for &slot in self.slots.iter().filter(|s| s.id1 != 0) {
            place(&mut slots, &mut used, slot);
        }
        self.slots = slots;
        self.used = used;
    }

    /// The id of the name `bytes` whose tag is `tag`, if interned.
    #[inline]
    fn find(&self, bytes: &[u8], tag: u32) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = home(tag, self.slots.len());
        while is_used(&self.used, i) {
            let slot = self.slots[i];
            if slot.tag == tag && self.names.get(slot.id1 as usize - 1).as_bytes() == bytes {
                return Some(slot.id1 - 1);
            }
            i = (i + 1) & mask;
        }
        None
    }

    /// Interns the names of `other`, those new here numbered in their order there, and
    /// returns the id here of each id there. Names are looked up in the order of `other`'s
    /// table, which is the order of this one's; new names are placed in the table only
    /// when it is next used.
    pub(crate) fn absorb(&mut self, other: &Interner) -> Vec<u32> {
        if self.indexed < self.names.len() {
            self.index_rest();
        }
        self.names.arena.reserve(other.names.bytes());
        self.names.ends.reserve(other.names.len());
        let mut map = vec![u32::MAX; other.names.len()];
        for slot in other.slots.iter().filter(|s| s.id1 != 0) {
            let id = slot.id1 as usize - 1;
            if let Some(found) = self.find(other.names.get(id).as_bytes(), slot.tag) {
                map[id] = found;
            }
        }
        for (id, to) in map.iter_mut().enumerate() {
            if *to == u32::MAX {
                // A full interner (4 billion names) cannot grow; as `intern`, give up.
                let Some(new) = u32::try_from(self.names.len())
                    .ok()
                    .filter(|&n| n < u32::MAX)
                else {
                    *to = 0;
                    continue;
                };
                self.names.push(other.names.get(id));
                *to = new;
            }
        }
        map
    }

    /// The name of `id`.
    pub(crate) fn name(&self, id: u32) -> &str {
        self.names.get(id as usize)
    }

    /// The id of `name`, if interned.
    #[cfg(test)]
    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        let mut probe = self.clone();
        let before = probe.names.len();
        let id = probe.intern(name.as_bytes())?;
        (probe.names.len() == before).then_some(id)
    }

    /// The number of names.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    /// The names interned so far, by id.
    pub(crate) fn names(&self) -> &Names {
        &self.names
    }

    /// The names, by id.
    pub(crate) fn into_names(self) -> Names {
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
        assert_eq!(i.get("c"), None);
        let names = i.into_names();
        assert_eq!(names.iter().collect::<Vec<_>>(), ["b", "a"]);
    }

    #[test]
    fn many_names_survive_growth() {
        let mut i = Interner::default();
        for n in 0..10_000u32 {
            assert_eq!(i.intern(format!("item-{n}").as_bytes()), Some(n));
        }
        for n in (0..10_000u32).rev() {
            assert_eq!(i.intern(format!("item-{n}").as_bytes()), Some(n));
            assert_eq!(i.name(n), format!("item-{n}"));
        }
        assert_eq!(i.intern(b""), Some(10_000));
        assert_eq!(i.len(), 10_001);
    }

    #[test]
    fn absorbing_numbers_new_names_in_their_order() {
        let mut a = Interner::default();
        let mut b = Interner::default();
        let mut one = Interner::default();
        for n in 0..5000u32 {
            let name = format!("item-{}", n * 7 % 6000);
            a.intern(name.as_bytes());
            one.intern(name.as_bytes());
        }
        for n in 0..8000u32 {
            let name = format!("item-{}", (n * 13 + 5) % 9000);
            b.intern(name.as_bytes());
        }
        let map = a.absorb(&b);
        // As if one interner had seen every name: the same ids, the same names.
        for (id, name) in b.names().iter().enumerate() {
            assert_eq!(Some(map[id]), one.intern(name.as_bytes()), "{name}");
        }
        assert_eq!(a.names(), one.names());
        for name in one.names().iter() {
            assert_eq!(a.get(name), one.get(name));
        }
        assert_eq!(a.intern(b"fresh"), one.intern(b"fresh"));
        // Absorbed names are found once the table is used again, by `absorb` or `intern`.
        let mut two = Interner::default();
        for name in b.names().iter().chain(a.names().iter()) {
            two.intern(name.as_bytes());
        }
        let mut c = Interner::default();
        c.absorb(&b);
        let map = c.absorb(&a);
        for (id, name) in a.names().iter().enumerate() {
            assert_eq!(Some(map[id]), two.get(name), "{name}");
        }
        for name in two.names().iter() {
            assert_eq!(c.intern(name.as_bytes()), two.get(name), "{name}");
        }
        assert_eq!(c.names(), two.names());
        assert_eq!(
            Interner::default().absorb(&Interner::default()),
            Vec::<u32>::new()
        );
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

    #[test]
    fn ids_differing_late_spread_over_the_buckets() {
        // Hash tables index by the low bits: sequential ids must not share them.
        let mut buckets = std::collections::HashSet::new();
        for i in 0..4096u32 {
            let mut f = FxHasher::default();
            format!("VS-{}", 100_000 + i).as_bytes().hash(&mut f);
            buckets.insert(f.finish() & 0xfff);
        }
        assert!(
            buckets.len() > 2400,
            "{} distinct buckets of 4096",
            buckets.len()
        );
    }
}
