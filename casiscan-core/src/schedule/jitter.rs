//! The random delay of a slot within its schedule's jitter.

/// A delay in `0..=max` seconds from the OS generator (0 if it fails: the slot is then on time).
pub fn random_jitter(max: u32) -> u32 {
    if max == 0 {
        return 0;
    }
    let span = u64::from(max) + 1;
    getrandom::u64()
        .ok()
        .and_then(|r| u32::try_from(r % span).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_its_bound_and_varies() {
        assert_eq!(random_jitter(0), 0);
        let draws: Vec<u32> = (0..200).map(|_| random_jitter(5)).collect();
        assert!(draws.iter().all(|&d| d <= 5), "{draws:?}");
        // 200 draws over 6 values all equal has probability 6^-199.
        assert!(draws.iter().any(|&d| d != draws[0]), "{draws:?}");
    }
}
