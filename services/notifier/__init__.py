"""The notifier: flags in, alerts out to staff over in-app, webhook and email."""
