//! Pages read for one listing are handed to others (`src/services/page_sharing.rs`),
//! but never to a listing that began after they were read: a client that has its 201
//! and then lists must find its user, and every listing must hold, exactly once and in
//! order, every user created before it began, however the pages were shared.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::support::TestApp;
use super::{app_with_table, seed};

fn ids(list: &Value) -> Vec<i64> {
    let users = list.as_array().expect("an array");
    users
        .iter()
        .map(|u| u["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test]
async fn a_list_after_a_201_has_the_new_user_though_the_same_pages_were_just_read() {
    let (app, db) = app_with_table().await;
    // Two pages (128 and 512 rows), both read and kept by the first list.
    seed(&db, 300).await;
    let before = app.get("/users").await;
    assert_eq!(ids(&before.json()).len(), 300);

    let id = app.create_user("New", "new@example.com", 30).await;
    let after = app.get("/users").await;
    let after = ids(&after.json());
    assert_eq!(
        after.len(),
        301,
        "the list after the 201 must have the new user"
    );
    assert_eq!(after.last(), Some(&id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_lists_while_users_are_created_each_hold_every_earlier_user_once() {
    let (app, db) = app_with_table().await;
    seed(&db, 5000).await;
    let app = Arc::new(app);
    // The ids whose 201 has arrived, in the order they arrived.
    let created: Arc<Mutex<Vec<i64>>> = Arc::default();
    let until = Instant::now() + Duration::from_secs(2);

    let writer = {
        let (app, created) = (Arc::clone(&app), Arc::clone(&created));
        tokio::spawn(async move {
            let mut n = 0;
            while Instant::now() < until {
                n += 1;
                let id = app.create_user("W", &format!("w{n}@example.com"), 1).await;
                created.lock().unwrap().push(id);
            }
        })
    };
    let listers = (0..4).map(|_| {
        let (app, created) = (Arc::clone(&app), Arc::clone(&created));
        tokio::spawn(async move { list_in_a_loop(&app, &created, until).await })
    });
    let mut lists = 0;
    for lister in listers.collect::<Vec<_>>() {
        lists += lister.await.expect("a lister");
    }
    writer.await.expect("the writer");
    assert!(lists >= 8, "only {lists} lists in 2 s");
}

/// Lists until `until`; each list must hold every seeded user and every user created
/// before it began, once each, in id order. Returns how many lists it checked.
async fn list_in_a_loop(app: &TestApp, created: &Mutex<Vec<i64>>, until: Instant) -> usize {
    let mut lists = 0;
    while Instant::now() < until {
        let known: Vec<i64> = created.lock().unwrap().clone();
        let list = app.get("/users").await;
        assert_eq!(list.status, 200);
        let got = ids(&list.json());
        assert!(
            got.windows(2).all(|w| w[0] < w[1]),
            "ids in order, each once"
        );
        assert!(got.len() >= 5000 + known.len(), "{} ids", got.len());
        let missing: Vec<&i64> = known
            .iter()
            .filter(|id| got.binary_search(id).is_err())
            .collect();
        assert!(
            missing.is_empty(),
            "created before the list began, missing: {missing:?}"
        );
        lists += 1;
    }
    lists
}
