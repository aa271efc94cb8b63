//! The `imports` and `import_rows` tables: a member's CSV imports and the fate of each row.

use sqlx::{PgConnection, PgExecutor};

/// An import as its page shows it.
#[derive(Debug, Clone)]
pub struct Import {
    pub id: i64,
    pub account_id: i64,
    pub kind: String,
    pub overwrite: bool,
    pub file_name: String,
    pub total_rows: i32,
    pub processed_rows: i32,
    pub failed_rows: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A row to store: its line, what it says, and (for a row that cannot be read) why not.
#[derive(Debug, Clone)]
pub struct NewRow {
    pub line: i32,
    pub data: serde_json::Value,
    pub error: Option<String>,
}

/// Stores an import and its rows; rows already refused count as processed and failed.
pub async fn insert(
    db: &mut PgConnection,
    account_id: i64,
    kind: &str,
    overwrite: bool,
    file_name: &str,
    rows: &[NewRow],
) -> sqlx::Result<i64> {
    let failed = rows.iter().filter(|r| r.error.is_some()).count() as i32;
    let id = sqlx::query_scalar!(
        "insert into imports (account_id, kind, overwrite, file_name, total_rows, processed_rows, failed_rows)
         values ($1, $2, $3, $4, $5, $6, $6) returning id",
        account_id,
        kind,
        overwrite,
        file_name,
        rows.len() as i32,
        failed,
    )
    .fetch_one(&mut *db)
    .await?;
    let lines: Vec<i32> = rows.iter().map(|r| r.line).collect();
    let data: Vec<serde_json::Value> = rows.iter().map(|r| r.data.clone()).collect();
    let errors: Vec<Option<String>> = rows.iter().map(|r| r.error.clone()).collect();
    sqlx::query!(
        "insert into import_rows (import_id, line, data, error, done)
         select $1, line, data, error, error is not null
         from unnest($2::int[], $3::jsonb[], $4::text[]) as r(line, data, error)",
        id,
        &lines,
        &data,
        &errors as &[Option<String>],
    )
    .execute(&mut *db)
    .await?;
    Ok(id)
}

/// One import.
pub async fn find(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Import>> {
    sqlx::query_as!(
        Import,
        "select id, account_id, kind, overwrite, file_name, total_rows, processed_rows, failed_rows,
                created_at, finished_at
         from imports where id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// A member's recent imports, newest first.
pub async fn list_for(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<Vec<Import>> {
    sqlx::query_as!(
        Import,
        "select id, account_id, kind, overwrite, file_name, total_rows, processed_rows, failed_rows,
                created_at, finished_at
         from imports where account_id = $1 order by id desc limit 20",
        account_id
    )
    .fetch_all(db)
    .await
}

/// A row waiting to be processed.
#[derive(Debug, Clone)]
pub struct PendingRow {
    pub line: i32,
    pub data: serde_json::Value,
}

/// The next rows of an import still to do, in file order.
pub async fn pending_rows(
    db: impl PgExecutor<'_>,
    import_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<PendingRow>> {
    sqlx::query_as!(
        PendingRow,
        "select line, data from import_rows where import_id = $1 and not done order by line limit $2",
        import_id,
        limit
    )
    .fetch_all(db)
    .await
}

/// Records a row's outcome and counts it.
pub async fn finish_row(
    db: &mut PgConnection,
    import_id: i64,
    line: i32,
    target_id: Option<i64>,
    error: Option<&str>,
) -> sqlx::Result<()> {
    let changed = sqlx::query!(
        "update import_rows set done = true, target_id = $3, error = $4
         where import_id = $1 and line = $2 and not done",
        import_id,
        line,
        target_id,
        error,
    )
    .execute(&mut *db)
    .await?
    .rows_affected();
    if changed > 0 {
        sqlx::query!(
            "update imports set processed_rows = processed_rows + 1,
                    failed_rows = failed_rows + case when $2 then 1 else 0 end
             where id = $1",
            import_id,
            error.is_some(),
        )
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// Marks an import finished.
pub async fn finish(db: impl PgExecutor<'_>, import_id: i64) -> sqlx::Result<()> {
    sqlx::query!("update imports set finished_at = now() where id = $1", import_id)
        .execute(db)
        .await?;
    Ok(())
}

/// What the file named: each row's data, and what it led to (for overwriting).
#[derive(Debug, Clone)]
pub struct NamedRow {
    pub data: serde_json::Value,
    pub target_id: Option<i64>,
}

/// Every row of an import, for the overwrite that follows them.
pub async fn named_rows(db: impl PgExecutor<'_>, import_id: i64) -> sqlx::Result<Vec<NamedRow>> {
    sqlx::query_as!(
        NamedRow,
        "select data, target_id from import_rows where import_id = $1",
        import_id
    )
    .fetch_all(db)
    .await
}

/// A failed row, for the report.
#[derive(Debug, Clone)]
pub struct FailedRow {
    pub line: i32,
    pub data: serde_json::Value,
    pub error: String,
}

/// The failed rows of an import, in file order.
pub async fn failed_rows(db: impl PgExecutor<'_>, import_id: i64) -> sqlx::Result<Vec<FailedRow>> {
    sqlx::query_as!(
        FailedRow,
        r#"select line, data, error as "error!" from import_rows
           where import_id = $1 and error is not null order by line limit 1000"#,
        import_id
    )
    .fetch_all(db)
    .await
}

/// Imports of a member not finished yet (one at a time each).
pub async fn count_unfinished(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar!(
        "select count(*) from imports where account_id = $1 and finished_at is null",
        account_id
    )
    .fetch_one(db)
    .await?
    .unwrap_or(0))
}
