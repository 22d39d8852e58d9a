//! Revocation: by an admin with a reason (and nobody else), by a refund, by the account's deletion; each
//! sets the certificate's bit in the signed status list and fails the `status` check, and a deleted
//! course is reported without undoing the certificate.

use serde_json::{Value, json};

use crate::helpers::{TestApp, bit_of};

fn check<'a>(verification: &'a Value, name: &str) -> &'a Value {
    verification["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == name))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn only_an_admin_revokes_with_a_reason_and_the_status_list_and_checks_follow() {
    let app = TestApp::spawn().await;
    let (owner, student, course) = app.student_in_course("Revoked by admin").await;
    app.complete(&student.id, &course.id).await;
    let id = app.wait_for_certificates(&student.token, 1).await[0]["_id"].clone();
    let id = id.as_str().unwrap_or_default();
    let cert = app.certificate(id).await;
    assert!(!bit_of(&app, &cert["credential"]).await);
    let verification = app.verification(id).await;
    assert_eq!(verification["valid"], true, "{verification}");
    for name in ["signature", "issuerKey", "status", "course"] {
        assert_eq!(
            check(&verification, name)["ok"],
            true,
            "{name}: {verification}"
        );
    }

    let path = format!("/certificates/{id}/revoke");
    let reason = json!({ "reason": "plagiarism" });
    assert_eq!(app.post(&path, None, &reason).await.status(), 401);
    assert_eq!(
        app.post(&path, Some(&student.token), &reason)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.post(&path, Some(&owner.token), &reason).await.status(),
        403
    );
    let admin = app.services.admin().await;
    let res = app
        .post(&path, Some(&admin.token), &json!({ "reason": " x " }))
        .await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap_or_default();
    assert_eq!(body["errors"][0]["field"], "reason", "{body}");
    assert_eq!(
        app.post(&path, Some(&admin.token), &json!({}))
            .await
            .status(),
        400
    );
    let res = app.post(&path, Some(&admin.token), &reason).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap_or_default();
    assert_eq!(body["certificate"]["status"], "revoked");
    assert_eq!(body["certificate"]["revocationReason"], "plagiarism");
    assert_eq!(
        app.post(&path, Some(&admin.token), &reason).await.status(),
        409
    );
    // Unknown and malformed ids, even for an admin.
    let unknown = "/certificates/0123456789abcdef01234567/revoke";
    assert_eq!(
        app.post(unknown, Some(&admin.token), &reason)
            .await
            .status(),
        404
    );
    let malformed = "/certificates/not-an-id/revoke";
    assert_eq!(
        app.post(malformed, Some(&admin.token), &reason)
            .await
            .status(),
        400
    );

    assert!(
        bit_of(&app, &cert["credential"]).await,
        "the bit is set at once"
    );
    let verification = app.verification(id).await;
    assert_eq!(verification["valid"], false);
    assert_eq!(check(&verification, "status")["ok"], false);
    assert!(
        check(&verification, "status")["detail"]
            .as_str()
            .is_some_and(|d| d.contains("plagiarism"))
    );
    assert_eq!(check(&verification, "signature")["ok"], true);
}

#[tokio::test]
async fn a_refund_revokes_the_certificate_of_that_course_only() {
    let app = TestApp::spawn().await;
    let (_owner, student, course) = app.student_in_course("Refunded").await;
    let (_owner2, other_course) = app.services.instructor_with_course("Kept", 1).await;
    app.services.enrol(&student.id, &other_course.id).await;
    app.complete(&student.id, &course.id).await;
    app.complete(&student.id, &other_course.id).await;
    app.wait_for_certificates(&student.token, 2).await;
    app.refund(&student.id, &course.id).await;
    let list = test_support::eventually(
        test_support::EVENT_TIMEOUT,
        "revoked by the refund",
        async || {
            let list = app.list(&student.token).await;
            list.iter()
                .any(|c| c["status"] == "revoked")
                .then_some(list)
        },
    )
    .await;
    for c in &list {
        let refunded = c["courseId"] == course.id.as_str();
        assert_eq!(
            c["status"],
            if refunded { "revoked" } else { "active" },
            "{c}"
        );
        if refunded {
            assert_eq!(c["revocationReason"], "refunded");
            let cert = app.certificate(c["_id"].as_str().unwrap_or_default()).await;
            assert!(bit_of(&app, &cert["credential"]).await);
        }
    }
}

#[tokio::test]
async fn a_deleted_account_has_its_certificates_revoked_and_its_name_erased() {
    let app = TestApp::spawn().await;
    let (_owner, student, course) = app.student_in_course("Deleted account").await;
    app.complete(&student.id, &course.id).await;
    let id = app.wait_for_certificates(&student.token, 1).await[0]["_id"].clone();
    let id = id.as_str().unwrap_or_default();
    let credential = app.certificate(id).await["credential"].clone();
    app.user_deleted(&student.id).await;
    test_support::eventually(test_support::EVENT_TIMEOUT, "erased", async || {
        let res = app.send_get(&format!("/certificates/{id}"), None).await;
        (res.status() == 404).then_some(())
    })
    .await;
    // A copy the learner kept elsewhere still checks as revoked against the public list.
    assert!(bit_of(&app, &credential).await);
}

#[tokio::test]
async fn a_deleted_course_is_reported_but_does_not_undo_the_certificate() {
    let app = TestApp::spawn().await;
    let (_owner, student, course) = app.student_in_course("Gone course").await;
    app.complete(&student.id, &course.id).await;
    let id = app.wait_for_certificates(&student.token, 1).await[0]["_id"].clone();
    let id = id.as_str().unwrap_or_default();
    // With a student enrolled only an admin may delete the course.
    let admin = app.services.admin().await;
    let res = app
        .client
        .delete(
            app.services
                .course
                .url(&format!("/api/v1/courses/{}", course.id)),
        )
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("delete course");
    assert_eq!(res.status(), 200);
    let verification = app.verification(id).await;
    assert_eq!(
        check(&verification, "course")["ok"],
        false,
        "{verification}"
    );
    assert_eq!(check(&verification, "course")["required"], false);
    assert_eq!(verification["valid"], true);
}
