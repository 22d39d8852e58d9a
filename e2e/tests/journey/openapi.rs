//! The platform's OpenAPI document as frontend teams generate clients from it: no two services define one
//! schema name differently (the merge would serve one service's type for the other's answers), and the
//! copy in `docs/openapi.json` is exactly what the gateway serves. `UPDATE_OPENAPI=1` (`scripts/openapi`)
//! writes that copy instead of comparing.

use crate::helpers::{Platform, json_of, send};

const CHECKED_IN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");

#[tokio::test]
async fn the_services_documents_merge_without_a_clash_into_the_checked_in_document() {
    let p = Platform::spawn(None).await;
    let client = reqwest::Client::new();
    let served = json_of(send(client.get(p.url("/openapi.json"))).await, 200).await;
    assert!(
        served["info"].get("x-unavailable-services").is_none(),
        "every service answered: {}",
        served["info"]
    );

    // The merge again, from each service's own document, keeping every clash.
    let mut merged = gateway::routes::own_document();
    let mut clashes = Vec::new();
    for (name, url) in p.service_document_urls() {
        let doc = json_of(send(client.get(url)).await, 200).await;
        clashes.extend(
            gateway::docs::merge(&mut merged, &doc, name)
                .into_iter()
                .map(|c| format!("{name}: {c}")),
        );
    }
    assert_eq!(
        clashes,
        Vec::<String>::new(),
        "two services define one name differently; rename one of the types at its source"
    );
    assert_eq!(
        merged, served,
        "the gateway serves the merge of the services' documents"
    );

    let pretty = serde_json::to_string_pretty(&served).unwrap() + "\n";
    if std::env::var("UPDATE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(CHECKED_IN, &pretty).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(CHECKED_IN).unwrap_or_default();
    assert!(
        checked_in == pretty,
        "docs/openapi.json is not what the gateway serves: run scripts/openapi and commit the file"
    );
}
