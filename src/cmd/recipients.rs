use crate::audit::{Action, Event};
use crate::cli::RecipientsCommand;
use crate::cmd::Ctx;
use crate::crypto;
use crate::error::{Error, Result};
use crate::output::Column;
use crate::vault::config::Recipient;

pub fn run(ctx: &Ctx, command: RecipientsCommand) -> Result<()> {
    match command {
        RecipientsCommand::List => list(ctx),
        RecipientsCommand::Add { recipient } => add(ctx, &recipient),
        RecipientsCommand::Remove { recipient, yes } => remove(ctx, &recipient, yes),
    }
}

/// Recipients are public: listing them needs no unlock.
fn list(ctx: &Ctx) -> Result<()> {
    let vault = ctx.open_vault()?;
    let c = &vault.config;
    let admin_kind = match c.unlock {
        crate::vault::config::UnlockKind::Passphrase => "admin (passphrase)",
        crate::vault::config::UnlockKind::Identity => "admin (identity file)",
    };
    if ctx.out.json {
        let mut all = vec![
            serde_json::json!({"recipient": c.admin_recipient, "role": "admin", "added_at": c.created_at}),
        ];
        all.extend(c.recipients.iter().map(|r| serde_json::json!({"recipient": r.recipient, "role": "extra", "added_at": r.added_at})));
        ctx.out.json(&serde_json::json!({ "recipients": all }));
    } else {
        let mut rows = vec![vec![
            c.admin_recipient.clone(),
            admin_kind.to_string(),
            c.created_at.clone(),
        ]];
        rows.extend(
            c.recipients
                .iter()
                .map(|r| vec![r.recipient.clone(), "extra".into(), r.added_at.clone()]),
        );
        ctx.out.records(
            &[
                Column::id("RECIPIENT"),
                Column::id("ROLE"),
                Column::time("ADDED"),
            ],
            rows,
        );
    }
    Ok(())
}

fn add(ctx: &Ctx, text: &str) -> Result<()> {
    let recipient = crypto::parse_recipient(text)?.to_string();
    let mut vault = ctx.open_vault()?;
    let admin = ctx.admin_key(&vault)?;
    vault.update(&admin, ctx.now(), |c| {
        if c.state.admin_recipient == recipient
            || c.state.recipients.iter().any(|r| r.recipient == recipient)
        {
            return Err(Error::exists(format!(
                "{recipient} is already a recipient of this vault"
            )));
        }
        c.state.recipients.push(Recipient {
            recipient: recipient.clone(),
            added_at: crate::clock::rfc3339(c.now),
        });
        // Every agent envelope is encrypted to the recipients too.
        c.touch_all();
        Ok((
            (),
            vec![
                Event::admin(Action::RecipientAdd)
                    .details(serde_json::json!({ "recipient": recipient })),
            ],
        ))
    })?;
    ctx.out.done(&format!(
        "added recipient {recipient}; vault.age and every agent envelope are now encrypted to it"
    ));
    Ok(())
}

fn remove(ctx: &Ctx, text: &str, yes: bool) -> Result<()> {
    let recipient = crypto::parse_recipient(text)?.to_string();
    let mut vault = ctx.open_vault()?;
    // vault.toml's list is a copy anyone who can write the directory can edit: a recipient
    // deleted from it must not be reported "not a recipient" while the signed state still
    // encrypts to it. Once the state vouches for the copy, answer from it before asking.
    let admin = ctx.admin_key(&vault)?;
    vault.check_state(&admin)?;
    if vault.config.admin_recipient == recipient {
        return Err(Error::usage("the admin recipient cannot be removed")
            .hint("it is the vault's own identity; only extra recipients can be removed"));
    }
    if !vault
        .config
        .recipients
        .iter()
        .any(|r| r.recipient == recipient)
    {
        return Err(
            Error::not_found(format!("{recipient} is not a recipient of this vault"))
                .hint("see `agentcred recipients list`"),
        );
    }
    ctx.confirm(&format!("remove recipient {recipient}"), yes)?;
    vault.update(&admin, ctx.now(), |c| {
        let before = c.state.recipients.len();
        c.state.recipients.retain(|r| r.recipient != recipient);
        if c.state.recipients.len() == before {
            return Err(Error::not_found(format!(
                "{recipient} is not a recipient of this vault"
            )));
        }
        // The removed identity must not open any envelope written from now on either.
        c.touch_all();
        Ok((
            (),
            vec![
                Event::admin(Action::RecipientRemove)
                    .details(serde_json::json!({ "recipient": recipient })),
            ],
        ))
    })?;
    ctx.out.done(&format!(
        "removed recipient {recipient}; vault.age and every agent envelope were re-encrypted without it"
    ));
    ctx.out
        .note("the removed identity may still hold older copies: rotate the secrets it could read");
    Ok(())
}
