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

# - chromium-headless-shell: Debian's build of Chromium's headless browser (the same source
#   package, version and security updates as Debian's `chromium`, without the desktop UI:
#   no GTK, no printing, no icon themes; 134 MB less). It is what Playwright itself
#   runs for headless Chromium. Playwright drives it through executablePath (`playwright
#   install` would download a browser from outside the package registries). The image
#   never has a display, so the desktop browser could only run headless anyway.
# - fonts-wqy-zenhei: one 16 MB font with Chinese, Japanese kana and kanji, and Korean;
#   without a CJK font, screenshots of such pages show empty boxes. fonts-liberation gives
#   Latin text the metrics of the common web fonts.
# - libatomic1: Playwright's bundled Node needs it ("Connection closed while reading from
#   the driver" without it).
# - libvpx7: the VP8/VP9 encoder the video recorder links to (see the ffmpeg stage).
# - tini: PID 1 that forwards signals and reaps the browser's orphans under `docker run`.
#
# chromium-common depends on x11-utils (xdpyinfo and friends for desktop sessions), which
# pulls in Mesa's OpenGL drivers and LLVM: about 170 MB a headless browser never loads
# (it renders with its own SwiftShader). A local, empty package that provides x11-utils
# satisfies the dependency the Debian way, and apt stays consistent for derived images.
# chromium-common's Vulkan validation layer and mock driver (24 MB of developer tools) are
# kept out the way the base image keeps out docs and man pages (dpkg path-exclude: never
# unpacked); WebGL still renders through SwiftShader's Vulkan driver, libvk_swiftshader.so.
# Chromium's UI languages other than en-US are in chromium-l10n, which is not installed.
#
# /usr/bin/chromium, the name the runner (E2E_CHROMIUM), the docs and scripts use, is the
# headless browser itself (not the shell wrapper Debian puts in /usr/bin, which would add a
# `sh` process between Playwright and the browser). It belongs to no package, so a derived
# image that installs Debian's desktop `chromium` gets that one in its place.
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
    rm -rf "$stub" /tmp/x11-utils-stub.deb; \
    printf '%s\n' \
      '# e2e-runner: developer tools of Chromium a test run never loads (see the Dockerfile)' \
      'path-exclude /usr/lib/chromium/libVkLayer_khronos_validation.so*' \
      'path-exclude /usr/lib/chromium/libVkICD_mock_icd.so*' \
      > /etc/dpkg/dpkg.cfg.d/e2e-headless
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      chromium-headless-shell \
      fonts-liberation \
      fonts-wqy-zenhei \
      libatomic1 \
      libvpx7 \
      python3 \
      tini \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* \
 && ln -s /usr/lib/chromium/chromium-headless-shell /usr/bin/chromium \
 && chromium --version

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
# What the CLI never reads at run time goes: source maps, TypeScript declarations, READMEs
# and changelogs (licenses stay), and the prebuilt web apps of the report plugins the runner
# never configures (runner/report/allure.py uses "awesome" only; the others' report.tar
# are read only when they generate). The final stage generates a report to prove it.
FROM system AS node-build
RUN apt-get update \
 && apt-get install -y --no-install-recommends npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/e2e
COPY runner/report/package.json runner/report/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
 && rm -rf /root/.npm \
 && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \
      -o \( -iname '*.md' ! -iname 'licen[cs]e*' \) \) -delete \
 && for plugin in classic allure2 dashboard; do \
      rm -f "node_modules/@allurereport/plugin-$plugin/dist/static/report.tar"; \
    done \
 && rm -f node_modules/@allurereport/summary/dist/static/report.tar

# ---------------------------------------------------------------------------------------
# The dependency list, read from pyproject.toml so it is written down in one place. A stage
# of its own: the next stage copies only this file, so editing pyproject.toml elsewhere (a
# version, a tool setting) keeps the dependency layer cached.
FROM system AS requirements
COPY pyproject.toml /tmp/pyproject.toml
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /requirements.txt

# ---------------------------------------------------------------------------------------
# The Python dependencies in a virtual environment, pinned by constraints.txt. pip compiles
# every module to bytecode as it installs (PYTHONDONTWRITEBYTECODE only stops the image from
# writing more at run time), so imports never compile at start.
# Trimmed in the same layer: the Node.js inside the playwright wheel carries 33 MB of debug
# symbols (stripped: the runtime keeps its dynamic symbols), compiled extensions likewise,
# and greenlet ships its own test suite.
FROM system AS python-deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3-venv binutils \
 && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/e2e/venv
COPY --from=requirements /requirements.txt /tmp/requirements.txt
COPY constraints.txt /tmp/constraints.txt
RUN set -eu; \
    venv=/opt/e2e/venv; \
    $venv/bin/pip install -r /tmp/requirements.txt -c /tmp/constraints.txt; \
    $venv/bin/pip uninstall -y -q setuptools; \
    rm /tmp/requirements.txt /tmp/constraints.txt; \
    site="$($venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"; \
    strip --strip-all "$site/playwright/driver/node"; \
    find "$site" -name '*.so' -exec strip --strip-unneeded {} +; \
    rm -rf "$site/greenlet/tests"; \
    "$site/playwright/driver/node" --version >/dev/null

