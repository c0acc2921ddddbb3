"""The example app in a real browser: headless Chromium, driven through ChromeDriver.

Runs the `app` binary on a free loopback port with a fresh database in a temporary directory
(cookie sessions: no REDIS_URL), then walks what a user does: registers, logs in with
"Remember me", closes the browser and opens it again (a real restart on the same profile:
the session cookie is gone, the remember cookie restores the login), opens the fresh-only
security settings and is asked for the password again ("Session timedout, please re-login"),
enters it, logs out, and presses Back: the private page is not shown again.

    cargo build -p login-runtime-examples --example app
    python3 examples/browser/test_app.py   # needs chromium, chromium-driver and selenium

`.ci/run` installs all three and runs it.
"""

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.dont_write_bytecode = True  # no __pycache__ beside the tests
from browser_support import (  # noqa: E402 (after the line above)
    STEP_TIMEOUT,
    chrome,
    example_binary,
    free_port,
    new_profile,
    remove_profile,
    response_headers,
    stop,
    submit,
    wait_until_serving,
)

BINARY = example_binary("app")

# The app's own words (examples/src/app): what a user is shown.
LOGIN_MESSAGE = "Please log in to access this page."
SESSION_TIMED_OUT = "Session timedout, please re-login"
LOGGED_OUT = "You are logged out."
SESSION_COOKIE = "id"  # actix-session's default name; a browser-session cookie (no Max-Age)
REMEMBER_COOKIE = "remember_token"


class AppInABrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        data = cls.data = tempfile.mkdtemp(prefix="login-runtime-app-")
        # Class cleanups run even when setUpClass fails, last registered first: the server is
        # stopped, then its data removed.
        cls.addClassCleanup(shutil.rmtree, data, ignore_errors=True)
        port = free_port()
        cls.base = f"http://127.0.0.1:{port}"
        env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
        env.update(
            APP_ADDR=f"127.0.0.1:{port}",
            APP_DB=os.path.join(data, "app.sqlite3"),
            # Chosen here, so the first start prints no generated password.
            APP_ADMIN_PASSWORD=secrets.token_urlsafe(18),
            RUST_LOG="warn",
        )
        cls.output = os.path.join(data, "stdout")
        with open(cls.output, "wb") as output:
            cls.server = subprocess.Popen(
                [BINARY], env=env, stdout=output, stderr=subprocess.STDOUT
            )
        # Stopped even if the wait below fails (and, should the cleanups not run, by the
        # `finally` at the bottom of this file).
        cls.addClassCleanup(stop, cls.server)
        wait_until_serving(cls.base + "/", cls.server, timeout=60)

    def browser(self, profile):
        """A headless Chromium on `profile`, quit at the end of the test."""
        driver = chrome(profile, page_load_timeout=STEP_TIMEOUT, performance_log=True)
        self.addCleanup(driver.quit)
        return driver

    def text(self, driver):
        """What the user sees of the page."""
        return driver.find_element(By.TAG_NAME, "body").text

    def wait_for_url(self, driver, url):
        WebDriverWait(driver, STEP_TIMEOUT).until(lambda d: d.current_url == url)

    def cookies(self, driver):
        """Every cookie of the browser, by name, as DevTools reports them (a persistent one
        has `session: False` and an `expires`), with no page of the site loaded."""
        cookies = driver.execute_cdp_cmd("Storage.getCookies", {})["cookies"]
        return {cookie["name"]: cookie for cookie in cookies}

    def test_the_app_started_as_configured(self):
        with open(self.output, encoding="utf-8", errors="replace") as output:
            printed = output.read()
        self.assertIn(f"app listening on {self.base}", printed)
        self.assertIn(
            'created the admin account "admin" with the password from APP_ADMIN_PASSWORD',
            printed,
        )
        self.assertNotIn("shown only this once", printed)

    def test_visitors_are_guests(self):
        profile = new_profile()
        self.addCleanup(remove_profile, profile)
        driver = self.browser(profile)
        driver.get(self.base + "/")
        self.assertEqual(driver.title, "Home · login-runtime example app")
        self.assertIn("Hello, Guest", self.text(driver))
        self.assertIn("Log in", self.text(driver))
        # A private page sends a visitor to the login form, with the library's message.
        driver.get(self.base + "/account")
        self.assertEqual(driver.current_url, self.base + "/login?next=%2Faccount")
        self.assertIn(LOGIN_MESSAGE, self.text(driver))
        self.assertIn("Hello, Guest", self.text(driver))

    def test_register_remember_restart_refresh_logout_back(self):
        username = "walker-" + secrets.token_hex(4)
        password = "moss " + secrets.token_hex(8)
        profile = new_profile()
        self.addCleanup(remove_profile, profile)
        driver = self.browser(profile)

        # Register through the form: the new account is logged in (not remembered).
        driver.get(self.base + "/register")
        self.assertIn("Hello, Guest", self.text(driver))
        driver.find_element(By.NAME, "username").send_keys(username)
        driver.find_element(By.NAME, "password").send_keys(password)
        driver.find_element(By.NAME, "confirm").send_keys(password)
        submit(driver, "form[action='/register'] button[type=submit]")
        self.assertEqual(driver.current_url, self.base + "/account")
        page = self.text(driver)
        self.assertIn(f"Welcome, {username}! Your account is ready.", page)
        self.assertIn(f"Account of {username}", page)
        self.assertIn(f"Logged in as {username}", page)
        self.assertIn("Roles: none.", page)
        self.assertNotIn(REMEMBER_COOKIE, self.cookies(driver))

        # Log out, then log in again with "Remember me".
        submit(driver, "form[action='/logout'] button[type=submit]")
        self.assertEqual(driver.current_url, self.base + "/")
        self.assertIn(LOGGED_OUT, self.text(driver))
        self.assertIn("Hello, Guest", self.text(driver))
        driver.get(self.base + "/login")
        driver.find_element(By.NAME, "username").send_keys(username)
        driver.find_element(By.NAME, "password").send_keys(password)
        driver.find_element(By.NAME, "remember").click()
        self.assertTrue(driver.find_element(By.NAME, "remember").is_selected())
        submit(driver, "form[action='/login'] button[type=submit]")
        self.assertEqual(driver.current_url, self.base + "/")
        self.assertIn(f"Hello, {username}", self.text(driver))
        self.assertIn(f"Logged in as {username}", self.text(driver))
        # Both cookies are HttpOnly (page scripts read neither). The app's session cookie has
        # no Max-Age (actix-session's browser-session lifecycle): it ends with the browser.
        # The remember cookie has an expiry (14 days): it survives the restart below.
        self.assertEqual(driver.execute_script("return document.cookie"), "")
        cookies = self.cookies(driver)
        self.assertTrue(cookies[SESSION_COOKIE]["session"], cookies[SESSION_COOKIE])
        self.assertTrue(cookies[SESSION_COOKIE]["httpOnly"])
        self.assertFalse(cookies[REMEMBER_COOKIE]["session"], cookies[REMEMBER_COOKIE])
        self.assertTrue(cookies[REMEMBER_COOKIE]["httpOnly"])
        driver.get(self.base + "/account")
        self.assertIn("Your login is fresh", self.text(driver))

        # Restart the browser: quit it, start a new one on the same profile.
        driver.quit()
        driver = self.browser(profile)
        cookies = self.cookies(driver)
        self.assertNotIn(SESSION_COOKIE, cookies, "the session cookie ended with the browser")
        self.assertIn(REMEMBER_COOKIE, cookies, "the remember cookie survived the restart")

        # The remember cookie restores the login, but not a fresh one: the security settings
        # ask for the password again.
        driver.get(self.base + "/account/security")
        self.assertEqual(driver.current_url, self.base + "/relogin?next=%2Faccount%2Fsecurity")
        page = self.text(driver)
        self.assertIn(SESSION_TIMED_OUT, page)
        self.assertIn("Confirm your password", page)
        self.assertIn(f"You are logged in as {username} from a remembered login.", page)
        self.assertIn(f"Logged in as {username}", page)
        self.assertNotIn("Change your password", page)
        self.assertIn(SESSION_COOKIE, self.cookies(driver), "the restored login has a session")

        driver.find_element(By.NAME, "password").send_keys(password)
        response_headers(driver, "")  # forget the network events so far
        submit(driver, "form[action='/relogin'] button[type=submit]")
        self.assertEqual(driver.current_url, self.base + "/account/security")
        page = self.text(driver)
        self.assertIn("Security settings", page)
        self.assertIn("Only a fresh login reaches this page.", page)
        self.assertIn("Change your password", page)
        self.assertIn(f"Logged in as {username}", page)
        self.assertNotIn(SESSION_TIMED_OUT, page)
        # The private page may not be kept by the browser or any cache.
        headers = response_headers(driver, self.base + "/account/security")
        self.assertIsNotNone(headers, "the browser received /account/security")
        self.assertEqual(headers.get("cache-control"), "no-store", headers)

        # Log out through the form (it carries the CSRF token).
        self.assertTrue(
            driver.find_element(By.CSS_SELECTOR, "form[action='/logout'] input[name=csrf_token]")
            .get_attribute("value")
        )
        submit(driver, "form[action='/logout'] button[type=submit]")
        self.assertEqual(driver.current_url, self.base + "/")
        page = self.text(driver)
        self.assertIn(LOGGED_OUT, page)
        self.assertIn("Hello, Guest", page)
        self.assertNotIn(username, driver.page_source)
        self.assertNotIn(REMEMBER_COOKIE, self.cookies(driver), "logout deleted it")

        # Back: the browser asks for the security settings again (no-store: no copy kept)
        # and gets the login form; nothing of the account is on the page.
        driver.back()
        self.wait_for_url(driver, self.base + "/login?next=%2Faccount%2Fsecurity")
        page = self.text(driver)
        self.assertIn(LOGIN_MESSAGE, page)
        self.assertIn("Hello, Guest", page)
        self.assertNotIn(username, driver.page_source)
        self.assertNotIn("Security settings", page)
        self.assertNotIn("Change your password", page)
        self.assertNotIn("Logged in as", page)


if __name__ == "__main__":
    if not os.path.exists(BINARY):
        sys.exit(f"{BINARY} is missing: run `cargo build -p login-runtime-examples --example app`")
    try:
        unittest.main(verbosity=2)
    finally:
        # Normally done by the class cleanups already (then these do nothing); here for an
        # interrupted run.
        if getattr(AppInABrowser, "server", None) is not None:
            stop(AppInABrowser.server)
        if getattr(AppInABrowser, "data", None) is not None:
            shutil.rmtree(AppInABrowser.data, ignore_errors=True)
