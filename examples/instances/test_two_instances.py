"""Two processes of the example app on one Redis, as behind a load balancer (issue 11).

Starts `target/debug/examples/app` twice, on two loopback ports, with one database, one secret
key and one `REDIS_URL` (`LOGIN_RUNTIME_REDIS_URL`, as the Redis tests use). Then, over plain
HTTP: an account registered on the first is logged in on the second; a logout on the second
makes a copy of the cookies anonymous on both; failed logins spread over both use up one
throttle allowance. Standard library only.

    cargo build -p login-runtime-examples --example app
    LOGIN_RUNTIME_REDIS_URL=redis://127.0.0.1:6379 python3 examples/instances/test_two_instances.py
"""

import http.client
import http.cookies
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.dont_write_bytecode = True

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
APP = os.path.join(TARGET, "debug", "examples", "app")
#: The longest one request, or an instance's start, may take.
TIMEOUT = 10
#: What the login form answers to a wrong password (examples/src/app/mod.rs LOGIN_FAILED).
LOGIN_FAILED = "Wrong username or password."


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """Carries cookies across both instances (a browser keeps cookies per host, not per port)
    and does not follow redirects, so each answer can be checked."""

    def __init__(self, cookies=None):
        self.cookies = dict(cookies or {})

    def request(self, port, method, path, form=None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            res = conn.getresponse()
            text = res.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header in res.msg.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return res.status, res.getheader("Location"), text

    def form_token(self, port, path):
        status, _, page = self.request(port, "GET", path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if status != 200 or not match:
            raise AssertionError(f"no CSRF token on {path} ({status})")
        return match.group(1)


class TwoInstances(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        redis = os.environ.get("LOGIN_RUNTIME_REDIS_URL")
        if not redis:
            raise unittest.SkipTest("set LOGIN_RUNTIME_REDIS_URL to a Redis to run this test")
        cls.data = tempfile.mkdtemp(prefix="login-runtime-two-")
        cls.addClassCleanup(shutil.rmtree, cls.data, True)
        env = dict(os.environ)
        env.update(
            APP_DB=os.path.join(cls.data, "app.sqlite3"),
            APP_SECRET_KEY=secrets.token_hex(64),
            APP_ADMIN_PASSWORD="two instances admin password",
            REDIS_URL=redis,
            RUST_LOG="warn",
        )
        cls.ports = []
        for _ in range(2):
            port = free_port()
            env["APP_ADDR"] = f"127.0.0.1:{port}"
            process = subprocess.Popen(
                [APP], env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            cls.addClassCleanup(stop, process)
            wait_until_serving(port, process)
            cls.ports.append(port)

    def test_one_login_final_logouts_and_one_throttle(self):
        one, two = self.ports
        # Throttle counts live in Redis after the test: a name of this run's own.
        name = f"two{secrets.token_hex(6)}"
        password = "correct horse battery"
        browser = Browser()
        token = browser.form_token(one, "/register")
        form = {"csrf_token": token, "username": name, "password": password, "confirm": password}
        status, location, _ = browser.request(one, "POST", "/register", form)
        self.assertEqual((status, location), (303, "/account"))

        status, _, page = browser.request(two, "GET", "/account")
        self.assertEqual(status, 200, "the login made on the first instance")
        self.assertIn(f"Account of {name}", page)

        copy = Browser(browser.cookies)
        token = browser.form_token(two, "/account")
        status, location, _ = browser.request(two, "POST", "/logout", {"csrf_token": token})
        self.assertEqual((status, location), (303, "/"))
        for port in (one, two):
            status, location, _ = Browser(copy.cookies).request(port, "GET", "/account")
            self.assertEqual(status, 302, f"a copy of the cookies after logout, on :{port}")
            self.assertTrue(location.startswith("/login"), location)

        for attempt in range(6):
            port = (one, two)[attempt % 2]
            visitor = Browser()
            token = visitor.form_token(port, "/login")
            form = {"csrf_token": token, "username": name, "password": "wrong horse battery"}
            status, _, page = visitor.request(port, "POST", "/login", form)
            self.assertIn(LOGIN_FAILED, page, f"attempt {attempt + 1} on :{port} ({status})")
        for port in (one, two):
            visitor = Browser()
            token = visitor.form_token(port, "/login")
            form = {"csrf_token": token, "username": name, "password": password}
            status, _, _ = visitor.request(port, "POST", "/login", form)
            self.assertEqual(status, 429, f"the shared allowance is used up, on :{port}")


def wait_until_serving(port, process):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the app did not listen on :{port} within 60 s")


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


if __name__ == "__main__":
    unittest.main()