# ---------------------------------------------------------------------------------------
# A video recorder for Playwright. Playwright records a page by piping its screencast
# (JPEG frames in Matroska) into its own ffmpeg build, which `playwright install` would
# download from outside the package registries; Debian's ffmpeg package would add 380 MB
# of codecs and libraries. This is the same kind of build as Playwright's, from Debian's
# ffmpeg source: only what Playwright's recorder uses (MJPEG frames in Matroska, or piped
# as images by older Playwright versions; the pad and crop filters; VP9 or VP8 through
# Debian's libvpx; WebM out), a 2 MB program.
FROM system AS ffmpeg-build
RUN set -eu; \
    sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources; \
    apt-get update; \
    apt-get install -y --no-install-recommends dpkg-dev gcc libc6-dev make nasm pkg-config libvpx-dev xz-utils
WORKDIR /build
RUN set -eu; \
    apt-get source -q ffmpeg >/tmp/source.log 2>&1 || { cat /tmp/source.log; exit 1; }; \
    cd ffmpeg-*/; \
    ./configure --prefix=/opt/ffmpeg \
      --disable-everything --disable-autodetect --disable-doc --disable-debug \
      --disable-ffplay --disable-ffprobe --disable-network --disable-avdevice --disable-postproc \
      --enable-ffmpeg --enable-libvpx \
      --enable-protocol=file,pipe \
      --enable-demuxer=matroska,image2pipe --enable-parser=mjpeg --enable-decoder=mjpeg \
      --enable-filter=pad,crop,scale,format,null,fps,setpts,trim \
      --enable-encoder=libvpx_vp9,libvpx_vp8 --enable-bsf=vp9_superframe --enable-muxer=webm \
      >/tmp/configure.log || { tail -n 30 ffbuild/config.log; exit 1; }; \
    make -j"$(nproc)" ffmpeg >/tmp/make.log 2>&1 || { tail -n 40 /tmp/make.log; exit 1; }; \
    install -D -m 0755 ffmpeg /opt/ffmpeg/ffmpeg; \
    strip --strip-all /opt/ffmpeg/ffmpeg; \
    install -D -m 0644 COPYING.LGPLv2.1 /opt/ffmpeg/COPYING.LGPLv2.1; \
    install -D -m 0644 debian/copyright /opt/ffmpeg/copyright; \
    /opt/ffmpeg/ffmpeg -hide_banner -encoders | grep -q libvpx-vp9; \
    /opt/ffmpeg/ffmpeg -hide_banner -muxers | grep -q webm; \
    /opt/ffmpeg/ffmpeg -hide_banner -demuxers | grep -q matroska

# Where Playwright looks for it: $PLAYWRIGHT_BROWSERS_PATH/ffmpeg-<revision>/ffmpeg-linux,
# the revision being the one the installed playwright names in its browsers.json.
FROM python-deps AS playwright-ffmpeg
COPY --from=ffmpeg-build /opt/ffmpeg /tmp/ffmpeg
RUN set -eu; \
    rev="$(/opt/e2e/venv/bin/python -c 'import json, pathlib, playwright; d = json.loads((pathlib.Path(playwright.__file__).parent / "driver/package/browsers.json").read_text()); print(next(b["revision"] for b in d["browsers"] if b["name"] == "ffmpeg"))')"; \
    mkdir -p "/ms-playwright/ffmpeg-$rev"; \
    mv /tmp/ffmpeg/ffmpeg "/ms-playwright/ffmpeg-$rev/ffmpeg-linux"; \
    mv /tmp/ffmpeg/COPYING.LGPLv2.1 /tmp/ffmpeg/copyright "/ms-playwright/ffmpeg-$rev/"

