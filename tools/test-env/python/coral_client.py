"""Drives an MCP server (the gateway's Coral endpoint) with the third-party Python clients.

Runs in one of the pinned virtualenvs of tools/test-env/python (`ensurePythonClients(name)` of
@pardon/test-env) and works with both SDK generations: `mcp` 1.x (`streamablehttp_client`) and
2.x (`streamable_http_client`, which takes an httpx2 client), and, where installed,
`langchain-mcp-adapters` (`MultiServerMCPClient`, which opens one MCP connection per tool call as
production's agents do).

    python coral_client.py --url URL [--transport sse|streamable] [--header 'Name: value']...
                           (--script JSON | --script-file PATH)

The script is a JSON list of steps, run in order. Every step prints one JSON line to stdout:
`{"step": i, "op": ..., "ok": true, ...}` or `{"step": i, "op": ..., "ok": false, "error": ...}`;
a failed step does not stop the script (a step with `"stop_on_error": true` does). Warnings the
SDKs log (e.g. "Session termination failed: 400") are printed as `{"log": ..., "level": ...}`
lines, and the last line is `{"op": "done", "failed": n}`. Exit status: 0, or 1 if a step failed.

Steps (`conn` names a connection, default "main"; `url`, `transport`, `headers` default to the
command line's; `timeout` is seconds, default 30):
  {"op": "connect", "conn": "a"}                    open and initialize a session, keep it open
  {"op": "close", "conn": "a"}                      close it (Streamable HTTP sends DELETE)
  {"op": "list_tools", "conn": "a"}                 -> "tools": [names]
  {"op": "call", "conn": "a", "tool": "coral_list_agents", "args": {...}}
                                                    -> "isError", "content", "json" (first text
                                                       block parsed as JSON when it is JSON)
  {"op": "call", ..., "id": "w", "background": true}  start the call, print when awaited
  {"op": "await", "id": "w"}                        the result of a background call
  {"op": "parallel", "steps": [...]}                run call / lc_call steps concurrently
  {"op": "lc_tools"}                                MultiServerMCPClient.get_tools -> "tools"
                                                    (loaded once per URL; "reload": true again)
  {"op": "lc_call", "tool": "...", "args": {...}}   invoke a LangChain tool (its own connection;
                                                    loads the tools first if no lc_tools ran)
                                                    -> "result" (0.1.x: a string; 0.3.x: blocks)
  {"op": "sleep", "seconds": 2}                     idle (scenarios that test keepalives)
  {"op": "info"}                                    -> the installed versions
  {"op": "list_tools", "schemas": true}             -> also "schemas": {name: inputSchema}
Any value may be {"$ref": "<step id or index>.json.thread.id"}: a field of an earlier record, or
{"$repeat": ["é", 100000]}: a long string (scripts travel on the command line, which caps one
argument at 128 KiB).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import time
import traceback
from importlib import metadata
from typing import Any

import mcp.client.streamable_http as streamable_http
from mcp import ClientSession
from mcp.client.sse import sse_client

MCP_VERSION = metadata.version("mcp")
MCP_MAJOR = int(MCP_VERSION.split(".")[0])


def emit(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record, default=str) + "\n")
    sys.stdout.flush()


class JsonLogHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:  # noqa: D102
        line = {"log": record.getMessage(), "level": record.levelname, "logger": record.name}
        if record.exc_info and record.exc_info[1] is not None:
            line["exception"] = error_text(record.exc_info[1])
        emit(line)


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "mcp": MCP_VERSION}
    for dist in ("langchain-mcp-adapters", "langchain-core", "httpx", "httpx2"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[dist] = metadata.version(dist)
    return out


def parse_headers(items: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition(":")
        if not sep:
            raise SystemExit(f"--header needs 'Name: value', got {item!r}")
        headers[name.strip()] = value.strip()
    return headers


def dump(value: Any) -> Any:
    """A JSON-able form of SDK results (pydantic models, content blocks, LangChain messages)."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, (list, tuple)):
        return [dump(v) for v in value]
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items()}
    return value


def first_text_json(content: Any) -> Any:
    """The first text block (or the string itself) parsed as JSON, else None."""
    text = None
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        for block in content:
            b = dump(block)
            if isinstance(b, dict) and b.get("type") == "text":
                text = b.get("text")
                break
            if isinstance(b, str):
                text = b
                break
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


async def within(awaitable: Any, seconds: float) -> Any:
    """`awaitable` with a deadline, in the current task (asyncio.wait_for would run it in a new
    task, and anyio's task groups inside the SDK transports must be exited where entered)."""
    async with asyncio.timeout(seconds):
        return await awaitable


def error_text(exc: BaseException) -> str:
    """Exception groups (anyio task groups) hide the cause: name the leaves."""
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(error_text(e) for e in exc.exceptions)
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if str(exc) else text


