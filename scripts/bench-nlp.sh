#!/usr/bin/env bash
# Benchmarks Tend's NLP against Python VADER: makes a throw-away venv with
# vaderSentiment 3.3.2, runs `tend bench nlp --python <venv>/bin/python`, removes the venv.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$(mktemp -d "${TMPDIR:-/tmp}/tend-vader-venv.XXXXXX")"
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check vaderSentiment==3.3.2
cargo run --release -p tend-cli -- bench nlp --python "$venv/bin/python"
