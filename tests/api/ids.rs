//! Ids made by the database sort by time and never repeat, across connections.

use crate::helpers::TestDatabase;
use chrono::{TimeZone, Utc};

#[tokio::test]
async fn database_ids_are_unique_and_increase_across_connections() {
    let database = TestDatabase::create().await;
    let pool = database.pool().await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            sqlx::query_scalar::<_, i64>("select next_id() from generate_series(1, 5000)")
                .fetch_all(&pool)
                .await
                .unwrap()
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        let ids = task.await.unwrap();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "ids within one query increase"
        );
        all.extend(ids);
    }
    let count = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), count, "no id repeats");
    let newest = ferrodon::ids::time_of(*all.last().unwrap());
    assert!(
        (Utc::now() - newest).num_seconds().abs() < 60,
        "ids carry the current time"
    );
}

#[tokio::test]
async fn ids_for_a_past_time_carry_that_time() {
    let database = TestDatabase::create().await;
    let pool = database.pool().await;
    let published = Utc.with_ymd_and_hms(2024, 3, 1, 12, 0, 0).unwrap();
    let id: i64 = sqlx::query_scalar("select next_id($1)")
        .bind(published)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(ferrodon::ids::time_of(id), published);
    assert!(id >= ferrodon::ids::lowest_at(published));
}
