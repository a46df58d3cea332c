//! `login` and `logout`: a sign-in with email and password, kept in the keychain where
//! the app finds it too (`idance_core::SignIn` owns the rules).

use crate::Failure;
use crate::args::{Global, LoginArgs};
use anyhow::anyhow;
use idance_core::{ClientError, DataDir, SignIn};
use std::io::Write;

pub(crate) async fn login(data: &DataDir, global: &Global, a: LoginArgs) -> Result<(), Failure> {
    let (saved, _) = crate::client::saved_credentials(&data.client()).await?;
    let server = crate::client::server_url(data, global, saved.as_ref());
    let email = match a.email {
        Some(e) => e,
        None if a.password_stdin => {
            return Err(Failure::Usage(anyhow!(
                "--password-stdin needs --email (standard input holds the password)"
            )));
        }
        None => ask_line("Email: ")?,
    };
    let password = crate::admin::ask_password(a.password_stdin)?;
    let sign_in = SignIn::new(&server, &data.client()).map_err(|e| Failure::Usage(e.into()))?;
    let user = sign_in
        .login(&email, &password, Some("idance command line"))
        .await
        .map_err(|e| match e {
            ClientError::Offline(_) => Failure::Work(anyhow!("{e} ({server})")),
            e => Failure::Work(e.into()),
        })?;
    println!("signed in as {}", user.email);
    // Jobs that waited for a sign-in go back in line for the next `idance sync`.
    let queue = crate::client::open_queue(data)?;
    let n = idance_core::lifecycle::signed_in(&queue)
        .await
        .map_err(|e| Failure::Work(e.into()))?;
    if n > 0 {
        eprintln!("{n} upload(s) waiting for a sign-in are queued again");
    }
    Ok(())
}

pub(crate) async fn logout(data: &DataDir) -> Result<(), Failure> {
    let client_dir = data.client();
    let (saved, _) = crate::client::saved_credentials(&client_dir).await?;
    let Some(saved) = saved else {
        println!("not signed in");
        return Ok(());
    };
    let sign_in = SignIn::new(&saved.server, &client_dir).map_err(|e| Failure::Usage(e.into()))?;
    let revoked = sign_in
        .logout()
        .await
        .map_err(|e| Failure::Work(e.into()))?;
    if revoked {
        println!("signed out {}", saved.user.email);
    } else {
        println!(
            "signed out {} here; {} could not be reached, so the sign-in ends there when it expires",
            saved.user.email, saved.server
        );
    }
    Ok(())
}

fn ask_line(prompt: &str) -> Result<String, Failure> {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Failure::Usage(anyhow!("cannot read from standard input: {e}")))?;
    let line = line.trim().to_string();
    if line.is_empty() {
        return Err(Failure::Usage(anyhow!("an email is needed: pass --email")));
    }
    Ok(line)
}
