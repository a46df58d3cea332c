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