@contextlib.asynccontextmanager
async def open_session(url: str, transport: str, headers: dict[str, str], timeout: float):
    if transport == "sse":
        async with sse_client(url, headers=headers, timeout=timeout) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session
    elif transport == "streamable":
        if hasattr(streamable_http, "streamablehttp_client") and MCP_MAJOR < 2:
            # mcp 1.x: what langchain-mcp-adapters 0.1.x uses.
            ctx = streamable_http.streamablehttp_client(url, headers=headers, timeout=timeout)
            async with ctx as (read, write, _session_id):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    yield session
        else:
            # mcp 2.x: the transport takes a configured httpx2 client.
            http = streamable_http.create_mcp_http_client(headers=headers)
            async with http:
                async with streamable_http.streamable_http_client(url, http_client=http) as streams:
                    read, write = streams[0], streams[1]
                    async with ClientSession(read, write) as session:
                        await session.initialize()
                        yield session
    else:
        raise ValueError(f"unknown transport {transport!r}")


class Driver:
    def __init__(self, url: str, transport: str, headers: dict[str, str]) -> None:
        self.url = url
        self.transport = transport
        self.headers = headers
        self.stacks: dict[str, contextlib.AsyncExitStack] = {}
        self.sessions: dict[str, ClientSession] = {}
        self.background: dict[str, asyncio.Task[dict[str, Any]]] = {}
        self.lc_loaded: dict[tuple[str, str], asyncio.Task[list[Any]]] = {}
        self.records: dict[str, dict[str, Any]] = {}
        self.failed = 0

    def target(self, step: dict[str, Any]) -> tuple[str, str, dict[str, str]]:
        headers = {**self.headers, **step.get("headers", {})}
        return step.get("url", self.url), step.get("transport", self.transport), headers

    def session(self, step: dict[str, Any]) -> ClientSession:
        conn = step.get("conn", "main")
        if conn not in self.sessions:
            raise RuntimeError(f"no open connection {conn!r} (add a connect step)")
        return self.sessions[conn]

    async def connect(self, step: dict[str, Any]) -> dict[str, Any]:
        conn = step.get("conn", "main")
        if conn in self.sessions:
            raise RuntimeError(f"connection {conn!r} is already open")
        url, transport, headers = self.target(step)
        stack = contextlib.AsyncExitStack()
        try:
            session = await within(
                stack.enter_async_context(
                    open_session(url, transport, headers, step.get("timeout", 30))
                ),
                step.get("timeout", 30),
            )
        except BaseException:
            with contextlib.suppress(BaseException):
                await stack.aclose()
            raise
        self.stacks[conn] = stack
        self.sessions[conn] = session
        return {"conn": conn, "transport": transport}

    async def close(self, step: dict[str, Any]) -> dict[str, Any]:
        conn = step.get("conn", "main")
        stack = self.stacks.pop(conn, None)
        self.sessions.pop(conn, None)
        if stack is None:
            raise RuntimeError(f"no open connection {conn!r}")
        await within(stack.aclose(), step.get("timeout", 30))
        return {"conn": conn}

    async def call(self, step: dict[str, Any]) -> dict[str, Any]:
        session = self.session(step)
        started = time.monotonic()
        result = await within(
            session.call_tool(step["tool"], step.get("args", {})), step.get("timeout", 30)
        )
        content = dump(getattr(result, "content", None))
        return {
            "tool": step["tool"],
            # mcp 1.x names it isError, 2.x is_error.
            "isError": bool(getattr(result, "isError", None) or getattr(result, "is_error", False)),
            "content": content,
            "json": first_text_json(content),
            "ms": round((time.monotonic() - started) * 1000),
        }

    def lc_client(self, step: dict[str, Any]):
        from langchain_mcp_adapters.client import MultiServerMCPClient

        url, transport, headers = self.target(step)
        connection: dict[str, Any] = {
            "transport": "sse" if transport == "sse" else "streamable_http",
            "url": url,
            "headers": headers,
        }
        return MultiServerMCPClient({"coral": connection})

    def lc_load(self, step: dict[str, Any]) -> asyncio.Task[list[Any]]:
        """The LangChain tools of the step's server, loaded once (one connection) and reused, as
        an agent does: `get_tools()` at start-up, then every invocation has its own connection."""
        url, transport, _ = self.target(step)
        key = (url, transport)
        if key not in self.lc_loaded or step.get("reload"):
            self.lc_loaded[key] = asyncio.ensure_future(self.lc_client(step).get_tools())
        return self.lc_loaded[key]

    async def lc_tools(self, step: dict[str, Any]) -> dict[str, Any]:
        tools = await within(asyncio.shield(self.lc_load(step)), step.get("timeout", 30))
        return {"tools": sorted(t.name for t in tools)}

    async def lc_call(self, step: dict[str, Any]) -> dict[str, Any]:
        # As production's agents do: tools from MultiServerMCPClient without a session, so every
        # invocation opens (and closes) its own MCP connection.
        timeout = step.get("timeout", 30)
        tools = await within(asyncio.shield(self.lc_load(step)), timeout)
        by_name = {t.name: t for t in tools}
        if step["tool"] not in by_name:
            raise RuntimeError(f"no tool {step['tool']!r} in {sorted(by_name)}")
        started = time.monotonic()
        result = await within(by_name[step["tool"]].ainvoke(step.get("args", {})), timeout)
        return {
            "tool": step["tool"],
            "result": dump(result),
            "json": first_text_json(result),
            "ms": round((time.monotonic() - started) * 1000),
        }

    async def run_one(self, step: dict[str, Any]) -> dict[str, Any]:
        op = step["op"]
        if op == "connect":
            return await self.connect(step)
        if op == "close":
            return await self.close(step)
        if op == "list_tools":
            tools = await within(self.session(step).list_tools(), step.get("timeout", 30))
            out: dict[str, Any] = {"tools": sorted(t.name for t in tools.tools)}
            if step.get("schemas"):
                out["schemas"] = {t.name: dump(t).get("inputSchema") for t in tools.tools}
            return out
        if op == "call":
            return await self.call(step)
        if op == "lc_tools":
            return await self.lc_tools(step)
        if op == "lc_call":
            return await self.lc_call(step)
        if op == "sleep":
            await asyncio.sleep(float(step["seconds"]))
            return {}
        if op == "info":
            return {"versions": versions()}
        raise ValueError(f"unknown op {op!r}")

    def resolve(self, value: Any) -> Any:
        """`{"$ref": "<id>.json.thread.id"}` anywhere in a step: a value from an earlier step's
        printed record (named by its `id`, or its index), e.g. the id of a created thread."""
        if isinstance(value, dict):
            if set(value) == {"$repeat"}:
                text, times = value["$repeat"]
                return str(text) * int(times)
            if set(value) == {"$ref"}:
                first, *path = str(value["$ref"]).split(".")
                current: Any = self.records[first]
                for key in path:
                    current = current[int(key)] if isinstance(current, list) else current[key]
                return current
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    async def guarded(self, index: Any, step: dict[str, Any]) -> dict[str, Any]:
        record: dict[str, Any] = {"step": index, "op": step.get("op")}
        if "id" in step:
            record["id"] = step["id"]
        try:
            step = self.resolve(step)
            record.update(await self.run_one(step))
            record["ok"] = True
        except (Exception, asyncio.CancelledError) as exc:  # noqa: BLE001 - reported, not raised
            record["ok"] = False
            record["error"] = (
                f"timed out after {step.get('timeout', 30)} s"
                if isinstance(exc, (TimeoutError, asyncio.TimeoutError))
                else error_text(exc)
            )
            if step.get("traceback"):
                record["traceback"] = traceback.format_exc()
        self.records[str(index)] = record
        if "id" in step:
            self.records[str(step["id"])] = record
        return record

    async def run(self, steps: list[dict[str, Any]]) -> int:
        for index, step in enumerate(steps):
            op = step.get("op")
            if op == "parallel":
                records = await asyncio.gather(
                    *(self.guarded(f"{index}.{j}", s) for j, s in enumerate(step["steps"]))
                )
            elif step.get("background"):
                if "id" not in step:
                    raise SystemExit(f"step {index}: a background step needs an id")
                self.background[step["id"]] = asyncio.create_task(self.guarded(index, step))
                emit({"step": index, "op": op, "id": step["id"], "started": True, "ok": True})
                continue
            elif op == "await":
                task = self.background.pop(step["id"])
                records = [await task]
            else:
                records = [await self.guarded(index, step)]
            for record in records:
                if not record["ok"]:
                    self.failed += 1
                emit(record)
            if step.get("stop_on_error") and not all(r["ok"] for r in records):
                break
        for task in self.background.values():
            task.cancel()
        for conn in list(self.stacks):
            with contextlib.suppress(BaseException):
                await within(self.stacks.pop(conn).aclose(), 10)
        emit({"op": "done", "failed": self.failed})
        return 1 if self.failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--transport", choices=["sse", "streamable"], default="sse")
    parser.add_argument("--header", action="append", default=[])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--script")
    group.add_argument("--script-file")
    args = parser.parse_args()
    if args.script_file:
        with open(args.script_file, encoding="utf-8") as f:
            steps = json.load(f)
    else:
        steps = json.loads(args.script)
    handler = JsonLogHandler(level=logging.WARNING)
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    driver = Driver(args.url, args.transport, parse_headers(args.header))
    return asyncio.run(driver.run(steps))


if __name__ == "__main__":
    sys.exit(main())
