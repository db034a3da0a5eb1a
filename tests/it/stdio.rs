//! The real binary over stdio: import, list, info, key, delete, restart, kill -9.

use serde_json::json;

use crate::common::{call, kill_9, oracle, serve_binary, shared_corpus, stored_ids};

#[tokio::test]
async fn chorale_round_trip_over_stdio_survives_a_restart() {
    let Some(corpus) = shared_corpus("chorale_round_trip_over_stdio_survives_a_restart") else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let want = oracle("bach/bwv3.6.mxl");

    let served = serve_binary(data.path(), Some(&corpus)).await;
    let client = &served.client;
    let tools = client.list_all_tools().await.unwrap();
    for name in [
        "import_score",
        "list_scores",
        "score_info",
        "delete_score",
        "key_analysis",
        "health_check",
    ] {
        let tool = tools
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("{name} not offered"));
        assert!(tool.output_schema.is_some(), "{name} has no output schema");
    }

    let imported = call(
        client,
        "import_score",
        json!({"score_id": "bwv3.6", "source": "bach/bwv3.6", "source_type": "corpus"}),
    )
    .await
    .unwrap();
    assert_eq!(imported["part_count"], want["parts"]["count"]);
    let path = corpus.join("bach/bwv103.6.mxl");
    call(
        client,
        "import_score",
        json!({"score_id": "bwv103.6", "source": path.to_str().unwrap(), "source_type": "file"}),
    )
    .await
    .unwrap();
    assert_eq!(stored_ids(client).await, ["bwv103.6", "bwv3.6"]);

    let info = call(client, "score_info", json!({"score_id": "bwv3.6"}))
        .await
        .unwrap();
    assert_eq!(info["measure_count"], want["measure_count"]);
    assert_eq!(info["parts"]["count"], want["parts"]["count"]);
    assert_eq!(
        info["total_duration_fraction"],
        want["total_duration_fraction"]
    );

    let key = call(client, "key_analysis", json!({"score_id": "bwv3.6"}))
        .await
        .unwrap();
    let expected = &want["key_analysis"]["analyze_key"];
    assert_eq!(key["name"], expected["name"]);
    let r = key["correlation"].as_f64().unwrap();
    assert!(
        (r - expected["correlation"].as_f64().unwrap()).abs() < 1e-9,
        "correlation {r}"
    );
    assert_eq!(key["alternates"].as_array().unwrap().len(), 4);

    let deleted = call(client, "delete_score", json!({"score_id": "bwv103.6"}))
        .await
        .unwrap();
    assert_eq!(deleted["deleted"], true);
    let hash_before = call(client, "score_info", json!({"score_id": "bwv3.6"}))
        .await
        .unwrap()["stored"]["content_hash"]
        .clone();
    served.client.cancel().await.unwrap();

    // A new process on the same data directory sees what was not deleted, unchanged.
    let served = serve_binary(data.path(), Some(&corpus)).await;
    assert_eq!(stored_ids(&served.client).await, ["bwv3.6"]);
    let info = call(&served.client, "score_info", json!({"score_id": "bwv3.6"}))
        .await
        .unwrap();
    assert_eq!(info["stored"]["content_hash"], hash_before);
    let key = call(
        &served.client,
        "key_analysis",
        json!({"score_id": "bwv3.6"}),
    )
    .await
    .unwrap();
    assert_eq!(key["name"], expected["name"]);
    served.client.cancel().await.unwrap();
}

#[tokio::test]
async fn acknowledged_imports_survive_kill_9() {
    let Some(corpus) = shared_corpus("acknowledged_imports_survive_kill_9") else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let chorales = ["bwv1.6", "bwv103.6", "bwv110.7", "bwv3.6"];

    let served = serve_binary(data.path(), Some(&corpus)).await;
    let mut hashes = Vec::new();
    for id in chorales {
        let out = call(
            &served.client,
            "import_score",
            json!({"score_id": id, "source": format!("bach/{id}"), "source_type": "corpus"}),
        )
        .await
        .unwrap();
        hashes.push(out["content_hash"].clone());
    }
    kill_9(served.pid);
    drop(served);

    let served = serve_binary(data.path(), Some(&corpus)).await;
    assert_eq!(stored_ids(&served.client).await, chorales);
    let listed = call(&served.client, "list_scores", json!({}))
        .await
        .unwrap();
    let after: Vec<_> = listed["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["content_hash"].clone())
        .collect();
    assert_eq!(after, hashes);
    served.client.cancel().await.unwrap();
}
