//! `tend analyze`: one JSON object of text signals per input line.
//!
//! Input is a file or standard input, one text per line, or JSON lines with a
//! `text` field (an `id` field is echoed back). `--format auto` (the default)
//! treats a line that starts with `{` as JSON. A JSON line without a string
//! `text` is an error naming the line.

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// JSON when a line starts with `{`, plain text otherwise.
    Auto,
    /// Every line is one text.
    Lines,
    /// Every line is a JSON object with a `text` field.
    Jsonl,
}

#[derive(Debug, Args)]
pub struct Analyze {
    /// Input file; standard input when absent or `-`.
    file: Option<PathBuf>,
    /// How to read each line.
    #[arg(long, value_enum, default_value = "auto")]
    format: Format,
    /// Add the sentiment explanation (words and rules that moved the score).
    #[arg(long)]
    explain: bool,
}

impl Analyze {
    pub fn run(&self) -> anyhow::Result<ExitCode> {
        let (name, reader): (String, Box<dyn BufRead>) = match &self.file {
            Some(path) if path.as_os_str() != "-" => {
                let file = std::fs::File::open(path)
                    .with_context(|| format!("opening {}", path.display()))?;
                (
                    path.display().to_string(),
                    Box::new(std::io::BufReader::new(file)),
                )
            }
            _ => ("<stdin>".to_owned(), Box::new(std::io::stdin().lock())),
        };
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        for (i, line) in reader.split(b'\n').enumerate() {
            let n = i + 1;
            let bytes = line.with_context(|| format!("{name}:{n}: reading"))?;
            let line = String::from_utf8(bytes).map_err(|e| {
                anyhow::anyhow!(
                    "{name}:{n}: not valid UTF-8 (byte {})",
                    e.utf8_error().valid_up_to()
                )
            })?;
            let line = line.strip_suffix('\r').unwrap_or(&line);
            let (id, text) = self.read_line(&name, n, line)?;
            let mut value = serde_json::to_value(tend_nlp::analyze::analyze(&text, self.explain))
                .with_context(|| format!("{name}:{n}: serialising"))?;
            if let (Some(id), Some(obj)) = (id, value.as_object_mut()) {
                obj.insert("id".to_owned(), id);
            }
            serde_json::to_writer(&mut out, &value).context("writing the output")?;
            out.write_all(b"\n").context("writing the output")?;
        }
        out.flush().context("writing the output")?;
        Ok(ExitCode::SUCCESS)
    }

    fn read_line(
        &self,
        name: &str,
        n: usize,
        line: &str,
    ) -> anyhow::Result<(Option<serde_json::Value>, String)> {
        let json = match self.format {
            Format::Lines => false,
            Format::Jsonl => true,
            Format::Auto => line.trim_start().starts_with('{'),
        };
        if !json {
            return Ok((None, line.to_owned()));
        }
        let value: serde_json::Value =
            serde_json::from_str(line).with_context(|| format!("{name}:{n}: invalid JSON"))?;
        let Some(obj) = value.as_object() else {
            bail!("{name}:{n}: expected a JSON object")
        };
        let Some(text) = obj.get("text").and_then(|t| t.as_str()) else {
            bail!("{name}:{n}: field `text` is missing or not a string")
        };
        Ok((obj.get("id").cloned(), text.to_owned()))
    }
}
