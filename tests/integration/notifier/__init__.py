"""Integration tests of the notifier against the real Kafka broker and Postgres."""
