"""The HTTP API and the article page: ``create_app`` builds a FastAPI app around a loaded classifier.

Endpoints: ``POST /v1/classify``, ``POST /v1/articles``, ``GET /v1/model``, ``GET /healthz``, the page
at ``/`` and OpenAPI docs at ``/docs`` (served offline when ``fastapi-offline`` is installed) and
``/openapi.json``. All scoring goes through one :class:`~tonlage.serve.batcher.MicroBatcher`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from tonlage.model.artifact import METRICS_NAME, artifact_hash
from tonlage.model.classifier import Classifier
from tonlage.model.errors import TonlageError
from tonlage.model.explain import explanations_from_scores, occlusion_plan
from tonlage.serve.batcher import MicroBatcher
from tonlage.serve.limits import BodyLimit
from tonlage.serve.schemas import ArticleRequest, ArticleResponse, ClassifyRequest, ClassifyResponse, ModelInfo

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


@dataclass
class ServeSettings:
    """Limits and batching of a server.

    Attributes:
        max_texts: Texts per ``/v1/classify`` request.
        max_chars: Characters per text.
        max_article_chars: Characters per article.
        max_body_bytes: Bytes per request body.
        max_batch: Texts per forward pass (1 disables micro-batching).
        max_wait_ms: How long a batch waits for more requests.
        forward_batch: Sequences per model call inside a batch.
        top_k: Words per tone in explanations.
        api_key: When set, ``/v1/*`` requires it (``Authorization: Bearer`` or ``X-API-Key``).
    """

    max_texts: int = 64
    max_chars: int = 5_000
    max_article_chars: int = 100_000
    max_body_bytes: int = 1_000_000
    max_batch: int = 32
    max_wait_ms: float = 5.0
    forward_batch: int = 32
    top_k: int = 3
    api_key: str | None = None

    def public(self) -> dict[str, Any]:
        """The settings a client may see (never the key)."""
        return {k: v for k, v in asdict(self).items() if k != "api_key"}


def create_app(classifier: Classifier, artifact_dir: Path | None = None, settings: ServeSettings | None = None) -> FastAPI:
    """A FastAPI app serving ``classifier``.

    Args:
        classifier: A loaded classifier; it is only ever called from the batcher's worker thread.
        artifact_dir: Its artifact folder, for ``/v1/model`` (name, hash, metrics.json).
        settings: Limits, batching and the optional API key.
    """
    settings = settings or ServeSettings()
    batcher = MicroBatcher(
        lambda texts: classifier.predict_proba(texts, batch_size=settings.forward_batch), settings.max_batch, settings.max_wait_ms
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(
        title="Tonlage",
        summary="Tone of German diplomatic statements: warning, insult, sarcasm, gratitude.",
        version="1",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.batcher = batcher
    app.state.settings = settings
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    _add_error_handlers(app)
    _add_docs(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    info = _model_info(classifier, artifact_dir, settings)
    auth = [Depends(_key_check(settings.api_key))]
    labels = classifier.labels

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/healthz", summary="Liveness: 200 once the model is loaded")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/model", response_model=ModelInfo, dependencies=auth, summary="The served model")
    async def model_info() -> dict[str, Any]:
        return info

    @app.post("/v1/classify", response_model=ClassifyResponse, response_model_exclude_unset=True, dependencies=auth,
              summary="Classify statements")
    async def classify(body: ClassifyRequest) -> dict[str, Any]:
        _check_count(len(body.texts), settings.max_texts)
        for i, text in enumerate(body.texts):
            _check_length(text, settings.max_chars, f"texts[{i}]")
        thresholds = _check_thresholds(body.thresholds, labels)
        rows = await _score(batcher, classifier, body.texts, thresholds, body.explain, settings.top_k)
        return {"results": rows}

    @app.post("/v1/articles", response_model=ArticleResponse, response_model_exclude_unset=True, dependencies=auth,
              summary="Segment an article into statements and classify each")
    async def articles(body: ArticleRequest) -> dict[str, Any]:
        from tonlage.model.article import statement_fields
        from tonlage.model.segmentation import segment

        _check_length(body.text, settings.max_article_chars, "text")
        thresholds = _check_thresholds(body.thresholds, labels)
        statements = await asyncio.to_thread(segment, body.text)
        rows = await _score(batcher, classifier, [s.text for s in statements], thresholds, body.explain, settings.top_k)
        for statement, row in zip(statements, rows):
            row.update(statement_fields(statement))
        return {"statements": rows, "labels": labels, "thresholds": {**classifier.thresholds, **thresholds}}

    return app


async def _score(
    batcher: MicroBatcher, classifier: Classifier, texts: list[str], thresholds: dict[str, float], explain: bool, top_k: int
) -> list[dict[str, Any]]:
    """Result rows like ``model.article.classify_texts``, scored through the batcher."""
    if not texts:
        return []
    proba = await batcher.submit(texts)
    tags = classifier.tags(proba, thresholds)
    rows: list[dict[str, Any]] = [
        {"text": text, "labels": labels, "scores": {k: round(float(v), 4) for k, v in zip(classifier.labels, row)}}
        for text, labels, row in zip(texts, tags, proba)
    ]
    if explain:
        plan = occlusion_plan(texts)
        occluded = await batcher.submit(plan.variants) if plan.variants else np.zeros((0, len(classifier.labels)))
        for row, words in zip(rows, explanations_from_scores(plan, proba, occluded, classifier.labels, top_k)):
            row["explanations"] = words
    return rows


def _too_large(message: str) -> HTTPException:
    return HTTPException(status_code=413, detail=message)


def _check_count(count: int, limit: int) -> None:
    if count > limit:
        raise _too_large(f"texts: at most {limit} texts per request, got {count}")


def _check_length(text: str, limit: int, field: str) -> None:
    if len(text) > limit:
        raise _too_large(f"{field}: at most {limit} characters, got {len(text)}")


def _check_thresholds(thresholds: dict[str, float] | None, labels: list[str]) -> dict[str, float]:
    unknown = sorted(set(thresholds or {}) - set(labels))
    if unknown:
        raise RequestValidationError(
            [{"loc": ("body", "thresholds", name), "msg": f"unknown label; expected one of {', '.join(labels)}", "type": "value_error"}
             for name in unknown]
        )
    return dict(thresholds or {})


def _key_check(api_key: str | None):
    """A dependency that accepts the request only with ``api_key`` (constant-time comparison)."""
    expected = api_key.encode("utf-8") if api_key else None

    async def check(request: Request) -> None:
        if expected is None:
            return
        header = request.headers.get("authorization", "")
        given = header[7:] if header[:7].lower() == "bearer " else request.headers.get("x-api-key", "")
        # Starlette decodes header bytes as latin-1; encoding back gives the bytes sent (a UTF-8 key works).
        if not hmac.compare_digest(given.encode("latin-1"), expected):
            raise HTTPException(status_code=401, detail="missing or wrong API key (send Authorization: Bearer KEY or X-API-Key: KEY)",
                                headers={"WWW-Authenticate": "Bearer"})

    return check


def _model_info(classifier: Classifier, folder: Path | None, settings: ServeSettings) -> dict[str, Any]:
    metrics = None
    if folder is not None and (folder / METRICS_NAME).is_file():
        try:
            metrics = json.loads((folder / METRICS_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("%s: cannot read metrics (%s)", folder / METRICS_NAME, exc)
    return {
        "name": folder.name if folder is not None else None,
        "hash": artifact_hash(folder) if folder is not None else None,
        "source": classifier.source,
        "precision": classifier.precision,
        "labels": classifier.labels,
        "thresholds": classifier.thresholds,
        "metrics": metrics,
        "limits": settings.public(),
    }


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TonlageError)
    async def tonlage_error(request: Request, exc: TonlageError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse(status_code=500, content={"detail": "internal error while scoring; see the server log"})


def _add_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from local files (``fastapi-offline`` ships them), else from FastAPI's CDN."""
    from fastapi.openapi.docs import get_swagger_ui_html

    try:
        import fastapi_offline

        assets: Path | None = Path(fastapi_offline.__file__).parent / "static"
    except ImportError:
        assets = None
    if assets is not None and (assets / "swagger-ui-bundle.js").is_file():
        app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")
        urls: dict[str, Any] = {"swagger_js_url": "/docs-assets/swagger-ui-bundle.js", "swagger_css_url": "/docs-assets/swagger-ui.css",
                "swagger_favicon_url": "/docs-assets/favicon.png"}
    else:
        logger.info("fastapi-offline is not installed: /docs loads Swagger UI from a CDN (/openapi.json always works)")
        urls = {}

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Tonlage API", **urls)

