//! A fresh PostgreSQL database per test run, dropped afterwards.

pub struct TestDb {
    pub url: String,
    admin: String,
    name: String,
}

pub async fn fresh_database() -> Option<TestDb> {
    let Ok(admin) = std::env::var("TEND_TEST_DATABASE_URL") else {
        assert!(
            std::env::var("TEND_REQUIRE_POSTGRES").is_err(),
            "TEND_REQUIRE_POSTGRES is set but TEND_TEST_DATABASE_URL is not"
        );
        eprintln!(
            "story_on_postgres: TEND_TEST_DATABASE_URL not set; PostgreSQL not tested (scripts/test.sh sets it)"
        );
        return None;
    };
    sqlx::any::install_default_drivers();
    let name = format!("tend_story_{}", rand::random::<u32>());
    let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let base = admin
        .rsplit_once('/')
        .map(|(base, _)| base.to_owned())
        .unwrap();
    eprintln!("story_on_postgres: running on a fresh database {name} at {base}");
    Some(TestDb {
        url: format!("{base}/{name}"),
        admin,
        name,
    })
}

impl TestDb {
    pub async fn drop(self) {
        let pool = sqlx::AnyPool::connect(&self.admin).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {} WITH (FORCE)",
            self.name
        )))
        .execute(&pool)
        .await
        .unwrap();
    }
}
