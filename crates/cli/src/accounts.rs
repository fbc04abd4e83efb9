//! Staff accounts and API tokens from the command line: adding staff, disabling and enabling
//! them, resetting passwords, ending sessions; issuing, listing and revoking tokens.

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use jiff::{SignedDuration, Timestamp};
use rollcall_core::accounts::TOKEN_LONGEST;
use rollcall_core::{Role, TokenScope};
use rollcall_store::{Accounts as _, Directory as _, NewApiToken, NewUser, StaffUser, Store};

use crate::admin::{find_school, open};
use crate::table::Table;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Adds a member of staff with a role at a school. The password is read from the
    /// ROLLCALL_PASSWORD environment variable, or from the first line of standard input.
    Add(UserAddArgs),
    /// Disables an account: its sessions end, it cannot sign in, its API tokens stop working.
    Disable(UserArgs),
    /// Enables a disabled account again.
    Enable(UserArgs),
    /// Gives an account a temporary password, printed once, to be replaced at its next
    /// sign-in; its sessions end.
    ResetPassword(UserArgs),
    /// Ends every session of an account.
    SignOut(UserArgs),
}

#[derive(Args)]
pub struct UserAddArgs {
    /// The database.
    #[arg(long, value_name = "URL")]
    db: String,
    /// The school (by URN), when the database holds more than one.
    #[arg(long, value_name = "URN", conflicts_with = "every_school")]
    school: Option<String>,
    /// The role at every school in the database: a trust's or local authority's schools.
    #[arg(long)]
    every_school: bool,
    /// The name they sign in with.
    #[arg(long)]
    username: String,
    /// Their full name.
    #[arg(long)]
    name: String,
    /// Their position, as recorded with their amendments.
    #[arg(long)]
    position: String,
    /// Their role: teacher, attendance_officer, senior_leader, trust_director, la_officer or
    /// governor.
    #[arg(long)]
    role: String,
    /// Registration groups they look after (repeatable).
    #[arg(long = "group", value_name = "NAME")]
    groups: Vec<String>,
}

#[derive(Args)]
pub struct UserArgs {
    /// The database.
    #[arg(long, value_name = "URL")]
    db: String,
    /// The member of staff.
    #[arg(long)]
    username: String,
}

fn read_password(context: &[&str]) -> anyhow::Result<String> {
    let password = match std::env::var("ROLLCALL_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            eprintln!("Password (one line):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    rollcall_core::check_password(&password, context)
        .with_context(|| "choose another password".to_owned())?;
    Ok(password)
}

async fn find_user(store: &dyn Store, username: &str) -> anyhow::Result<StaffUser> {
    store
        .user_by_username(username)
        .await?
        .with_context(|| format!("there is no member of staff with the username {username:?}"))
}

/// What is done to an existing account.
enum Change {
    Disable,
    Enable,
    ResetPassword,
    SignOut,
}

pub fn user(command: &UserCommand) -> anyhow::Result<()> {
    let (args, change) = match command {
        UserCommand::Add(args) => return add_user(args),
        UserCommand::Disable(args) => (args, Change::Disable),
        UserCommand::Enable(args) => (args, Change::Enable),
        UserCommand::ResetPassword(args) => (args, Change::ResetPassword),
        UserCommand::SignOut(args) => (args, Change::SignOut),
    };
    crate::runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let user = find_user(&store, &args.username).await?;
        match change {
            Change::Disable => {
                store.set_disabled(user.id, Some(Timestamp::now())).await?;
                println!("Disabled {} ({}).", user.name, user.username);
            }
            Change::Enable => {
                store.set_disabled(user.id, None).await?;
                println!("Enabled {} ({}).", user.name, user.username);
            }
            Change::ResetPassword => {
                let password = rollcall_web::temporary_password();
                let hash = rollcall_web::Passwords::default().hash(&password).await?;
                store.set_password(user.id, &hash, true).await?;
                eprintln!(
                    "{} ({}) has a temporary password, to be replaced when they next sign in:",
                    user.name, user.username
                );
                println!("{password}");
            }
            Change::SignOut => {
                let ended = store.end_sessions(user.id).await?;
                println!(
                    "Ended {ended} sessions of {} ({}).",
                    user.name, user.username
                );
            }
        }
        store.close().await;
        Ok(())
    })
}

