"""`limner serve`: run the API server (uvicorn), optionally with TLS and HSTS."""

from __future__ import annotations

import logging.config
import os
from pathlib import Path
from typing import Any

import typer
import uvicorn
from fastapi import FastAPI

from limner.cli.common import DEFAULT_DATA_DIR, DataDirOption, settings_for, usage_error
from limner.generation.image_work import worker_count
from limner.logs import logging_config
from limner.main import create_app
from limner.settings import Settings


def serve(
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    host: str | None = typer.Option(None, help="Address to bind; default from config (127.0.0.1)"),
    port: int | None = typer.Option(None, help="Port; default from config (8000)"),
    tls_cert: Path | None = typer.Option(None, "--tls-cert", help="PEM certificate chain"),
    tls_key: Path | None = typer.Option(None, "--tls-key", help="PEM private key"),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Server processes sharing the port (SQLite included)"
    ),
) -> None:
    """Start Limner."""
    if (tls_cert is None) != (tls_key is None):
        usage_error("--tls-cert and --tls-key go together")
    settings = settings_for(data_dir)
    bind_host, bind_port = host or settings.server.host, port or settings.server.port
    scheme = "https" if tls_cert else "http"
    public = settings.server.public_url or f"{scheme}://{bind_host}:{bind_port}"
    settings = settings.model_copy(
        update={
            "server": settings.server.model_copy(
                update={"host": bind_host, "port": bind_port, "public_url": public}
            )
        }
    )
    log_config = configure_logging(settings)
    typer.echo(f"Limner is listening on {public} (API base URL {public}/v1)", err=True)
    if workers > 1:  # each process builds its own app from the data dir and these variables
        os.environ.update(worker_environment(data_dir, settings, workers=workers, tls=tls_cert is not None))
    app: FastAPI | str = create_app(settings, tls=tls_cert is not None) if workers == 1 else WORKER_APP
    uvicorn.run(
        app,
        factory=workers > 1,
        workers=workers,
        host=bind_host,
        port=bind_port,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        log_config=log_config,
        access_log=False,
        server_header=False,
    )


WORKER_APP = "limner.cli.serve:worker_app"
TLS_VARIABLE = "LIMNER_SERVE_TLS"


def worker_environment(data_dir: Path, settings: Settings, *, workers: int, tls: bool) -> dict[str, str]:
    """What `worker_app` reads in each process; the image workers are shared out between them."""
    env = {
        "LIMNER_DATA_DIR": str(data_dir.resolve()),
        "LIMNER_SERVER__HOST": settings.server.host,
        "LIMNER_SERVER__PORT": str(settings.server.port),
        "LIMNER_SERVER__PUBLIC_URL": settings.public_url,
        TLS_VARIABLE: "1" if tls else "",
    }
    if settings.server.image_workers < 0:
        env["LIMNER_SERVER__IMAGE_WORKERS"] = str(max(1, worker_count(-1) // workers))
    return env


def configure_logging(settings: Settings) -> dict[str, Any]:
    log_config = logging_config(settings.logging, settings.env)
    logging.config.dictConfig(log_config)
    logging.captureWarnings(True)  # library warnings in the same format, not as raw stderr text
    return log_config


def worker_app() -> FastAPI:
    """The app of one `serve --workers N` process (uvicorn calls this factory in each)."""
    settings = settings_for(Path(os.environ.get("LIMNER_DATA_DIR", str(DEFAULT_DATA_DIR))))
    configure_logging(settings)
    return create_app(settings, tls=bool(os.environ.get(TLS_VARIABLE)))
