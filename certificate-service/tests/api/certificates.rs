//! Issuance and what a certificate says: one per student and course whatever the event replays, the Open
//! Badges 3.0 fields, the JWT's header and claims, who may list, the public page, re-issue and key
//! rotation.

use serde_json::{Value, json};

use crate::helpers::{TestApp, jwt_parts};

#[tokio::test]
async fn a_completion_issues_one_certificate_even_when_the_event_is_replayed_or_repeated() {
    let app = TestApp::spawn().await;
    let (_owner, student, course) = app.student_in_course("Rust from zero").await;
    let event = app.complete(&student.id, &course.id).await;
    let listed = app.wait_for_certificates(&student.token, 1).await;
    // The same event again (a redelivery), and a second completion event for the same course.
    app.services
        .course
        .publish_event(shared::events::COURSE_COMPLETED, &event)
        .await;
    app.complete(&student.id, &course.id).await;
    // A later event from someone else proves the consumer went past both duplicates.
    let other = app.services.sign_up("student").await;
    app.complete(&other.id, &course.id).await;
    app.wait_for_certificates(&other.token, 1).await;
    let again = app.list(&student.token).await;
    assert_eq!(again.len(), 1, "still one certificate: {again:?}");
    assert_eq!(again[0]["_id"], listed[0]["_id"]);
    assert_eq!(again[0]["status"], "active");
    assert_eq!(again[0]["courseTitle"], "Rust from zero");
}

#[tokio::test]
async fn the_credential_is_an_open_badge_signed_as_a_vc_jwt_without_any_e_mail() {
    let app = TestApp::spawn().await;
    let (owner, student, course) = app.student_in_course("Typed APIs").await;
    app.complete(&student.id, &course.id).await;
    let id = app.wait_for_certificates(&student.token, 1).await[0]["_id"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_default();
    let cert = app.certificate(&id).await;
    let c = &cert["credential"];
    assert_eq!(
        c["@context"],
        json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ])
    );
    assert_eq!(
        c["type"],
        json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert_eq!(c["id"], format!("{}/certificates/{id}", app.address));
    assert_eq!(c["issuer"]["type"], json!(["Profile"]));
    assert_eq!(c["issuer"]["name"], "Test Academy");
    assert_eq!(c["issuer"]["url"], app.address);
    assert!(c["validFrom"].as_str().is_some_and(|s| s.ends_with('Z')));
    let subject = &c["credentialSubject"];
    assert_eq!(subject["type"], json!(["AchievementSubject"]));
    assert_eq!(subject["identifier"][0]["identityType"], "name");
    assert_eq!(subject["identifier"][0]["hashed"], false);
    let achievement = &subject["achievement"];
    assert_eq!(achievement["type"], json!(["Achievement"]));
    assert_eq!(achievement["name"], "Typed APIs");
    assert!(
        achievement["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    assert!(
        achievement["criteria"]["narrative"]
            .as_str()
            .is_some_and(|n| n.contains("Typed APIs"))
    );
    assert_eq!(achievement["creator"]["type"], json!(["Profile"]));
    assert_eq!(c["credentialStatus"]["type"], "BitstringStatusListEntry");
    assert_eq!(c["credentialStatus"]["statusPurpose"], "revocation");
    // No e-mail of the learner or the instructor anywhere in what the public sees.
    let text = cert.to_string();
    assert!(
        !text.contains(&student.email) && !text.contains(&owner.email),
        "{text}"
    );

    let (header, payload) = jwt_parts(cert["jwt"].as_str().unwrap_or_default());
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "vc+jwt");
    assert_eq!(header["cty"], "vc");
    let jwks: Value = app
        .send_get("/certificates/issuer/jwks.json", None)
        .await
        .json()
        .await
        .unwrap_or_default();
    assert!(jwks["keys"].as_array().is_some_and(|keys| {
        keys.iter()
            .any(|k| k["kid"] == header["kid"] && k["crv"] == "Ed25519")
    }));
    // The payload is the credential plus the registered claims OB 3.0 maps onto it.
    assert_eq!(payload["iss"], c["issuer"]["id"]);
    assert_eq!(payload["jti"], c["id"]);
    let mut stripped = payload.clone();
    for claim in ["iss", "jti", "nbf"] {
        stripped.as_object_mut().map(|m| m.remove(claim));
    }
    assert_eq!(&stripped, c);
    // The issuer profile the credential names answers at its id.
    let profile: Value = app
        .client
        .get(c["issuer"]["id"].as_str().unwrap_or_default())
        .send()
        .await
        .expect("issuer")
        .json()
        .await
        .unwrap_or_default();
    assert_eq!(profile, c["issuer"]);
}

