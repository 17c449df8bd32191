"""Dashboards in the browser: each service's own page and the overview of all of them."""
