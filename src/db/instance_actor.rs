//! The instance actor's key pair (one row).

use sqlx::PgExecutor;

use crate::federation::keys::KeyPairPem;

pub async fn load(db: impl PgExecutor<'_>) -> sqlx::Result<Option<KeyPairPem>> {
    let row = sqlx::query!("select public_key_pem, private_key_pem from instance_actor")
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| KeyPairPem {
        public_pem: r.public_key_pem,
        private_pem: r.private_key_pem,
    }))
}

pub async fn insert_if_missing(db: impl PgExecutor<'_>, pair: &KeyPairPem) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into instance_actor (public_key_pem, private_key_pem) values ($1, $2) on conflict do nothing",
        pair.public_pem,
        pair.private_pem
    )
    .execute(db)
    .await?;
    Ok(())
}
