from board.api import bp  # noqa: F401
