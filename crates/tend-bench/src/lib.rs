//! Tend's benchmarks and evaluations: the workloads, baselines and reports behind
//! `tend bench …` and `tend eval …`. The CLI's subcommands parse flags and
//! print; the measuring is here, so the product crates' `src/` hold product code
//! only. Every figure is quoted against a baseline measured in the same run,
//! because the machines are shared and noisy.
//!
//! - `accuracy`: the text signals' accuracy tables on public labelled data (`tend
//!   eval sentiment|language|toxicity|spam|questions`, `docs/accuracy.md`).
//! - `store`: the raw-SQL baseline, scratch PostgreSQL databases and bulk inbox
//!   updates for `tend bench store`, `ingest` and `inbox`.
//! - `rules`: a realistic rule set and corpus, µs per message against a keyword scan.
//! - `listening`: realistic topics over public text, compiled matcher against the
//!   reference evaluator.
//! - `nlp`: Tend's VADER against Python's and the full analysis per core.
//! - `spikes`: the spike detector on synthetic series with planted spikes;
//!   `demo_spikes`: on the demo's planted outage.
//!
//! Nothing in the product depends on this crate (`scripts/check-deps.sh`).

pub mod accuracy;
pub mod demo_spikes;
pub mod listening;
pub mod live;
pub mod nlp;
pub mod rules;
pub mod spikes;
pub mod store;
