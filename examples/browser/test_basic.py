"""The `basic` demo in a real browser: headless Chromium, driven through ChromeDriver.

Runs the example binary on a free loopback port, then walks Flask-Login's quickstart as a
user would: the redirect to the login form with the flashed message, logging in (with
"Remember me"), the protected page, a browser restart, logging out.

    cargo build -p login-runtime-examples --example basic
    python3 examples/browser/test_basic.py   # needs chromium, chromium-driver and selenium

`.ci/run` installs all three and runs it.
"""

import os
import subprocess
import sys
import unittest

from selenium.webdriver.common.by import By

sys.dont_write_bytecode = True  # no __pycache__ beside the tests
from browser_support import (  # noqa: E402 (after the line above)
    chrome,
    example_binary,
    free_port,
    new_profile,
    remove_profile,
    stop,
    submit,
    wait_until_serving,
)

BINARY = example_binary("basic")


class BasicDemoInABrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        port = free_port()
        cls.base = f"http://127.0.0.1:{port}"
        cls.server = subprocess.Popen(
            [BINARY],
            env={**os.environ, "DEMO_PORT": str(port), "RUST_LOG": "warn"},
            stdout=subprocess.DEVNULL,
        )
        # Class cleanups run even when setUpClass fails.
        cls.addClassCleanup(stop, cls.server)
        # argon2 hashing at start-up takes a moment
        wait_until_serving(cls.base + "/", cls.server, timeout=60)

    def browser(self):
        """A fresh headless Chromium with an empty profile: a new browser, no cookies."""
        profile = new_profile()
        self.addCleanup(remove_profile, profile)
        driver = chrome(profile)
        self.addCleanup(driver.quit)
        return driver

    def submit(self, driver, selector):
        """Clicks a form's button and waits for the page it leads to."""
        submit(driver, selector, timeout=15)

    def log_in(self, driver, username, password, remember=False):
        driver.find_element(By.NAME, "username").send_keys(username)
        driver.find_element(By.NAME, "password").send_keys(password)
        if remember:
            driver.find_element(By.NAME, "remember").click()
        self.submit(driver, "form[action='/login'] button[type=submit]")

    def test_quickstart(self):
        driver = self.browser()
        driver.get(self.base + "/settings")
        self.assertEqual(driver.current_url, self.base + "/login?next=%2Fsettings")
        self.assertIn("Please log in to access this page.", driver.page_source)

        self.log_in(driver, "notch", "wrong password")
        self.assertIn("Wrong username or password.", driver.page_source)

        driver.find_element(By.NAME, "password").send_keys("minecraft")
        self.submit(driver, "form[action='/login'] button[type=submit]")
        self.assertEqual(driver.current_url, self.base + "/settings")
        self.assertIn("Notch", driver.page_source)
        # The session cookie is HttpOnly: page scripts cannot read it.
        self.assertEqual(driver.execute_script("return document.cookie"), "")

        driver.get(self.base + "/")
        self.assertIn("Hi Notch", driver.page_source)
        self.submit(driver, "form[action='/logout'] button")
        self.assertIn("Hi stranger", driver.page_source)
        driver.get(self.base + "/settings")
        self.assertEqual(driver.current_url, self.base + "/login?next=%2Fsettings")

    def test_remember_me_survives_a_browser_restart(self):
        driver = self.browser()
        driver.get(self.base + "/login")
        self.log_in(driver, "steve", "diamond", remember=True)
        self.assertIn("Hi Steve", driver.page_source)
        # A restart drops session cookies (those without an expiry); the remember cookie stays.
        session = driver.get_cookie("id")
        self.assertIsNotNone(session)
        self.assertNotIn("expiry", session, "the session cookie ends with the browser")
        driver.delete_cookie("id")
        driver.get(self.base + "/settings")
        self.assertEqual(driver.current_url, self.base + "/settings")
        self.assertIn("Steve", driver.page_source)

    def test_off_site_next_is_refused(self):
        driver = self.browser()
        driver.get(self.base + "/login?next=//evil.example/")
        self.log_in(driver, "notch", "minecraft")
        self.assertEqual(driver.current_url, self.base + "/")


if __name__ == "__main__":
    if not os.path.exists(BINARY):
        sys.exit(f"{BINARY} is missing: run `cargo build -p login-runtime-examples --example basic`")
    unittest.main(verbosity=2)
