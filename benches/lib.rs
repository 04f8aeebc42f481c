//! Criterion benchmarks of casiscan; the benches are the `[[bench]]` targets of this crate.

use std::path::PathBuf;

/// The `shared/` folder beside the repository, where peer tools and generated inputs live.
pub fn shared_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}
