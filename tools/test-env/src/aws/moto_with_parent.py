"""Runs moto's standalone server and exits when its parent goes away.

The parent (a Node test process) holds the write end of our stdin. When it exits, even by
SIGKILL, the pipe closes, the read below returns and the server stops: no orphaned emulators.
"""
import os
import sys
import threading

from moto.server import main


def _exit_when_parent_is_gone() -> None:
    sys.stdin.read()
    os._exit(0)


threading.Thread(target=_exit_when_parent_is_gone, daemon=True).start()
main(sys.argv[1:])
