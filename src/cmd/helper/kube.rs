//! `kube-credential`: a client-go exec credential plugin. The client runs it with
//! `KUBERNETES_EXEC_INFO` naming the apiVersion it expects, and reads an `ExecCredential` whose
//! `status.expirationTimestamp` tells it when to run the plugin again.

use super::Call;
use crate::cli::KubeCredentialArgs;
use crate::cmd::Ctx;
use crate::error::{Error, Result};

const V1: &str = "client.authentication.k8s.io/v1";
const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

/// The apiVersion to answer in: the one `KUBERNETES_EXEC_INFO` asks for, v1 without it.
fn api_version(exec_info: Option<&str>) -> Result<&'static str> {
    let Some(text) = exec_info.filter(|t| !t.trim().is_empty()) else {
        return Ok(V1);
    };
    let info: serde_json::Value = serde_json::from_str(text)
        .map_err(|_| Error::bad_data("KUBERNETES_EXEC_INFO is not an ExecCredential as JSON"))?;
    match info.get("apiVersion").and_then(|v| v.as_str()) {
        None | Some(V1) => Ok(V1),
        Some(V1BETA1) => Ok(V1BETA1),
        Some(other) => Err(Error::config(format!(
            "kube-credential answers {V1} and {V1BETA1}, not {}",
            other.chars().take(80).collect::<String>().escape_default()
        ))
        .hint(format!(
            "set apiVersion: {V1} in the kubeconfig's exec block"
        ))),
    }
}

/// What the plugin prints; borrowed, so the token is copied only into the zeroed answer.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ExecCredential<'a> {
    api_version: &'a str,
    kind: &'a str,
    status: Status<'a>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Status<'a> {
    token: &'a str,
    expiration_timestamp: String,
}

pub fn run(ctx: &Ctx, args: KubeCredentialArgs) -> Result<()> {
    crate::secret::validate_name(&args.secret)?;
    let api_version = api_version(std::env::var("KUBERNETES_EXEC_INFO").ok().as_deref())?;
    let vault = ctx.open_vault()?;
    let call = Call::open(ctx, &vault, &args.who)?;
    let plan = call.decide(&args.secret, &args.who)?;
    let bad = plan.secrets.iter().any(|s| {
        let v = s.value.expose_secret();
        v.is_empty() || v.chars().any(|c| c.is_whitespace() || c.is_control())
    });
    if bad {
        return Err(super::malformed(
            &args.secret,
            "is not a bearer token (it is empty or has spaces or line breaks)",
        ));
    }
    let issued = call.issue(plan, "kube-credential", None)?;
    let answer = zeroize::Zeroizing::new(super::json(&ExecCredential {
        api_version,
        kind: "ExecCredential",
        status: Status {
            token: super::value(&issued),
            expiration_timestamp: crate::clock::rfc3339(issued.plan.expires_at),
        },
    }));
    ctx.out.data(&answer);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_chooses_the_api_version() {
        assert_eq!(api_version(None).unwrap(), V1);
        let info = |v: &str| {
            format!(
                r#"{{"kind":"ExecCredential","apiVersion":"{v}","spec":{{"interactive":false}}}}"#
            )
        };
        assert_eq!(api_version(Some(&info(V1BETA1))).unwrap(), V1BETA1);
        assert_eq!(api_version(Some(&info(V1))).unwrap(), V1);
        let alpha = info("client.authentication.k8s.io/v1alpha1");
        assert_eq!(api_version(Some(&alpha)).unwrap_err().exit_code(), 78);
        assert_eq!(api_version(Some("{")).unwrap_err().exit_code(), 65);
    }
}
