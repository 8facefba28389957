//! `tend train <model>`: retrains a learned text model from the labelled data and
//! writes the model file that the binary embeds. Training is deterministic: the
//! committed file is exactly what this produces (a test in tend-nlp checks it).

use super::testdata_dir;
use anyhow::Context as _;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Model {
    /// The learned sentiment model (ridge on hashed n-grams + VADER scores).
    Sentiment,
    /// The spam model (logistic regression on hashed n-grams).
    Spam,
}

#[derive(Debug, Args)]
pub struct Train {
    /// Which model to train.
    #[arg(value_enum)]
    model: Model,
    /// The labelled data folder (default: ./testdata, or the one beside the sources).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Where to write the model (default: the file the binary embeds, in the source tree).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

const NLP_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tend-nlp/data");

impl Train {
    pub fn run(&self) -> anyhow::Result<ExitCode> {
        let root = testdata_dir(self.data.as_deref());
        let (bytes, default_out) = match self.model {
            Model::Sentiment => (
                tend_nlp::sentiment::train(&root)
                    .context("training the sentiment model")?
                    .into_bytes(),
                format!("{NLP_DATA}/sentiment/model.txt"),
            ),
            Model::Spam => (
                tend_nlp::spam::train(&root).context("training the spam model")?,
                format!("{NLP_DATA}/spam/model.bin"),
            ),
        };
        let out = self
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from(default_out));
        std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
        println!(
            "wrote {} ({} bytes); rebuild to embed it",
            out.display(),
            bytes.len()
        );
        Ok(ExitCode::SUCCESS)
    }
}
