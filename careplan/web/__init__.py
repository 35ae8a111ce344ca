"""The web pages: server-rendered, in the Scottish Government Design System.

Every page reaches data through the same services, access decision and audit records as
the JSON API; nothing here decides who may see what.
"""

from flask import Flask


def register(app: Flask) -> None:
    from careplan.web import (
        admin_views,
        ig_views,
        me_views,
        pages,
        people_views,
        section_views,
        sharing_views,
        views,
    )

    pages.init_app(app)
    for module in (
        views,
        people_views,
        section_views,
        sharing_views,
        me_views,
        ig_views,
        admin_views,
    ):
        app.register_blueprint(module.bp)
