# syntax=docker/dockerfile:1
# Build stage: resolve the locked dependencies into a virtual environment with uv.
FROM python:3.11-slim-bookworm AS build
RUN pip install --no-cache-dir uv==0.13.9
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never
WORKDIR /srv/kehou
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN uv sync --frozen --no-dev

# Runtime stage: the environment and the sources, owned by an unprivileged user.
FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 kehou \
 && useradd --system --uid 10001 --gid kehou --home-dir /srv/kehou --no-create-home kehou
WORKDIR /srv/kehou
COPY --from=build --chown=kehou:kehou /srv/kehou /srv/kehou
USER 10001:10001
ENV PATH=/srv/kehou/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    KEHOU_ENVIRONMENT=production \
    KEHOU_HOST=0.0.0.0 \
    KEHOU_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"]
STOPSIGNAL SIGTERM
CMD ["kehou", "serve"]
