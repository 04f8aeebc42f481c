//! Helpers shared by the fuzz targets: a scratch root file system for the readers that take a
//! directory (dpkg, apt lists, dnf configuration), and the Debian test tree's files.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use casiscan_core::providers::ospatch::cache_file::{CacheFile, Limits};

/// A scratch directory kept for the life of the fuzzing process.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();
    match DIR.get_or_init(|| tempfile::tempdir().ok()) {
        Some(dir) => dir.path(),
        None => Path::new("/nonexistent-casiscan-fuzz"),
    }
}

/// Writes `files` (path relative to the root, content) into the root under the scratch directory
/// and returns it. Files are overwritten in place, not removed (a fresh tree per input costs
/// more than the parse): a target writes the same set of paths on every input.
pub fn root_with(files: &[(&str, &[u8])]) -> PathBuf {
    let root = scratch().join("root");
    for (rel, data) in files {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(&path, data);
    }
    root
}

/// The dpkg status of the Debian test tree (the installed set the apt targets compare with).
pub const DPKG_STATUS: &[u8] =
    include_bytes!("../../casiscan-core/testdata/ospatch/debian/var/lib/dpkg/status");

/// The Release file of the Debian test tree.
pub const RELEASE: &[u8] = include_bytes!(
    "../../casiscan-core/testdata/ospatch/debian/var/lib/apt/lists/deb.example_dists_bookworm_Release"
);

/// The Packages file of the Debian test tree.
pub const PACKAGES: &[u8] = include_bytes!(
    "../../casiscan-core/testdata/ospatch/debian/var/lib/apt/lists/deb.example_dists_bookworm_main_binary-amd64_Packages"
);

/// Where dpkg's status is, relative to the root.
pub const STATUS_PATH: &str = "var/lib/dpkg/status";
/// The Packages list of the test tree, relative to the root (a compression suffix may follow).
pub const PACKAGES_PATH: &str =
    "var/lib/apt/lists/deb.example_dists_bookworm_main_binary-amd64_Packages";
/// The Release file of the test tree, relative to the root.
pub const RELEASE_PATH: &str = "var/lib/apt/lists/deb.example_dists_bookworm_Release";

/// Runs the Debian scan over a root made of `files`. The outcome is not checked: only panics,
/// hangs and memory count.
pub fn debian_scan(files: &[(&str, &[u8])]) {
    let root = root_with(files);
    let _ = casiscan_core::providers::ospatch::debian::scan(&root);
}

/// The caps of the decompressor targets: a 1 MiB decoded cap, so that a compression bomb costs
/// milliseconds and the fuzzer keeps its pace. The real caps (512 MiB, and the ratio cap that
/// starts past 32 MiB) are tested at their limits in casiscan-core's tests.
pub const DECODE_LIMITS: Limits = Limits {
    file: 1 << 20,
    decoded: 1 << 20,
};

/// Decodes `data` (with `magic` put in front when missing) as the cache file `name` in the
/// scratch directory, through the cache reader the apt and dnf scans use, into a sink.
pub fn decode_cache_file(name: &str, magic: &[u8], data: &[u8]) {
    let path = scratch().join(name);
    if std::fs::write(&path, with_magic(magic, data)).is_err() {
        return;
    }
    if let Ok(file) = CacheFile::open(&path, DECODE_LIMITS) {
        let _ = file.decode_into(&mut std::io::sink());
    }
}

/// `data` with `magic` in front unless it already starts with it, so that a decompressor's
/// target always reaches its decoder (the cache reader sniffs the format from the magic).
pub fn with_magic(magic: &[u8], data: &[u8]) -> Vec<u8> {
    if data.starts_with(magic) {
        data.to_vec()
    } else {
        [magic, data].concat()
    }
}

/// Writes `value` as JSON and reads it back: a value a reader accepted must come back equal
/// from its own writer's text (what a store does with every record).
pub fn assert_json_round_trip<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let text = match serde_json::to_string(value) {
        Ok(text) => text,
        Err(e) => panic!("a value read from JSON cannot be written back: {e}\n{value:?}"),
    };
    match serde_json::from_str::<T>(&text) {
        Ok(back) => assert_same_value(value, &back, &text),
        Err(e) => panic!("a value's own JSON does not read back: {e}\n{text}"),
    }
}

/// Fails unless `after`, read back from `text` (the JSON of `before`), equals `before`.
/// serde_json may read a float back one bit off what it wrote (`2e-32`), so a difference in
/// floats only, within two units in the last place, is allowed.
pub fn assert_same_value<T>(before: &T, after: &T, text: &str)
where
    T: serde::Serialize + PartialEq + std::fmt::Debug,
{
    if after == before {
        return;
    }
    let (Ok(was), Ok(now)) = (serde_json::to_value(before), serde_json::to_value(after)) else {
        panic!("the round trip changed the value and its JSON cannot be compared\n{text}");
    };
    assert!(
        was != now && same_json(&was, &now),
        "the JSON round trip changed the value:\nbefore: {before:?}\nafter:  {after:?}\ntext: {text}"
    );
}

/// Whether two JSON values are equal, floats within two units in the last place.
pub fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || matches!((x.as_f64(), y.as_f64()), (Some(x), Some(y)) if close(x, y))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// Equal, or finite with the same sign and at most two representable values apart.
fn close(x: f64, y: f64) -> bool {
    x == y
        || (x.is_finite()
            && y.is_finite()
            && x.is_sign_negative() == y.is_sign_negative()
            && x.to_bits().abs_diff(y.to_bits()) <= 2)
}
