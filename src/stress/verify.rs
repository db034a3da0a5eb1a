//! The end-of-run check: every acknowledged write is in the store with the content the server
//! acknowledged.
//!
//! Runs after the load and the chaos have stopped, over a fresh session straight to the server
//! (no proxy). `list_scores` gives each stored score's content hash (SHA-256 of the stored
//! content); each acknowledged write must be listed with the hash its reply carried.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};

use super::recorder::Ack;
use super::user::connect;

/// How long verification keeps trying to read the store.
const VERIFY_TIMEOUT: Duration = Duration::from_secs(60);

/// What verification found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Verification {
    /// Acknowledged writes expected in the store.
    pub acknowledged: usize,
    /// Found with the acknowledged content hash.
    pub intact: usize,
    /// Found, acknowledged without a hash (the reply was lost; the retry found the id taken).
    pub present_without_hash: usize,
    /// Acknowledged but missing.
    pub lost: Vec<String>,
    /// Present with another content hash.
    pub changed: Vec<String>,
    /// Scores stored in all.
    pub stored: usize,
    /// Why the store could not be read, if it could not.
    pub error: Option<String>,
}

impl Verification {
    /// Lost or changed acknowledged writes (all of them when the store could not be read).
    pub fn lost_count(&self) -> usize {
        if self.error.is_some() {
            return self.acknowledged;
        }
        self.lost.len() + self.changed.len()
    }
}

/// Compares `ledger` with the store of the server at `url`.
pub async fn verify(url: &str, ledger: &[Ack]) -> Verification {
    let stored = match stored_hashes(url).await {
        Ok(stored) => stored,
        Err(err) => {
            return Verification {
                acknowledged: ledger.len(),
                error: Some(err),
                ..Verification::default()
            };
        }
    };
    compare(ledger, &stored)
}

/// The comparison itself.
pub fn compare(ledger: &[Ack], stored: &HashMap<String, String>) -> Verification {
    let mut result = Verification {
        acknowledged: ledger.len(),
        stored: stored.len(),
        ..Verification::default()
    };
    for ack in ledger {
        match (stored.get(&ack.score_id), &ack.content_hash) {
            (None, _) => result.lost.push(ack.score_id.clone()),
            (Some(_), None) => result.present_without_hash += 1,
            (Some(found), Some(expected)) if found == expected => result.intact += 1,
            (Some(_), Some(_)) => result.changed.push(ack.score_id.clone()),
        }
    }
    result
}

async fn stored_hashes(url: &str) -> Result<HashMap<String, String>, String> {
    let started = Instant::now();
    let mut last_error = String::from("not tried");
    while started.elapsed() < VERIFY_TIMEOUT {
        match list_once(url).await {
            Ok(stored) => return Ok(stored),
            Err(err) => last_error = err,
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!(
        "could not read the store with list_scores within {} s: {last_error}",
        VERIFY_TIMEOUT.as_secs()
    ))
}

async fn list_once(url: &str) -> Result<HashMap<String, String>, String> {
    let client = connect(url).await?;
    let call = crate::client::call_tool(&client, "list_scores", json!({}));
    let listed = tokio::time::timeout(Duration::from_secs(30), call)
        .await
        .map_err(|_| "list_scores timed out".to_string())?
        .map_err(|err| err.to_string());
    let _ = tokio::time::timeout(Duration::from_secs(2), client.cancel()).await;
    let listed = listed?;
    let scores = listed
        .get("scores")
        .and_then(Value::as_array)
        .ok_or("list_scores returned no scores array")?;
    Ok(scores
        .iter()
        .filter_map(|s| {
            Some((
                s.get("score_id")?.as_str()?.to_string(),
                s.get("content_hash")?.as_str()?.to_string(),
            ))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ack(id: &str, hash: Option<&str>) -> Ack {
        Ack {
            score_id: id.to_string(),
            content_hash: hash.map(str::to_string),
            kind: "import",
            at_s: 0.0,
        }
    }

    #[test]
    fn missing_and_changed_writes_are_reported() {
        let ledger = [
            ack("a", Some("h1")),
            ack("b", Some("h2")),
            ack("c", Some("h3")),
            ack("d", None),
        ];
        let stored: HashMap<String, String> = [("a", "h1"), ("b", "other"), ("d", "h4")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();

        let found = compare(&ledger, &stored);

        assert_eq!(found.intact, 1);
        assert_eq!(found.changed, ["b"]);
        assert_eq!(found.lost, ["c"]);
        assert_eq!(found.present_without_hash, 1);
        assert_eq!(found.lost_count(), 2);
    }
}
