"""The schedule management page at /scheduler: HTTP only, like app.api, which mounts it.

The page is static files (static/: index.html, style.css, app.js and its modules) that
talk to the REST API from the browser; the server's part is the shell: the page's words
in LANGUAGE and a few settings embedded into index.html, and the assets.
"""

from app.web.routes import STATIC_DIR, install, render_page

__all__ = ["STATIC_DIR", "install", "render_page"]
