//! Difference of two short sequences in the shape of Python's `difflib.SequenceMatcher`
//! opcodes (no junk heuristics), which ndiff uses for OS matches and script output lines.

/// What an opcode does to a range of the older sequence to get the newer one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// The ranges are equal.
    Equal,
    /// The older range is replaced by the newer one.
    Replace,
    /// The older range is removed.
    Delete,
    /// The newer range is inserted.
    Insert,
}

/// One opcode: `a[a0..a1]` becomes `b[b0..b1]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opcode {
    /// What happens.
    pub op: Op,
    /// Start in the older sequence.
    pub a0: usize,
    /// End in the older sequence.
    pub a1: usize,
    /// Start in the newer sequence.
    pub b0: usize,
    /// End in the newer sequence.
    pub b1: usize,
}

/// Most cells (`older lines × newer lines`) the block searches of one comparison of two runs
/// compare, over all its OS match lists and script outputs; a region past what is left is
/// reported changed whole (hostile script output costs at most this much, not the cube of its
/// length times the number of scripts).
pub const MAX_DIFF_CELLS: u64 = 1 << 22;

/// What is left of one comparison's [`MAX_DIFF_CELLS`], shared by every sequence it diffs.
#[derive(Debug)]
pub struct Budget(std::cell::Cell<u64>);

impl Default for Budget {
    fn default() -> Self {
        Budget(std::cell::Cell::new(MAX_DIFF_CELLS))
    }
}

impl Budget {
    /// Takes `cells` when that many are left.
    fn take(&self, cells: u64) -> bool {
        let left = self.0.get();
        if cells > left {
            return false;
        }
        self.0.set(left - cells);
        true
    }
}

/// The longest block common to `a[alo..ahi]` and `b[blo..bhi]`: the first found wins (earliest
/// end in `a`, then in `b`), as `SequenceMatcher.find_longest_match` without junk.
fn longest<T: PartialEq>(
    a: &[T],
    b: &[T],
    alo: usize,
    ahi: usize,
    blo: usize,
    bhi: usize,
) -> (usize, usize, usize) {
    let (mut best_i, mut best_j, mut best) = (alo, blo, 0);
    let mut lens = vec![0usize; bhi - blo + 1];
    let mut next = vec![0usize; bhi - blo + 1];
    for (i, x) in a.iter().enumerate().take(ahi).skip(alo) {
        next.fill(0);
        for (j, y) in b.iter().enumerate().take(bhi).skip(blo) {
            if x == y {
                let k = if j > blo { lens[j - blo - 1] } else { 0 } + 1;
                next[j - blo] = k;
                if k > best {
                    (best_i, best_j, best) = (i + 1 - k, j + 1 - k, k);
                }
            }
        }
        std::mem::swap(&mut lens, &mut next);
    }
    (best_i, best_j, best)
}

/// The opcodes that turn `a` into `b`, searching within what is left of `budget`.
pub fn opcodes<T: PartialEq>(a: &[T], b: &[T], budget: &Budget) -> Vec<Opcode> {
    let mut blocks = Vec::new();
    let mut queue = vec![(0, a.len(), 0, b.len())];
    while let Some((alo, ahi, blo, bhi)) = queue.pop() {
        let cells = ((ahi - alo) as u64).saturating_mul((bhi - blo) as u64);
        if !budget.take(cells) {
            continue;
        }
        let (i, j, k) = longest(a, b, alo, ahi, blo, bhi);
        if k > 0 {
            blocks.push((i, j, k));
            if alo < i && blo < j {
                queue.push((alo, i, blo, j));
            }
            if i + k < ahi && j + k < bhi {
                queue.push((i + k, ahi, j + k, bhi));
            }
        }
    }
    blocks.sort_unstable();
    blocks.push((a.len(), b.len(), 0));
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    for (ai, bj, size) in blocks {
        let op = match (i < ai, j < bj) {
            (true, true) => Some(Op::Replace),
            (true, false) => Some(Op::Delete),
            (false, true) => Some(Op::Insert),
            (false, false) => None,
        };
        if let Some(op) = op {
            out.push(Opcode {
                op,
                a0: i,
                a1: ai,
                b0: j,
                b1: bj,
            });
        }
        if size > 0 {
            out.push(Opcode {
                op: Op::Equal,
                a0: ai,
                a1: ai + size,
                b0: bj,
                b1: bj + size,
            });
        }
        (i, j) = (ai + size, bj + size);
    }
    out
}

