//! `aws-credential-process`: the JSON the AWS SDKs read from a `credential_process` command.
//! `Expiration` is the minted credential's expiry, so an SDK asks again before it ends.

use serde::Deserialize;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::Call;
use crate::cli::AwsCredentialArgs;
use crate::cmd::Ctx;
use crate::error::{Error, Result};

/// An AWS key pair as a secret holds it: a JSON object with the names `credential_process`
/// prints, or the credentials file's.
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
struct Pair {
    #[serde(rename = "AccessKeyId", alias = "aws_access_key_id")]
    access_key_id: String,
    #[serde(rename = "SecretAccessKey", alias = "aws_secret_access_key")]
    secret_access_key: String,
    #[serde(rename = "SessionToken", alias = "aws_session_token", default)]
    session_token: Option<String>,
}

/// The pair in `value`, or why it is not one (never quoting it: a parser's message can).
fn pair(secret: &str, value: &str) -> Result<Pair> {
    let pair: Pair = serde_json::from_str(value).map_err(|_| {
        super::malformed(secret, "does not hold an AWS key pair as JSON").hint(format!(
            "store {{\"AccessKeyId\": …, \"SecretAccessKey\": …}} in it: agentcred secret set \
             {secret} --stdin"
        ))
    })?;
    let blank = |s: &str| s.trim().is_empty();
    if blank(&pair.access_key_id)
        || blank(&pair.secret_access_key)
        || pair.session_token.as_deref().is_some_and(blank)
    {
        return Err(super::malformed(
            secret,
            "holds an AWS key pair with an empty field",
        ));
    }
    Ok(pair)
}

/// What `credential_process` prints; borrowed, so the values are copied only into the zeroed
/// answer.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Process<'a> {
    version: u32,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_token: Option<&'a str>,
    expiration: String,
}

pub fn run(ctx: &Ctx, args: AwsCredentialArgs) -> Result<()> {
    crate::secret::validate_name(&args.secret)?;
    let vault = ctx.open_vault()?;
    let call = Call::open(ctx, &vault, &args.who)?;
    let plan = call.decide(&args.secret, &args.who)?;
    let value = plan
        .secrets
        .first()
        .ok_or_else(|| Error::other(format!("no value for secret {}", args.secret)))?;
    // Checked before anything is issued: a malformed pair mints nothing.
    let pair = pair(&args.secret, value.value.expose_secret())?;
    let issued = call.issue(plan, "aws-credential-process", None)?;
    let text = zeroize::Zeroizing::new(super::json(&Process {
        version: 1,
        access_key_id: &pair.access_key_id,
        secret_access_key: &pair.secret_access_key,
        session_token: pair.session_token.as_deref(),
        expiration: crate::clock::rfc3339(issued.plan.expires_at),
    }));
    ctx.out.data(&text);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_json_with_either_set_of_names_and_nothing_else_is() {
        let p = pair(
            "aws",
            r#"{"AccessKeyId":"AKIA1","SecretAccessKey":"s","Version":1}"#,
        )
        .expect("a pair");
        assert_eq!(
            (p.access_key_id.as_str(), p.session_token.is_none()),
            ("AKIA1", true)
        );
        let p = pair(
            "aws",
            r#"{"aws_access_key_id":"AKIA2","aws_secret_access_key":"s","aws_session_token":"t"}"#,
        )
        .expect("a pair");
        assert_eq!(p.session_token.as_deref(), Some("t"));
        for bad in [
            "AKIA3:hunter2",
            r#"{"AccessKeyId":"AKIA4"}"#,
            r#"{"AccessKeyId":"","SecretAccessKey":"hunter2"}"#,
        ] {
            let e = pair("aws", bad).err().expect("refused");
            assert_eq!(e.exit_code(), 65);
            assert!(!e.to_string().contains("hunter2") && !e.to_string().contains("AKIA"));
        }
    }
}
