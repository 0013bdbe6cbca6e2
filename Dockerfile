# syntax=docker/dockerfile:1
# dynamotable-operator image: `dynamotable run` (the kopf operator) as a non-root user, read-only root filesystem.
#
#   docker build -t dynamotable-operator:dev .
#
# The base is pinned to an exact Python patch release; pin it by digest too when you publish
# (python:3.11.14-slim-bookworm@sha256:...) so rebuilds are reproducible.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# ---------------------------------------------------------------------------------------------- builder
# Builds the wheel of this repository and the wheels of every dependency, so the final stage installs
# offline from a local directory and carries no build tooling.
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY operator ./operator
RUN python -m pip wheel --wheel-dir /wheels . \
 && ls /wheels/dynamotable_operator-*.whl

# ---------------------------------------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE}
ARG PYTHON_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="dynamotable-operator" \
      org.opencontainers.image.description="Kubernetes operator reconciling DynamoTable resources into Amazon DynamoDB tables, with Terraform for audit" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.base.name="${PYTHON_IMAGE}"

# HOME=/tmp: botocore and kubernetes look for ~/.aws and ~/.kube; /tmp is the only writable path
# (an emptyDir in the chart). No .pyc writes at run time: the root filesystem is read-only.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The wheels are bind-mounted from the builder, so they never become a layer of this image.
# Byte-code is compiled here, at build time, so imports are fast and nothing is written at run time.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python -m pip install --no-index --find-links /wheels dynamotable-operator \
 && groupadd --gid 65532 dynamotable \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin dynamotable \
 && dynamotable --version

# 8080: liveness (/healthz); 9090: Prometheus metrics (/metrics). The chart passes the same ports.
EXPOSE 8080 9090
USER 65532:65532
WORKDIR /tmp
ENTRYPOINT ["dynamotable", "run"]
