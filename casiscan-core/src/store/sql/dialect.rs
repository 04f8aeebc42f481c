//! What SQLite and PostgreSQL spell differently: placeholders, case-insensitive LIKE, byte-wise
//! ordering, NULL-safe equality.

/// The SQL dialect of a store.
// With only one SQL backend compiled in, the other's variant is never built.
#[cfg_attr(not(all(feature = "sqlite", feature = "postgres")), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQLite: `?N` placeholders; `LIKE` is already case-insensitive for ASCII; text compares
    /// byte-wise by default.
    Sqlite,
    /// PostgreSQL: `$N` placeholders, `ILIKE`, `COLLATE "C"` for byte-wise order.
    Postgres,
}

impl Dialect {
    /// The placeholder of parameter `n` (1-based).
    pub fn param(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        }
    }

    /// The placeholder of text parameter `n` where the server must be told its type (`IS NULL`).
    pub fn text_param(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}::TEXT"),
        }
    }

    /// The operator of a substring match that ignores ASCII case.
    pub fn like(self) -> &'static str {
        match self {
            Dialect::Sqlite => "LIKE",
            Dialect::Postgres => "ILIKE",
        }
    }

    /// `column` compared and ordered byte-wise (as the memory store and RFC 3339 text sort).
    pub fn bytewise(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => column.to_string(),
            Dialect::Postgres => format!("{column} COLLATE \"C\""),
        }
    }

    /// The NULL-safe equality operator.
    pub fn same(self) -> &'static str {
        match self {
            Dialect::Sqlite => "IS",
            Dialect::Postgres => "IS NOT DISTINCT FROM",
        }
    }

    /// `sql`, written with `$N` placeholders, in this dialect.
    pub fn render(self, sql: &str) -> String {
        match self {
            Dialect::Postgres => sql.to_string(),
            Dialect::Sqlite => {
                let mut out = String::with_capacity(sql.len());
                let mut chars = sql.chars().peekable();
                while let Some(c) = chars.next() {
                    let numbered = c == '$' && chars.peek().is_some_and(char::is_ascii_digit);
                    out.push(if numbered { '?' } else { c });
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rendered_per_dialect() {
        let sql = "SELECT 1 WHERE a = $1 AND b = $12 AND c = '$x'";
        assert_eq!(Dialect::Postgres.render(sql), sql);
        assert_eq!(
            Dialect::Sqlite.render(sql),
            "SELECT 1 WHERE a = ?1 AND b = ?12 AND c = '$x'"
        );
        assert_eq!(Dialect::Sqlite.param(3), "?3");
        assert_eq!(Dialect::Postgres.text_param(1), "$1::TEXT");
    }
}
