"""What the browser tests share: the example binaries, a free loopback port, a headless
Chromium driven through ChromeDriver, and submitting a form.

Used by `test_basic.py` and `test_app.py`; not a test itself.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

#: The longest any single browser step may take: a page load, a form submission, a wait.
STEP_TIMEOUT = 10


def example_binary(name):
    """The path `cargo build -p login-runtime-examples --example NAME` writes."""
    return os.path.join(TARGET, "debug", "examples", name)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url, process, timeout=60):
    """Polls `url` until it answers; raises if `process` exits first or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with status {process.returncode}")
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def stop(process):
    """Ends a server this test started: politely, then for sure."""
    try:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def new_profile():
    """An empty Chromium profile directory (the caller removes it with `remove_profile`)."""
    return tempfile.mkdtemp(prefix="login-runtime-chromium-")


def remove_profile(profile):
    shutil.rmtree(profile, ignore_errors=True)


def chrome(profile, page_load_timeout=30, performance_log=False):
    """A headless Chromium on the profile directory `profile`: an empty one is a new browser
    with no cookies; the same one again is the same browser restarted (persistent cookies
    kept, session cookies gone). With `performance_log`, `driver.get_log("performance")`
    holds the DevTools network events (see `response_headers`)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
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
    if performance_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(page_load_timeout)
    return driver


def submit(driver, selector, timeout=STEP_TIMEOUT):
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

    WebDriverWait(driver, timeout).until(left)


def response_headers(driver, url):
    """The headers of the last response for `url` the browser received since the previous
    call (names in lower case), from the performance log; `None` if there was none. The
    driver needs `performance_log=True`."""
    found = None
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.responseReceived":
            continue
        response = message["params"]["response"]
        if response.get("url") == url:
            found = {name.lower(): value for name, value in response["headers"].items()}
    return found
