"""One module per verb (or verb group) of the `benchdb` CLI; each exposes COMMANDS."""
