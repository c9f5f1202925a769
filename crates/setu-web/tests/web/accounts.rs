//! Signing in, sessions, tokens, second factor and administrators.

use crate::support::*;

#[tokio::test]
async fn login_gives_one_answer_for_unknown_user_and_wrong_password_and_throttles() {
    each_app(|app, store| async move {
        sign_in(&store, "kiran", Role::Analyst, "NP").await;
        let attempt = |user: &'static str, pass: &'static str| {
            let app = app.clone();
            async move {
                let form = [("username", user), ("password", pass), ("next", "/sites")];
                post_anonymous(&app, "/login", &form).await
            }
        };
        let unknown = attempt("nobody", "whatever-password").await;
        let wrong = attempt("kiran", "wrong-password!!").await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.status, unknown.status);
        assert!(unknown
            .body
            .contains("The username or password is not right."));
        // The same page apart from the echoed username.
        assert_eq!(
            unknown.body.replace("nobody", "X"),
            wrong.body.replace("kiran", "X")
        );

        let ok = attempt("kiran", PASSWORD).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        assert_eq!(ok.headers[header::LOCATION], "/sites");
        let cookie = ok.headers[header::SET_COOKIE].to_str().unwrap();
        assert!(
            cookie.starts_with("setu_session=")
                && cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Lax")
        );
        assert!(!cookie.contains("Secure"), "not behind TLS in this test");

        for _ in 0..5 {
            attempt("kiran", "wrong-password!!").await;
        }
        let throttled = attempt("kiran", PASSWORD).await;
        assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(throttled.body.contains("Too many attempts"));
    })
    .await;
}

/// Issue 13: behind the reverse proxy the README recommends, every user shared the proxy's
/// address, so 20 failures anywhere locked everyone out.
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_throttled_on_its_own() {
    setu_testkit::each_store(|store| async move {
        let proxy: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        let config = setu_web::WebConfig {
            trusted_proxies: vec![proxy],
            ..Default::default()
        };
        let app = setu_web::router(setu_web::App::with_config(store.clone(), config).unwrap());
        sign_in(&store, "near.user", Role::Analyst, "NP").await;
        let attempt =
            |peer: &'static str, forwarded: &'static str, user: String, pass: &'static str| {
                let app = app.clone();
                async move {
                    let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
                    let req = Request::post("/login")
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .header("x-forwarded-for", forwarded)
                        .extension(axum::extract::ConnectInfo(addr))
                        .body(Body::from(form_body(&[
                            ("username", &user),
                            ("password", pass),
                        ])))
                        .unwrap();
                    send(&app, req).await.status
                }
            };
        // One client behind the proxy guesses at 20 names: it is throttled, the others not.
        for n in 0..20 {
            attempt(
                "10.0.0.1",
                "203.0.113.5",
                format!("guess{n}"),
                "wrong-password!",
            )
            .await;
        }
        let blocked = attempt("10.0.0.1", "203.0.113.5", "near.user".into(), PASSWORD).await;
        assert_eq!(blocked, StatusCode::TOO_MANY_REQUESTS);
        let other = attempt("10.0.0.1", "203.0.113.6", "near.user".into(), PASSWORD).await;
        assert_eq!(other, StatusCode::SEE_OTHER);
        // A peer that is not the proxy cannot choose its address by writing the header.
        for n in 0..20 {
            attempt(
                "192.0.2.7",
                "198.51.100.1",
                format!("spoof{n}"),
                "wrong-password!",
            )
            .await;
        }
        let spoofed = attempt("192.0.2.7", "198.51.100.2", "near.user".into(), PASSWORD).await;
        assert_eq!(spoofed, StatusCode::TOO_MANY_REQUESTS);
    })
    .await;
}

#[tokio::test]
async fn secure_cookies_and_hsts_behind_tls() {
    setu_testkit::each_store(|store| async move {
        let config = setu_web::WebConfig {
            behind_tls: true,
            ..Default::default()
        };
        let app = setu_web::router(setu_web::App::with_config(store.clone(), config).unwrap());
        sign_in(&store, "tls.user", Role::Analyst, "NP").await;
        let req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(&[
                ("username", "tls.user"),
                ("password", PASSWORD),
            ])))
            .unwrap();
        let r = send(&app, req).await;
        assert!(r.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("; Secure"));
        assert!(r.headers[header::STRICT_TRANSPORT_SECURITY]
            .to_str()
            .unwrap()
            .contains("max-age="));
    })
    .await;
}

