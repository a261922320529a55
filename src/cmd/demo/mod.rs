//! `agentcred demo`: the whole product in one minute, in a throwaway vault.
//!
//! Every step runs this same binary as a separate process against a vault in a fresh temporary
//! directory, exactly as a user would type it, and prints the command first. Nothing outside the
//! temporary directory is read or written (the vault, the passphrase file and the agent key all
//! live in it), and the directory is removed at the end, also on failure.

use std::path::Path;

use crate::cmd::Ctx;
use crate::error::{Error, Result};

mod step;

use step::Demo;

pub fn run(ctx: &Ctx) -> Result<()> {
    let tmp = tempfile::Builder::new()
        .prefix("agentcred-demo-")
        .tempdir()
        .map_err(|e| {
            Error::io(
                "cannot create a temporary directory in",
                &std::env::temp_dir(),
                e,
            )
        })?;
    let result = walk(ctx, tmp.path());
    let shown = tmp.path().display().to_string();
    drop(tmp);
    say(
        ctx,
        &format!("\nRemoved {shown}. Nothing else on this machine was touched."),
    );
    result
}

fn say(ctx: &Ctx, text: &str) {
    ctx.out.data(text);
}

fn walk(ctx: &Ctx, dir: &Path) -> Result<()> {
    let exe = std::env::current_exe()
        .map_err(|e| Error::other(format!("cannot find this program: {e}")).with_source(e))?;
    let passphrase_file = dir.join("passphrase");
    crate::vault::fsio::create_new_private(
        &passphrase_file,
        b"demo passphrase, not for real use\n",
    )?;
    let demo = Demo {
        ctx,
        exe,
        vault: dir.join("vault"),
        passphrase_file,
    };
    let key_file = dir.join("coder.key");
    let key = key_file.display().to_string();
    let fake = format!(
        "sk-demo-{}",
        crate::crypto::hex(&crate::crypto::random_bytes::<8>())
    );

    say(
        ctx,
        "agentcred demo: a throwaway vault in a temporary directory.",
    );
    say(
        ctx,
        &format!(
            "Vault: {}  (cheap Argon2id parameters: demo only)\n",
            demo.vault.display()
        ),
    );

    say(
        ctx,
        "1. Create the vault. The passphrase comes from AGENTCRED_PASSPHRASE_FILE.",
    );
    demo.admin(&[
        "init",
        "--kdf-memory-kib",
        "8192",
        "--kdf-iterations",
        "1",
        "--kdf-parallelism",
        "1",
    ])?;
    say(
        ctx,
        "\n2. Register two agents and store a (fake) upstream secret from stdin.",
    );
    demo.admin(&["agent", "add", "coder", "reviewer", "--max-ttl", "1h"])?;
    demo.run(
        &[
            "secret",
            "set",
            "openai-key",
            "--stdin",
            "--env",
            "OPENAI_API_KEY",
        ],
        Some(&fake),
        &[],
        true,
    )?;
    say(
        ctx,
        "\n3. Grant it to coder only, read-only, for at most 5 minutes per credential.",
    );
    demo.admin(&[
        "grant",
        "coder",
        "openai-key",
        "--actions",
        "read",
        "--max-ttl",
        "5m",
    ])?;
    say(
        ctx,
        "\n4. Issue coder a scoped key: what a CI step holds instead of the passphrase.",
    );
    demo.admin(&["key", "issue", "coder", "--expires", "1d", "--out", &key])?;
    say(
        ctx,
        "\n5. Run a program as coder, with only the key. It asks for 2h; the grant caps it at 5m.",
    );
    let script = "echo \"agent=$AGENTCRED_AGENT credential=$AGENTCRED_CREDENTIAL_ID expires=$AGENTCRED_EXPIRES_AT\"; \
                  echo \"injected: $AGENTCRED_SECRETS = ${OPENAI_API_KEY%${OPENAI_API_KEY#????????}}…\"; \
                  echo \"passphrase visible to me: ${AGENTCRED_PASSPHRASE_FILE:-no}\"; \
                  printf %s \"$AGENTCRED_TOKEN\" > token";
    let token_file = dir.join("token");
    demo.as_key(
        &[
            "exec",
            "--ttl",
            "2h",
            "--",
            "sh",
            "-c",
            &script.replace("> token", &format!("> {}", token_file.display())),
        ],
        &key,
    )?;
    say(
        ctx,
        "\n6. The key cannot do admin work (nor read vault.age, nor other agents' envelopes).",
    );
    demo.as_key(&["agent", "add", "intruder"], &key)?;
    say(
        ctx,
        "\n7. The program has exited, so its credential was revoked: a service verifying it now says no.",
    );
    let token = std::fs::read_to_string(&token_file).unwrap_or_default();
    demo.run(&["verify", "-"], Some(&token), &[], false)?;
    say(
        ctx,
        "\n8. Everything above is on the hash-chained audit log (no secret values in it):",
    );
    let log = std::fs::read_to_string(demo.vault.join(crate::audit::FILE)).unwrap_or_default();
    for line in log.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        let s = |k: &str| v[k].as_str().unwrap_or("-").to_string();
        say(
            ctx,
            &format!(
                "  {:>3}  {:<16} {:<20} {:<9} {:<8} {}",
                v["seq"].as_u64().unwrap_or(0),
                s("action"),
                s("actor"),
                s("agent"),
                s("result"),
                v["credential_id"]
                    .as_str()
                    .or(v["reason"].as_str())
                    .unwrap_or("")
            ),
        );
    }
    if log.contains(&fake) {
        return Err(Error::other(
            "the demo secret reached the audit log: this is a bug, please report it",
        ));
    }
    say(
        ctx,
        "\n9. Rotate the secret: the new value is served from now on, the old one only for 10 more minutes.",
    );
    let rotated = format!(
        "sk-demo-{}",
        crate::crypto::hex(&crate::crypto::random_bytes::<8>())
    );
    demo.run(
        &[
            "secret",
            "rotate",
            "openai-key",
            "--stdin",
            "--overlap",
            "10m",
        ],
        Some(&rotated),
        &[],
        true,
    )?;
    say(
        ctx,
        "\n10. Verify the audit log: the hash chain, and the checkpoints signed at every admin change.",
    );
    demo.admin(&["audit", "verify"])?;
    let log = std::fs::read_to_string(demo.vault.join(crate::audit::FILE)).unwrap_or_default();
    if log.contains(&fake) || log.contains(&rotated) {
        return Err(Error::other(
            "a demo secret reached the audit log: this is a bug, please report it",
        ));
    }
    say(
        ctx,
        "\nNext: `agentcred --help`, and the README's tour (terminal, CI step, exec wrapper, team vault).",
    );
    Ok(())
}
