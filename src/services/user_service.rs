//! The users service: the seed's `create_user`, `get_users` and `find_user`, as the
//! routes call them.
//!
//! The seed's functions each open a connection and run one statement. Here each call
//! joins a batch: [`UserService`] holds one [`Batcher`] per statement kind, all on the
//! one shared connection, and the SQL lives in `user_batches.rs` (the list's paging in
//! `user_listing.rs`). The one error the seed lets escape as a 500, a duplicate email,
//! becomes [`ServiceError::EmailTaken`].

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use super::error::ServiceError;
use super::page_sharing::{self, RecentPages};
use super::user_batches::{self, Created};
use super::user_listing::{PageReader, UserListing, page_gathering};
use crate::db::{Batcher, Database, Reads, Setup};
use crate::schemas::list_params::ListParams;
use crate::schemas::user::{UserCreate, UserResponse};

/// The users endpoints' access to the database. Cheap to clone; clones share the
/// batchers.
#[derive(Clone)]
pub struct UserService {
    find: Batcher<i32, Option<UserResponse>, ServiceError>,
    pages: PageReader,
    /// Listings in flight, which page reads wait for (see `user_listing.rs`). `Arc` is a
    /// shared pointer counted across threads: what every Python reference is, made explicit.
    listings: Arc<AtomicUsize>,
    create: Batcher<UserCreate, Created, ServiceError>,
}

impl UserService {
    /// What a database connection must have before this service can use it: the table
    /// (the DDL of `init.sql`, run when the table is missing) and the statements, prepared once
    /// per connection.
    pub const DATABASE_SETUP: Setup = Setup {
        schema: include_str!("../../init.sql"),
        statements: user_batches::STATEMENTS,
    };

    /// Starts the batchers (tasks; call from within the tokio runtime): writes on
    /// `db`, reads where `reads` sends them (`db` itself, unless a standby is set).
    pub fn start(db: Database, reads: Reads) -> UserService {
        let gathering = page_gathering();
        let recent = Arc::new(RecentPages::default());
        UserService {
            find: Batcher::start("find", reads.clone(), user_batches::find_users),
            listings: Arc::clone(&gathering.active),
            pages: Batcher::start_gathering(
                "pages",
                reads,
                move |reads, since, asks| {
                    page_sharing::read_pages(reads, since, asks, recent.clone())
                },
                Some(gathering),
            ),
            create: Batcher::start("create", db, user_batches::insert_users),
        }
    }

    /// Inserts a user and returns it with its new id, once committed. Never retried:
    /// if the connection breaks mid-call the client gets a 503 and decides.
    pub async fn create_user(&self, user: UserCreate) -> Result<UserResponse, ServiceError> {
        // Two results in one: `call` fails for the whole batch (`?` returns that), or
        // gives this request's own `Created`, itself a `Result`, returned as it is.
        self.create.call(user).await?
    }

    /// The users in id order, `skip` and `limit` applied, as a JSON array written page
    /// by page: nothing is read until the listing is asked for its first chunk.
    pub fn list_users(&self, params: ListParams) -> UserListing {
        UserListing::new(self.pages.clone(), &self.listings, params)
    }

    /// One user by id, or `None`.
    pub async fn find_user(&self, user_id: i32) -> Result<Option<UserResponse>, ServiceError> {
        self.find.call(user_id).await
    }
}
