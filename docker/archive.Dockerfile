# Read-only web archive of the bot's database: Datasette with full-text search.
# Built and started by `docker compose --profile archive up -d` (see README "Docker").
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1
COPY docker/archive.lock /tmp/archive.lock
RUN python3 -m venv /opt/datasette \
    && /opt/datasette/bin/pip install --no-cache-dir --require-hashes --only-binary=:all: \
        -r /tmp/archive.lock \
    && /opt/datasette/bin/python -m pip uninstall --yes pip \
    && rm -f /tmp/archive.lock

FROM ${BASE_IMAGE}
ARG UID=10001
ENV PATH=/opt/datasette/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid ${UID} newsbot \
    && useradd --system --uid ${UID} --gid ${UID} --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin newsbot
COPY --from=build /opt/datasette /opt/datasette
COPY docker/archive-metadata.yml /etc/newsbot-archive/metadata.yml
COPY docker/archive-plugins/ /etc/newsbot-archive/plugins/
USER ${UID}:${UID}
EXPOSE 8001
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8001/-/versions.json', timeout=5)"]
# Datasette opens a database that may change read-only (mode=ro) and has no write API, and
# the compose file mounts the volume read-only as well.
ENTRYPOINT ["datasette", "serve", "--host", "0.0.0.0", "--port", "8001", \
    "--metadata", "/etc/newsbot-archive/metadata.yml", \
    "--plugins-dir", "/etc/newsbot-archive/plugins", \
    "--setting", "sql_time_limit_ms", "3000", \
    "--setting", "truncate_cells_html", "400", \
    "--setting", "default_page_size", "50"]
CMD ["/data/newsbot.db"]
