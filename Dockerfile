# Homekeep's image: one static binary on an empty base, run as an unprivileged user.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t homekeep .
#   docker run --rm homekeep version
#
# The same image runs every role: `serve` (the default command), `worker`, `migrate up`, `doctor`, `jobs`...
# compose.yaml shows the set; README "Running in production" explains it.

# Pinned by exact version tag: Go 1.27.3 on Debian 12, the toolchain the project is built and tested with (the
# Makefile's GOTOOLCHAIN; 1.26.8's standard library has advisories that `make vuln` finds in code Homekeep calls).
# No digest: the registry cannot be reached from where this file was written, so none could be read and
# checked. Add one (golang:1.27.3-bookworm@sha256:…) when building from a machine that can, for a fully
# reproducible base.
FROM golang:1.27.3-bookworm AS build

WORKDIR /src
# VERSION is what `homekeep version` prints (the Makefile's -X main.version); .git is not in the context.
ARG VERSION=dev
# Only the module's own files: .dockerignore leaves out tests, tools and local data. go build downloads just
# the modules cmd/homekeep imports (not the code generators or linters in go.mod's tool block); the cache
# mounts keep both caches between builds.
COPY . .
# CGO_ENABLED=0: a static binary that needs no libc in the final image. -trimpath: no build paths in it.
# timetzdata: the IANA time zone database inside the binary (users' reminder hours are in their own zone,
# and the final image has no /usr/share/zoneinfo). -s -w: no symbol table or DWARF, a smaller file.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -buildvcs=false -tags timetzdata \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/homekeep ./cmd/homekeep
# The few files the final stage needs besides the binary: a passwd/group naming the unprivileged user (so
# tools show a name, and HOME is set), an empty /tmp (multipart uploads larger than memory spill there)
# and /data for the file store, owned by that user so a new named volume mounted there is writable.
RUN mkdir -p /out/tmp /out/data/files \
 && chmod 1777 /out/tmp \
 && echo 'homekeep:x:65532:65532:Homekeep:/data:/sbin/nologin' > /out/passwd \
 && echo 'homekeep:x:65532:' > /out/group

# scratch is no image at all, so there is nothing to pin or patch: the final image holds the binary, the CA
# certificates (TLS to PostgreSQL, S3, SMTP, push services and app stores), passwd/group and two directories.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/passwd /etc/passwd
COPY --from=build /out/group /etc/group
COPY --from=build /out/tmp /tmp
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/homekeep /usr/local/bin/homekeep

# Numeric, so a runtime that cannot read /etc/passwd (Kubernetes' runAsNonRoot) still sees a non-root user.
USER 65532:65532
WORKDIR /data
ENV HTTP_ADDR=:8080 \
    FILE_STORAGE_URL=file:///data/files \
    LOG_FORMAT=json
EXPOSE 8080
# No shell or curl here: the binary checks itself (GET /readyz on HTTP_ADDR's port). This fits the default
# command, serve; a `worker` container has no listener, so compose.yaml gives it a check of its own.
HEALTHCHECK --interval=30s --timeout=6s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/homekeep", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/homekeep"]
CMD ["serve"]
