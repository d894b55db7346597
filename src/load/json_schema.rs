//! JSON Schema of the tree format, generated from the table in `schema` (placeholder).
