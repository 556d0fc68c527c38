"""The `tonlage serve` command: load the model once, then serve the API and the page with uvicorn."""

from __future__ import annotations

import logging
import os
from typing import Annotated

import typer

from tonlage.common import ModelOption, PrecisionOption, clean_errors, fail, load_classifier

logger = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve_cli(
    host: Annotated[str, typer.Option("--host", help="Address to bind; the default serves this machine only.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.", min=1, max=65535)] = 8000,
    model: ModelOption = None,
    precision: PrecisionOption = "bf16",
    api_key_env: Annotated[
        str | None, typer.Option("--api-key-env", help="Require the API key held in this environment variable for /v1/*.", show_default=False)
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Most texts per forward pass across requests (1: no micro-batching).", min=1)] = 32,
    batch_wait_ms: Annotated[float, typer.Option("--batch-wait-ms", help="How long a batch waits for more requests.", min=0)] = 5.0,
    max_texts: Annotated[int, typer.Option("--max-texts", help="Texts per /v1/classify request.", min=1)] = 64,
    max_chars: Annotated[int, typer.Option("--max-chars", help="Characters per text.", min=1)] = 5000,
) -> None:
    """Serve the HTTP API (/v1/classify, /v1/articles, /v1/model, /docs) and the article page at /."""
    try:
        import uvicorn

        from tonlage.serve.app import ServeSettings, create_app
    except ImportError as exc:
        fail(f"tonlage serve needs the serve extra ({exc.name} is missing): pip install 'tonlage[serve]'")
    api_key = None
    if api_key_env is not None:
        api_key = os.environ.get(api_key_env)
        if not api_key:
            fail(f"--api-key-env {api_key_env}: the environment variable is not set or empty")
    elif host not in LOOPBACK:
        logger.warning("serving on %s without an API key: anyone who can reach it may use it (see --api-key-env)", host)
    with clean_errors():
        classifier = load_classifier(model, precision)
    from tonlage.model.artifact import DEFAULT_ARTIFACT

    settings = ServeSettings(max_texts=max_texts, max_chars=max_chars, max_batch=batch_size, max_wait_ms=batch_wait_ms, api_key=api_key)
    app = create_app(classifier, model if model is not None else DEFAULT_ARTIFACT, settings)
    typer.echo(f"Tonlage on http://{host}:{port}/ (API docs at /docs); Ctrl+C stops it", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
