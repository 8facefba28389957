//! TODO(owner): the discourse importer.
