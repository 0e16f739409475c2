from board.embed import bp  # noqa: F401
