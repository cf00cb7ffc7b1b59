"""One widget per module; each posts Messages upward and never reads files."""
