from board.feeds import bp  # noqa: F401
