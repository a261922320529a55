//! `git-credential`: git's credential-helper protocol. git writes `key=value` lines on stdin
//! (ended by a blank line or the end of input) and appends the operation to the command line;
//! for `get` the helper answers with `username=` and `password=` lines, or with nothing, which
//! lets git try its next helper or prompt.

use super::{Call, DEFAULT_USERNAME};
use crate::cli::GitCredentialArgs;
use crate::cmd::Ctx;
use crate::error::Result;

/// What a `get` request says of the remote (other keys are ignored, as the protocol asks).
#[derive(Debug, Default, PartialEq, Eq)]
struct Asked {
    protocol: Option<String>,
    host: Option<String>,
    path: Option<String>,
    username: Option<String>,
}

fn parse(text: &str) -> Asked {
    let mut asked = Asked::default();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let slot = match key {
            "protocol" => &mut asked.protocol,
            "host" => &mut asked.host,
            "path" => &mut asked.path,
            "username" => &mut asked.username,
            _ => continue,
        };
        *slot = Some(value.to_string());
    }
    asked
}

pub fn run(ctx: &Ctx, args: GitCredentialArgs) -> Result<()> {
    let request = super::read_request()?;
    // `store` and `erase` carry a password git was given; it is read, dropped and zeroed, and
    // nothing is kept. Any other operation is one this helper does not know: ignored.
    if args.operation != "get" {
        return Ok(());
    }
    let asked = parse(&String::from_utf8_lossy(&request));
    let (Some(protocol), Some(host)) = (asked.protocol.as_deref(), asked.host.as_deref()) else {
        return Ok(());
    };
    // A token sent over plain http can be read on the way; only this machine is trusted so.
    let plain_ok = protocol == "http" && super::is_loopback(host);
    if protocol != "https" && !plain_ok {
        if protocol == "http" {
            ctx.out.warn(&format!(
                "not answering git for http://{host}: a credential goes over https only (or \
                 plain http to this machine)"
            ));
        }
        return Ok(());
    }
    let vault = ctx.open_vault()?;
    let call = Call::open(ctx, &vault, &args.who)?;
    let secret = match &args.secret {
        Some(s) => s.clone(),
        None => match super::secret_for(
            &call.opened.envelope,
            host,
            if protocol == "http" { 80 } else { 443 },
            asked.path.as_deref(),
        ) {
            Some(s) => s,
            None => {
                ctx.out.verbose(&format!(
                    "no secret granted to agent {} serves {host}: git tries its next helper",
                    call.opened.agent()
                ));
                return Ok(());
            }
        },
    };
    let username = args
        .username
        .clone()
        .or(asked.username)
        .unwrap_or_else(|| DEFAULT_USERNAME.to_string());
    if username.contains(['\n', '\r', '\0']) {
        return Err(crate::Error::usage(
            "the user name has a line break, which git's protocol cannot carry",
        ));
    }
    let plan = call.decide(&secret, &args.who)?;
    if plan
        .secrets
        .iter()
        .any(|s| s.value.expose_secret().contains(['\n', '\r', '\0']))
    {
        return Err(super::malformed(
            &secret,
            "has a line break, which git's protocol cannot carry",
        )
        .hint("store it on one line: agentcred secret set NAME --stdin"));
    }
    let issued = call.issue(plan, "git-credential", Some(host))?;
    let answer = zeroize::Zeroizing::new(format!(
        "username={username}\npassword={}\npassword_expiry_utc={}\n",
        super::value(&issued),
        issued.plan.expires_at.timestamp()
    ));
    ctx.out.data(&answer);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_read_up_to_the_blank_line_and_unknown_keys_are_ignored() {
        let asked = parse(
            "capability[]=authtype\nprotocol=https\nhost=github.com\npath=acme/app.git\n\
             wwwauth[]=Basic realm=\"x\"\nusername=bob\n\nhost=evil.example\n",
        );
        assert_eq!(
            asked,
            Asked {
                protocol: Some("https".into()),
                host: Some("github.com".into()),
                path: Some("acme/app.git".into()),
                username: Some("bob".into()),
            }
        );
        assert_eq!(parse("garbage\n"), Asked::default());
    }
}
