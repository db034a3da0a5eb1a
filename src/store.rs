//! The durable score store: one redb file in the data directory.
//!
//! Every imported score is written in a single redb write transaction together with its
//! idempotency key, so an import is acknowledged only after that transaction commits, and a
//! retried import (same key) is applied exactly once. The store knows nothing about the score
//! model: it keeps a small JSON summary (`ScoreMeta`) for listing and an opaque blob (the
//! serialised score) for analysis. Tool actors share one `ScoreStore` through an `Arc`; redb
//! serialises writers and lets readers run concurrently.

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};

/// Score id → JSON of [`ScoreMeta`].
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("score_meta");
/// Score id → the serialised score.
const BLOB: TableDefinition<&str, &[u8]> = TableDefinition::new("score_blob");
/// Idempotency key → score id it produced.
const IDEMPOTENCY: TableDefinition<&str, &str> = TableDefinition::new("idempotency");

/// The file name of the store inside the data directory.
pub const STORE_FILE_NAME: &str = "scores.redb";

/// What the store keeps about a score besides its content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScoreMeta {
    /// The id the client chose.
    pub score_id: String,
    /// Title from the score's metadata, when it has one.
    pub title: Option<String>,
    /// Composer from the score's metadata, when it has one.
    pub composer: Option<String>,
    /// The format the score was read from (`musicxml`, `musicxml-compressed`, ...).
    pub format: String,
    /// Where it came from: a file path, a corpus name, or `text`.
    pub source: String,
    /// Number of parts.
    pub part_count: u32,
    /// Number of measures in part 0.
    pub measure_count: u32,
    /// Every sounding notehead, as in `parts.note_count` summed over parts.
    pub note_count: u64,
    /// SHA-256 of the stored content, hex.
    pub content_hash: String,
    /// Size of the stored content in bytes.
    pub stored_bytes: u64,
    /// Milliseconds since the Unix epoch when the import committed.
    pub imported_at_ms: u64,
}

/// A score to insert.
#[derive(Debug)]
pub struct NewScore<'a> {
    /// Summary kept for listing.
    pub meta: &'a ScoreMeta,
    /// The serialised score.
    pub blob: &'a [u8],
    /// Unique per client request, reused by every retry of that request.
    pub idempotency_key: &'a str,
}

/// What an insert did.
#[derive(Debug, Clone, PartialEq)]
pub enum InsertOutcome {
    /// The score was written by this call.
    Inserted,
    /// An earlier attempt of the same request had already committed it.
    AlreadyApplied(ScoreMeta),
}

/// Figures about the store for health reports.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StoreStats {
    /// The redb file.
    pub path: String,
    /// Number of stored scores.
    pub scores: u64,
    /// Size of the redb file in bytes.
    pub file_bytes: u64,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory could not be created.
    #[error(
        "cannot create data directory {path}: {source}; pass --data-dir with a writable folder"
    )]
    DataDir {
        /// The folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The redb file could not be opened.
    #[error(
        "cannot open score store {path}: {source}; is another music-mcp using this data \
         directory? pass a different --data-dir"
    )]
    Open {
        /// The redb file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: redb::DatabaseError,
    },
    /// The score id is taken by another score.
    #[error(
        "a score with id '{0}' already exists; choose another score_id, or delete_score it first"
    )]
    AlreadyExists(String),
    /// No score has this id.
    #[error("no score with id '{0}'; call list_scores to see the stored ids")]
    NotFound(String),
    /// A stored record could not be decoded.
    #[error("stored record for '{id}' is unreadable: {reason}")]
    Corrupt {
        /// The score id.
        id: String,
        /// What failed.
        reason: String,
    },
    /// redb reported a failure.
    #[error("score store failure: {0}")]
    Database(String),
}

macro_rules! db_err {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(err: $t) -> Self {
                StoreError::Database(err.to_string())
            }
        }
    )*};
}
db_err!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// The durable score store.
#[derive(Debug)]
pub struct ScoreStore {
    db: Database,
    path: PathBuf,
}

impl ScoreStore {
    /// Opens (or creates) the store in `data_dir`, creating the folder if needed.
    pub fn open_in(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        Self::open(&data_dir.join(STORE_FILE_NAME))
    }

