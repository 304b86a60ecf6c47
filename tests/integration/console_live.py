#!/usr/bin/env python3
"""The console redraws live: drives a headless Chromium over the DevTools
protocol (a websocket, spoken here with the standard library only), loads
the console with its event stream, submits a revision with budgetctl, and
waits for the overview's total to become the totals op's new answer
without the page being reloaded.  Saves a screenshot before and after.

console_live.py DEVTOOLS_PORT CONSOLE_URL BUDGETCTL DOCUMENT YEAR OUT_DIR
Prints one line per step; exits 1 on the first failure."""
import base64
import json
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request

port, url, ctl, document, year, out_dir = sys.argv[1:7]


class DevTools:
    """Just enough of RFC 6455 for the DevTools protocol: text frames,
    masked from us, unmasked from Chromium."""

    def __init__(self, ws_url):
        host_port, path = ws_url[len("ws://"):].split("/", 1)
        host, p = host_port.split(":")
        self.sock = socket.create_connection((host, int(p)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("no websocket: " + head.decode(errors="replace"))
        self.next_id = 0

    def _recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise RuntimeError("devtools closed the connection")
            data += chunk
        return data

    def _recv_message(self):
        message = b""
        while True:
            b0, b1 = self._recv_exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._recv_exact(8))[0]
            payload = self._recv_exact(n)
            if b0 & 0x0F in (0x1, 0x0):
                message += payload
                if b0 & 0x80:
                    return json.loads(message)

    def call(self, method, **params):
        self.next_id += 1
        data = json.dumps({"id": self.next_id, "method": method,
                           "params": params}).encode()
        mask = os.urandom(4)
        head = bytes([0x81])
        if len(data) < 126:
            head += bytes([0x80 | len(data)])
        elif len(data) < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", len(data))
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", len(data))
        masked = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
        self.sock.sendall(head + mask + masked)
        while True:
            m = self._recv_message()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m["result"]

    def js(self, expression):
        r = self.call("Runtime.evaluate", expression=expression,
                      returnByValue=True)
        return r["result"].get("value")

    def screenshot(self, path):
        png = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(png))


def fail(why):
    print("FAIL: " + why)
    sys.exit(1)


def wait_for(devtools, expression, want, seconds):
    end = time.monotonic() + seconds
    got = None
    while time.monotonic() < end:
        got = devtools.js(expression)
        if want(got):
            return got
        time.sleep(0.05)
    return got


def api_total():
    """The totals op's answer as the overview prints it (grouped digits,
    the decimals as given: the page formats the API's string, no float)."""
    r = subprocess.run([ctl, "--json", "totals", "--year", year, "--unit", "元"],
                       capture_output=True, text=True, check=True)
    whole, decimals = json.loads(r.stdout)["total"].split(".")
    return f"{int(whole):,}.{decimals}"


# The page target Chromium opened at start.
for _ in range(100):
    try:
        targets = json.load(urllib.request.urlopen(
            f"http://127.0.0.1:{port}/json/list", timeout=5))
        pages = [t for t in targets if t.get("type") == "page"]
        if pages:
            break
    except OSError:
        pass
    time.sleep(0.1)
else:
    fail("Chromium's DevTools did not answer")
dt = DevTools(pages[0]["webSocketDebuggerUrl"])
dt.call("Page.enable")
dt.call("Emulation.setDeviceMetricsOverride", width=1280, height=900,
        deviceScaleFactor=1, mobile=False)
dt.call("Page.navigate", url=url)
ready = wait_for(dt, "document.body && document.body.dataset.ready",
                 lambda v: v == "true", 30)
if ready != "true":
    fail("the console did not draw")
live = wait_for(dt, "document.getElementById('live').classList.contains('on')",
                lambda v: v is True, 10)
if live is not True:
    fail("the event stream did not open")
before = dt.js("document.getElementById('total').textContent")
want_before = api_total()
if before != want_before:
    fail(f"the total shown ({before}) is not the API's ({want_before})")
print(f"ok: the overview shows {before}, the API's total, and is live")
dt.screenshot(os.path.join(out_dir, "console-before.png"))
# A mark a reload would wipe out.
dt.js("window.__sameDocument = 'yes'")

started = time.monotonic()
subprocess.run([ctl, "submit", document], capture_output=True, check=True)
want_after = api_total()
if want_after == before:
    fail("the submission did not move the total")
after = wait_for(dt, "document.getElementById('total').textContent",
                 lambda v: v == want_after, 10)
took = time.monotonic() - started
if after != want_after:
    fail(f"the page still shows {after}, the API says {want_after}")
if dt.js("window.__sameDocument") != "yes":
    fail("the page was reloaded")
print(f"ok: the page showed the new total {after} {took:.2f} s after the "
      "submission, without a reload")
dt.screenshot(os.path.join(out_dir, "console-after.png"))
print(f"ok: screenshots in {out_dir}")
