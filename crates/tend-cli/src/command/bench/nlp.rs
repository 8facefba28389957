//! `tend bench nlp`: throughput of Tend's VADER and of the full lexical analysis
//! per core; with `--python`, Python's vaderSentiment on the same texts in the same
//! run, and the ratio. `scripts/bench-nlp.sh` provides that interpreter.

use crate::command::testdata_dir;
use anyhow::Context as _;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct NlpBench {
    /// A Python interpreter with vaderSentiment installed.
    #[arg(long, value_name = "PYTHON")]
    python: Option<PathBuf>,
    /// The labelled data folder (default: ./testdata, or the one beside the sources).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
}

impl NlpBench {
    pub fn run(&self) -> anyhow::Result<ExitCode> {
        let root = testdata_dir(self.data.as_deref());
        let full = |text: &str| {
            std::hint::black_box(tend_nlp::analyze::analyze(
                std::hint::black_box(text),
                false,
            ));
        };
        let report = tend_bench::nlp::run(&root, self.python.as_deref(), &full)
            .context("running the NLP bench")?;
        print!("{report}");
        Ok(ExitCode::SUCCESS)
    }
}
