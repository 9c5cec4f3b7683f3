"""The SQL models. Installed, this folder is the package ``warehouse.sql``:
a regular package (not a namespace one) so it resolves to one folder."""