# ---------------------------------------------------------------------------------------
# The project itself, as a wheel installed under a staging root: the only Python layer that
# changes with the source, copied into the final image as one layer (pip compiles it too).
FROM python-deps AS project-wheel
WORKDIR /opt/e2e/src
COPY pyproject.toml README.md* ./
COPY runner ./runner
RUN /opt/e2e/venv/bin/pip wheel --no-deps -q -w /wheels . \
 && /opt/e2e/venv/bin/pip install --no-deps -q --root /staging /wheels/*.whl

# ---------------------------------------------------------------------------------------
FROM system AS final

COPY --from=python-deps /opt/e2e/venv /opt/e2e/venv
COPY --from=node-build /opt/e2e/node_modules /opt/e2e/node_modules
COPY --from=playwright-ffmpeg /ms-playwright /opt/e2e/ms-playwright

# One Node for Playwright's driver and for the Allure CLI: the wheel's own. The check
# generates a report, so a pruned file the CLI needs fails the build, not a run (and
# axe-core's bundle, which the accessibility steps inject into pages, must be there).
# The same commands (and a browser launch through Playwright's driver) fill Node's compile
# cache (NODE_COMPILE_CACHE, set below): V8's compiled code of the driver's and the CLI's
# JavaScript, made once here instead of in every process, takes about 0.1 s off each start
# of Playwright's driver and 0.15 s off each report. Node checks every entry against its
# source file and compiles afresh what does not match.
RUN set -eu; \
    export NODE_COMPILE_CACHE=/opt/e2e/node-compile-cache; \
    node="$(/opt/e2e/venv/bin/python -c 'import os, playwright; print(os.path.join(os.path.dirname(playwright.__file__), "driver", "node"))')"; \
    ln -s "$node" /usr/local/bin/node; \
    ln -s /opt/e2e/node_modules/.bin/allure /usr/local/bin/allure; \
    node --version >/dev/null; \
    allure --version >/dev/null; \
    test -s /opt/e2e/node_modules/axe-core/axe.min.js; \
    check=/tmp/allure-check; \
    mkdir -p "$check/results"; \
    printf '%s' '{"uuid":"0","historyId":"h","name":"check","fullName":"check","status":"passed","stage":"finished","start":1,"stop":2}' \
      > "$check/results/0-result.json"; \
    for single in true false; do \
      printf '{"name":"check","output":"%s/out-%s","historyPath":"%s/history.jsonl","plugins":{"awesome":{"options":{"singleFile":%s}}}}' \
        "$check" "$single" "$check" "$single" > "$check/allurerc.json"; \
      ALLURE_NO_ANALYTICS=true allure generate --config "$check/allurerc.json" --cwd "$check" "$check/results" >/dev/null; \
      test -s "$check/out-$single/index.html"; \
    done; \
    rm -rf "$check"; \
    /opt/e2e/venv/bin/python -c 'from playwright.sync_api import sync_playwright as s; p = s().start(); p.chromium.launch(executable_path="/usr/bin/chromium").close(); p.stop()'; \
    rm -rf /tmp/*; \
    test -n "$(ls -A "$NODE_COMPILE_CACHE")"

COPY --from=project-wheel /staging/ /

# CodeBuild keeps the image's ENV (but not its ENTRYPOINT), so PATH and the Chromium
# choice hold in both ways of running. PLAYWRIGHT_BROWSERS_PATH is where Playwright (and
# the runner) find the video recorder; no browser is installed there. NODE_COMPILE_CACHE:
# see above (a process that may not write there, a non-root user, only reads it).
# PYTEST_ADDOPTS: pytest's cache goes to /tmp, not into a mounted repository where root
# would leave a .pytest_cache/ its owner cannot remove (bytecode is off for the same reason).
# E2E_RENDERER: visual baselines made here are named "image", apart from a laptop's renders.
ENV PATH=/opt/e2e/venv/bin:$PATH \
    E2E_CHROMIUM=/usr/bin/chromium \
    E2E_RENDERER=image \
    E2E_TOOLS_DIR=/opt/e2e \
    NODE_COMPILE_CACHE=/opt/e2e/node-compile-cache \
    PLAYWRIGHT_BROWSERS_PATH=/opt/e2e/ms-playwright \
    PYTEST_ADDOPTS="-o cache_dir=/tmp/.pytest_cache" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# The example project, so that a bare `docker run IMAGE` runs a suite. Mount your own
# project over /e2e to run yours; CodeBuild works in its checkout instead.
WORKDIR /e2e
COPY pyproject.toml ./
COPY features ./features
COPY steps ./steps

# pytest compiles every module of its plugins (this runner, pytest-bdd, xdist, Allure's) anew
# to rewrite their asserts, bypassing the bytecode pip made, unless its own cache of the
# rewritten modules is there; PYTHONDONTWRITEBYTECODE (above) keeps a run from writing one,
# so without this every process of every run (the controller and each worker) re-parsed
# about 110 modules at its start, about 0.3 s of CPU each. Listing the example suite here
# writes that cache beside each module it imports, and a plugin of the listing imports the
# rest of the runner's modules (the ones a run imports later: the demo app, visual checks)
# while pytest's hook is in place; nothing is left in /e2e.
RUN set -eu; \
    printf '%s\n' 'import importlib, pkgutil, runner' \
      'def pytest_configure(config):' \
      '    for found in pkgutil.walk_packages(runner.__path__, "runner."):' \
      '        if not found.name.endswith(".__main__"):' \
      '            importlib.import_module(found.name)' > /tmp/e2e_warm.py; \
    PYTHONDONTWRITEBYTECODE= PYTEST_ADDOPTS= PYTHONPATH=/tmp \
      python -m pytest --collect-only -q -p no:cacheprovider -p e2e_warm features >/dev/null; \
    find /e2e -name __pycache__ -prune -exec rm -rf {} +; \
    rm -rf /tmp/e2e_warm.py /tmp/__pycache__ /tmp/e2e-collect-*; \
    test -n "$(find /opt/e2e/venv -path '*/runner/plugin/__pycache__/*-pytest-*.pyc' | head -n 1)"

ENTRYPOINT ["/usr/bin/tini", "--", "e2e", "entrypoint"]
CMD ["e2e", "run"]
