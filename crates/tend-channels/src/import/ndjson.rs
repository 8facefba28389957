//! TODO(owner): the ndjson importer.
