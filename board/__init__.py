"""Schwarzes Brett: a community notice board for one town."""

from __future__ import annotations

from typing import Any

from flask import Flask

from board.config import load_config, refuse_default_secret, trust_proxies
from board.inputs import BoardRequest


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the board for one town from its configuration."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.request_class = BoardRequest
    load_config(app, config)
    refuse_default_secret(app)
    trust_proxies(app)

    from board import site
    from board.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path) + "/migrations", render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app, locale_selector=site.select_locale, timezone_selector=lambda: "Europe/Berlin"
    )
    login_manager.init_app(app)

    from board import (  # noqa: F401  (models)
        accounts,
        admin,
        api,
        cli,
        embed,
        feeds,
        mail,
        models,
        moderation,
        organisations,
        posts,
        printing,
        subscriptions,
    )

    app.register_blueprint(site.bp)
    app.register_blueprint(posts.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(mail.bp)
    app.register_blueprint(organisations.bp)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(printing.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(subscriptions.bp)
    site.init_app(app)
    accounts.init_app(app)
    mail.init_app(app)
    cli.init_app(app)
    from board import scheduler

    scheduler.init_app(app)
    return app
