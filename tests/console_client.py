"""The community console as an office browser sees it, over plain HTTP: a cookie session,
and each form's CSRF token read from the page that carries the form."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request


class Console:
    """A logged-in office user's browser; ``server`` is the server's URL ending in '/'."""

    def __init__(self, server: str):
        self.server = server
        self.browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str):
        return self.browser.open(self.server + path, timeout=15)

    def post(self, path: str, form: dict[str, str]):
        page = self.get(path).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return self.browser.open(self.server + path, data=urllib.parse.urlencode(form | {"csrf_token": token}).encode(),
                                 timeout=15)

    def log_in(self, name: str, password: str) -> None:
        landing = self.post("console/login", {"name": name, "password": password})
        assert "/console/login" not in landing.geturl(), f"the console refused the login of {name}"
