# Builds the worker, the starter and the standalone fakes into one small image.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/worker ./worker \
 && CGO_ENABLED=0 go build -trimpath -o /out/starter ./starter \
 && CGO_ENABLED=0 go build -trimpath -o /out/fakeapis ./internal/fakes/fakeapis

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /usr/local/bin/
# The worker's health (/healthz, /readyz) and metrics ports, as HEALTH_ADDRESS and METRICS_ADDRESS
# default. Run as the fakes (entrypoint fakeapis), the image serves HubSpot on 8081 and
# ClientSuccess on 8082 instead.
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/worker"]
