use crm_e2e::{PASSWORD, api, mail_count, mail_to, token_in, unique_email};
use serde_json::json;

#[tokio::test]
async fn sign_up_signs_in_an_admin_of_a_new_account() {
    let api = api();
    let tenant = api.sign_up().await;
    let me = api.get("/api/v1/me", &tenant.admin.token).await.expect(200);
    assert_eq!(me.body["id"], tenant.admin.id.as_str());
    assert_eq!(me.body["role"], "admin");
    assert_eq!(me.body["tenant_id"], tenant.id.as_str());
    assert_eq!(me.body["email"], tenant.admin.email.as_str());
    assert!(me.body.get("password_hash").is_none());
}

#[tokio::test]
async fn sign_in_checks_the_password_and_hides_which_part_was_wrong() {
    let api = api();
    let tenant = api.sign_up().await;
    let signed_in = api.sign_in(&tenant.admin.email.to_uppercase()).await;
    api.get("/api/v1/me", &signed_in.token).await.expect(200);

    let wrong = api
        .post("/api/v1/auth/sign_in", None, json!({"email": tenant.admin.email, "password": "not the password"}))
        .await;
    let unknown =
        api.post("/api/v1/auth/sign_in", None, json!({"email": unique_email("nobody"), "password": PASSWORD})).await;
    let wrong = wrong.expect_problem(401, None);
    let unknown = unknown.expect_problem(401, None);
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);

    let huge_email = format!("{}@example.com", "a".repeat(5000));
    api.post("/api/v1/auth/sign_in", None, json!({"email": huge_email, "password": PASSWORD}))
        .await
        .expect_problem(401, None);
    let huge_password = "p".repeat(10_000);
    api.post("/api/v1/auth/sign_in", None, json!({"email": tenant.admin.email, "password": huge_password}))
        .await
        .expect_problem(401, None);
}

