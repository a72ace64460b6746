"""Everything that crosses the network: the kiosk's outbox and downlink, the message
schema, and the community server. Reads and writes the journal; never imports the UI."""
