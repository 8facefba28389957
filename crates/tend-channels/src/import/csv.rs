//! TODO(owner): the csv importer.
