# syntax=docker/dockerfile:1
#
# One small image holding every Keel process: api, worker, cron, and the one-shot migrate
# and admin. The command chooses the process:
#
#   docker build -t keel .
#   docker run --rm -e DATABASE_URL=... keel migrate up          # before each deploy
#   docker run -e DATABASE_URL=... -e REDIS_URL=... keel api     # :8080 (the default command)
#   docker run -e DATABASE_URL=... -e REDIS_URL=... keel worker  # :8081
#   docker run -e DATABASE_URL=... -e REDIS_URL=... keel cron    # :8082
#   docker run --rm -i -e DATABASE_URL=... keel admin create-user --email E --name N --role admin
#   docker run --rm keel api openapi > openapi.json              # the API document, nothing dialled
#
# Static binaries (CGO_ENABLED=0) on distroless static, as the non-root user nonroot
# (65532): no shell, no package manager. Configuration is environment variables only (README,
# "Configuration"). There is no HEALTHCHECK: it would need a shell or a client in the image;
# orchestrators probe GET /livez and GET /readyz on each process's HTTP_ADDR instead (README,
# "Deploying"). Every process stops cleanly on SIGTERM within SHUTDOWN_TIMEOUT (10s).

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG TARGETOS
ARG TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/api ./cmd/worker ./cmd/cron ./cmd/migrate ./cmd/admin

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /usr/local/bin/
# A writable working directory: relative paths such as MAIL_DIR's default tmp/mail land here.
WORKDIR /home/nonroot
USER nonroot:nonroot
# api, worker, cron: the default HTTP_ADDR of each (/livez, /readyz, /metrics on all three).
EXPOSE 8080 8081 8082
CMD ["api"]
