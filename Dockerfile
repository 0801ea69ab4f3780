# The image the suite runs in, on CodeBuild and on a laptop.
#
#   docker build --network host -t e2e-runner .
#   docker build --platform linux/amd64 --network host -t e2e-runner .   # from an ARM machine:
#                                     # CodeBuild's LINUX_CONTAINER projects run linux/amd64 images
#   docker run --rm --network host e2e-runner                      # the bundled example suite
#   docker run --rm --network host -v "$PWD:/e2e" e2e-runner       # your project's suite
#
# Behind a TLS-inspecting proxy, give the build the proxy's CA: put it in certs/*.crt
# (git-ignored) or pass --build-arg EXTRA_CA_CERTS="$(cat proxy-ca.pem)". pip and npm run
# over HTTPS inside the build and need it; the finished image trusts it too.
#
# Everything the suite needs is installed here, so a build installs nothing. The
# ENTRYPOINT starts the shared browser, but nothing depends on it: CodeBuild replaces it,
# and the runner then starts the browser itself.

# ECR Public's mirror of the official image: CodeBuild's shared addresses are not rate
# limited there the way anonymous Docker Hub pulls are.
ARG BASE_IMAGE=public.ecr.aws/docker/library/debian:bookworm-slim

# ---------------------------------------------------------------------------------------
# Runtime system packages: what every later stage and the final image share.
FROM ${BASE_IMAGE} AS system

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    LC_ALL=C.UTF-8

# - chromium: Debian's build; Playwright drives it through executablePath (`playwright
#   install` would download a browser from outside the package registries).
# - fonts-wqy-zenhei: one 16 MB font with Chinese, Japanese kana and kanji, and Korean;
#   without a CJK font, screenshots of such pages show empty boxes. fonts-liberation gives
#   Latin text the metrics of the common web fonts.
# - libatomic1: Playwright's bundled Node needs it ("Connection closed while reading from
#   the driver" without it).
# - tini: PID 1 that forwards signals and reaps the browser's orphans under `docker run`.
# chromium-common depends on x11-utils (xdpyinfo and friends for desktop sessions), which
# pulls in Mesa's OpenGL drivers and LLVM: about 170 MB a headless browser never loads
# (it renders with its own SwiftShader). A local, empty package that provides x11-utils
# satisfies the dependency the Debian way, and apt stays consistent for derived images.
RUN set -eu; \
    stub=/tmp/x11-utils-stub; \
    mkdir -p "$stub/DEBIAN"; \
    printf '%s\n' \
      'Package: e2e-headless-x11-utils-stub' \
      'Version: 1.0' \
      'Architecture: all' \
      'Maintainer: e2e-runner' \
      'Provides: x11-utils' \
      'Description: satisfies x11-utils for headless Chromium (no X11 tools are needed)' \
      > "$stub/DEBIAN/control"; \
    dpkg-deb --build "$stub" /tmp/x11-utils-stub.deb >/dev/null; \
    dpkg -i /tmp/x11-utils-stub.deb >/dev/null; \
    rm -rf "$stub" /tmp/x11-utils-stub.deb
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      chromium \
      fonts-liberation \
      fonts-wqy-zenhei \
      libatomic1 \
      python3 \
      tini \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*

# Extra CA certificates, from a build argument (PEM text) and/or certs/*.crt in the build
# context (certs/README.md is always there, so the COPY never lacks a source).
ARG EXTRA_CA_CERTS=""
COPY certs/ /tmp/extra-ca/
RUN set -eu; \
    mkdir -p /usr/local/share/ca-certificates/extra; \
    if [ -n "$EXTRA_CA_CERTS" ]; then printf '%s\n' "$EXTRA_CA_CERTS" > /usr/local/share/ca-certificates/extra/build-arg.crt; fi; \
    find /tmp/extra-ca -maxdepth 1 -name '*.crt' -exec cp {} /usr/local/share/ca-certificates/extra/ \; ; \
    rm -rf /tmp/extra-ca; \
    update-ca-certificates >/dev/null

# Python (pip, boto3) and Node (npm, the Allure CLI) each carry their own CA list; point
# them all at the system bundle so the extra certificates above count everywhere.
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    AWS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# ---------------------------------------------------------------------------------------
# The Allure 3 report CLI, pinned by runner/report/package-lock.json (the same lock that
# `e2e install` uses on a laptop). npm is needed only here: the final
# image runs the CLI on the Node.js that the playwright wheel already carries, instead of
# a second Node runtime (Debian's nodejs and npm would add 300+ MB).
FROM system AS node-build
RUN apt-get update \
 && apt-get install -y --no-install-recommends npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/e2e
COPY runner/report/package.json runner/report/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
 && rm -rf /root/.npm

# ---------------------------------------------------------------------------------------
# The dependency list, read from pyproject.toml so it is written down in one place. A stage
# of its own: the next stage copies only this file, so editing pyproject.toml elsewhere (a
# version, a tool setting) keeps the dependency layer cached.
FROM system AS requirements
COPY pyproject.toml /tmp/pyproject.toml
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /requirements.txt

# ---------------------------------------------------------------------------------------
# The Python dependencies in a virtual environment, pinned by constraints.txt.
FROM system AS python-deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3-venv \
 && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/e2e/venv
COPY --from=requirements /requirements.txt /tmp/requirements.txt
COPY constraints.txt /tmp/constraints.txt
RUN /opt/e2e/venv/bin/pip install -r /tmp/requirements.txt -c /tmp/constraints.txt \
 && /opt/e2e/venv/bin/pip uninstall -y -q setuptools \
 && rm /tmp/requirements.txt /tmp/constraints.txt

# ---------------------------------------------------------------------------------------
# The project itself, as a wheel: the only Python layer that changes with the source.
FROM python-deps AS project-wheel
WORKDIR /opt/e2e/src
COPY pyproject.toml README.md* ./
COPY runner ./runner
RUN /opt/e2e/venv/bin/pip wheel --no-deps -q -w /wheels .

# ---------------------------------------------------------------------------------------
FROM system AS final

COPY --from=python-deps /opt/e2e/venv /opt/e2e/venv
COPY --from=node-build /opt/e2e/node_modules /opt/e2e/node_modules

# One Node for Playwright's driver and for the Allure CLI: the wheel's own.
RUN set -eu; \
    node="$(/opt/e2e/venv/bin/python -c 'import os, playwright; print(os.path.join(os.path.dirname(playwright.__file__), "driver", "node"))')"; \
    ln -s "$node" /usr/local/bin/node; \
    ln -s /opt/e2e/node_modules/.bin/allure /usr/local/bin/allure; \
    node --version >/dev/null; \
    allure --version >/dev/null

COPY --from=project-wheel /wheels /tmp/wheels
RUN /opt/e2e/venv/bin/pip install --no-deps -q /tmp/wheels/*.whl \
 && rm -rf /tmp/wheels

# CodeBuild keeps the image's ENV (but not its ENTRYPOINT), so PATH and the Chromium
# choice hold in both ways of running.
ENV PATH=/opt/e2e/venv/bin:$PATH \
    E2E_CHROMIUM=/usr/bin/chromium \
    E2E_TOOLS_DIR=/opt/e2e \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# The example project, so that a bare `docker run IMAGE` runs a suite. Mount your own
# project over /e2e to run yours; CodeBuild works in its checkout instead.
WORKDIR /e2e
COPY pyproject.toml ./
COPY features ./features
COPY steps ./steps

ENTRYPOINT ["/usr/bin/tini", "--", "e2e", "entrypoint"]
CMD ["e2e", "run"]
