//! TODO(module owner): fill in.
