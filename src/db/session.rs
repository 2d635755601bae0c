//! One live connection and the statements prepared on it: what a request runs its
//! SQL on. [`Database`](super::Database) hands out the current one; the supervisor
//! makes a new one after every reconnect.

use tokio::time::Instant;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row, Statement};

use super::error::{DbError, within};

/// A live connection and the statements prepared on it.
pub(super) struct Session {
    pub(super) client: Client,
    pub(super) prepared: Vec<(&'static str, Statement)>,
}

impl Session {
    pub(super) async fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        deadline: Instant,
    ) -> Result<Vec<Row>, DbError> {
        let statement = self.statement(sql, deadline).await?;
        within(deadline, self.client.query(&statement, params)).await
    }

    /// The statement prepared for `sql` at connect time; one not in the setup list is
    /// prepared now (one extra round trip) rather than refused.
    async fn statement(&self, sql: &str, deadline: Instant) -> Result<Statement, DbError> {
        match self.prepared.iter().find(|(text, _)| *text == sql) {
            Some((_, statement)) => Ok(statement.clone()),
            None => within(deadline, self.client.prepare(sql)).await,
        }
    }
}
