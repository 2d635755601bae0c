//! The SQL behind the users endpoints, one statement per *batch* of requests: the
//! seed's `create_user`, `get_users` and `find_user`, reshaped for
//! [`Batcher`](crate::db::Batcher) (why batching: see `src/db/batch.rs`).
//!
//! The seed runs one statement per request, with `%s` placeholders, and returns dicts.
//! Here every statement is a constant, parameterised with `$n` (values never touch the
//! SQL text; a batch's values travel as arrays), prepared once per connection by the db
//! layer (see [`STATEMENTS`]). Each function takes the inputs of every request in a
//! batch and answers each of them in order (for `GET /users`'s pages, one statement
//! per distinct page: `page_sharing.rs` says why, and how listings share them).

use std::collections::HashMap;

use hyper::body::Bytes;
use tokio::time::Instant;
use tokio_postgres::Row;
use tokio_postgres::types::FromSql;

use super::error::ServiceError;
use crate::db::{Database, DbError, Fence, Reads};
use crate::schemas::user::{UserCreate, UserResponse};

/// Every looked-up id at once; ids nobody has simply return no row.
const SELECT_USERS_BY_ID: &str = "SELECT id, name, email, age FROM users WHERE id = ANY($1)";
/// One page of the list (`GET /users`), by keyset: the rows after the last id the
/// previous page returned. The index on `id` finds the first row at once and the
/// statement stops after `$3` rows, so a page costs the same at any depth of the table.
/// `$1` is an `int8` so that the first page can start below every INTEGER id
/// (`i32::MIN - 1`): rows written outside the API may have negative ids, or zero.
/// `OFFSET $2` is the list's `skip`, non-zero on the first page only.
const SELECT_PAGE: &str = "\
    SELECT id, name, email, age FROM users WHERE id > $1::int8 \
    ORDER BY id OFFSET $2::int8 LIMIT $3::int8";
/// The batch's users arrive as three arrays, one per column, and are inserted in request
/// order (`WITH ORDINALITY ... ORDER BY`). An email that is taken, by an existing row or
/// by an earlier request of the same batch, inserts nothing and returns no row: the
/// first request for an email wins and the others get their own 409.
///
/// Taken emails are filtered out *before* the INSERT (`DISTINCT ON` keeps each email's
/// first request, `NOT EXISTS` drops emails already stored): the INSERT computes the
/// `id` default, and so calls `nextval`, for every row it is given, even one that
/// `ON CONFLICT DO NOTHING` then throws away. Without the filter every duplicate POST
/// burned an id, and a client repeating one could exhaust the INTEGER sequence.
/// `ON CONFLICT` stays for the race the filter cannot see: another transaction
/// inserting the same email at the same moment.
const INSERT_USERS: &str = "\
    INSERT INTO users (name, email, age) \
    SELECT name, email, age FROM ( \
        SELECT DISTINCT ON (email) name, email, age, n \
        FROM unnest($1::text[], $2::text[], $3::int[]) WITH ORDINALITY AS batch (name, email, age, n) \
        ORDER BY email, n \
    ) AS first_per_email \
    WHERE NOT EXISTS (SELECT 1 FROM users WHERE users.email = first_per_email.email) \
    ORDER BY n \
    ON CONFLICT (email) DO NOTHING \
    RETURNING id, name, email, age";
/// One user alone, for a batch PostgreSQL refused as a whole (see [`insert_users`]);
/// filtered the same way, so a taken email burns no id.
const INSERT_USER: &str = "\
    INSERT INTO users (name, email, age) \
    SELECT $1::text, $2::text, $3::int WHERE NOT EXISTS (SELECT 1 FROM users WHERE email = $2) \
    ON CONFLICT (email) DO NOTHING \
    RETURNING id, name, email, age";

/// Every statement here, for the db layer to prepare at connect time.
pub const STATEMENTS: &[&str] = &[SELECT_USERS_BY_ID, SELECT_PAGE, INSERT_USERS, INSERT_USER];

/// `GET /users/{id}` for a batch of ids: one `SELECT ... WHERE id = ANY($1)`. With a
/// standby configured, [`Reads::look_up`] asks it first and the primary for whatever it
/// lacks, so no request answers 404 before the primary has said so.
pub async fn find_users(
    reads: Reads,
    since: Instant,
    ids: Vec<i32>,
) -> Result<Vec<Option<UserResponse>>, ServiceError> {
    let rows = reads.look_up(since, SELECT_USERS_BY_ID, &ids).await?;
    let found = users_by_id(&rows)?;
    // Two requests for the same id get a copy each.
    Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
}

/// The users of `rows`, by id.
fn users_by_id(rows: &[Row]) -> Result<HashMap<i32, UserResponse>, ServiceError> {
    let mut found = HashMap::with_capacity(rows.len());
    for row in rows {
        let user: UserResponse = user_from_row(row)?;
        found.insert(user.id, user);
    }
    Ok(found)
}

/// Which page of the list a listing wants: the rows with `id > after`, less the
/// first `skip` of them, `rows` at most. Listings that want the same page share it
/// (`page_sharing.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageRequest {
    pub after: i64,
    pub skip: i64,
    pub rows: i64,
}