/// How many opcodes are not [`Op::Equal`] (ndiff's cost of an OS match change).
pub fn changed_runs<T: PartialEq>(a: &[T], b: &[T], budget: &Budget) -> u64 {
    opcodes(a, b, budget)
        .iter()
        .filter(|o| o.op != Op::Equal)
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(a: &str, b: &str) -> Vec<(Op, usize, usize, usize, usize)> {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        opcodes(&a, &b, &Budget::default())
            .into_iter()
            .map(|o| (o.op, o.a0, o.a1, o.b0, o.b1))
            .collect()
    }

    #[test]
    fn opcodes_match_python_difflib() {
        // difflib.SequenceMatcher(None, "qabxcd", "abycdf").get_opcodes()
        assert_eq!(
            ops("qabxcd", "abycdf"),
            [
                (Op::Delete, 0, 1, 0, 0),
                (Op::Equal, 1, 3, 0, 2),
                (Op::Replace, 3, 4, 2, 3),
                (Op::Equal, 4, 6, 3, 5),
                (Op::Insert, 6, 6, 5, 6),
            ]
        );
        assert_eq!(ops("", ""), []);
        assert_eq!(ops("ab", ""), [(Op::Delete, 0, 2, 0, 0)]);
        assert_eq!(
            changed_runs(&["Linux 5.x"], &["Linux 5.x"], &Budget::default()),
            0
        );
        assert_eq!(
            changed_runs(
                &["Linux 4.x", "Linux 5.x"],
                &["Linux 5.x", "Linux 6.x"],
                &Budget::default()
            ),
            2
        );
    }

    /// Sequences whose common items (0, 2, 4, …) are spread so that every region splits again.
    fn interleaved(n: u32) -> (Vec<u32>, Vec<u32>) {
        let a: Vec<u32> = (0..n).collect();
        let b: Vec<u32> = (0..n)
            .map(|x| if x % 2 == 0 { x } else { u32::MAX - x })
            .collect();
        (a, b)
    }

    fn equal_items(ops: &[Opcode]) -> usize {
        ops.iter()
            .filter(|o| o.op == Op::Equal)
            .map(|o| o.a1 - o.a0)
            .sum()
    }

    #[test]
    fn a_small_diff_finds_every_common_item() {
        let (a, b) = interleaved(64);
        assert_eq!(equal_items(&opcodes(&a, &b, &Budget::default())), 32);
    }

    #[test]
    fn a_region_at_the_budget_is_searched() {
        // 2048 × 2048 = 2^22 cells: the whole budget goes to the first search, which finds
        // item 0; what is left after it is one change.
        let (a, b) = interleaved(2048);
        assert_eq!((a.len() * b.len()) as u64, MAX_DIFF_CELLS);
        let ops: Vec<_> = opcodes(&a, &b, &Budget::default())
            .into_iter()
            .map(|o| (o.op, o.a0, o.a1, o.b0, o.b1))
            .collect();
        assert_eq!(
            ops,
            [(Op::Equal, 0, 1, 0, 1), (Op::Replace, 1, 2048, 1, 2048)]
        );
    }

    #[test]
    fn a_region_past_the_budget_is_one_change() {
        // One cell row past the budget: not searched, one Replace.
        let (mut a, b) = interleaved(2048);
        a.push(u32::MAX / 2);
        let ops: Vec<_> = opcodes(&a, &b, &Budget::default())
            .into_iter()
            .map(|o| (o.op, o.a0, o.a1, o.b0, o.b1))
            .collect();
        assert_eq!(ops, [(Op::Replace, 0, 2049, 0, 2048)]);
        // Hostile script output of 50 000 lines a side: the same, where the unbounded search
        // would compare on the order of 10^14 pairs.
        let (a, b) = interleaved(50_000);
        assert_eq!(opcodes(&a, &b, &Budget::default()).len(), 1);
    }

    #[test]
    fn one_budget_is_shared_by_every_sequence_of_a_comparison() {
        // The first pair spends the whole budget; the second, small, is then one change.
        let budget = Budget::default();
        let (a, b) = interleaved(2048);
        assert!(opcodes(&a, &b, &budget).len() > 1);
        let (a, b) = interleaved(4);
        let ops: Vec<_> = opcodes(&a, &b, &budget)
            .into_iter()
            .map(|o| (o.op, o.a0, o.a1, o.b0, o.b1))
            .collect();
        assert_eq!(ops, [(Op::Replace, 0, 4, 0, 4)]);
        assert_eq!(equal_items(&opcodes(&a, &b, &Budget::default())), 2);
    }
}