#[tokio::test]
async fn emails_are_unique_across_the_service() {
    let api = api();
    let first = api.sign_up().await;
    let again = api
        .post(
            "/api/v1/auth/sign_up",
            None,
            json!({"account_name": "Other", "name": "X", "email": first.admin.email, "password": PASSWORD}),
        )
        .await;
    // The same answer as for a new address; only the mailbox learns that it has an account already.
    assert_eq!(again.expect(202).body, json!({"status": "verification_sent", "email": first.admin.email}));
    let notice = mail_to(&first.admin.email, "You already have an account").await;
    assert!(!notice.contains("token="), "{notice}");
    let other = api.sign_up().await;
    let taken = api
        .post(
            "/api/v1/users",
            Some(&other.admin.token),
            json!({"email": first.admin.email, "name": "X", "role": "sales", "password": PASSWORD}),
        )
        .await;
    taken.expect_problem(409, Some("email"));
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_session() {
    let api = api();
    let tenant = api.sign_up().await;
    let first = tenant.admin.refresh.clone();
    let rotated = api.post("/api/v1/auth/refresh", None, json!({"refresh_token": first})).await.expect(200);
    let second = rotated.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    api.get("/api/v1/me", rotated.body["access_token"].as_str().unwrap()).await.expect(200);

    // The first token again: someone replayed it, so the whole session ends, second token included.
    api.post("/api/v1/auth/refresh", None, json!({"refresh_token": first})).await.expect_problem(401, None);
    api.post("/api/v1/auth/refresh", None, json!({"refresh_token": second})).await.expect_problem(401, None);
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let api = api();
    let tenant = api.sign_up().await;
    let refresh = json!({"refresh_token": tenant.admin.refresh});
    api.post("/api/v1/auth/sign_out", None, refresh.clone()).await.expect(204);
    api.post("/api/v1/auth/refresh", None, refresh).await.expect_problem(401, None);
    api.post("/api/v1/auth/refresh", None, json!({"refresh_token": "not.a.token"})).await.expect_problem(401, None);
}

#[tokio::test]
async fn a_deactivated_users_tokens_stop_working_at_once() {
    let api = api();
    let tenant = api.sign_up().await;
    let sales = api.add_user(&tenant, "sales").await;
    api.get("/api/v1/me", &sales.token).await.expect(200);

    api.patch(&format!("/api/v1/users/{}", sales.id), &tenant.admin.token, json!({"status": "deactivated"}))
        .await
        .expect(200);
    api.get("/api/v1/me", &sales.token).await.expect_problem(401, None);
    api.post("/api/v1/auth/refresh", None, json!({"refresh_token": sales.refresh})).await.expect_problem(401, None);
    api.post("/api/v1/auth/sign_in", None, json!({"email": sales.email, "password": PASSWORD}))
        .await
        .expect_problem(401, None);

    api.patch(&format!("/api/v1/users/{}", sales.id), &tenant.admin.token, json!({"status": "active"}))
        .await
        .expect(200);
    // Reactivation revives none of the old sign-in: it starts afresh.
    api.get("/api/v1/me", &sales.token).await.expect_problem(401, None);
    api.post("/api/v1/auth/refresh", None, json!({"refresh_token": sales.refresh})).await.expect_problem(401, None);
    let again = api.sign_in(&sales.email).await;
    api.get("/api/v1/me", &again.token).await.expect(200);
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_and_token_at_once() {
    let api = api();
    let tenant = api.sign_up().await;
    let (laptop, phone) = (tenant.admin.clone(), api.sign_in(&tenant.admin.email).await);
    api.post("/api/v1/auth/sign_out_everywhere", Some(&phone.token), json!({})).await.expect(204);
    for device in [&laptop, &phone] {
        api.get("/api/v1/me", &device.token).await.expect_problem(401, None);
        api.post("/api/v1/auth/refresh", None, json!({"refresh_token": device.refresh}))
            .await
            .expect_problem(401, None);
    }
    api.post("/api/v1/auth/sign_out_everywhere", Some(&phone.token), json!({})).await.expect_problem(401, None);
    api.post("/api/v1/auth/sign_out_everywhere", Some("forged"), json!({})).await.expect_problem(401, None);
    let fresh = api.sign_in(&tenant.admin.email).await;
    api.get("/api/v1/me", &fresh.token).await.expect(200);
    let refreshed = api.post("/api/v1/auth/refresh", None, json!({"refresh_token": fresh.refresh})).await.expect(200);
    api.get("/api/v1/me", refreshed.body["access_token"].as_str().unwrap()).await.expect(200);
}

/// The user's old tokens and old password stopped working, and the new password signs in.
async fn password_was_replaced(api: &crm_e2e::Api, user: &crm_e2e::User, new_password: &str) {
    api.get("/api/v1/me", &user.token).await.expect_problem(401, None);
    api.post("/api/v1/auth/refresh", None, json!({"refresh_token": user.refresh})).await.expect_problem(401, None);
    let sign_in = |password: &str| json!({"email": user.email, "password": password});
    api.post("/api/v1/auth/sign_in", None, sign_in(PASSWORD)).await.expect_problem(401, None);
    api.post("/api/v1/auth/sign_in", None, sign_in(new_password)).await.expect(200);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_signs_out_everywhere() {
    let api = api();
    let tenant = api.sign_up().await;
    let admin = &tenant.admin;
    let new_password = "a longer and newer passphrase";
    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    api.post("/api/v1/me/password", Some(&admin.token), change("not it", new_password))
        .await
        .expect_problem(422, Some("current_password"));
    api.post("/api/v1/me/password", Some(&admin.token), change(PASSWORD, "short"))
        .await
        .expect_problem(422, Some("new_password"));
    api.post("/api/v1/me/password", Some(&admin.token), change(PASSWORD, new_password)).await.expect(204);

    password_was_replaced(&api, admin, new_password).await;
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let api = api();
    let tenant = api.sign_up().await;
    let parts: Vec<&str> = tenant.admin.token.split('.').collect();
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]);
    let tampered = format!("{}.{}.{}", parts[0], parts[1], &parts[2][..parts[2].len() - 4]);
    for token in ["", "garbage", unsigned.as_str(), tampered.as_str()] {
        api.get("/api/v1/me", token).await.expect_problem(401, None);
    }
    let no_token = api.send(api.request(reqwest::Method::GET, "/api/v1/me", None)).await.expect_problem(401, None);
    assert_eq!(no_token.header("www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn wrong_passwords_for_an_account_are_throttled_and_a_right_one_forgives_them() {
    let api = api();
    let tenant = api.sign_up().await;
    let email = tenant.admin.email.as_str();
    let (wrong, right) = (json!({"email": email, "password": "wrong"}), json!({"email": email, "password": PASSWORD}));
    for _ in 0..4 {
        api.post("/api/v1/auth/sign_in", None, wrong.clone()).await.expect_problem(401, None);
    }
    api.post("/api/v1/auth/sign_in", None, right.clone()).await.expect(200);
    // The right password forgave the four: five more wrong ones are answered, and only then it waits.
    for _ in 0..5 {
        api.post("/api/v1/auth/sign_in", None, wrong.clone()).await.expect_problem(401, None);
    }
    // Even the right password waits now, and from anywhere: the count is the account's.
    let refused = crm_e2e::api().post("/api/v1/auth/sign_in", None, right).await.expect_problem(429, None);
    let retry_after: u64 = refused.header("retry-after").and_then(|v| v.parse().ok()).expect("Retry-After");
    assert!((25..=30).contains(&retry_after), "{retry_after}");
    api.post("/api/v1/auth/sign_in", None, wrong).await.expect_problem(429, None);
}

#[tokio::test]
async fn wrong_passwords_from_one_address_are_throttled_whatever_email_they_name() {
    let api = api();
    for _ in 0..30 {
        let guess = json!({"email": unique_email("guess"), "password": "hunter2"});
        api.post("/api/v1/auth/sign_in", None, guess).await.expect_problem(401, None);
    }
    let tenant = crm_e2e::api().sign_up().await;
    let right = json!({"email": tenant.admin.email, "password": PASSWORD});
    api.post("/api/v1/auth/sign_in", None, right.clone()).await.expect_problem(429, None);
    // Another address is not held back.
    crm_e2e::api().post("/api/v1/auth/sign_in", None, right).await.expect(200);
}

#[tokio::test]
async fn one_address_opens_only_a_few_accounts_an_hour() {
    let api = api();
    for _ in 0..10 {
        api.sign_up().await;
    }
    let body = json!({"account_name": "Spam", "name": "S", "email": unique_email("spam"), "password": PASSWORD});
    let refused = api.post("/api/v1/auth/sign_up", None, body).await.expect_problem(429, None);
    assert!(refused.header("retry-after").is_some());
}

#[tokio::test]
async fn unusable_refresh_tokens_from_one_address_are_throttled() {
    let api = api();
    let tenant = crm_e2e::api().sign_up().await;
    let forged = format!("{}.{}", tenant.admin.refresh.rsplit_once('.').expect("a dotted token").0, "x".repeat(43));
    for _ in 0..30 {
        api.post("/api/v1/auth/refresh", None, json!({"refresh_token": "garbage"})).await.expect_problem(401, None);
    }
    api.post("/api/v1/auth/refresh", None, json!({"refresh_token": forged})).await.expect_problem(429, None);
    // The holder of the real token, elsewhere, still refreshes.
    crm_e2e::api().post("/api/v1/auth/refresh", None, json!({"refresh_token": tenant.admin.refresh})).await.expect(200);
}

#[tokio::test]
async fn a_sign_up_opens_nothing_until_its_address_is_confirmed_once() {
    let api = api();
    let email = unique_email("pending");
    let body = json!({"account_name": "Acme", "name": "Ada", "email": email, "password": PASSWORD});
    let asked = api.post("/api/v1/auth/sign_up", None, body).await.expect(202);
    assert_eq!(asked.body, json!({"status": "verification_sent", "email": email}));
    api.post("/api/v1/auth/sign_in", None, json!({"email": email, "password": PASSWORD}))
        .await
        .expect_problem(401, None);

    let token = token_in(&mail_to(&email, "Confirm your email address").await, "/verify-email?token=");
    api.post("/api/v1/auth/verify_email", None, json!({"token": "forged"})).await.expect_problem(409, Some("token"));
    let opened = api.post("/api/v1/auth/verify_email", None, json!({"token": token})).await.expect(201);
    assert_eq!(opened.body["user"]["role"], "admin");
    assert_eq!(opened.body["user"]["email"], email.as_str());
    api.get("/api/v1/me", opened.body["access_token"].as_str().unwrap()).await.expect(200);
    api.post("/api/v1/auth/verify_email", None, json!({"token": token})).await.expect_problem(409, Some("token"));
}

#[tokio::test]
async fn a_password_is_reset_by_mail_and_every_session_ends() {
    let api = api();
    let tenant = api.sign_up().await;
    let admin = &tenant.admin;
    let asked = api.post("/api/v1/auth/password_reset", None, json!({"email": admin.email.to_uppercase()})).await;
    assert_eq!(asked.expect(202).body, json!({"status": "reset_sent", "email": admin.email}));
    let token = token_in(&mail_to(&admin.email, "Reset your password").await, "/reset-password?token=");

    let confirm = "/api/v1/auth/password_reset/confirm";
    let new_password = "a longer and newer passphrase";
    api.post(confirm, None, json!({"token": token, "new_password": "short"}))
        .await
        .expect_problem(422, Some("new_password"));
    api.post(confirm, None, json!({"token": "forged", "new_password": new_password}))
        .await
        .expect_problem(409, Some("token"));
    api.post(confirm, None, json!({"token": token, "new_password": new_password})).await.expect(204);
    api.post(confirm, None, json!({"token": token, "new_password": new_password}))
        .await
        .expect_problem(409, Some("token"));

    password_was_replaced(&api, admin, new_password).await;
}

#[tokio::test]
async fn a_reset_for_an_unknown_address_answers_alike_and_mails_only_that_address() {
    let api = api();
    let nobody = unique_email("nobody");
    let asked = api.post("/api/v1/auth/password_reset", None, json!({"email": nobody})).await.expect(202);
    assert_eq!(asked.body, json!({"status": "reset_sent", "email": nobody}));
    let notice = mail_to(&nobody, "Reset your password").await;
    assert!(notice.contains("has none") && !notice.contains("token="), "{notice}");
    api.post("/api/v1/auth/password_reset", None, json!({"email": "not an address"}))
        .await
        .expect_problem(422, Some("email"));

    // One mailbox gets a few mails an hour at most, whoever asks.
    for _ in 0..2 {
        crm_e2e::api().post("/api/v1/auth/password_reset", None, json!({"email": nobody})).await.expect(202);
    }
    crm_e2e::api().post("/api/v1/auth/password_reset", None, json!({"email": nobody})).await.expect_problem(429, None);
    assert_eq!(mail_count(&nobody).await, 3);
}