#[tokio::test]
async fn only_the_owner_lists_a_certificate_and_listing_needs_a_login() {
    let app = TestApp::spawn().await;
    let (owner, student, course) = app.student_in_course("Listed").await;
    app.complete(&student.id, &course.id).await;
    app.wait_for_certificates(&student.token, 1).await;
    assert!(
        app.list(&owner.token).await.is_empty(),
        "the instructor has none"
    );
    let stranger = app.services.sign_up("student").await;
    assert!(app.list(&stranger.token).await.is_empty());
    let res = app.send_get("/certificates", None).await;
    assert_eq!(res.status(), 401);
    let res = app.send_get("/certificates", Some("not-a-token")).await;
    assert_eq!(res.status(), 401);
    let tampered = test_support::tampered(&student.token);
    assert_eq!(
        app.send_get("/certificates", Some(&tampered))
            .await
            .status(),
        401
    );
    let res = app
        .send_get("/certificates?page=0", Some(&student.token))
        .await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn unknown_and_malformed_ids_and_lists_get_clear_errors() {
    let app = TestApp::spawn().await;
    let unknown = "0123456789abcdef01234567";
    for path in [
        format!("/certificates/{unknown}"),
        format!("/certificates/{unknown}/verify"),
    ] {
        let res = app.send_get(&path, None).await;
        assert_eq!(res.status(), 404, "{path}");
        let body: Value = res.json().await.unwrap_or_default();
        assert_eq!(body["success"], false);
    }
    for path in [
        "/certificates/nope",
        "/certificates/nope/verify",
        "/certificates/status/x",
    ] {
        assert_eq!(app.send_get(path, None).await.status(), 400, "{path}");
    }
    assert_eq!(
        app.send_get("/certificates/status/7", None).await.status(),
        404
    );
    let res = app
        .client
        .get(format!("{}/certificates/{unknown}", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 404);
    assert!(
        res.text()
            .await
            .unwrap_or_default()
            .contains("Certificate not found")
    );
}

#[tokio::test]
async fn the_public_page_shows_the_name_course_date_verdict_and_a_linkedin_link() {
    let app = TestApp::spawn().await;
    let (_owner, student, course) = app.student_in_course("Page <course> & more").await;
    app.complete(&student.id, &course.id).await;
    let cert = &app.wait_for_certificates(&student.token, 1).await[0];
    let id = cert["_id"].as_str().unwrap_or_default();
    let res = app
        .client
        .get(format!("{}/certificates/{id}", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or_default().starts_with("text/html"))
    );
    let html = res.text().await.unwrap_or_default();
    assert!(html.contains("Page &lt;course&gt; &amp; more"), "{html}");
    assert!(!html.contains("<course>"));
    assert!(html.contains(cert["learnerName"].as_str().unwrap_or("?")));
    assert!(html.contains("Verified"));
    assert!(html.contains("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME"));
    assert!(html.contains("organizationName=Test+Academy"));
    assert!(html.contains(&format!("certId={id}")));
}

#[tokio::test]
async fn a_reissue_carries_the_current_name_and_revokes_the_old_one_as_superseded() {
    let app = TestApp::spawn().await;
    let (_owner, student, course) = app.student_in_course("Renamed").await;
    app.complete(&student.id, &course.id).await;
    let old = app.wait_for_certificates(&student.token, 1).await[0].clone();
    let old_id = old["_id"].as_str().unwrap_or_default();
    // A name change alone changes nothing already issued.
    let res = app
        .client
        .patch(app.services.auth.url("/api/v1/user/profile"))
        .bearer_auth(&student.token)
        .json(&json!({ "name": "New Name" }))
        .send()
        .await
        .expect("profile");
    assert_eq!(res.status(), 200);
    assert_ne!(app.certificate(old_id).await["learnerName"], "New Name");

    let stranger = app.services.sign_up("student").await;
    let path = format!("/certificates/{old_id}/reissue");
    assert_eq!(
        app.post(&path, Some(&stranger.token), &json!({}))
            .await
            .status(),
        403
    );
    assert_eq!(app.post(&path, None, &json!({})).await.status(), 401);
    // Not even an admin re-issues someone else's certificate; unknown and malformed ids are refused.
    let admin = app.services.admin().await;
    assert_eq!(
        app.post(&path, Some(&admin.token), &json!({}))
            .await
            .status(),
        403
    );
    let unknown = "/certificates/0123456789abcdef01234567/reissue";
    assert_eq!(
        app.post(unknown, Some(&student.token), &json!({}))
            .await
            .status(),
        404
    );
    let malformed = "/certificates/not-an-id/reissue";
    assert_eq!(
        app.post(malformed, Some(&student.token), &json!({}))
            .await
            .status(),
        400
    );
    let res = app.post(&path, Some(&student.token), &json!({})).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap_or_default();
    let new = &body["certificate"];
    assert_eq!(new["learnerName"], "New Name");
    assert_eq!(
        new["credential"]["credentialSubject"]["identifier"][0]["identityHash"],
        "New Name"
    );
    assert_ne!(new["_id"], old["_id"]);
    let old_now = app.certificate(old_id).await;
    assert_eq!(old_now["status"], "revoked");
    assert_eq!(old_now["revocationReason"], "superseded");
    // The superseded one cannot be re-issued again.
    assert_eq!(
        app.post(&path, Some(&student.token), &json!({}))
            .await
            .status(),
        409
    );
    assert_eq!(app.list(&student.token).await.len(), 2);
}

#[tokio::test]
async fn after_a_key_rotation_new_certificates_use_the_new_key_and_old_ones_still_verify() {
    let app = TestApp::spawn().await;
    let (_owner, student, course) = app.student_in_course("Rotation").await;
    app.complete(&student.id, &course.id).await;
    let first = app.wait_for_certificates(&student.token, 1).await[0]["_id"].clone();
    let first = first.as_str().unwrap_or_default();
    let (old_header, _) = jwt_parts(
        app.certificate(first).await["jwt"]
            .as_str()
            .unwrap_or_default(),
    );

    let db = app.db.handle().await;
    let store = certificate_service::store::IssuerKeyStore::new(&db);
    let new_kid = certificate_service::keys::rotate(&store)
        .await
        .expect("rotate");
    // Running replicas pick the key up at the next reload; a verification of an unknown kid reloads too.
    let jwks_has_both = test_support::eventually(
        std::time::Duration::from_secs(40),
        "the rotated key published",
        async || {
            let jwks: Value = app
                .send_get("/certificates/issuer/jwks.json", None)
                .await
                .json()
                .await
                .ok()?;
            let kids: Vec<String> = jwks["keys"]
                .as_array()?
                .iter()
                .filter_map(|k| k["kid"].as_str().map(str::to_owned))
                .collect();
            (kids.contains(&new_kid) && kids.iter().any(|k| *k == old_header["kid"]))
                .then_some(kids)
        },
    )
    .await;
    assert_eq!(jwks_has_both[0], new_kid, "the newest key is listed first");
    let other = app.services.sign_up("student").await;
    app.services.enrol(&other.id, &course.id).await;
    app.complete(&other.id, &course.id).await;
    let second = app.wait_for_certificates(&other.token, 1).await[0]["_id"].clone();
    let (new_header, _) = jwt_parts(
        app.certificate(second.as_str().unwrap_or_default()).await["jwt"]
            .as_str()
            .unwrap_or_default(),
    );
    assert_eq!(new_header["kid"], new_kid);
    assert_eq!(app.verification(first).await["valid"], true);
}
