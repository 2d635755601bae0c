//! How listings share the pages of `GET /users`: within a batch, and across batches.
//!
//! Within a batch: listings that ask for the same page at the same moment get one
//! statement and one serialisation, whose bytes they all send. Across batches: a page
//! read recently is kept ([`RecentPages`], a few hundred KB at most) and handed to a
//! listing that asks for the same page later, *if the listing had already begun when
//! that page was read*. Eight clients listing the same table in a loop are never in
//! step (each starts its next list the moment its last one ends), so within batches a
//! page statement served about 2.3 of them; a listing a few pages behind another now
//! takes the pages the other one read moments ago.
//!
//! Why that condition keeps the listing's promises (`user_listing.rs`): each page is a
//! separate statement anyway, so what a listing promises is only about the moment each
//! of its pages is read, which must come after the listing began: then every row that
//! existed when it began, and still existed at that moment, is in the page that covers
//! its id. A page read *before* the listing began could lack a row committed just
//! before it (a client that has its 201 and lists at once must see its user), so such
//! a page is never reused for it. No framework does this; it is a cache with the one
//! rule that makes it invisible to the client.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::error::ServiceError;
use super::user_batches::{Page, PageRequest, read_page};
use crate::db::{Fence, Reads};

/// At most this many bytes of recent pages are kept: the whole 10,000-row table's five
/// pages (about 730 KB) would not fit, its last and biggest ones do. Each page is
/// shared `Bytes`, so an entry costs nothing while a response still sends it.
const RECENT_BYTES_MAX: usize = 512 * 1024;

/// What a listing asks the page reader for: a page, and when the listing began.
#[derive(Debug, Clone, Copy)]
pub struct PageAsk {
    pub page: PageRequest,
    pub listing_began: Instant,
}

/// Pages read recently, newest last, with the moment each read was asked for (before
/// its statement ran, so its snapshot is at least that late).
#[derive(Default)]
pub struct RecentPages {
    pages: Mutex<VecDeque<(PageRequest, Instant, Page)>>,
}

impl RecentPages {
    /// A recent read of `page` that began at or after `not_before`.
    fn find(&self, page: &PageRequest, not_before: Instant) -> Option<Page> {
        let pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages
            .iter()
            .rev()
            .find(|(request, read_at, _)| request == page && *read_at >= not_before)
            .map(|(_, _, page)| page.clone())
    }

    /// Keeps `page`, read at `read_at`, in place of any older read of the same page;
    /// the oldest go once the pages kept pass [`RECENT_BYTES_MAX`].
    fn keep(&self, request: PageRequest, read_at: Instant, page: &Page) {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.retain(|(kept, _, _)| *kept != request);
        pages.push_back((request, read_at, page.clone()));
        let mut bytes: usize = pages.iter().map(|(_, _, page)| page.json.len()).sum();
        while bytes > RECENT_BYTES_MAX {
            let Some((_, _, oldest)) = pages.pop_front() else {
                break;
            };
            bytes -= oldest.json.len();
        }
    }
}

/// Where one distinct page of a batch comes from: a recent read, or a statement now.
enum Source {
    Kept(Page),
    Reading(JoinHandle<Result<Page, ServiceError>>),
}

