from tonlage.cli import app

app()
