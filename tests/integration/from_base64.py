#!/usr/bin/python3
"""Reads an export op's reply on standard input and writes its content
(base64, or text for --text) to FILE; exit 1 with the error when the reply
is a refusal.

usage: from_base64.py FILE [--text]"""
import base64
import json
import sys

reply = json.loads(sys.stdin.buffer.read())
if not reply.get("ok"):
    print("from_base64:", reply.get("error"), file=sys.stderr)
    sys.exit(1)
with open(sys.argv[1], "wb") as f:
    if sys.argv[2:] == ["--text"]:
        f.write(reply["text"].encode("utf-8"))
    else:
        data = base64.b64decode(reply["content"], validate=True)
        if len(data) != reply["bytes"]:
            sys.exit(f"from_base64: {len(data)} bytes, the reply says {reply['bytes']}")
        f.write(data)
