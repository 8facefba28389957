//! TODO(owner): the stackexchange importer.
