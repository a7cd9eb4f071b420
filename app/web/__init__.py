"""The auditor's console: Jinja2 + htmx pages over the same services as the API."""