/// One page of the list, serialised: `,{user},{user}...` (each user after a comma, so
/// the bytes are the same for every listing that shares them), how many users, and the
/// last id (the next page's `after`).
#[derive(Debug, Clone)]
pub struct Page {
    pub json: Bytes,
    pub rows: i64,
    pub last_id: Option<i32>,
}

/// One page: its rows, written straight into the page's JSON (each row borrowed as a
/// `UserResponse<&str>`, no list of users built in between). Read on the standby if it
/// has replayed up to `fence` (`page_sharing.rs` takes it), else on the primary.
/// `pub(super)`: visible to `services` and its files, no further (an `_name` the
/// compiler enforces).
pub(super) async fn read_page(
    reads: Reads,
    since: Instant,
    fence: Fence,
    page: PageRequest,
) -> Result<Page, ServiceError> {
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] =
        [&page.after, &page.skip, &page.rows];
    let rows = reads.fresh(since, fence, SELECT_PAGE, &params).await?;
    // About 70 bytes a user: one allocation per page, most of the time.
    let mut json = Vec::with_capacity(72 * rows.len());
    let mut last_id = None;
    for row in &rows {
        let user: UserResponse<&str> = user_from_row(row)?;
        json.push(b',');
        serde_json::to_writer(&mut json, &user).map_err(|err| {
            ServiceError::unexpected(format_args!("cannot serialise a user: {err}"))
        })?;
        last_id = Some(user.id);
    }
    Ok(Page {
        json: Bytes::from(json),
        rows: rows.len() as i64,
        last_id,
    })
}

/// What one `POST /users` of a batch gets: its user, or why not.
pub type Created = Result<UserResponse, ServiceError>;

/// `POST /users` for a batch of users: one multi-row INSERT, one commit.
///
/// The whole batch answers 503 if the connection fails under it: whether it committed
/// is unknowable, so nothing is retried. If PostgreSQL *refuses* the statement (a
/// constraint added behind the API's back, a character the database's encoding cannot
/// store...), nothing of it was committed, and one such row must not sink the others:
/// each user is then inserted on its own, and only the bad one fails.
pub async fn insert_users(
    db: Database,
    since: Instant,
    users: Vec<UserCreate>,
) -> Result<Vec<Created>, ServiceError> {
    let names: Vec<&str> = users.iter().map(|user| user.name.as_str()).collect();
    let emails: Vec<&str> = users.iter().map(|user| user.email.as_str()).collect();
    let ages: Vec<i32> = users.iter().map(|user| user.age).collect();
    // Each parameter is a `&(dyn ToSql + Sync)`: a reference to any value tokio-postgres
    // can send (`dyn`: the type is looked up at run time, duck typing with a checked
    // interface), safe to share between threads (`Sync`).
    let rows = match db
        .write(since, INSERT_USERS, &[&names, &emails, &ages])
        .await
    {
        Ok(rows) => rows,
        // `refused @ pattern` matches and keeps the whole value: Python's
        // `case DbError.Rejected() as refused:`.
        Err(refused @ DbError::Rejected(_)) => {
            let count = users.len();
            crate::logging::log!("{refused}; inserting the batch's {count} users one by one");
            return Ok(insert_one_by_one(&db, since, &users).await);
        }
        Err(unavailable) => return Err(unavailable.into()),
    };
    let mut created = HashMap::with_capacity(rows.len());
    for row in &rows {
        let user: UserResponse = user_from_row(row)?;
        created.insert(user.email.clone(), user);
    }
    // `remove`: the first request for an email takes its row, a duplicate finds none.
    let outcome = |user: &UserCreate| created.remove(&user.email).ok_or(ServiceError::EmailTaken);
    Ok(users.iter().map(outcome).collect())
}

/// The fallback of [`insert_users`]: one statement (and one commit) per user.
async fn insert_one_by_one(db: &Database, since: Instant, users: &[UserCreate]) -> Vec<Created> {
    let mut outcomes = Vec::with_capacity(users.len());
    for user in users {
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] =
            [&user.name, &user.email, &user.age];
        let outcome = match db.write(since, INSERT_USER, &params).await {
            Ok(rows) => match rows.first() {
                Some(row) => user_from_row(row),
                None => Err(ServiceError::EmailTaken),
            },
            Err(err) => Err(err.into()),
        };
        outcomes.push(outcome);
    }
    outcomes
}

/// A row of `id, name, email, age` (by position, as every statement above selects
/// them, extra columns after them) as a user; `Text` is `String` to own it, `&str` to
/// borrow it from the row. `'row` ties a borrowed `Text` to the row it points into, and
/// `Text: FromSql<'row>` takes any type tokio-postgres can read a column as (a
/// `Protocol`, checked when compiling).
fn user_from_row<'row, Text: FromSql<'row>>(
    row: &'row Row,
) -> Result<UserResponse<Text>, ServiceError> {
    let column_error = |err| ServiceError::from(DbError::Rejected(err));
    Ok(UserResponse {
        id: row.try_get(0).map_err(column_error)?,
        name: row.try_get(1).map_err(column_error)?,
        email: row.try_get(2).map_err(column_error)?,
        age: row.try_get(3).map_err(column_error)?,
    })
}