fn add_user(args: &UserAddArgs) -> anyhow::Result<()> {
    let role = Role::parse(&args.role).with_context(|| {
        format!(
            "{:?} is not a role: teacher, attendance_officer, senior_leader, trust_director, la_officer or governor",
            args.role
        )
    })?;
    let password = read_password(&[&args.username, &args.name])?;
    crate::runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let schools = if args.every_school {
            store.schools().await?
        } else {
            vec![find_school(&store, args.school.as_deref()).await?]
        };
        let hash = rollcall_web::Passwords::default().hash(&password).await?;
        let user = store
            .create_user(&NewUser {
                username: args.username.clone(),
                name: args.name.clone(),
                position: args.position.clone(),
                password_hash: Some(hash),
            })
            .await?;
        for school in &schools {
            store.grant_role(user, school.id, role).await?;
            for group in &args.groups {
                let id = store.ensure_group(school.id, group).await?;
                store.assign_staff(id, user).await?;
            }
        }
        let names: Vec<&str> = schools.iter().map(|s| s.name.as_str()).collect();
        println!(
            "Added {} ({}) as {} at {}.",
            args.name,
            args.username,
            role,
            names.join(", ")
        );
        store.close().await;
        Ok(())
    })
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Issues an API token acting as a member of staff; it is shown once.
    Create(TokenArgs),
    /// Lists API tokens (never the tokens themselves): all, or one member of staff's.
    List(TokenListArgs),
    /// Revokes an API token by its number, as `token list` shows it.
    Revoke(TokenRevokeArgs),
}

#[derive(Args)]
pub struct TokenArgs {
    /// The database.
    #[arg(long, value_name = "URL")]
    db: String,
    /// The member of staff the token acts as.
    #[arg(long)]
    username: String,
    /// What the token is for, such as "MIS sync".
    #[arg(long)]
    name: String,
    /// What it may do: read (GET requests only) or read-write.
    #[arg(long, default_value = "read")]
    scope: String,
    /// How many days it works for, at most 366.
    #[arg(long, default_value_t = 90)]
    days: u16,
}

#[derive(Args)]
pub struct TokenListArgs {
    /// The database.
    #[arg(long, value_name = "URL")]
    db: String,
    /// Only this member of staff's tokens.
    #[arg(long)]
    username: Option<String>,
}

#[derive(Args)]
pub struct TokenRevokeArgs {
    /// The database.
    #[arg(long, value_name = "URL")]
    db: String,
    /// The token's number.
    id: i64,
}

pub fn token(command: &TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create(args) => create_token(args),
        TokenCommand::List(args) => list_tokens(args),
        TokenCommand::Revoke(args) => revoke_token(args),
    }
}

fn create_token(args: &TokenArgs) -> anyhow::Result<()> {
    let scope = TokenScope::parse(&args.scope)
        .with_context(|| format!("{:?} is not a scope: read or read-write", args.scope))?;
    let lasts = SignedDuration::from_hours(24 * i64::from(args.days));
    if args.days == 0 || lasts > TOKEN_LONGEST {
        bail!("--days must be from 1 to 366");
    }
    crate::runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let user = find_user(&store, &args.username).await?;
        let token = rollcall_web::new_token();
        let now = Timestamp::now();
        let id = store
            .create_api_token(&NewApiToken {
                token_hash: &rollcall_web::token_hash(&token),
                user: user.id,
                name: &args.name,
                scope,
                at: now,
                expires: now.checked_add(lasts)?,
            })
            .await?;
        eprintln!(
            "Token #{id} ({}) acts as {}, until {}:",
            scope.id(),
            user.username,
            now.checked_add(lasts)?.strftime("%Y-%m-%d")
        );
        println!("{token}");
        store.close().await;
        Ok(())
    })
}

fn list_tokens(args: &TokenListArgs) -> anyhow::Result<()> {
    crate::runtime()?.block_on(async {
        let store = open(&args.db).await?;
        let user = match &args.username {
            Some(username) => Some(find_user(&store, username).await?.id),
            None => None,
        };
        let now = Timestamp::now();
        let mut table = Table::new(
            &[
                "#", "Name", "Acts as", "Scope", "Issued", "Expires", "State",
            ],
            &[true, false, false, false, false, false, false],
        );
        for token in store.api_tokens(user).await? {
            let state = match (token.revoked, token.live(now)) {
                (Some(at), _) => format!("revoked {}", at.strftime("%Y-%m-%d")),
                (None, false) => "expired".to_owned(),
                (None, true) => "live".to_owned(),
            };
            table.row(vec![
                token.id.to_string(),
                token.name,
                token.username,
                token.scope.id().to_owned(),
                token.created.strftime("%Y-%m-%d").to_string(),
                token.expires.strftime("%Y-%m-%d").to_string(),
                state,
            ]);
        }
        match table.is_empty() {
            true => println!("No API tokens."),
            false => print!("{}", table.render()),
        }
        store.close().await;
        Ok(())
    })
}

fn revoke_token(args: &TokenRevokeArgs) -> anyhow::Result<()> {
    crate::runtime()?.block_on(async {
        let store = open(&args.db).await?;
        if !store.revoke_api_token(args.id, Timestamp::now()).await? {
            bail!("there is no live API token #{}", args.id);
        }
        println!("Revoked API token #{}.", args.id);
        store.close().await;
        Ok(())
    })
}
