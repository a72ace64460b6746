"""The community server: the collector that stores what the kiosks send, its storage
(SQLite by default, PostgreSQL to scale out), the HTTP API and the `community-server`
command."""
