"""Run the platform natively (Postgres, Maven-assembled Kafka, the services) without Docker."""
