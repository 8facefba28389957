//! TODO(owner): the mastodon importer.
