# rekap-audit: API and OCR worker image (same image, different command).
# The project is installed editable in /srv/rekap so migrations/ and data files sit beside the code.
# Build: docker build -t rekap-audit .   (cannot be built on the dev machine: no Docker engine;
# `make test` lints this file with hadolint.)
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /srv/rekap
RUN python -m venv /opt/venv
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY ocr ./ocr
COPY migrations ./migrations
RUN /opt/venv/bin/pip install --no-cache-dir -e . \
 && /opt/venv/bin/python -c "import cv2, app.main, ocr"

FROM python:3.11-slim-bookworm
# tesseract reads printed text only (page titles); OMP_THREAD_LIMIT=1 stops it oversubscribing cores.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-ind \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --create-home --home-dir /home/app app \
 && mkdir -p /data && chown app /data
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OMP_THREAD_LIMIT=1 \
    REKAP_DATA_DIR=/data \
    REKAP_DATABASE_URL=sqlite:////data/rekap.db \
    REKAP_QUEUE_URL=sqlite:////data/queue.db \
    REKAP_STORAGE_URL=file:///data/photos \
    REKAP_LOG_FORMAT=json
# REKAP_SECRET_KEY (signs access tokens) is deliberately not set here: unset, the first start
# writes a random key to /data/secret_key (0600) and later starts reuse it. Several API containers
# must share one key: pass the same REKAP_SECRET_KEY from your secret store to each
# (`docker run --env-file`, a Kubernetes Secret), or mount it as /data/secret_key (0600, uid
# 10001). A key under 32 bytes or a published one refuses to start (README "Security").
# Behind a reverse proxy set REKAP_TRUSTED_PROXIES to its address, and REKAP_COOKIE_SECURE=true
# when it terminates TLS.
COPY --from=build /opt/venv /opt/venv
COPY --from=build /srv/rekap /srv/rekap
WORKDIR /srv/rekap
USER 10001
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3).status == 200 else 1)"]
# Migrate, then serve; the worker service runs the same image with CMD ["rekap", "worker"].
CMD ["sh", "-c", "rekap db upgrade && exec rekap serve --host 0.0.0.0 --port 8000 --workers 2"]
