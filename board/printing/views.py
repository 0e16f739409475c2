from board.printing import bp  # noqa: F401
