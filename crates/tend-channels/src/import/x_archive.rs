//! TODO(owner): the x_archive importer.
