//! `idance users …` as an operator runs them, next to a running `idance serve`: the
//! account made on the command line signs in over the API; exit codes as the CLI
//! contract says (0 ok, 1 refused, 2 usage).

mod common;
use common::{assert_ok, idance, serve};
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Output, Stdio};

fn with_password(args: &[&str], dir: &std::path::Path, password: &str) -> Output {
    let mut child = idance(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

async fn login(base: &str, email: &str, password: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_account_made_on_the_command_line_signs_in_until_it_is_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(idance(dir.path()));
    let add = [
        "users",
        "add",
        "Dana@Studio.example",
        "--name",
        "Dana",
        "--password-stdin",
    ];
    let out = with_password(&add, dir.path(), "bachata basics");
    assert_ok(&out);
    let id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(id.starts_with("u_"), "{id}");

    let again = with_password(&add, dir.path(), "bachata basics");
    assert_eq!(again.status.code(), Some(1), "the email is taken");
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));
    let short = with_password(
        &["users", "add", "eve@x.example", "--password-stdin"],
        dir.path(),
        "short",
    );
    assert_eq!(short.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&short.stderr).contains("8 to 256 characters"));
    let usage = idance(dir.path())
        .args(["users", "disable"])
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));

    let (status, body) = login(&served.base, "dana@studio.example", "bachata basics").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["user_id"], id.as_str());

    let out = idance(dir.path())
        .args(["users", "list", "--json"])
        .output()
        .unwrap();
    assert_ok(&out);
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed["email"], "Dana@Studio.example");
    assert_eq!(listed["disabled"], false);
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("argon2"),
        "no hash listed"
    );

    assert_ok(
        &idance(dir.path())
            .args(["users", "disable", "dana@studio.example"])
            .output()
            .unwrap(),
    );
    let (status, body) = login(&served.base, "dana@studio.example", "bachata basics").await;
    assert_eq!((status, &body["code"]), (403, &json!("account_disabled")));
    assert_ok(
        &idance(dir.path())
            .args(["users", "enable", "dana@studio.example"])
            .output()
            .unwrap(),
    );
    let out = with_password(
        &["users", "passwd", "dana@studio.example", "--password-stdin"],
        dir.path(),
        "salsa on two",
    );
    assert_ok(&out);
    assert_eq!(
        login(&served.base, "dana@studio.example", "salsa on two")
            .await
            .0,
        200
    );
    let missing = idance(dir.path())
        .args(["users", "disable", "nobody@x.example"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
}

/// `idance login` as an instructor runs it: a wrong password is refused in words, the
/// sign-in is kept in the user-only secrets file (no password in it), uploads then need
/// no `--server` or `--token`, and `idance logout` ends it here and on the server.
#[tokio::test]
async fn idance_login_keeps_a_sign_in_that_uploads_use_until_logout() {
    let server_dir = tempfile::tempdir().unwrap();
    let served = serve(idance(server_dir.path()));
    let add = ["users", "add", "kim@studio.example", "--password-stdin"];
    assert_ok(&with_password(&add, server_dir.path(), "salsa on two"));

    let client = tempfile::tempdir().unwrap();
    let login = |password: &str| {
        let args = [
            "--server",
            &served.base,
            "login",
            "--email",
            "Kim@Studio.example",
            "--password-stdin",
        ];
        with_password(&args, client.path(), password)
    };
    let wrong = login("salsa on one");
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("wrong email or password"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    let ok = login("salsa on two");
    assert_ok(&ok);
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout).trim(),
        "signed in as kim@studio.example"
    );
    let secrets = client.path().join("client").join("secrets.json");
    let kept: Value = serde_json::from_slice(&std::fs::read(&secrets).unwrap()).unwrap();
    let sign_in: Value = serde_json::from_str(kept["sign-in"].as_str().unwrap()).unwrap();
    assert_eq!(sign_in["server"], served.base.as_str());
    assert!(sign_in["refresh_token"].as_str().unwrap().len() >= 43);
    assert!(!std::fs::read_to_string(&secrets).unwrap().contains("salsa"));

    let video = client.path().join("class.mp4");
    common::make_video(&video, "testsrc=size=320x240:rate=10:duration=2", &[]);
    let upload = || {
        idance(client.path())
            .args(["upload", "--session", "new", "--json"])
            .arg(&video)
            .output()
            .unwrap()
    };
    let out = upload();
    assert_ok(&out);
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["state"], "completed", "{line}");

    let out = idance(client.path()).arg("logout").output().unwrap();
    assert_ok(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "signed out kim@studio.example"
    );
    let kept: Value = serde_json::from_slice(&std::fs::read(&secrets).unwrap()).unwrap();
    assert!(kept.get("sign-in").is_none(), "{kept}");
    // The refresh token is revoked on the server too.
    let refresh = reqwest::Client::new()
        .post(format!("{}/api/auth/refresh", served.base))
        .json(&json!({"refresh_token": sign_in["refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(refresh.status(), 401);
    let out = upload();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not signed in"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
