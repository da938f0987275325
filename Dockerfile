# syntax=docker/dockerfile:1
# The callcenter image: `callcenter serve` (any --role), `db upgrade`, `users add` ...
#
#   docker build -t callcenter .            (docker compose build does it for the stack)
#
# Three stages: node builds the panels (web/ -> callcenter/webapp/, as scripts/build-web does),
# python builds wheels for callcenter and every dependency, and the final stage installs those
# wheels alone: no compiler, no node, no pip cache, no sources; a non-root user; a HEALTHCHECK
# on /readyz. The build needs the npm and PyPI registries (or mirrors: NPM_CONFIG_REGISTRY,
# PIP_INDEX_URL as build args); the image then starts with no network at all.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------- web: the panels
FROM ${NODE_IMAGE} AS web
ARG NPM_CONFIG_REGISTRY=https://registry.npmjs.org/
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    NPM_CONFIG_REGISTRY=${NPM_CONFIG_REGISTRY}
WORKDIR /src/web
# the lock file first: the npm ci layer is reused until the dependencies change
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/ ./
# vite.config.ts writes to ../callcenter/webapp, i.e. /src/callcenter/webapp
RUN npm run build && test -f /src/callcenter/webapp/index.html

# ---------------------------------------------------------------------------- wheels
FROM ${PYTHON_IMAGE} AS wheels
ARG PIP_INDEX_URL=https://pypi.org/simple
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_INDEX_URL=${PIP_INDEX_URL}
WORKDIR /src
COPY pyproject.toml README.md ./
COPY callcenter/ callcenter/
COPY --from=web /src/callcenter/webapp/ callcenter/webapp/
# every dependency ships manylinux wheels for CPython 3.11 (asyncpg, argon2-cffi, ...): nothing
# is compiled here either; a wheel that had to be built would be built in this stage only
RUN pip wheel --wheel-dir /wheels .

# ---------------------------------------------------------------------------- final
FROM ${PYTHON_IMAGE} AS final
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CALLCENTER_DATA_DIR=/var/lib/callcenter/data \
    CALLCENTER_API__HOST=0.0.0.0 \
    CALLCENTER_AGI__HOST=0.0.0.0
# In a container both servers listen on every interface of the container (the published or
# network address is chosen by docker-compose.yml), not on the loopback callcenter defaults to.
RUN groupadd --system --gid 10001 callcenter \
    && useradd --system --uid 10001 --gid callcenter --home-dir /var/lib/callcenter \
       --create-home --shell /usr/sbin/nologin callcenter
RUN --mount=type=bind,from=wheels,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels callcenter \
    && python -c "import callcenter, pathlib; p = pathlib.Path(callcenter.__file__).parent / 'webapp' / 'index.html'; assert p.is_file(), p"
COPY --chmod=755 deploy/check-secrets.sh /usr/local/bin/check-secrets
COPY --chmod=755 deploy/callcenter-entrypoint.sh /usr/local/bin/callcenter-entrypoint
COPY --chmod=644 deploy/healthcheck.py /usr/local/lib/callcenter-healthcheck.py
WORKDIR /var/lib/callcenter
USER callcenter:callcenter
EXPOSE 8000 4573
# /readyz: database, Redis and (bridge) AMI. start-period covers the bridge's migrations.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/usr/local/lib/callcenter-healthcheck.py"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["callcenter-entrypoint"]
CMD ["serve"]
