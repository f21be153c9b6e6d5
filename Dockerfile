# Limner's server image: slim Python, the `server` extra (the `all` extra minus the GPU stack), installed from
# the hashed lock file, running as an unprivileged user. Build: docker build -t limner .
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/limner
COPY requirements/server.lock /tmp/server.lock
RUN /opt/limner/bin/pip install --require-hashes -r /tmp/server.lock
COPY pyproject.toml README.md LICENSE /src/
COPY src /src/src
RUN /opt/limner/bin/pip install --no-deps /src

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin limner \
    && mkdir -p /data && chown limner:limner /data && chmod 0700 /data
COPY --from=build /opt/limner /opt/limner
ENV PATH=/opt/limner/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LIMNER_DATA_DIR=/data/limner \
    LIMNER_SERVER__HOST=0.0.0.0 \
    LIMNER_SERVER__PORT=8000
USER limner
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
CMD ["limner", "serve"]
