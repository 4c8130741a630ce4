"""Read models for the pages: aggregates computed in SQL, always limited by a Scope."""
