//! Azure Policy evaluation (issue #5): canopy's own evaluator. Being built; not yet wired to a
//! command.
