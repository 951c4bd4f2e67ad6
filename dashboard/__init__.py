"""The web dashboard (`crisiswatch serve`): live alerts, alert detail with playbooks, system health.

Entry point: `dashboard.app.create_app(settings)`; CLI: `dashboard.cli.register(app)`. See docs/dashboard.md."""
