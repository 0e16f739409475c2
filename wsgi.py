"""The WSGI entry point for gunicorn: gunicorn wsgi:app"""

from board import create_app

app = create_app()
