from crisiswatch.cli import app

app()
