# Build a static binary with the web map and the demo dataset embedded.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/frontline ./cmd/frontline

# The runtime image holds only the binary and CA certificates, and runs as a
# non-root user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/frontline /usr/local/bin/frontline
USER nonroot:nonroot
EXPOSE 8080
ENV FRONTLINE_ADDR=0.0.0.0:8080
ENTRYPOINT ["/usr/local/bin/frontline"]
CMD ["serve"]
