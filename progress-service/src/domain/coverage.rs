//! Which seconds of a lecture a user has watched, as a bitmap of 64-second words. Merging segments is a
//! bitwise OR, so it is idempotent and order-free: the store applies it with MongoDB's `$bit` in one
//! atomic update, and concurrent heartbeats can never lose each other's seconds.

use std::collections::BTreeMap;

/// Seconds per stored word.
pub const WORD_BITS: u64 = 64;

/// A set of whole seconds, `[0, 64)` in word 0, `[64, 128)` in word 1, and so on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    words: BTreeMap<u32, u64>,
}

impl Coverage {
    /// Builds a coverage from stored words (words that are zero are dropped).
    pub fn from_words(words: impl IntoIterator<Item = (u32, u64)>) -> Self {
        Self {
            words: words.into_iter().filter(|(_, w)| *w != 0).collect(),
        }
    }

    /// Marks the seconds `[from, to)`.
    pub fn insert_range(&mut self, from: u64, to: u64) {
        let mut second = from;
        while second < to {
            let index = second / WORD_BITS;
            let offset = second % WORD_BITS;
            let span = (WORD_BITS - offset).min(to - second);
            let mask = if span == WORD_BITS {
                u64::MAX
            } else {
                ((1u64 << span) - 1) << offset
            };
            // The cap on durations keeps indexes far below u32::MAX.
            let key = u32::try_from(index).unwrap_or(u32::MAX);
            *self.words.entry(key).or_default() |= mask;
            second += span;
        }
    }

    /// Adds every second of `other`.
    pub fn union(&mut self, other: &Self) {
        for (index, word) in &other.words {
            *self.words.entry(*index).or_default() |= word;
        }
    }

    /// How many distinct seconds are marked.
    pub fn seconds(&self) -> u64 {
        self.words.values().map(|w| u64::from(w.count_ones())).sum()
    }

    /// How many distinct seconds below `limit` are marked.
    pub fn seconds_below(&self, limit: u64) -> u64 {
        self.runs()
            .into_iter()
            .map(|(from, to)| to.min(limit).saturating_sub(from))
            .sum()
    }

    /// The marked seconds as sorted, disjoint, non-adjacent `[from, to)` runs (the merged segments).
    pub fn runs(&self) -> Vec<(u64, u64)> {
        let mut runs: Vec<(u64, u64)> = Vec::new();
        for (index, word) in &self.words {
            let base = u64::from(*index) * WORD_BITS;
            let mut bits = *word;
            while bits != 0 {
                let start = u64::from(bits.trailing_zeros());
                let len = u64::from((bits >> start).trailing_ones());
                let (from, to) = (base + start, base + start + len);
                match runs.last_mut() {
                    Some(last) if last.1 == from => last.1 = to,
                    _ => runs.push((from, to)),
                }
                bits = if start + len >= WORD_BITS {
                    0
                } else {
                    bits & !(((1u64 << len) - 1) << start)
                };
            }
        }
        runs
    }

    /// The non-zero words, by index.
    pub fn words(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.words.iter().map(|(i, w)| (*i, *w))
    }

    /// Whether no second is marked.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}
