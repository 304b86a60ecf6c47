#!/usr/bin/env python3
"""free_port.py SALT: prints a TCP port on 127.0.0.1 that is free now.

Below the kernel's range of ephemeral ports (32768 and up), where any
client's connection may hold a port for a while, and spread over
20000..31999 by the calling shell's process and the salt so that tests
running side by side start apart: harness_tcp_port() in
daemon_harness.c for the shell tests.
"""
import os
import socket
import sys

salt = int(sys.argv[1]) if len(sys.argv) > 1 else 0
start = (os.getppid() * 7 + salt * 1009) % 12000
for i in range(12000):
    port = 20000 + (start + i) % 12000
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
    print(port)
    sys.exit(0)
sys.exit(1)
