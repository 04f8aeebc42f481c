//! dnf configuration: the first byte chooses the file (dnf.conf, a .repo file, versionlock.list
//! with the plugin enabled, or versionlock.toml); the rest is its content.
use casiscan_core::providers::ospatch::rpm::read_dnf_config;
use casiscan_fuzz::root_with;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Some((&which, rest)) = data.split_first() else {
            return;
        };
        // Every input writes the same four paths (the chosen one with the content, the others
        // empty) so that no file of an earlier input is left behind.
        let mut content: [&[u8]; 4] = [b"", b"", b"", b""];
        content[usize::from(which % 4)] = rest;
        let files: [(&str, &[u8]); 5] = [
            ("etc/dnf/dnf.conf", content[0]),
            ("etc/yum.repos.d/fuzz.repo", content[1]),
            ("etc/dnf/plugins/versionlock.conf", b"[main]\nenabled = 1\n"),
            ("etc/dnf/plugins/versionlock.list", content[2]),
            ("etc/dnf/versionlock.toml", content[3]),
        ];
        let root = root_with(&files);
        let mut warnings = Vec::new();
        let config = read_dnf_config(&root, &mut warnings);
        let _ = config.repo("fuzz");
    });
}