#[tokio::test]
async fn csrf_is_required_for_every_state_change_made_with_the_session() {
    each_app(|app, store| async move {
        let me = sign_in(&store, "natl", Role::NationalCoordinator, "NP").await;
        let form = [("name_en", "CSRF NGO"), ("kind", "ngo"), ("place", "51106")];
        let post = |csrf: Option<&str>, origin: Option<&str>| {
            let mut pairs = form.to_vec();
            if let Some(c) = csrf {
                pairs.push(("csrf", c));
            }
            let mut req = Request::post("/organisations")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::HOST, "setu.example")
                .header(header::COOKIE, format!("setu_lang=en; {}", me.cookie));
            if let Some(o) = origin {
                req = req.header(header::ORIGIN, o);
            }
            let req = req.body(Body::from(form_body(&pairs))).unwrap();
            let app = app.clone();
            async move { send(&app, req).await }
        };
        assert_eq!(post(None, None).await.status, StatusCode::FORBIDDEN);
        let wrong = post(Some("not-the-token"), None).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        assert!(wrong.body.contains("The form has expired"));
        assert_eq!(
            post(Some(&me.csrf), Some("https://evil.example"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            post(Some(&me.csrf), Some("https://setu.example"))
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            post(Some(&me.csrf), None).await.status,
            StatusCode::SEE_OTHER
        );

        // JSON API calls made with the cookie need the token in a header.
        let json_post = |token: Option<&str>| {
            let mut req = Request::post("/api/v1/organisations")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::COOKIE, me.cookie.clone());
            if let Some(t) = token {
                req = req.header("x-csrf-token", t);
            }
            let req = req
                .body(Body::from(
                    r#"{"name_en":"API NGO","kind":"ngo","place":"11306"}"#,
                ))
                .unwrap();
            let app = app.clone();
            async move { send(&app, req).await }
        };
        let refused = json_post(None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.body.contains(r#""code":"csrf""#));
        assert_eq!(json_post(Some(&me.csrf)).await.status, StatusCode::CREATED);
        // Logging out is a state change too.
        let req = Request::post("/logout")
            .header(header::COOKIE, me.cookie.clone())
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&app, req).await.status, StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn sessions_end_at_logout_and_password_change() {
    each_app(|app, store| async move {
        let me = sign_in(&store, "dcb", Role::DistrictCoordinator, "511").await;
        assert_eq!(
            get_as(&app, "/organisations", "en", &me).await.status,
            StatusCode::OK
        );
        let out = post_form(&app, "/logout", &[], &me).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(out.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0"));
        assert_eq!(
            get_as(&app, "/organisations", "en", &me).await.status,
            StatusCode::SEE_OTHER
        );

        let me = client_for(&store, "dcb").await;
        let user = store.user_by_name("dcb").await.unwrap();
        store
            .reset_password(&Actor::system("test"), &user.id, "a-new-long-phrase")
            .await
            .unwrap();
        assert_eq!(
            get_as(&app, "/organisations", "en", &me).await.status,
            StatusCode::SEE_OTHER
        );
    })
    .await;
}

#[tokio::test]
async fn api_tokens_work_without_csrf_and_stop_when_revoked() {
    each_app(|app, store| async move {
        sign_in(&store, "lms", Role::LcchtMemberSecretary, "51106").await;
        let user = store.user_by_name("lms").await.unwrap();
        let token = store
            .create_api_token(&Actor::system("test"), &user.id, &Default::default())
            .await
            .unwrap();
        let bearer = |method: &str, path: &str, body: &str| {
            let req = Request::builder()
                .method(method)
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            let app = app.clone();
            async move { send(&app, req).await }
        };
        let me = bearer("GET", "/api/v1/me", "").await;
        assert_eq!(me.status, StatusCode::OK);
        assert!(me.body.contains(r#""scope":"51106""#));
        let made = bearer(
            "POST",
            "/api/v1/organisations",
            r#"{"name_en":"Ward forum","kind":"ngo","place":"5110603"}"#,
        )
        .await;
        assert_eq!(made.status, StatusCode::CREATED);
        let outside = bearer(
            "POST",
            "/api/v1/organisations",
            r#"{"name_en":"Far forum","kind":"ngo","place":"31206"}"#,
        )
        .await;
        assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(outside.body.contains(r#""field":"place""#));
        let id = store.api_tokens(&user.id).await.unwrap().remove(0).id;
        store
            .revoke_api_token(&Actor::system("test"), &id, None)
            .await
            .unwrap();
        let after = bearer("GET", "/api/v1/me", "").await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);
        assert!(after.body.contains(r#""code":"unauthenticated""#));
    })
    .await;
}

#[tokio::test]
async fn first_administrator_is_set_up_through_a_one_time_link() {
    each_app(|app, store| async move {
        let token = store.first_run_setup_token().await.unwrap().unwrap();
        let page = get(&app, &format!("/setup?token={token}"), "en").await;
        assert_eq!(page.status, StatusCode::OK);
        let submit = |pass: &'static str| {
            let req = Request::post("/setup")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, "setu_lang=en")
                .body(Body::from(form_body(&[
                    ("token", &token),
                    ("username", "chief"),
                    ("password", pass),
                ])))
                .unwrap();
            let app = app.clone();
            async move { send(&app, req).await }
        };
        let weak = submit("password1").await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(weak.body.contains("at least 10 characters"));
        assert!(
            weak.body.contains(r#"value="chief""#),
            "keeps what was typed"
        );
        assert_eq!(submit(PASSWORD).await.status, StatusCode::SEE_OTHER);
        assert_eq!(
            submit(PASSWORD).await.status,
            StatusCode::NOT_FOUND,
            "the link works once"
        );
        assert_eq!(
            get(&app, &format!("/setup?token={token}"), "en")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let admin = client_for(&store, "chief").await;
        assert_eq!(
            get_as(&app, "/admin/users", "en", &admin).await.status,
            StatusCode::OK
        );
    })
    .await;
}

#[tokio::test]
async fn administrators_manage_accounts_through_pages() {
    each_app(|app, store| async move {
        let admin = sign_in(&store, "root.admin", Role::SystemAdmin, "NP").await;
        let made = post_form(
            &app,
            "/admin/users",
            &[
                ("username", "booth.one"),
                ("full_name", "Booth One"),
                ("role", "lccht-member"),
                ("scope", "51106"),
                ("password", PASSWORD),
            ],
            &admin,
        )
        .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER);
        let user_path = made.headers[header::LOCATION].to_str().unwrap().to_string();
        let bad = post_form(
            &app,
            "/admin/users",
            &[
                ("username", "x2y"),
                ("role", "booth-worker"),
                ("scope", "511"),
                ("password", "a-long-pass-phrase"),
            ],
            &admin,
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad
            .body
            .contains("This role cannot have this kind of scope."));
        assert!(bad.body.contains(r#"value="x2y""#));
        let user = store.user_by_name("booth.one").await.unwrap();
        let session = client_for(&store, "booth.one").await;
        // A role change is audited and ends the user's sessions.
        let changed = post_form(
            &app,
            &format!("{user_path}/role"),
            &[
                ("role", "analyst"),
                ("scope", "312"),
                ("version", &user.version.to_string()),
            ],
            &admin,
        )
        .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER);
        assert_eq!(
            get_as(&app, "/organisations", "en", &session).await.status,
            StatusCode::SEE_OTHER
        );
        let user = store.user_by_name("booth.one").await.unwrap();
        assert_eq!(
            (user.role, user.scope.to_string()),
            (Role::Analyst, "312".to_string())
        );
        assert_eq!(
            post_form(&app, &format!("{user_path}/disable"), &[], &admin)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        assert!(store.user_by_name("booth.one").await.unwrap().disabled);
        assert_eq!(
            post_form(&app, &format!("{user_path}/enable"), &[], &admin)
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let reset = post_form(
            &app,
            &format!("{user_path}/password"),
            &[("password", "short")],
            &admin,
        )
        .await;
        assert_eq!(reset.status, StatusCode::UNPROCESSABLE_ENTITY);
        let reset = post_form(
            &app,
            &format!("{user_path}/password"),
            &[("password", "brand-new-phrase")],
            &admin,
        )
        .await;
        assert_eq!(reset.status, StatusCode::OK);
        // Administrators no longer mint tokens for others (issue 13): only the user does.
        let token_page = post_form(&app, &format!("{user_path}/tokens"), &[], &admin).await;
        assert_eq!(token_page.status, StatusCode::NOT_FOUND);
        let changes = store
            .audit_entries(&setu_store::audit::AuditFilter {
                entity_id: Some(user.id.clone()),
                ..Default::default()
            })
            .await
            .unwrap();
        let actions: Vec<&str> = changes.iter().map(|e| e.action.as_str()).collect();
        for a in [
            "create",
            "permission-change",
            "disable",
            "enable",
            "password-reset",
        ] {
            assert!(actions.contains(&a), "{a} audited: {actions:?}");
        }
        assert!(changes
            .iter()
            .all(|e| e.actor == "root.admin" || e.action == "create"));
    })
    .await;
}

/// Issue 13: an administrator could give themselves or anyone a role that reads names, and
/// mint a token for any user whose reads were then written under that user's name. Now a
/// second administrator approves such a role, no one changes their own, only the user mints
/// their tokens (narrowed to what a device needs), and the audit trail names the token.
#[tokio::test]
async fn two_administrators_give_a_role_that_reads_names_and_only_users_mint_tokens() {
    each_app(|app, store| async move {
        let first = sign_in(&store, "first.admin", Role::SystemAdmin, "NP").await;
        let second = sign_in(&store, "second.admin", Role::SystemAdmin, "NP").await;
        let first_user = store.user_by_name("first.admin").await.unwrap();

        // Nobody changes their own role.
        let own = post_form(
            &app,
            &format!("/admin/users/{}/role", first_user.id),
            &[
                ("role", "national-coordinator"),
                ("scope", "NP"),
                ("version", &first_user.version.to_string()),
            ],
            &first,
        )
        .await;
        assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(own.body.contains("No one can change their own role"));
        assert_eq!(
            store.user(&first_user.id).await.unwrap().role,
            Role::SystemAdmin
        );

        // A new coordinator's account waits, disabled, for the second administrator.
        let made = post_form(
            &app,
            "/admin/users",
            &[
                ("username", "coord.new"),
                ("role", "district-coordinator"),
                ("scope", "511"),
                ("password", PASSWORD),
            ],
            &first,
        )
        .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER);
        let user_path = made.headers[header::LOCATION].to_str().unwrap().to_string();
        let coord = store.user_by_name("coord.new").await.unwrap();
        assert!(coord.disabled, "waits for approval");
        let policy = AuthPolicy::default();
        assert!(matches!(
            store
                .login("coord.new", PASSWORD, "t", &policy)
                .await
                .unwrap(),
            Login::Refused
        ));
        let mine = get_as(&app, &user_path, "en", &first).await.body;
        assert!(mine.contains("Waiting for a second administrator") && !mine.contains("/approve"));
        // Enabling it by hand would skip the second administrator: refused.
        let enable = post_form(&app, &format!("{user_path}/enable"), &[], &first).await;
        assert_eq!(enable.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(enable.body.contains("waits for a second administrator"));
        assert!(store.user(&coord.id).await.unwrap().disabled);
        let request = store.pending_role_requests(Some(&coord.id)).await.unwrap();
        let approve = format!("/admin/requests/{}/approve", request[0].id);
        let refused = post_form(&app, &approve, &[], &first).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("A second administrator must decide"));
        assert!(get_as(&app, &user_path, "en", &second)
            .await
            .body
            .contains(&approve));
        assert_eq!(
            post_form(&app, &approve, &[], &second).await.status,
            StatusCode::SEE_OTHER
        );
        let coord = store.user_by_name("coord.new").await.unwrap();
        assert!(!coord.disabled && coord.role == Role::DistrictCoordinator);

        // A later grant of another personal-data role is only requested; refused, it changes nothing.
        let asked = post_form(
            &app,
            &format!("{user_path}/role"),
            &[
                ("role", "province-coordinator"),
                ("scope", "5"),
                ("version", &coord.version.to_string()),
            ],
            &first,
        )
        .await;
        assert_eq!(asked.status, StatusCode::OK);
        assert!(asked.body.contains("Sent for approval"));
        let request = store.pending_role_requests(Some(&coord.id)).await.unwrap();
        let refuse = format!("/admin/requests/{}/refuse", request[0].id);
        assert_eq!(
            post_form(&app, &refuse, &[], &second).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            store.user(&coord.id).await.unwrap().role,
            Role::DistrictCoordinator
        );
        let trail = store
            .audit_entries(&setu_store::audit::AuditFilter {
                entity: Some("role-request".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let steps: Vec<(&str, &str)> = trail
            .iter()
            .map(|e| (e.action.as_str(), e.actor.as_str()))
            .collect();
        for step in [
            ("request", "first.admin"),
            ("approve", "second.admin"),
            ("refuse", "second.admin"),
        ] {
            assert!(steps.contains(&step), "{step:?} in {steps:?}");
        }

        // An administrator cannot mint a token for the coordinator.
        assert!(matches!(
            store
                .create_api_token(
                    &Actor::user(&first_user.id, "first.admin"),
                    &coord.id,
                    &Default::default()
                )
                .await,
            Err(setu_store::StoreError::Rejected("error-token-own-only"))
        ));

        // The coordinator mints a sync-only token for a booth phone on her account page.
        let booth = store
            .create_site(
                &Actor::system("test"),
                &setu_core::directory::DirectoryForm {
                    name_en: "Token booth".into(),
                    kind: "border-booth".into(),
                    place: "51106".into(),
                    ..Default::default()
                }
                .to_site()
                .unwrap(),
            )
            .await
            .unwrap();
        let me = client_for(&store, "coord.new").await;
        let account = get_as(&app, "/account", "en", &me).await;
        assert_eq!(account.status, StatusCode::OK);
        assert!(account.body.contains("Record at booths (sync)"));
        // One press makes the narrow tokens a device needs.
        assert!(account.body.contains(r#"id="preset-booth""#));
        let preset = post_form(
            &app,
            "/account/tokens",
            &[
                ("label", "dashboard"),
                ("capability", "read-aggregates"),
                ("capability", "read-directory"),
            ],
            &me,
        )
        .await;
        assert_eq!(preset.status, StatusCode::OK);
        assert!(preset.body.contains("See counts and indicators, See organisations and sites")
            || preset.body.contains("See organisations and sites, See counts and indicators"));
        let dashboard = store.api_tokens(&coord.id).await.unwrap().remove(0).id;
        store
            .revoke_api_token(&Actor::user(&coord.id, "coord.new"), &dashboard, Some(&coord.id))
            .await
            .unwrap();
        let made = post_form(
            &app,
            "/account/tokens",
            &[("label", "booth phone 2"), ("capability", "write-booths")],
            &me,
        )
        .await;
        assert_eq!(made.status, StatusCode::OK);
        let token = made
            .body
            .split("setu_")
            .nth(1)
            .and_then(|rest| rest.split('<').next())
            .map(|t| format!("setu_{t}"))
            .unwrap();
        assert!(made.body.contains("booth phone 2"));
        let bearer = |method: &str, path: &str, body: String| {
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap()
        };
        // It syncs a new screening…
        let record = |version: i64, name: &str| {
            serde_json::json!({"records": [{
                "kind": "screening", "id": "00000000-0000-4000-8000-0000000001a1",
                "base_version": version,
                "data": {"site": booth.to_string(), "date_bs": "2081-01-02", "sex": "female",
                         "age": "16", "outcome": "intercepted", "given_name": name, "consent_record": "yes"}
            }]})
            .to_string()
        };
        let r = send(&app, bearer("POST", "/api/v1/sync", record(0, "Sita"))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains(r#""outcome":"created""#), "{}", r.body);
        // …but does not correct the names it sent, nor read anything.
        let r = send(&app, bearer("POST", "/api/v1/sync", record(1, "Gita"))).await;
        assert!(r.body.contains(r#""outcome":"invalid""#), "{}", r.body);
        let r = send(
            &app,
            bearer("GET", "/api/v1/tracing/matches", String::new()),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(&app, bearer("GET", "/api/v1/contacts", String::new())).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // What it did is written under the token, not only under her name.
        let phone = store
            .api_tokens(&coord.id)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.label == "booth phone 2")
            .unwrap();
        let via = format!("token:{}", phone.id);
        let trail = store
            .audit_entries(&setu_store::audit::AuditFilter {
                actor: Some("coord.new".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(trail.iter().any(|e| e.via.as_deref() == Some(via.as_str())));
        assert!(trail
            .iter()
            .any(|e| e.via.as_deref().is_some_and(|v| v.starts_with("session:"))));
        assert!(store.verify_audit().await.unwrap().first_broken.is_none());

        // Administrators see her tokens; she revokes her own, not another's.
        let listed = get_as(&app, &user_path, "en", &second).await.body;
        assert!(listed.contains("booth phone 2") && listed.contains("Record at booths (sync)"));
        let other = store.user_by_name("second.admin").await.unwrap();
        store
            .create_api_token(
                &Actor::user(&other.id, "second.admin"),
                &other.id,
                &Default::default(),
            )
            .await
            .unwrap();
        let theirs = store.api_tokens(&other.id).await.unwrap().remove(0).id;
        let r = post_form(&app, &format!("/account/tokens/{theirs}/revoke"), &[], &me).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = post_form(
            &app,
            &format!("/account/tokens/{}/revoke", phone.id),
            &[],
            &me,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = send(&app, bearer("POST", "/api/v1/sync", record(0, "Sita"))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    })
    .await;
}

/// Issue 13: users could not change their own password, and there was no second factor. Now
/// a user changes hers with the current one, sets up one-time codes with recovery codes, and a
/// deployment can require them of every role that reads personal data.
/// Issue 13: an administrator could reset a coordinator's password and sign in as her. Now the
/// reset of an account that reads names waits for a second administrator, and any password an
/// administrator sets is temporary: its holder reaches nothing but the password form.
#[tokio::test]
async fn an_administrators_password_reset_needs_a_second_and_is_changed_at_sign_in() {
    each_app(|app, store| async move {
        let first = sign_in(&store, "first.admin", Role::SystemAdmin, "NP").await;
        let second = sign_in(&store, "second.admin", Role::SystemAdmin, "NP").await;
        let first_user = store.user_by_name("first.admin").await.unwrap();
        sign_in(&store, "coord.reset", Role::DistrictCoordinator, "511").await;
        let coord = store.user_by_name("coord.reset").await.unwrap();
        let policy = AuthPolicy::default();
        let login = |name: &'static str, password: &'static str| {
            let store = store.clone();
            async move {
                store
                    .login(name, password, "t", &AuthPolicy::default())
                    .await
                    .unwrap()
            }
        };
        const CHOSEN: &str = "an-administrator-chose-this";

        // One's own password is changed on one's account page, not reset.
        let own = post_form(
            &app,
            &format!("/admin/users/{}/password", first_user.id),
            &[("password", CHOSEN)],
            &first,
        )
        .await;
        assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(own
            .body
            .contains("Change your own password on your account page"));

        // The coordinator's reset is only requested: her password still works, the new one not.
        let user_path = format!("/admin/users/{}", coord.id);
        let asked = post_form(
            &app,
            &format!("{user_path}/password"),
            &[("password", CHOSEN)],
            &first,
        )
        .await;
        assert_eq!(asked.status, StatusCode::OK);
        assert!(asked.body.contains("Sent for approval") && asked.body.contains("Password reset"));
        assert!(matches!(login("coord.reset", CHOSEN).await, Login::Refused));
        assert!(matches!(
            login("coord.reset", PASSWORD).await,
            Login::Ok { .. }
        ));
        let request = store.pending_role_requests(Some(&coord.id)).await.unwrap();
        assert_eq!(request.len(), 1);
        let approve = format!("/admin/requests/{}/approve", request[0].id);
        assert_eq!(
            post_form(&app, &approve, &[], &first).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            post_form(&app, &approve, &[], &second).await.status,
            StatusCode::SEE_OTHER
        );
        assert!(matches!(
            login("coord.reset", PASSWORD).await,
            Login::Refused
        ));

        // Signed in with the administrator's password she reaches only the password form.
        let Login::Ok { token, user } = login("coord.reset", CHOSEN).await else {
            panic!("the approved password signs in")
        };
        assert!(user.must_change_password);
        let csrf = store
            .session(&token, &policy)
            .await
            .unwrap()
            .unwrap()
            .csrf_token;
        let her = Client {
            cookie: format!("setu_session={token}"),
            csrf,
        };
        let r = get_as(&app, "/tracing", "en", &her).await;
        assert_eq!(
            (r.status, r.headers[header::LOCATION].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/account")
        );
        let page = get_as(&app, "/account", "en", &her).await;
        assert!(page.body.contains("An administrator set your password"));
        assert!(
            !page.body.contains("/account/tokens"),
            "no token while the password is temporary"
        );
        let minted = post_form(
            &app,
            "/account/tokens",
            &[("label", "x"), ("all", "1")],
            &her,
        )
        .await;
        assert_eq!(minted.status, StatusCode::SEE_OTHER);
        assert!(store.api_tokens(&coord.id).await.unwrap().is_empty());
        let changed = post_form(
            &app,
            "/account/password",
            &[("current", CHOSEN), ("password", "her-very-own-phrase")],
            &her,
        )
        .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER);
        let Login::Ok { user, .. } = login("coord.reset", "her-very-own-phrase").await else {
            panic!("her own password signs in")
        };
        assert!(!user.must_change_password);

        // An account that reads no names is reset by one administrator, still temporarily.
        sign_in(&store, "analyst.reset", Role::Analyst, "511").await;
        let analyst = store.user_by_name("analyst.reset").await.unwrap();
        let done = post_form(
            &app,
            &format!("/admin/users/{}/password", analyst.id),
            &[("password", CHOSEN)],
            &first,
        )
        .await;
        assert_eq!(done.status, StatusCode::OK);
        assert!(done.body.contains("It is temporary"));
        let Login::Ok { user, .. } = login("analyst.reset", CHOSEN).await else {
            panic!("the reset password signs in")
        };
        assert!(user.must_change_password);

        let trail = store
            .audit_entries(&setu_store::audit::AuditFilter {
                entity_id: Some(coord.id.clone()),
                ..Default::default()
            })
            .await
            .unwrap();
        let steps: Vec<(&str, &str)> = trail
            .iter()
            .map(|e| (e.action.as_str(), e.actor.as_str()))
            .collect();
        assert!(
            steps.contains(&("password-reset", "second.admin")),
            "{steps:?}"
        );
        assert!(
            steps.contains(&("password-change", "coord.reset")),
            "{steps:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn users_change_their_password_and_sign_in_in_two_steps() {
    setu_testkit::each_store(|store| async move {
        let config = setu_web::WebConfig {
            auth: AuthPolicy {
                require_second_factor: true,
                ..AuthPolicy::default()
            },
            ..Default::default()
        };
        let app = setu_web::router(setu_web::App::with_config(store.clone(), config).unwrap());
        let me = sign_in(&store, "two.step", Role::DistrictCoordinator, "511").await;
        // Required and not set up: everything but her account page sends her there.
        let r = get_as(&app, "/tracing", "en", &me).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.headers[header::LOCATION], "/account");
        let page = get_as(&app, "/account", "en", &me).await;
        assert!(page.body.contains("requires two-step sign-in"));
        // An analyst (no personal data) is not asked.
        let analyst = sign_in(&store, "no.step", Role::Analyst, "511").await;
        assert_eq!(
            get_as(&app, "/indicators", "en", &analyst).await.status,
            StatusCode::OK
        );

        // Setting it up needs her password (a borrowed session alone cannot).
        let wrong = post_form(
            &app,
            "/account/second-factor",
            &[("current", "not-my-password")],
            &me,
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        let started = post_form(
            &app,
            "/account/second-factor",
            &[("current", PASSWORD)],
            &me,
        )
        .await;
        assert_eq!(started.status, StatusCode::OK);
        assert!(started.body.contains(r#"<figure class="qr""#) && started.body.contains("<svg"));
        let secret = started
            .body
            .split(r#"<code class="secret">"#)
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap()
            .to_string();
        let now = || u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap();
        let code = |t: u64| setu_store::second_factor::totp_base32(&secret, t).unwrap();
        let bad = post_form(
            &app,
            "/account/second-factor/confirm",
            &[("code", "000000")],
            &me,
        )
        .await;
        assert!(bad.body.contains("That code is not right") || code(now()) == "000000");
        let on = post_form(
            &app,
            "/account/second-factor/confirm",
            &[("code", &code(now()))],
            &me,
        )
        .await;
        assert_eq!(on.status, StatusCode::OK);
        assert!(on.body.contains("Recovery codes"));
        let recovery: Vec<String> = on
            .body
            .split(r#"<ul class="codes">"#)
            .nth(1)
            .unwrap()
            .split("<code>")
            .skip(1)
            .map(|c| c.split('<').next().unwrap().to_string())
            .collect();
        assert_eq!(recovery.len(), 10);
        assert_eq!(
            get_as(&app, "/tracing", "en", &me).await.status,
            StatusCode::OK
        );

        // Sign-in now takes the code as a second step.
        let login = |user: &'static str, pass: &'static str| {
            let app = app.clone();
            async move {
                let form = [("username", user), ("password", pass), ("next", "/tracing")];
                post_anonymous(&app, "/login", &form).await
            }
        };
        let step = |challenge: String, code: String| {
            let app = app.clone();
            async move {
                let form = [
                    ("challenge", challenge.as_str()),
                    ("code", code.as_str()),
                    ("next", "/tracing"),
                ];
                post_anonymous(&app, "/login/code", &form).await
            }
        };
        let challenge_of = |body: &str| {
            body.split(r#"name="challenge" value=""#)
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap()
                .to_string()
        };
        let first = login("two.step", PASSWORD).await;
        assert_eq!(first.status, StatusCode::OK);
        assert!(
            first.headers.get(header::SET_COOKIE).is_none(),
            "no session yet"
        );
        let challenge = challenge_of(&first.body);
        let wrong = step(challenge.clone(), "123456".into()).await;
        if code(now()) != "123456" {
            assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
            assert!(wrong.body.contains("That code is not right"));
        }
        let ok = step(challenge.clone(), code(now())).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        assert_eq!(ok.headers[header::LOCATION], "/tracing");
        let cookie = ok.headers[header::SET_COOKIE].to_str().unwrap().to_string();
        assert!(cookie.starts_with("setu_session="));
        let token = cookie["setu_session=".len()..]
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let csrf = store
            .session(&token, &AuthPolicy::default())
            .await
            .unwrap()
            .unwrap()
            .csrf_token;
        let session = Client {
            cookie: format!("setu_session={token}"),
            csrf,
        };
        // The challenge is spent (back to the password); a recovery code works once.
        let spent = step(challenge, code(now())).await;
        assert!(spent.headers.get(header::SET_COOKIE).is_none());
        assert!(spent.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login"));
        let again = challenge_of(&login("two.step", PASSWORD).await.body);
        assert_eq!(
            step(again, recovery[0].clone()).await.status,
            StatusCode::SEE_OTHER
        );
        let third = challenge_of(&login("two.step", PASSWORD).await.body);
        assert_ne!(
            step(third, recovery[0].clone()).await.status,
            StatusCode::SEE_OTHER
        );

        // She changes her own password with the current one; her sessions end.
        let me = session;
        let refused = post_form(
            &app,
            "/account/password",
            &[
                ("current", "not-my-password"),
                ("password", "a-new-long-passphrase"),
            ],
            &me,
        )
        .await;
        assert!(refused.body.contains("The current password is not right"));
        let changed = post_form(
            &app,
            "/account/password",
            &[("current", PASSWORD), ("password", "a-new-long-passphrase")],
            &me,
        )
        .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER);
        assert_eq!(
            get_as(&app, "/account", "en", &me).await.status,
            StatusCode::SEE_OTHER
        );
        let policy = AuthPolicy::default();
        assert!(matches!(
            store
                .login("two.step", "a-new-long-passphrase", "t2", &policy)
                .await
                .unwrap(),
            Login::SecondFactor { .. }
        ));
    })
    .await;
}

/// The value of the hidden input `name` in a page, unescaped.
fn hidden(body: &str, name: &str) -> Option<String> {
    let at = body.find(&format!("name=\"{name}\" value=\""))?;
    let rest = &body[at + name.len() + 15..];
    let raw = &rest[..rest.find('"')?];
    Some(
        raw.replace("&#34;", "\"")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&#60;", "<")
            .replace("&#62;", ">")
            .replace("&gt;", ">")
            .replace("&#38;", "&")
            .replace("&amp;", "&"),
    )
}

async fn post_raw(app: &Router, path: &str, cookie: &str, body: String) -> Resp {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("setu_lang=en; {cookie}"))
        .header(header::HOST, "setu.test")
        .header(
            header::REFERER,
            "http://setu.test/committees/1/meetings/new",
        )
        .body(Body::from(body))
        .unwrap();
    send(app, req).await
}

/// Minutes typed while the session timed out are not lost: the post answers with the sign-in
/// page holding the form, signing in again as the same person sends it on with the new
/// session, and it is stored. A form without the lapsed session's token, or a sign-in by
/// someone else, carries nothing; a sign-in never leads back to an address that only takes
/// forms.
#[tokio::test]
async fn a_form_posted_after_the_session_lapsed_is_sent_after_signing_in_again() {
    each_app(|app, store| async move {
        let me = sign_in(&store, "secretary", Role::LcchtMemberSecretary, "51106").await;
        let _other = sign_in(&store, "colleague", Role::LcchtMemberSecretary, "51106").await;
        let made = post_form(
            &app,
            "/committees",
            &[("kind", "lccht"), ("place", "51106")],
            &me,
        )
        .await;
        let committee = made.headers[header::LOCATION].to_str().unwrap().to_string();
        let action = format!("{committee}/meetings");
        store
            .raw_execute_for_tests("UPDATE user_session SET last_seen_at = '2000-01-01T00:00:00Z'")
            .await
            .unwrap();
        let minutes = "Ward 4 schools & budget <review> \"urgent\"";
        let form = |csrf: &str| {
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("held_on", "2081-01-01"),
                    ("agenda", minutes),
                    ("csrf", csrf),
                ])
                .finish()
        };

        // Without the lapsed session's token nothing is carried, and the sign-in leads to the
        // page the form was on, not to the address that only takes forms.
        let forged = post_raw(&app, &action, &me.cookie, form("not-the-token")).await;
        assert_eq!(forged.status, StatusCode::SEE_OTHER);
        let to = forged.headers[header::LOCATION].to_str().unwrap();
        assert_eq!(to, "/login?next=%2Fcommittees%2F1%2Fmeetings%2Fnew");

        // With it: the sign-in page, 401, holding what was typed.
        let lapsed = post_raw(&app, &action, &me.cookie, form(&me.csrf)).await;
        assert_eq!(lapsed.status, StatusCode::UNAUTHORIZED);
        assert!(lapsed.body.contains("id=\"resume-notice\""));
        // What she typed is in this page: no browser or proxy may keep it.
        assert_eq!(lapsed.headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(
            hidden(&lapsed.body, "resume_to").as_deref(),
            Some(action.as_str())
        );
        let fields = hidden(&lapsed.body, "resume_fields").unwrap();
        let proof = hidden(&lapsed.body, "resume_proof").unwrap();
        assert!(
            !fields.contains("csrf"),
            "the lapsed token is not sent on as a field"
        );
        let sign_in_as = |who: &'static str| {
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("username", who),
                    ("password", PASSWORD),
                    ("next", "/"),
                    ("resume_to", action.as_str()),
                    ("resume_fields", fields.as_str()),
                    ("resume_proof", proof.as_str()),
                ])
                .finish()
        };

        // Someone else signing in on the same phone does not send it.
        let other = post_raw(&app, "/login", &me.cookie, sign_in_as("colleague")).await;
        assert_eq!(other.status, StatusCode::SEE_OTHER);
        assert_eq!(other.headers[header::LOCATION], "/");

        // She signs in again: the page that sends it on, with her new session.
        let again = post_raw(&app, "/login", &me.cookie, sign_in_as("secretary")).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.body);
        assert!(again.body.contains("data-autosend"));
        assert_eq!(again.headers[header::CACHE_CONTROL], "no-store");
        let cookie = again.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let csrf = hidden(&again.body, "csrf").unwrap();
        assert_ne!(csrf, me.csrf);
        assert_eq!(hidden(&again.body, "agenda").as_deref(), Some(minutes));
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("held_on", hidden(&again.body, "held_on").unwrap().as_str()),
                ("agenda", minutes),
                ("csrf", csrf.as_str()),
            ])
            .finish();
        let sent = post_raw(&app, &action, &cookie, body).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let meetings = store
            .meetings(committee.rsplit('/').next().unwrap().parse().unwrap())
            .await
            .unwrap();
        assert_eq!(meetings.len(), 1);
    })
    .await;
}

/// A scope is written as people say it (a place's name in either script) or as a code, and
/// shown by name; a name several places share is refused with what to write instead.
#[tokio::test]
async fn scopes_are_written_and_shown_by_name() {
    each_app(|app, store| async move {
        let admin = sign_in(&store, "root.admin", Role::SystemAdmin, "NP").await;
        let banke = store
            .place(setu_core::PlaceCode::LocalLevel(51106))
            .await
            .unwrap()
            .unwrap();
        let (en, ne) = (banke.name_en.unwrap(), banke.name_ne.unwrap());
        for (name, typed) in [("by.name", en.as_str()), ("by.nepali", ne.as_str())] {
            let made = post_form(
                &app,
                "/admin/users",
                &[
                    ("username", name),
                    ("role", "lccht-member"),
                    ("scope", typed),
                    ("password", PASSWORD),
                ],
                &admin,
            )
            .await;
            assert_eq!(made.status, StatusCode::SEE_OTHER, "{typed}");
            let user = store.user_by_name(name).await.unwrap();
            assert_eq!(user.scope.to_string(), "51106");
        }
        let list = get_as(&app, "/admin/users", "ne", &admin).await.body;
        assert!(list.contains(&ne), "the scope by its Nepali name");
        let mine = get_as(&app, "/account", "en", &client_for(&store, "by.name").await)
            .await
            .body;
        assert!(mine.contains(&en) && !mine.contains("<dd>51106</dd>"));
        let unknown = post_form(
            &app,
            "/admin/users",
            &[
                ("username", "by.nothing"),
                ("role", "lccht-member"),
                ("scope", "Atlantis"),
                ("password", PASSWORD),
            ],
            &admin,
        )
        .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}
