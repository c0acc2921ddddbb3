"""The `basic` demo in a real browser: headless Chromium, driven through ChromeDriver.

Runs the example binary on a free loopback port, then walks Flask-Login's quickstart as a
user would: the redirect to the login form with the flashed message, logging in (with
"Remember me"), the protected page, a browser restart, logging out.

    cargo build -p login-runtime-examples --example basic
    python3 examples/browser/test_basic.py   # needs chromium, chromium-driver and selenium

`.ci/run` installs all three and runs it.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BINARY = os.path.join(TARGET, "debug", "examples", "basic")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
        deadline = time.monotonic() + 60  # argon2 hashing at start-up takes a moment
        while True:
            try:
                urllib.request.urlopen(cls.base + "/", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or cls.server.poll() is not None:
                    cls.server.kill()
                    raise
                time.sleep(0.2)

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=10)

    def browser(self):
        """A fresh headless Chromium with an empty profile: a new browser, no cookies."""
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        profile = tempfile.mkdtemp(prefix="login-runtime-chromium-")
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
        ):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        driver.set_page_load_timeout(30)
        self.addCleanup(driver.quit)
        return driver

    def submit(self, driver, selector):
        """Clicks a form's button and waits for the page it leads to."""
        page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, selector).click()

        def left(_driver):
            # Chromium reports the old page's node either as stale or, mid-navigation, as "does
            # not belong to the document": both mean the next page has replaced it.
            try:
                page.is_enabled()
                return False
            except (StaleElementReferenceException, WebDriverException):
                return True

        WebDriverWait(driver, 15).until(left)

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
