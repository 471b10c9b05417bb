# newsbot container image.
#   docker build -t newsbot .
# Without access to Docker Hub, build from a local base that has python3 and python3-venv
# (scripts/docker-smoke makes one with debootstrap):
#   docker build --build-arg BASE_IMAGE=localhost/newsbot-base:bookworm -t newsbot .
# Dependencies come only from requirements.lock (exact versions with hashes; `make lock`).
ARG BASE_IMAGE=python:3.12-slim

# ---- build: a virtualenv with the pinned dependencies, then without pip and setuptools.
# babel comes in through trafilatura (courlan) and is 32 MB of locale data; only its
# URL-language filter uses it, which newsbot does not call, so English and root data suffice.
FROM ${BASE_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1
COPY requirements.lock /tmp/requirements.lock
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --require-hashes --only-binary=:all: \
        -r /tmp/requirements.lock \
    && /opt/venv/bin/python -m pip uninstall --yes pip setuptools \
    && find /opt/venv/lib/python3*/site-packages/babel/locale-data -type f \
        ! -name 'root.dat' ! -name 'en.dat' ! -name 'en_*.dat' -delete \
    && rm -f /tmp/requirements.lock

# ---- runtime: the venv, the bot and the seed corpus; no compilers, no pip cache
FROM ${BASE_IMAGE}
# The release this image is: bot/__init__.py's __version__ (a test keeps them equal).
# A release build also names its commit: --build-arg REVISION=$(git rev-parse HEAD)
ARG VERSION=0.4.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="newsbot" \
      org.opencontainers.image.description="Reports only the new claims in news about AI training-data disputes" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="https://github.com/newsbot-project/newsbot" \
      org.opencontainers.image.documentation="https://github.com/newsbot-project/newsbot#readme"
ARG UID=10001
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid ${UID} newsbot \
    && useradd --system --uid ${UID} --gid ${UID} --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin newsbot \
    && mkdir -p /app /data \
    && chown ${UID}:${UID} /data \
    && ln -s /data /app/data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY bot/ bot/
COPY seeds/ seeds/
COPY config.example.toml .env.example ./
RUN python -m compileall -q bot
# Relative paths resolve against /app: data/newsbot.db is /data/newsbot.db; the default seeds
# (bot/resources/seeds) are /app/seeds.
# Mount your config at /app/config.toml (or set NEWSBOT_CONFIG); secrets come from the environment.
USER ${UID}:${UID}
VOLUME ["/data"]
# Only used when [metrics] enabled = true and host = "0.0.0.0".
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "health"]
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