    /// Opens (or creates) the store file at `path` and makes sure its tables exist.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let store = Self {
            db,
            path: path.to_path_buf(),
        };
        store.create_tables()?;
        Ok(store)
    }

    fn create_tables(&self) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        txn.open_table(META)?;
        txn.open_table(BLOB)?;
        txn.open_table(IDEMPOTENCY)?;
        txn.commit()?;
        Ok(())
    }

    /// Inserts a score in one durable transaction, unless its request was already applied.
    ///
    /// The idempotency key and the id check happen inside the same write transaction as the
    /// insert, so two attempts of one request can never both write, and a dropped
    /// (uncommitted) transaction leaves nothing behind.
    pub fn insert(&self, new: &NewScore<'_>) -> Result<InsertOutcome, StoreError> {
        let id = new.meta.score_id.as_str();
        let meta_json = serde_json::to_vec(new.meta).map_err(|err| StoreError::Corrupt {
            id: id.to_string(),
            reason: err.to_string(),
        })?;
        let txn = self.db.begin_write()?;
        {
            let mut idem = txn.open_table(IDEMPOTENCY)?;
            let mut meta = txn.open_table(META)?;

            // A retry of a request that already committed: report what it wrote.
            let applied = idem
                .get(new.idempotency_key)?
                .map(|v| v.value().to_string());
            if let Some(existing_id) = applied {
                let stored = meta.get(existing_id.as_str())?.map(|v| v.value().to_vec());
                if let Some(bytes) = stored {
                    return Ok(InsertOutcome::AlreadyApplied(decode_meta(
                        &existing_id,
                        &bytes,
                    )?));
                }
            }
            if meta.get(id)?.is_some() {
                return Err(StoreError::AlreadyExists(id.to_string()));
            }

            meta.insert(id, meta_json.as_slice())?;
            txn.open_table(BLOB)?.insert(id, new.blob)?;
            idem.insert(new.idempotency_key, id)?;
        }
        txn.commit()?;
        Ok(InsertOutcome::Inserted)
    }

    /// Returns the summary and content of one score.
    pub fn get(&self, id: &str) -> Result<(ScoreMeta, Vec<u8>), StoreError> {
        let txn = self.db.begin_read()?;
        let meta = txn.open_table(META)?;
        let Some(meta_bytes) = meta.get(id)? else {
            return Err(StoreError::NotFound(id.to_string()));
        };
        let meta = decode_meta(id, meta_bytes.value())?;
        let blob = txn.open_table(BLOB)?;
        let Some(blob) = blob.get(id)? else {
            return Err(StoreError::Corrupt {
                id: id.to_string(),
                reason: "summary present but content missing".to_string(),
            });
        };
        Ok((meta, blob.value().to_vec()))
    }

    /// Returns the summary of one score.
    pub fn meta(&self, id: &str) -> Result<ScoreMeta, StoreError> {
        let txn = self.db.begin_read()?;
        let meta = txn.open_table(META)?;
        match meta.get(id)? {
            Some(bytes) => decode_meta(id, bytes.value()),
            None => Err(StoreError::NotFound(id.to_string())),
        }
    }

    /// Lists every stored score's summary, ordered by id.
    pub fn list(&self) -> Result<Vec<ScoreMeta>, StoreError> {
        let txn = self.db.begin_read()?;
        let meta = txn.open_table(META)?;
        let mut out = Vec::new();
        for entry in meta.iter()? {
            let (key, value) = entry?;
            out.push(decode_meta(key.value(), value.value())?);
        }
        Ok(out)
    }

    /// Deletes a score; its idempotency keys are dropped with it.
    pub fn delete(&self, id: &str) -> Result<ScoreMeta, StoreError> {
        let txn = self.db.begin_write()?;
        let removed = {
            let mut meta = txn.open_table(META)?;
            let removed = meta.remove(id)?.map(|v| v.value().to_vec());
            let Some(removed) = removed else {
                return Err(StoreError::NotFound(id.to_string()));
            };
            txn.open_table(BLOB)?.remove(id)?;
            let mut idem = txn.open_table(IDEMPOTENCY)?;
            idem.retain(|_key, value| value != id)?;
            decode_meta(id, &removed)?
        };
        txn.commit()?;
        Ok(removed)
    }

    /// Counts and sizes for health reports.
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let txn = self.db.begin_read()?;
        let scores = txn.open_table(META)?.len()?;
        let file_bytes = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        Ok(StoreStats {
            path: self.path.display().to_string(),
            scores,
            file_bytes,
        })
    }

    /// The redb file this store uses.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn decode_meta(id: &str, bytes: &[u8]) -> Result<ScoreMeta, StoreError> {
    serde_json::from_slice(bytes).map_err(|err| StoreError::Corrupt {
        id: id.to_string(),
        reason: err.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(id: &str) -> ScoreMeta {
        ScoreMeta {
            score_id: id.to_string(),
            title: Some("t".into()),
            composer: None,
            format: "musicxml".into(),
            source: "text".into(),
            part_count: 1,
            measure_count: 2,
            note_count: 3,
            content_hash: "abc".into(),
            stored_bytes: 4,
            imported_at_ms: 5,
        }
    }

    fn insert(store: &ScoreStore, id: &str, key: &str) -> Result<InsertOutcome, StoreError> {
        let m = meta(id);
        store.insert(&NewScore {
            meta: &m,
            blob: b"blob",
            idempotency_key: key,
        })
    }

    #[test]
    fn inserted_score_survives_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = ScoreStore::open_in(dir.path()).unwrap();
            assert_eq!(insert(&store, "a", "k1").unwrap(), InsertOutcome::Inserted);
        }
        let store = ScoreStore::open_in(dir.path()).unwrap();
        let (m, blob) = store.get("a").unwrap();
        assert_eq!(m, meta("a"));
        assert_eq!(blob, b"blob");
        assert_eq!(store.stats().unwrap().scores, 1);
    }

    #[test]
    fn retried_request_is_applied_once_and_a_new_request_for_the_same_id_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = ScoreStore::open_in(dir.path()).unwrap();
        assert_eq!(insert(&store, "a", "k1").unwrap(), InsertOutcome::Inserted);
        assert_eq!(
            insert(&store, "a", "k1").unwrap(),
            InsertOutcome::AlreadyApplied(meta("a"))
        );
        let err = insert(&store, "a", "k2").unwrap_err();
        assert!(
            matches!(err, StoreError::AlreadyExists(ref id) if id == "a"),
            "{err}"
        );
        assert_eq!(store.list().unwrap().len(), 1);
    }

    #[test]
    fn delete_removes_the_score_and_its_idempotency_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = ScoreStore::open_in(dir.path()).unwrap();
        insert(&store, "a", "k1").unwrap();
        insert(&store, "b", "k2").unwrap();
        assert_eq!(store.delete("a").unwrap().score_id, "a");
        assert!(matches!(store.get("a"), Err(StoreError::NotFound(_))));
        assert!(matches!(store.delete("a"), Err(StoreError::NotFound(_))));
        // The old key no longer short-circuits: a new import of `a` writes again.
        assert_eq!(insert(&store, "a", "k1").unwrap(), InsertOutcome::Inserted);
        let ids: Vec<_> = store
            .list()
            .unwrap()
            .into_iter()
            .map(|m| m.score_id)
            .collect();
        assert_eq!(ids, ["a", "b"]);
    }

    #[test]
    fn an_uncommitted_transaction_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = ScoreStore::open_in(dir.path()).unwrap();
        {
            let txn = store.db.begin_write().unwrap();
            txn.open_table(META)
                .unwrap()
                .insert("ghost", b"{}".as_slice())
                .unwrap();
            txn.open_table(IDEMPOTENCY)
                .unwrap()
                .insert("k", "ghost")
                .unwrap();
            // Dropped without commit, as when an actor is killed mid-import.
        }
        assert!(store.list().unwrap().is_empty());
        assert_eq!(
            insert(&store, "ghost", "k").unwrap(),
            InsertOutcome::Inserted
        );
    }

    #[test]
    fn a_second_process_cannot_open_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let _first = ScoreStore::open_in(dir.path()).unwrap();
        let err = ScoreStore::open_in(dir.path()).unwrap_err();
        assert!(err.to_string().contains("--data-dir"), "{err}");
    }
}
