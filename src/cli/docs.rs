//! `manifesto completions` and `manifesto man`: generated from the command definitions, so
//! they never drift from the flags.

use anyhow::{Context, Result};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// Write manifesto.1 and one page per subcommand (manifesto-build.1, ...) into this folder
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn completions(a: &CompletionsArgs, mut cmd: clap::Command) -> Result<i32> {
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "manifesto", &mut buf);
    super::out!("{}", String::from_utf8_lossy(&buf))?;
    Ok(0)
}

pub fn man(a: &ManArgs, cmd: clap::Command) -> Result<i32> {
    match &a.out {
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut buf)?;
            super::out!("{}", String::from_utf8_lossy(&buf))?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            let mut plan = manifesto::write::Plan::new(dir);
            let mut pages = vec![("manifesto.1".to_string(), cmd.clone())];
            for sub in cmd.get_subcommands() {
                pages.push((format!("manifesto-{}.1", sub.get_name()), sub.clone()));
            }
            for (name, c) in pages {
                let mut buf = Vec::new();
                clap_mangen::Man::new(c).render(&mut buf)?;
                plan.add(&name, buf)?;
            }
            plan.commit()?;
        }
    }
    Ok(0)
}
