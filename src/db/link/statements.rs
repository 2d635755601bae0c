//! The statements prepared on one session: the setup's, prepared at connect time, and
//! any other, prepared the first time it runs there. A prepared statement is parsed
//! and planned once per session, as psycopg 3's automatic preparation or asyncpg's
//! statement cache do; psycopg2, the seed's driver, parses every statement anew.

use std::sync::Mutex;

use tokio_postgres::{Client, Statement};

pub(super) struct Statements {
    at_connect: Vec<(&'static str, Statement)>,
    later: Mutex<Vec<(&'static str, Statement)>>,
}

impl Statements {
    pub(super) fn new(at_connect: Vec<(&'static str, Statement)>) -> Statements {
        Statements {
            at_connect,
            later: Mutex::new(Vec::new()),
        }
    }

    /// The statement prepared for `sql`, preparing it now if this session has not
    /// (one extra round trip, once per session).
    pub(super) async fn get(
        &self,
        client: &Client,
        sql: &'static str,
    ) -> Result<Statement, tokio_postgres::Error> {
        let find = |prepared: &[(&str, Statement)]| {
            let found = prepared.iter().find(|(text, _)| *text == sql);
            found.map(|(_, statement)| statement.clone())
        };
        if let Some(statement) = find(&self.at_connect) {
            return Ok(statement);
        }
        let later = || self.later.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(statement) = find(&later()) {
            return Ok(statement);
        }
        // Not under the lock: a lock held across `.await` would block the thread.
        let statement = client.prepare(sql).await?;
        later().push((sql, statement.clone()));
        Ok(statement)
    }
}
