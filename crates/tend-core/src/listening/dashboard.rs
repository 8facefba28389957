//! The dashboards' figures (filled in below).
