//! `GET /users` as a cursor over the table: the JSON array written page by page, for a
//! response that streams it (FastAPI's `StreamingResponse` fed by a generator).
//!
//! The seed runs `SELECT * FROM users` and builds the whole list before answering: on a
//! big table that is all of it in memory, once per concurrent request, and one statement
//! that must finish within the call deadline. A [`UserListing`] instead reads keyset
//! pages (`WHERE id > $last ORDER BY id LIMIT $n`, see `user_batches.rs`), each a short
//! statement of its own with a deadline of its own, and is asked for the next page only
//! when the response has sent the previous one. Between pages it holds the last id and
//! nothing else: no open transaction, no cursor, no rows.
//!
//! What a client sees, since the pages are separate statements rather than one
//! snapshot: every row that existed when the listing began (and still exists when its
//! page is read) appears exactly once, in id order; a row added meanwhile appears if its
//! id lies beyond the page being read; a row deleted meanwhile may be missing, and a row
//! updated meanwhile shows the values its page read. `skip` is the first page's
//! `OFFSET` (so a big one is a scan, bounded by the deadline like any page), and
//! `limit` caps the rows over all pages.

use tokio::time::Instant;

use super::user_batches::{PageRequest, read_page, user_from_row};
use super::user_service::ServiceError;
use crate::db::Database;
use crate::schemas::list_params::ListParams;
use crate::schemas::user::UserResponse;

/// The first page is small, so the first byte leaves soon; each page after it is
/// [`PAGE_GROWTH`] times bigger, up to [`MAX_PAGE_ROWS`] (about 300 KB of JSON), which
/// bounds what a listing holds while its client reads.
const FIRST_PAGE_ROWS: i64 = 128;
const PAGE_GROWTH: i64 = 4;
const MAX_PAGE_ROWS: i64 = 4096;
/// Below every INTEGER id, so the first page starts at `i32::MIN` itself.
const BEFORE_ANY_ID: i64 = i32::MIN as i64 - 1;

/// Where one listing is: the next page to read, or the end.
pub struct UserListing {
    db: Database,
    after: i64,
    skip: i64,
    /// Rows the `limit` still allows (`None`: no limit).
    allowed: Option<i64>,
    page_rows: i64,
    /// Whether the `[` (and so any row) has been written.
    started: bool,
    /// Whether a row has been written, so the next one needs a `,` before it.
    wrote_a_row: bool,
    finished: bool,
}

impl UserListing {
    pub(super) fn new(db: Database, params: ListParams) -> UserListing {
        UserListing {
            db,
            after: BEFORE_ANY_ID,
            skip: params.skip,
            allowed: params.limit,
            page_rows: FIRST_PAGE_ROWS,
            started: false,
            wrote_a_row: false,
            finished: false,
        }
    }

    /// Whether the array is closed: [`next_chunk`](Self::next_chunk) has nothing more.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The next piece of the JSON array: `[` and the first page's users, then `,` and
    /// the next page's, and `]` after the last. Concatenated, the pieces are exactly the
    /// array the seed returns (compact, keys `id,name,email,age`). `None` once finished.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ServiceError> {
        if self.finished {
            return Ok(None);
        }
        let wanted = self
            .allowed
            .map_or(self.page_rows, |n| n.min(self.page_rows));
        let rows = match wanted {
            0 => Vec::new(),
            _ => {
                let page = PageRequest {
                    after: self.after,
                    skip: self.skip,
                    rows: wanted,
                };
                // A fresh `since`: the call deadline is per page, not per list.
                read_page(&self.db, Instant::now(), page).await?
            }
        };
        // About 70 bytes a user: one allocation per page, most of the time.
        let mut json = Vec::with_capacity(2 + 72 * rows.len());
        if !self.started {
            json.push(b'[');
            self.started = true;
        }
        for row in &rows {
            // Borrowed from the row: no `String` per field between rows and bytes.
            let user: UserResponse<&str> = user_from_row(row)?;
            if self.wrote_a_row {
                json.push(b',');
            }
            serde_json::to_writer(&mut json, &user).map_err(|err| {
                ServiceError::Unexpected(format!("cannot serialise a user: {err}"))
            })?;
            self.wrote_a_row = true;
            self.after = i64::from(user.id);
        }
        let read = rows.len() as i64;
        self.allowed = self.allowed.map(|n| n - read);
        self.skip = 0;
        self.page_rows = (self.page_rows * PAGE_GROWTH).min(MAX_PAGE_ROWS);
        // A short page is the table's end; a full one may be followed by more.
        if read < wanted || wanted == 0 || self.allowed == Some(0) {
            json.push(b']');
            self.finished = true;
        }
        Ok(Some(json))
    }
}
