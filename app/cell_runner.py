"""Where the code cell's code runs: in a Python of its own, never in the playground's.

In the page, a second Web Worker with its own Pyodide, numpy and engine (app/site/web/cell_host.js starts
it on first use, app/site/web/cell_worker.js is its script). Natively (panel serve), a subprocess started on
first use. Either way the cell cannot freeze the playground or change its engine's defaults, and Stop
ends a run whatever it is doing by ending that Python (terminate() in the page: Pyodide's gentler
interrupt needs a SharedArrayBuffer, which browsers give only to cross-origin-isolated pages, and a
static host need not send the headers for that). The next run starts a fresh one.

Both runners answer `await runner.run(source, on_ready, on_output, send)` with the same plain dict:
    {"output": str, "error": str or None, "record": bytes or None (app/cell_record.py), "stopped": bool,
     "use": the model to send to the playground, {"source": str, "expression": str}, or None,
     "passed": the lesson check's verdict (None without a check), "check_error": why it could not hold, or None}
calling on_ready() when the code starts and on_output(text) with what it prints meanwhile. A stopped
run's output is what it printed until shortly before Stop.
"""
import asyncio
import atexit
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

from app.codecell import run_cell

ROOT = Path(__file__).resolve().parent.parent   # the folder holding app/ and engine/


def run_plain(source, on_output=None, send=False, check=None):
    """Run `source` in this Python (the cell's own) and answer with plain data (called by cell_worker.js
    and by the subprocess); `on_output(text)` receives what it prints as it runs; `send`, `check`: run_cell's."""
    return run_cell(source, on_output, send, check).plain()


def _answer(output="", error=None, record=None, stopped=False, use=None, passed=None, check_error=None):
    return {"output": output, "error": error, "record": record, "stopped": stopped, "use": use, "passed": passed,
            "check_error": check_error}


class BrowserRunner:
    """The cell's own worker, through cell_host.js (loaded into the playground's worker by worker.js)."""

    @property
    def warm(self):
        from js import cellHost
        return bool(cellHost.warm())

    async def run(self, source, on_ready=None, on_output=None, send=False, check=None):
        from js import cellHost
        from pyodide.ffi import create_proxy
        callbacks = [create_proxy(f or (lambda *_: None)) for f in (on_ready, on_output)]
        try:
            answer = await cellHost.run(source, *callbacks, send, check)
        finally:
            for callback in callbacks:
                callback.destroy()
        record = answer.record.to_bytes() if answer.record else None
        use = {"source": answer.use.source, "expression": answer.use.expression} if answer.use else None
        passed = answer.passed if isinstance(answer.passed, bool) else None   # (JS null is not None in Python)
        return _answer(answer.output, answer.error, record, bool(answer.stopped), use, passed,
                       str(answer.checkError) if answer.checkError else None)

    def stop(self):
        from js import cellHost
        cellHost.stop()


def _serve(commands, answers):
    """The subprocess: say it is ready, then run each source it is sent, sending what it prints as it
    runs and then the answer (all pickled)."""
    def send(kind, message):
        pickle.dump((kind, message), answers)
        answers.flush()

    send("ready", None)
    while True:
        try:
            source, send_model, check = pickle.load(commands)
        except EOFError:   # the playground is gone
            return
        send("answer", run_plain(source, lambda text: send("output", text), send_model, check))


def _load_in_thread(pipe):
    """pickle.load(pipe), awaited. Read in a daemon thread: an executor's thread would keep the server
    from exiting while a run goes on."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(value, error):
        if not future.done():
            future.set_exception(error) if error is not None else future.set_result(value)

    def read():
        try:
            value, error = pickle.load(pipe), None
        except Exception as e:
            value, error = None, e
        loop.call_soon_threadsafe(settle, value, error)
    threading.Thread(target=read, daemon=True, name="code cell answers").start()
    return future


class ProcessRunner:
    """A subprocess of its own, talking over two pipes of its own (not stdin/stdout, which the code may use)."""

    def __init__(self):
        self._process = self._commands = self._answers = None
        self._ready = self._stopped = self._ends_with_playground = False

    @property
    def warm(self):
        return self._process is not None and self._process.poll() is None

    def _start(self):
        self._forget()
        commands_read, commands_write = os.pipe()
        answers_read, answers_write = os.pipe()
        if not self._ends_with_playground:
            atexit.register(self.stop)   # a run going on must not outlive the playground
            self._ends_with_playground = True
        self._process = subprocess.Popen(
            [sys.executable, "-m", "app.cell_runner", str(commands_read), str(answers_write)],
            pass_fds=(commands_read, answers_write), cwd=ROOT,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))})
        os.close(commands_read)
        os.close(answers_write)
        self._commands, self._answers = os.fdopen(commands_write, "wb"), os.fdopen(answers_read, "rb")

    async def run(self, source, on_ready=None, on_output=None, send=False, check=None):
        """Run `source` there (starting that Python first if it is not running); `send`, `check`: run_cell's."""
        self._stopped = False
        if not self.warm:
            self._start()
        process, answers, printed = self._process, self._answers, []
        try:
            if not self._ready:
                await _load_in_thread(answers)
                self._ready = True
            if on_ready is not None:
                on_ready()
            pickle.dump((source, send, check), self._commands)
            self._commands.flush()
            while True:
                kind, message = await _load_in_thread(answers)
                if kind == "answer":
                    return {**message, "stopped": False}
                printed.append(message)
                if on_output is not None:
                    on_output(message)
        except (EOFError, OSError, pickle.UnpicklingError):   # it ended: Stop killed it, or the code did (os._exit)
            process.wait()
            if self._process is process:
                self._forget()
            if self._stopped:
                return _answer(output="".join(printed), stopped=True)
            return _answer(output="".join(printed),
                           error=f"The cell's Python ended by itself (exit code {process.returncode}).")

    def stop(self):
        """End the run in flight, whatever it is doing."""
        if self.warm:
            self._stopped = True
            self._process.kill()

    def _forget(self):
        for pipe in (self._commands, self._answers):
            if pipe is not None:
                pipe.close()
        self._process = self._commands = self._answers = None
        self._ready = False


def for_this_platform():
    return BrowserRunner() if sys.platform == "emscripten" else ProcessRunner()


if __name__ == "__main__":   # the subprocess of ProcessRunner: python -m app.cell_runner <commands fd> <answers fd>
    _serve(os.fdopen(int(sys.argv[1]), "rb"), os.fdopen(int(sys.argv[2]), "wb"))
