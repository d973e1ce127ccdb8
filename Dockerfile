# Frontline in a container: one static binary with the web map and the demo
# dataset embedded. The GeoPackage store lives in the /data volume.
#
#   docker build -t frontline .
#   docker run -p 8080:8080 -v frontline-data:/data frontline
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/frontline ./cmd/frontline \
	&& mkdir -p /out/data

# The runtime image holds only the binary, CA certificates and an empty
# data directory owned by the non-root user it runs as (distroless
# "nonroot", uid 65532); it has no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/frontline /usr/local/bin/frontline
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
VOLUME /data
EXPOSE 8080
ENV FRONTLINE_ADDR=0.0.0.0:8080 \
	FRONTLINE_DB=/data/frontline.gpkg
ENTRYPOINT ["/usr/local/bin/frontline"]
CMD ["serve"]
