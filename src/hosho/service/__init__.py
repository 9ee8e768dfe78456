"""The one service layer: called by the API, the console, the CLI and the jobs alike; it owns the transaction."""
