//! What both databases need from a backend, and nothing more: run a statement, read its
//! rows, in or out of a transaction. Every statement is written once in the SQL both
//! speak, with `$n` parameters (SQLite reads them as `?n`); every row is read once into
//! [`Row`], whose getters turn a value of the wrong type into [`DbError::Corrupt`].

use super::DbError;

/// A parameter. Each carries its type even when NULL: Postgres types every parameter,
/// and an untyped NULL in `COALESCE($3, size)` would be refused.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}
impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::Int(Some(v as i64))
    }
}
impl From<Option<u64>> for Value {
    fn from(v: Option<u64>) -> Self {
        Value::Int(v.map(|v| v as i64))
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(Some(v as i64))
    }
}
impl From<Option<f64>> for Value {
    fn from(v: Option<f64>) -> Self {
        Value::Real(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(v))
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(Some(v.clone()))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(Some(v.to_string()))
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::Text(v)
    }
}
impl From<&Option<String>> for Value {
    fn from(v: &Option<String>) -> Self {
        Value::Text(v.clone())
    }
}
impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        Value::Text(v.map(str::to_string))
    }
}

/// A statement's parameters, `$1` first.
macro_rules! args {
    ($($v:expr),* $(,)?) => { vec![$($crate::db::sql::Value::from($v)),*] };
}
pub(crate) use args;

/// One row as read, column by column in the statement's order. A NULL reads as
/// `Text(None)` (SQLite does not type it).
#[derive(Debug)]
pub(crate) struct Row(pub Vec<Value>);

impl Row {
    fn cell(&self, i: usize) -> Result<&Value, DbError> {
        self.0
            .get(i)
            .ok_or_else(|| DbError::Corrupt(format!("column {i} is missing")))
    }

    fn wrong(&self, i: usize, want: &str) -> DbError {
        DbError::Corrupt(format!(
            "column {i} holds {:?} where {want} was expected",
            self.0.get(i)
        ))
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.cell(i)? {
            Value::Text(v) => Ok(v.clone()),
            Value::Int(None) | Value::Real(None) => Ok(None),
            _ => Err(self.wrong(i, "text")),
        }
    }

    pub fn text(&self, i: usize) -> Result<String, DbError> {
        self.opt_text(i)?.ok_or_else(|| self.wrong(i, "text"))
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self.cell(i)? {
            Value::Int(v) => Ok(*v),
            Value::Text(None) | Value::Real(None) => Ok(None),
            _ => Err(self.wrong(i, "an integer")),
        }
    }

    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        self.opt_int(i)?.ok_or_else(|| self.wrong(i, "an integer"))
    }

    /// A size or count: never negative.
    pub fn opt_u64(&self, i: usize) -> Result<Option<u64>, DbError> {
        self.opt_int(i)?
            .map(|v| u64::try_from(v).map_err(|_| self.wrong(i, "a count")))
            .transpose()
    }

    pub fn u64(&self, i: usize) -> Result<u64, DbError> {
        self.opt_u64(i)?.ok_or_else(|| self.wrong(i, "a count"))
    }

    pub fn opt_real(&self, i: usize) -> Result<Option<f64>, DbError> {
        match self.cell(i)? {
            Value::Real(v) => Ok(*v),
            // SQLite keeps a whole number in a REAL column as an integer when it can.
            Value::Int(v) => Ok(v.map(|v| v as f64)),
            Value::Text(None) => Ok(None),
            _ => Err(self.wrong(i, "a number")),
        }
    }
}

/// Where statements run: the database itself (each statement on its own) or a
/// transaction. Both backends implement the two primitives; the rest is written once.
pub(crate) trait Exec: Send {
    /// Runs a statement that answers no rows; how many rows it changed.
    fn execute(
        &mut self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> impl Future<Output = Result<u64, DbError>> + Send;

    /// Runs a statement and reads every row it answers.
    fn rows(
        &mut self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> impl Future<Output = Result<Vec<Row>, DbError>> + Send;

    /// The first row, if any.
    fn optional(
        &mut self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> impl Future<Output = Result<Option<Row>, DbError>> + Send {
        async move { Ok(self.rows(sql, args).await?.into_iter().next()) }
    }

    /// The one row a statement must answer.
    fn one(
        &mut self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> impl Future<Output = Result<Row, DbError>> + Send {
        async move {
            self.optional(sql, args)
                .await?
                .ok_or_else(|| DbError::Corrupt(format!("no row for: {sql}")))
        }
    }
}

/// `$n` → `?n`: SQLite binds `?n` by number, as Postgres binds `$n` (SQLite's own `$n`
/// would be named parameters, numbered by first use). No statement has a `$` elsewhere.
pub(crate) fn sqlite_dialect(sql: &str) -> String {
    sql.replace('$', "?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_of_the_wrong_type_is_corrupt_not_a_default() {
        let row = Row(vec![
            Value::Int(Some(3)),
            Value::Text(Some("x".into())),
            Value::Text(None),
            Value::Int(Some(-1)),
        ]);
        assert!(matches!(row.text(0), Err(DbError::Corrupt(_))));
        assert!(matches!(row.int(1), Err(DbError::Corrupt(_))));
        assert_eq!(row.opt_int(2).unwrap(), None);
        assert!(matches!(row.int(2), Err(DbError::Corrupt(_))));
        assert!(matches!(row.u64(3), Err(DbError::Corrupt(_))));
        assert!(matches!(row.text(9), Err(DbError::Corrupt(_))));
        assert_eq!(row.opt_real(0).unwrap(), Some(3.0));
    }

    #[test]
    fn sqlite_reads_numbered_parameters_by_number() {
        assert_eq!(
            sqlite_dialect("UPDATE t SET a = $2 WHERE b = $1 AND c < $2 - 60"),
            "UPDATE t SET a = ?2 WHERE b = ?1 AND c < ?2 - 60"
        );
    }
}
