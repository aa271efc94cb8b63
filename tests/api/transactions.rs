//! Transactions begun for a request that is then dropped (a client hanging up) leave nothing
//! open on the pooled connection.

use sqlx::postgres::PgPoolOptions;

use crate::helpers::TestApp;

/// Gives the scheduler `turns` turns.
async fn yield_turns(turns: usize) {
    for _ in 0..turns {
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_transaction_dropped_while_it_begins_leaves_its_connection_clean() {
    let app = TestApp::spawn().await;
    // One connection, so that every attempt reuses the one a dropped attempt had.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with((*app.pool.connect_options()).clone())
        .await
        .unwrap();
    for turns in 0..400 {
        // Dropped after `turns` scheduler turns: before, during or after its BEGIN.
        tokio::select! {
            biased;
            _ = ferrodon::db::begin(&pool) => {}
            () = yield_turns(turns) => {}
        }
        // A setting made for the current transaction outlives its statement only in a
        // transaction left open.
        let mut connection = pool.acquire().await.unwrap();
        sqlx::query("select set_config('application_name', 'probe', true)")
            .execute(&mut *connection)
            .await
            .unwrap();
        let setting: String = sqlx::query_scalar("select current_setting('application_name')")
            .fetch_one(&mut *connection)
            .await
            .unwrap();
        let own_transaction = setting != "probe";
        assert!(own_transaction, "a transaction was left open after {turns} turns");
    }
}
