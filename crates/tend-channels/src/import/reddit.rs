//! TODO(owner): the reddit importer.
