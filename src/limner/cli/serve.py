"""`limner serve`: run the API server (uvicorn), optionally with TLS and HSTS."""

from __future__ import annotations

import logging.config
from pathlib import Path

import typer
import uvicorn

from limner.cli.common import DEFAULT_DATA_DIR, DataDirOption, settings_for, usage_error
from limner.logs import logging_config
from limner.main import create_app


def serve(
    data_dir: DataDirOption = DEFAULT_DATA_DIR,
    host: str | None = typer.Option(None, help="Address to bind; default from config (127.0.0.1)"),
    port: int | None = typer.Option(None, help="Port; default from config (8000)"),
    tls_cert: Path | None = typer.Option(None, "--tls-cert", help="PEM certificate chain"),
    tls_key: Path | None = typer.Option(None, "--tls-key", help="PEM private key"),
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
    log_config = logging_config(settings.logging, settings.env)
    logging.config.dictConfig(log_config)
    logging.captureWarnings(True)  # library warnings in the same format, not as raw stderr text
    app = create_app(settings, tls=tls_cert is not None)
    typer.echo(f"Limner is listening on {public} (API base URL {public}/v1)", err=True)
    uvicorn.run(
        app,
        host=bind_host,
        port=bind_port,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        log_config=log_config,
        access_log=False,
        server_header=False,
    )
