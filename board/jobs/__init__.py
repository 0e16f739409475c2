"""Work done on a schedule rather than in a request."""
