//! `docker-credential`: the docker-credential-helpers protocol. docker runs
//! `docker-credential-NAME ACTION` with the registry's server URL (or, for `store`, the
//! credential as JSON) on stdin, and reads the answer, or the error, from stdout.

use super::{Call, DEFAULT_USERNAME};
use crate::cli::{DockerAction, DockerCredentialArgs};
use crate::cmd::Ctx;
use crate::error::{Error, Result};

/// docker's own words for "this helper has nothing for that registry": it then goes on without
/// credentials rather than failing.
pub const NOT_FOUND: &str = "credentials not found in native keychain";

/// Runs the action; an error is written to stdout, where docker reads it, on one line, and the
/// exit status is its code (1 for a registry this helper does not serve, as docker expects).
pub fn run(ctx: &Ctx, args: DockerCredentialArgs) -> Result<u8> {
    match serve(ctx, &args) {
        Ok(()) => Ok(crate::error::exit::OK),
        Err(Refusal::NotFound) => {
            ctx.out.data(NOT_FOUND);
            Ok(crate::error::exit::ERROR)
        }
        Err(Refusal::Error(e)) => {
            let line = match e.hint_text() {
                Some(hint) => format!("{e}; {hint}"),
                None => e.to_string(),
            };
            ctx.out.data(&line.replace('\n', " "));
            Ok(e.exit_code())
        }
    }
}

enum Refusal {
    NotFound,
    Error(Error),
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Self {
        Refusal::Error(e)
    }
}

/// `https://ghcr.io/v2/` → `ghcr.io`; `localhost:5000` stays as it is.
fn registry_host(server_url: &str) -> &str {
    let rest = server_url
        .split_once("://")
        .map_or(server_url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

fn serve(ctx: &Ctx, args: &DockerCredentialArgs) -> std::result::Result<(), Refusal> {
    let request = super::read_request()?;
    match args.action {
        // What `docker login` would have stored, and what `docker logout` would erase: nothing
        // is kept here, so both are accepted and change nothing.
        DockerAction::Store | DockerAction::Erase => Ok(()),
        DockerAction::List => {
            let vault = ctx.open_vault()?;
            let call = Call::open(ctx, &vault, &args.who)?;
            let username = username(args);
            let served: serde_json::Map<String, serde_json::Value> =
                super::served_hosts(&call.opened.envelope)
                    .into_iter()
                    .map(|(host, _)| (host, username.clone().into()))
                    .collect();
            ctx.out.data(&serde_json::Value::Object(served).to_string());
            Ok(())
        }
        DockerAction::Get => {
            let server_url = String::from_utf8_lossy(&request).trim().to_string();
            if server_url.is_empty() {
                return Err(Error::usage("no credentials server URL").into());
            }
            let host = registry_host(&server_url);
            let vault = ctx.open_vault()?;
            let call = Call::open(ctx, &vault, &args.who)?;
            let Some(secret) = super::secret_for(&call.opened.envelope, host, 443, None) else {
                return Err(Refusal::NotFound);
            };
            let issued = call.mint(&secret, &args.who, "docker-credential", Some(host))?;
            let answer = zeroize::Zeroizing::new(super::json(&Answer {
                server_url: &server_url,
                username: &username(args),
                secret: super::value(&issued),
            }));
            ctx.out.data(&answer);
            Ok(())
        }
    }
}

/// What `get` prints; borrowed, so the value is copied only into the zeroed answer.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Answer<'a> {
    #[serde(rename = "ServerURL")]
    server_url: &'a str,
    username: &'a str,
    secret: &'a str,
}

fn username(args: &DockerCredentialArgs) -> String {
    args.username
        .clone()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_USERNAME.to_string())
}

#[cfg(test)]
mod tests {
    use super::registry_host;

    #[test]
    fn a_server_url_names_its_registry_host() {
        assert_eq!(
            registry_host("https://index.docker.io/v1/"),
            "index.docker.io"
        );
        assert_eq!(registry_host("ghcr.io"), "ghcr.io");
        assert_eq!(registry_host("localhost:5000"), "localhost:5000");
        assert_eq!(registry_host("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
    }
}
