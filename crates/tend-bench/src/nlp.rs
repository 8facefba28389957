//! Throughput benchmark behind `tend bench nlp`: Tend's VADER against Python's
//! vaderSentiment on the same 23,703 texts, and the full lexical analysis per core.
//!
//! Everything runs on one thread so the figures are per core. Python is optional:
//! `scripts/bench-nlp.sh` makes a throw-away venv with vaderSentiment 3.3.2 and passes
//! its interpreter, which runs `scripts/vader_bench.py` over the texts written to a
//! temporary file.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tend_nlp::data::DataError;
use tend_nlp::sentiment::{self, corpus};

/// Minimum wall time of one measurement; the texts are scored in whole passes until it
/// is reached, so short runs are not dominated by timer noise.
const MIN_DURATION: Duration = Duration::from_millis(1500);

/// Runs the benchmark and returns a Markdown report. `root` is the repository's
/// `testdata/` folder; `python`, if given, is an interpreter with `vaderSentiment`
/// installed; `full_analysis` is the composed per-text analysis to time.
pub fn run(
    root: &Path,
    python: Option<&Path>,
    full_analysis: &dyn Fn(&str),
) -> Result<String, DataError> {
    let items = corpus::load(root)?;
    let texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
    let tweets: Vec<&str> = items
        .iter()
        .filter(|i| i.corpus == 0)
        .map(|i| i.text.as_str())
        .collect();
    let mean_chars =
        texts.iter().map(|t| t.chars().count()).sum::<usize>() as f64 / texts.len().max(1) as f64;

    let tend_vader = throughput(&texts, &|t| {
        black_box(sentiment::vader(black_box(t)));
    });
    let python_vader = match python {
        Some(interpreter) => Some(python_throughput(root, interpreter, &texts)?),
        None => None,
    };
    let analysis_all = throughput(&texts, full_analysis);
    let analysis_tweets = throughput(&tweets, full_analysis);

    let mut out = String::new();
    let _ = writeln!(out, "### NLP throughput (single thread)\n");
    let _ = writeln!(
        out,
        "{} texts from the four VADER corpora (mean {mean_chars:.0} characters); each figure is \
         the fastest of repeated whole passes over the texts (for at least {:.1} s), timed in the \
         thread's CPU time (wall time where the OS does not report it), so it is per core even \
         on a busy machine; the Python script uses the same rule (best of 3 passes, thread CPU \
         time).\n",
        texts.len(),
        MIN_DURATION.as_secs_f64()
    );
    let _ = writeln!(out, "| what | texts/s | µs/text |\n|---|---|---|");
    let mut row = |what: &str, rate: f64| {
        let _ = writeln!(out, "| {what} | {rate:.0} | {:.2} |", 1e6 / rate);
    };
    row("Tend `vader()`", tend_vader);
    if let Some(rate) = python_vader {
        row("Python vaderSentiment `polarity_scores`", rate);
    }
    row("full analysis, all texts", analysis_all);
    row("full analysis, tweets only", analysis_tweets);
    out.push('\n');
    match python_vader {
        Some(rate) => {
            let _ = writeln!(
                out,
                "Tend VADER / Python VADER: **{:.0}×** (target >= 50×).",
                tend_vader / rate
            );
        }
        None => {
            let _ = writeln!(
                out,
                "Python not given: pass `--python <interpreter>` to compare."
            );
        }
    }
    let _ = writeln!(
        out,
        "Full analysis per core: {analysis_all:.0} texts/s over all texts, {analysis_tweets:.0} on \
         tweets (target >= 20,000)."
    );
    Ok(out)
}

/// Texts per CPU-second of `f` over `texts`: whole passes are repeated for at least
/// `MIN_DURATION` of wall time and the fastest pass counts, the same "best pass" rule
/// as the Python script. CPU time of this thread is used where the OS reports it
/// (Linux), so a busy shared machine does not distort the per-core figure; the Python
/// script measures the same way (`time.thread_time`).
fn throughput(texts: &[&str], f: &dyn Fn(&str)) -> f64 {
    if texts.is_empty() {
        return 0.0;
    }
    // One warm-up pass builds the lazily loaded lexicons and models.
    for t in texts {
        f(t);
    }
    let start = Instant::now();
    let mut best = f64::INFINITY;
    while start.elapsed() < MIN_DURATION {
        let wall = Instant::now();
        let cpu = thread_cpu_seconds();
        for t in texts {
            f(t);
        }
        let seconds = match (cpu, thread_cpu_seconds()) {
            (Some(a), Some(b)) if b > a => b - a,
            _ => wall.elapsed().as_secs_f64(),
        };
        best = best.min(seconds);
    }
    texts.len() as f64 / best
}

/// CPU time consumed by the calling thread, from `/proc/thread-self/schedstat`
/// (nanoseconds on CPU); `None` where that file does not exist.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    (nanos > 0).then_some(nanos as f64 / 1e9)
}

/// Runs `scripts/vader_bench.py` with `interpreter` over `texts` and parses the
/// `texts_per_second=<x>` line it prints.
fn python_throughput(root: &Path, interpreter: &Path, texts: &[&str]) -> Result<f64, DataError> {
    let script = root.join("..").join("scripts").join("vader_bench.py");
    let input = temp_path("tend-vader-bench", "txt");
    // One text per line: the corpora's texts contain no line breaks.
    let body = texts.join("\n");
    std::fs::write(&input, body).map_err(|source| DataError::Io {
        path: input.clone(),
        source,
    })?;
    let output = Command::new(interpreter).arg(&script).arg(&input).output();
    let _ = std::fs::remove_file(&input);
    let output = output.map_err(|source| DataError::Io {
        path: interpreter.to_owned(),
        source,
    })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    let rate = field("texts_per_second=");
    // The script must have seen exactly our texts, or the comparison is meaningless.
    let same_texts = field("texts=") == Some(texts.len() as f64);
    match (output.status.success() && same_texts, rate) {
        (true, Some(rate)) if rate > 0.0 => Ok(rate),
        _ => Err(DataError::Format {
            path: script,
            line: 0,
            message: format!(
                "python benchmark failed ({}): {}{}",
                output.status,
                stdout.trim(),
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        }),
    }
}

/// A fresh path in the system temporary folder.
fn temp_path(stem: &str, ext: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    std::env::temp_dir().join(format!("{stem}-{}-{nanos}.{ext}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_reports_tend_throughput_without_python() {
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata"));
        // TEND_BENCH_PYTHON=<venv>/bin/python adds the Python comparison when measuring by hand.
        let python = std::env::var_os("TEND_BENCH_PYTHON").map(PathBuf::from);
        let report = run(root, python.as_deref(), &|t| {
            black_box(sentiment::sentiment(t));
        })
        .unwrap_or_default();
        println!("{report}");
        assert!(report.contains("| Tend `vader()` |"), "{report}");
        assert!(report.contains(if python.is_some() {
            "Python VADER:"
        } else {
            "Python not given"
        }));
    }
}
