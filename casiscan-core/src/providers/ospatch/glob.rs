//! Shell-style wildcards (`*`, `?`, `[…]`) as apt pins and dnf excludes use them, in linear time.

/// Whether `text` matches `pattern` as a whole.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    // After a `*`: where the pattern resumes and which text position the star has reached.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi + 1, ti));
                pi += 1;
                continue;
            }
            Some(&c) => {
                if let Some(len) = single(&p[pi..], c, t[ti]) {
                    pi += len;
                    ti += 1;
                    continue;
                }
            }
            None => {}
        }
        // Mismatch: let the last star swallow one more byte, or fail.
        let Some((resume, reached)) = star else {
            return false;
        };
        star = Some((resume, reached + 1));
        pi = resume;
        ti = reached + 1;
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Length of the pattern item at the start of `p` when it matches byte `b`.
fn single(p: &[u8], first: u8, b: u8) -> Option<usize> {
    match first {
        b'?' => Some(1),
        b'[' => class(p, b),
        c => (c == b).then_some(1),
    }
}

/// A `[…]` class (`!` or `^` negates, `a-z` ranges); an unclosed `[` is a literal.
fn class(p: &[u8], b: u8) -> Option<usize> {
    let negated = matches!(p.get(1), Some(b'!' | b'^'));
    let start = if negated { 2 } else { 1 };
    // A `]` right after the opening is a member, not the end.
    let close = p
        .iter()
        .skip(start + 1)
        .position(|&c| c == b']')
        .map(|i| i + start + 1);
    let Some(close) = close else {
        return (b == b'[').then_some(1);
    };
    let set = &p[start..close];
    let mut hit = false;
    let mut i = 0;
    while i < set.len() {
        if i + 2 < set.len() && set[i + 1] == b'-' {
            hit |= (set[i]..=set[i + 2]).contains(&b);
            i += 3;
        } else {
            hit |= set[i] == b;
            i += 1;
        }
    }
    (hit != negated).then_some(close + 1)
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn wildcards_match_like_fnmatch() {
        assert!(glob("linux-*", "linux-image-amd64"));
        assert!(glob("1.2*", "1.2.3-1"));
        assert!(!glob("lib?", "libc6"));
        assert!(glob("lib??", "libc6"));
        assert!(glob("*", ""));
        assert!(glob("kernel*-[0-9]*.x86_64", "kernel-core-6.1-1.x86_64"));
        assert!(!glob("kernel*-[0-9]*.x86_64", "kernel-core-x.x86_64"));
        assert!(glob("[!a]bc", "xbc") && !glob("[!a]bc", "abc"));
        assert!(glob("[]]x", "]x"));
        assert!(glob("a[b", "a[b"), "an unclosed class is literal");
        assert!(glob("*a*b*c", "xxaxxbxxc") && !glob("*a*b*c", "xxaxxbxx"));
        assert!(!glob("abc", "abcd") && !glob("abcd", "abc"));
    }

    #[test]
    fn many_stars_stay_fast() {
        let pattern = format!("{}b", "*a".repeat(40));
        let text = "a".repeat(5_000);
        let start = std::time::Instant::now();
        assert!(!glob(&pattern, &text));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }
}
