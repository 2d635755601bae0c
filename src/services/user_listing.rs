//! `GET /users` as a cursor over the table: the JSON array written page by page, for a
//! response that streams it (FastAPI's `StreamingResponse` fed by a generator).
//!
//! The seed runs `SELECT id, name, email, age FROM users ORDER BY id` and builds the
//! whole list before answering: on a big table that is all of it in memory, once per
//! concurrent request, and one statement that must finish within the call deadline. A
//! [`UserListing`] instead reads keyset pages (`WHERE id > $last ORDER BY id LIMIT $n`,
//! see `user_batches.rs`), each a short
//! statement of its own with a deadline of its own, and is asked for the next page only
//! when the response has sent the previous one. Between pages it holds the last id and
//! nothing else: no open transaction, no cursor, no rows.
//!
//! What a client sees, since the pages are separate statements rather than one
//! snapshot: every row that existed when the listing began (and still exists when its
//! page is read) appears exactly once, in id order; a row added meanwhile appears if its
//! id lies beyond the page being read; a row deleted meanwhile may be missing, and a row
//! updated meanwhile shows the values its page read. A page may have been read for
//! another listing (`page_sharing.rs`), but never before this one began, so "when its
//! page is read" is always a moment after the listing began. `skip` is the first page's
//! `OFFSET` (so a big one is a scan, bounded by the deadline like any page), and
//! `limit` caps the rows over all pages.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hyper::body::Bytes;
use tokio::time::Instant;

use super::error::ServiceError;
use super::page_sharing::PageAsk;
use super::user_batches::{Page, PageRequest};
use crate::db::{Batcher, Gathering};
use crate::schemas::list_params::ListParams;

/// The first page is small, so the first byte leaves soon; each page after it is
/// [`PAGE_GROWTH`] times bigger, up to [`MAX_PAGE_ROWS`] (about 300 KB of JSON), which
/// bounds what a listing holds while its client reads.
const FIRST_PAGE_ROWS: i64 = 128;
const PAGE_GROWTH: i64 = 4;
const MAX_PAGE_ROWS: i64 = 4096;
/// Below every INTEGER id, so the first page starts at `i32::MIN` itself.
const BEFORE_ANY_ID: i64 = i32::MIN as i64 - 1;

/// The batcher that reads (and shares) pages for every listing in flight.
pub(super) type PageReader = Batcher<PageAsk, Page, ServiceError>;

/// How long a page read waits for the other active listings to ask too. Listings that
/// start together (a page of clients refreshing the same list) then read every page
/// with one statement and one serialisation between them, and stay in step; without
/// the wait, a listing a fraction of a millisecond late paid for its own statement
/// (docs/benchmarks.md, "Scale: `GET /users` on 1,000,000 and 10,000,000 rows", has
/// the rates with and without it).
const PAGE_GATHERING: Duration = Duration::from_millis(2);

/// The gathering of the page reader, and the count of active listings it waits for.
pub(super) fn page_gathering() -> Gathering {
    Gathering {
        active: Arc::new(AtomicUsize::new(0)),
        linger: PAGE_GATHERING,
    }
}

/// Counts a listing among the active ones for as long as it lives.
struct Active(Arc<AtomicUsize>);

impl Active {
    fn new(count: &Arc<AtomicUsize>) -> Active {
        count.fetch_add(1, Ordering::Relaxed);
        Active(Arc::clone(count))
    }
}

// `Drop` is a destructor that always runs, when the value goes out of scope (no
// garbage collector to wait for): a `with` block's `__exit__` tied to the value, so
// the count falls however the listing ends.
impl Drop for Active {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Where one listing is: the next page to read, the `]` still to send, or the end.
pub struct UserListing {
    pages: PageReader,
    _active: Active,
    /// When the listing began: a page read before this is never reused for it
    /// (`page_sharing.rs`).
    began: Instant,
    after: i64,
    skip: i64,
    /// Rows the `limit` still allows (`None`: no limit).
    allowed: Option<i64>,
    page_rows: i64,
    /// Whether the first page (and its `[`) has been read.
    started: bool,
    /// The last page has been sent; only the `]` is left.
    closing: bool,
    finished: bool,
}

impl UserListing {
    pub(super) fn new(
        pages: PageReader,
        active: &Arc<AtomicUsize>,
        params: ListParams,
    ) -> UserListing {
        UserListing {
            pages,
            _active: Active::new(active),
            began: Instant::now(),
            after: BEFORE_ANY_ID,
            skip: params.skip,
            allowed: params.limit,
            page_rows: FIRST_PAGE_ROWS,
            started: false,
            closing: false,
            finished: false,
        }
    }

    /// Whether the array is closed: [`next_chunk`](Self::next_chunk) has nothing more.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The next piece of the JSON array: `[` and the first page's users, then each
    /// next page's (`,{...},{...}`, bytes shared with any listing that read the same
    /// page at the same time), and `]` after the last. Concatenated, the pieces are
    /// exactly the array the seed returns (compact, keys `id,name,email,age`). Each
    /// page is read when this is called, with a call deadline of its own. `None` once
    /// finished.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, ServiceError> {
        if self.finished {
            return Ok(None);
        }
        if self.closing {
            self.finished = true;
            return Ok(Some(Bytes::from_static(b"]")));
        }
        let wanted = self
            .allowed
            .map_or(self.page_rows, |n| n.min(self.page_rows));
        let page = match wanted {
            0 => None,
            _ => {
                let page = PageRequest {
                    after: self.after,
                    skip: self.skip,
                    rows: wanted,
                };
                let ask = PageAsk {
                    page,
                    listing_began: self.began,
                };
                Some(self.pages.call(ask).await?)
            }
        };
        let (json, read) = page.map_or((Bytes::new(), 0), |page| {
            self.after = page.last_id.map_or(self.after, i64::from);
            (page.json, page.rows)
        });
        self.allowed = self.allowed.map(|n| n - read);
        self.skip = 0;
        self.page_rows = (self.page_rows * PAGE_GROWTH).min(MAX_PAGE_ROWS);
        // A short page is the table's end; a full one may be followed by more.
        let last = read < wanted || wanted == 0 || self.allowed == Some(0);
        if !self.started {
            // The first page is copied (128 users at most) to open the array: `[`
            // where the shared bytes have the first user's comma.
            self.started = true;
            let mut first = Vec::with_capacity(json.len() + 2);
            first.push(b'[');
            first.extend_from_slice(json.get(1..).unwrap_or_default());
            if last {
                first.push(b']');
                self.finished = true;
            }
            return Ok(Some(Bytes::from(first)));
        }
        if last {
            self.closing = true;
            if json.is_empty() {
                self.finished = true;
                return Ok(Some(Bytes::from_static(b"]")));
            }
        }
        Ok(Some(json))
    }
}
