use crate::cmd::Ctx;
use crate::error::Result;

pub fn run(ctx: &Ctx, shell: clap_complete::Shell) -> Result<()> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut crate::cli::command(), "agentcred", &mut buf);
    ctx.out.data(&String::from_utf8_lossy(&buf));
    Ok(())
}