/// `GET /users` pages for a batch of listings: each distinct page once, from
/// [`RecentPages`] when a read that every listing asking for it may use is there, else
/// by a statement of its own (pipelined on the one connection, read and serialised in a
/// task of its own so they use every core).
///
/// Not one statement for the whole batch, as the other kinds are: with hundreds of rows
/// per page, the per-statement cost that a combined statement (`unnest ... CROSS JOIN
/// LATERAL`) saves is small beside the rows, and it adds a sort and a tag per row
/// (docs/benchmarks.md measured it slower).
pub async fn read_pages(
    reads: Reads,
    since: Instant,
    asks: Vec<PageAsk>,
    recent: Arc<RecentPages>,
) -> Result<Vec<Page>, ServiceError> {
    // Each distinct page, with the latest beginning among the listings that want it:
    // a reused read must be later than every one of them.
    let mut distinct: Vec<(PageRequest, Instant)> = Vec::new();
    for ask in &asks {
        match distinct.iter_mut().find(|(page, _)| *page == ask.page) {
            Some((_, latest)) => *latest = (*latest).max(ask.listing_began),
            None => distinct.push((ask.page, ask.listing_began)),
        }
    }
    // Taken before any statement goes out, so every snapshot is at least this late:
    // on the primary, and on a standby, which must have replayed up to the fence, the
    // primary's WAL position asked after this instant (`db/reads/wal_position.rs`).
    let read_at = Instant::now();
    let kept: Vec<Option<Page>> = distinct
        .iter()
        .map(|(page, latest_began)| recent.find(page, *latest_began))
        .collect();
    let fence = match kept.iter().any(Option::is_none) {
        true => reads.fence(since).await?,
        false => Fence::NONE,
    };
    let sources: Vec<Source> = kept
        .into_iter()
        .zip(&distinct)
        .map(|(kept, (page, _))| match kept {
            Some(kept) => Source::Kept(kept),
            None => {
                let reading = read_page(reads.clone(), since, fence, *page);
                Source::Reading(tokio::spawn(reading))
            }
        })
        .collect();
    let mut read = Vec::with_capacity(sources.len());
    for (source, (page, _)) in sources.into_iter().zip(&distinct) {
        read.push(match source {
            Source::Kept(kept) => kept,
            Source::Reading(task) => {
                let fresh = task.await.map_err(ServiceError::unexpected)??;
                recent.keep(*page, read_at, &fresh);
                fresh
            }
        });
    }
    let shared = |ask: &PageAsk| {
        let at = distinct.iter().position(|(page, _)| *page == ask.page);
        at.map(|at| read[at].clone())
            .ok_or_else(|| ServiceError::unexpected("a page was not read"))
    };
    asks.iter().map(shared).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::body::Bytes;
    use std::time::Duration;

    fn page(after: i64, bytes: usize) -> (PageRequest, Page) {
        let request = PageRequest {
            after,
            skip: 0,
            rows: 4096,
        };
        let page = Page {
            json: Bytes::from(vec![b' '; bytes]),
            rows: 1,
            last_id: Some(1),
        };
        (request, page)
    }

    #[test]
    fn a_read_is_reused_only_by_listings_that_began_before_it() {
        let recent = RecentPages::default();
        let began = Instant::now();
        let (request, read) = page(0, 10);
        let read_at = began + Duration::from_millis(5);
        recent.keep(request, read_at, &read);
        assert!(
            recent.find(&request, began).is_some(),
            "began before the read"
        );
        assert!(recent.find(&request, read_at).is_some(), "the same instant");
        let later = read_at + Duration::from_millis(1);
        assert!(
            recent.find(&request, later).is_none(),
            "began after the read"
        );
        assert!(recent.find(&page(1, 10).0, began).is_none(), "another page");
    }

    #[test]
    fn a_newer_read_replaces_the_older_and_the_oldest_go_past_the_budget() {
        let recent = RecentPages::default();
        let t0 = Instant::now();
        let (first, read) = page(0, RECENT_BYTES_MAX / 2);
        recent.keep(first, t0, &read);
        recent.keep(first, t0 + Duration::from_millis(1), &read);
        assert_eq!(recent.pages.lock().unwrap().len(), 1, "one entry per page");
        let (second, read) = page(1, RECENT_BYTES_MAX / 2);
        recent.keep(second, t0, &read);
        assert!(recent.find(&first, t0).is_some(), "both fit the budget");
        let (third, read) = page(2, 1);
        recent.keep(third, t0, &read);
        assert!(recent.find(&first, t0).is_none(), "the oldest went");
        assert!(recent.find(&second, t0).is_some());
        assert!(recent.find(&third, t0).is_some());
    }
}
