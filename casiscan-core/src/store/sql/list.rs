//! The statements of a scan list query (Casibase's filter, sort and page) in either dialect.

use super::{Dialect, SCAN_COLUMNS};
use crate::error::Result;
use crate::model::{ScanQuery, SortOrder};

/// A list query as SQL: the count, the page's select, and the values both bind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListSql {
    /// `SELECT COUNT(*)` over every match.
    pub count: String,
    /// The matching scans of the page, in order.
    pub select: String,
    /// The values of both statements' placeholders, in order.
    pub values: Vec<String>,
}

/// `%value%` with LIKE's wildcards and the escape character escaped (`ESCAPE '\'`).
pub(crate) fn escape_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('%');
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The WHERE clause (empty when nothing filters) and its values for `query`.
fn filter(dialect: Dialect, query: &ScanQuery) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    if let Some(owner) = &query.owner {
        values.push(owner.clone());
        clauses.push(format!("owner = {}", dialect.param(values.len())));
    }
    if let Some(asset) = &query.asset {
        values.push(asset.clone());
        clauses.push(format!("asset = {}", dialect.param(values.len())));
    }
    if let Some((field, value)) = &query.filter {
        values.push(escape_like(value));
        clauses.push(format!(
            "{} {} {} ESCAPE '\\'",
            field.column(),
            dialect.like(),
            dialect.param(values.len())
        ));
    }
    if clauses.is_empty() {
        return (String::new(), values);
    }
    (format!("WHERE {}", clauses.join(" AND ")), values)
}

/// The SQL of `query`, after [`ScanQuery::validate`] (so every store refuses the same queries).
pub(crate) fn list_sql(dialect: Dialect, query: &ScanQuery) -> Result<ListSql> {
    query.validate()?;
    let window = query.window()?;
    let (field, order) = query.effective_sort();
    let dir = match order {
        SortOrder::Ascend => "ASC",
        SortOrder::Descend => "DESC",
    };
    let (clause, values) = filter(dialect, query);
    let (offset, limit) = window;
    let limit = format!(" LIMIT {limit} OFFSET {offset}");
    let by = |column: &str| format!("{} {dir}", dialect.bytewise(column));
    Ok(ListSql {
        count: format!("SELECT COUNT(*) FROM scans {clause}"),
        select: format!(
            "SELECT {SCAN_COLUMNS} FROM scans {clause} ORDER BY {}, {}, {}{limit}",
            by(field.column()),
            by("owner"),
            by("name")
        ),
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ScanField;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like(r"50%_a\b"), r"%50\%\_a\\b%");
    }

    #[test]
    fn filters_use_each_dialects_placeholders_and_like() {
        let query = ScanQuery {
            owner: Some("admin".into()),
            filter: Some((ScanField::DisplayName, "Web".into())),
            page: Some(2),
            page_size: Some(10),
            ..ScanQuery::default()
        };
        let pg = list_sql(Dialect::Postgres, &query).expect("valid");
        assert_eq!(
            pg.count,
            "SELECT COUNT(*) FROM scans WHERE owner = $1 AND display_name ILIKE $2 ESCAPE '\\'"
        );
        assert!(pg.select.ends_with(
            "ORDER BY created_time COLLATE \"C\" DESC, owner COLLATE \"C\" DESC, \
             name COLLATE \"C\" DESC LIMIT 10 OFFSET 10"
        ));
        let lite = list_sql(Dialect::Sqlite, &query).expect("valid");
        assert!(
            lite.count
                .ends_with("owner = ?1 AND display_name LIKE ?2 ESCAPE '\\'")
        );
        assert!(
            lite.select
                .ends_with("ORDER BY created_time DESC, owner DESC, name DESC LIMIT 10 OFFSET 10")
        );
        assert_eq!(lite.values, vec!["admin".to_string(), "%Web%".to_string()]);
    }

    #[test]
    fn invalid_queries_are_refused_before_any_sql() {
        let query = ScanQuery {
            page: Some(0),
            page_size: Some(10),
            ..ScanQuery::default()
        };
        assert!(list_sql(Dialect::Sqlite, &query).is_err());
    }
}
