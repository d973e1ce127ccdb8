# Frontline: the two commands of the README are `make run` and `make test`.
GO       ?= go
FUZZEXECS ?= 50000
BENCHTIME ?= 1s
# BENCHCOUNT runs of each benchmark; docs/benchmarks.md gets their medians.
BENCHCOUNT ?= 3

.PHONY: run test deps vet unit fuzz build bench bench-geo bench-startup bench-postgis bench-tiles bench-page bench-http bench-attack bench-reader bench-alerts bench-filter

## run: serve ./frontline.gpkg on http://127.0.0.1:8080 (created and seeded from the
## curated embedded dataset on first run)
run:
	$(GO) run ./cmd/frontline serve

## test: everything CI checks (vet, formatting, race tests, fuzz smoke)
test: deps vet unit fuzz e2e

## deps: install the tools the tests drive (GDAL, Chromium, npm packages)
deps:
	bash .ci/deps

vet:
	$(GO) mod tidy -diff
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -race -count=1 ./...

## fuzz: run every fuzz target on FUZZEXECS inputs each (.ci/fuzz-smoke says why a count)
fuzz:
	FUZZEXECS=$(FUZZEXECS) bash .ci/fuzz-smoke

## build: a static binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/frontline ./cmd/frontline

## bench: the geo benchmarks and the start-up and import benchmarks
bench: bench-geo bench-startup bench-postgis bench-tiles bench-page bench-alerts bench-filter

## bench-geo: run the geo benchmarks (BENCHCOUNT times, BENCHTIME each) and write
## the figures (medians), the command and the targets met into docs/benchmarks.md
bench-geo:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(BENCHCOUNT) ./geo/ | \
	$(GO) run ./cmd/benchdoc -doc docs/benchmarks.md -section geo \
		-cmd "go test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(BENCHCOUNT) ./geo/" \
		-targets 'Q1Count/n=1000000<=6ms,Q2Count/n=1000000<=300us,Q2IDs/n=1000000<=300us,Q3Count/n=1000000<=500us,Q3IDs/n=1000000<=500us,Q4Nearest10/n=1000000<=10us,Q5Count/n=1000000<=7ms,Build/n=1000000<=1.5s,Build/n=1000000:heap-B/incident<=300'

.PHONY: e2e screenshots vendor basemap

## e2e: the web map's browser tests: the real binary on a loopback port with the
## demo data, driven in Debian's chromium by playwright-core (web/e2e)
e2e: web/e2e/node_modules/.package-lock.json
	@mkdir -p bin
	$(GO) build -o bin/frontline-e2e ./cmd/frontline
	cd web/e2e && FRONTLINE_BIN=$(CURDIR)/bin/frontline-e2e node --test --test-concurrency=1

## screenshots: docs/screenshot.png (the default view) and two more, from the real binary
screenshots: web/e2e/node_modules/.package-lock.json
	@mkdir -p bin
	$(GO) build -o bin/frontline-e2e ./cmd/frontline
	cd web/e2e && FRONTLINE_BIN=$(CURDIR)/bin/frontline-e2e node screenshots.mjs

# The browser tests' npm packages, installed again whenever the lockfile
# changes (npm ci writes node_modules/.package-lock.json).
web/e2e/node_modules/.package-lock.json: web/e2e/package-lock.json
	cd web/e2e && npm ci --no-audit --no-fund --loglevel=error

## vendor: refresh web/static/vendor from the exact versions in web/e2e/package-lock.json
vendor:
	bash web/tools/vendor.sh

## basemap: regenerate web/static/basemap/countries.geojson from data/boundaries
basemap: web/e2e/node_modules/.package-lock.json
	node web/tools/basemap.mjs

## bench-startup: frontline import --db, serve --db, serve --data and serve --db --coarsen-km 10 with
## STARTUP_N synthetic incidents each (.ci/bench-startup says how it
## measures), into the "startup" section of docs/benchmarks.md.
STARTUP_N ?= 100000 1000000
bench-startup:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(GO) build -o $$tmp/frontline ./cmd/frontline; \
	bash .ci/bench-startup $$tmp/frontline $(STARTUP_N) | \
	$(GO) run ./cmd/benchdoc -doc docs/benchmarks.md -section startup \
		-cmd "bash .ci/bench-startup frontline $(STARTUP_N)" \
		-targets 'Startup/db/n=1000000<=3s,Startup/db/n=1000000:peak-MB<=1000,Startup/db/n=1000000:steady-MB<=600,Startup/data/n=1000000<=8s,Startup/data/n=1000000:peak-MB<=1200,Import/db/n=1000000<=60s,Import/db/n=1000000:peak-MB<=1500'

## bench-postgis: the PostGIS store's benchmarks (issue 13): import and
## start-up at STARTUP_N incidents from a cluster of its own
## (.ci/bench-postgis), into "postgis-startup", and loadgen's core suite
## against that server at the last N, into "postgis-http-load"; then write throughput
## through one and two instances and propagation between two at 50
## creates/s (cmd/frontline/scaleout_bench_test.go), into "postgis".
bench-postgis:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(GO) build -o $$tmp/frontline ./cmd/frontline; \
	$(GO) build -o $$tmp/loadgen ./cmd/loadgen; \
	LOADGEN=$$tmp/loadgen LOAD_OUT=$$tmp/load.txt LOAD_ARGS="-c $(HTTP_BENCH_C) -d $(HTTP_BENCH_D)" \
		bash .ci/bench-postgis $$tmp/frontline $(STARTUP_N) | \
	$(GO) run ./cmd/benchdoc -doc docs/benchmarks.md -section postgis-startup \
		-cmd "bash .ci/bench-postgis frontline $(STARTUP_N)" \
		-targets 'Startup/postgres/n=1000000<=5s'; \
	$(GO) run ./cmd/benchdoc -doc docs/benchmarks.md -section postgis-http-load <$$tmp/load.txt \
		-cmd "frontline serve --postgres with the last of $(STARTUP_N) synthetic incidents (frontline gen -seed 2026) and the curated data; loadgen -suite core -c $(HTTP_BENCH_C) -d $(HTTP_BENCH_D)"
	$(GO) test -run '^$$' -bench 'PostGIS' -benchtime 1x ./cmd/frontline | \
	$(GO) run ./cmd/benchdoc -doc docs/benchmarks.md -section postgis \
		-cmd "go test -run '^$$' -bench PostGIS -benchtime 1x ./cmd/frontline" \
		-targets 'PostGISPropagation:p99-ms<=200'

## bench-tiles: issue 14's tile benchmarks over 1M synthetic incidents: the
## 500 incident tiles of a fixed tour (synth.TileTour), without and with a
## one-year datetime. In process (server/tiles_bench_test.go, each run one
## pass) into "tiles"; then over HTTP, `frontline serve` on a free loopback
## port and cmd/loadgen -suite tiles for TILES_PASSES passes of the tour on
## TILES_C connections, into "tiles-http".
TILES_PASSES ?= 4
TILES_C ?= 2
bench-tiles:
	$(GO) test -run '^$$' -bench 'BenchmarkTiles' -benchtime 1x -count $(BENCHCOUNT) ./server/ | \
	$(GO) run ./cmd/benchdoc -doc docs/benchmarks.md -section tiles \
		-cmd "go test -run '^$$' -bench BenchmarkTiles -benchtime 1x -count $(BENCHCOUNT) ./server/" \
		-targets 'Tiles/all/n=1000000:p50-ms<=5,Tiles/all/n=1000000:p99-ms<=20,Tiles/year/n=1000000:p50-ms<=5,Tiles/year/n=1000000:p99-ms<=20'
	@set -e; tmp=$$(mktemp -d); pid=; \
	trap 'test -n "$$pid" && kill $$pid 2>/dev/null; rm -rf $$tmp' EXIT; \
	$(GO) build -o $$tmp/frontline ./cmd/frontline; \
	$(GO) build -o $$tmp/loadgen ./cmd/loadgen; \
	mkdir $$tmp/data; echo '[]' > $$tmp/data/actors.json; \
	$$tmp/frontline gen -n 1000000 -seed 2026 -out $$tmp/data/incidents-synthetic.geojson; \
	$$tmp/frontline serve --addr 127.0.0.1:0 --data $$tmp/data --log-format json 2>$$tmp/serve.log & pid=$$!; \
	addr=$$(bash .ci/wait-ready $$tmp/serve.log $$pid); \
	echo "serving 1000000 synthetic incidents at $$addr"; \
	$$tmp/loadgen -suite tiles -url "$$addr" -c $(TILES_C) -n $$((500 * $(TILES_PASSES))) -bench TilesHTTP | \
	$(GO) run ./cmd/benchdoc -doc docs/benchmarks.md -section tiles-http \
		-cmd "frontline serve with 1000000 synthetic incidents (frontline gen -seed 2026); loadgen -suite tiles -c $(TILES_C) -n $$((500 * $(TILES_PASSES)))" \
		-targets 'TilesHTTP/all:p50-ms<=5,TilesHTTP/all:p99-ms<=20,TilesHTTP/year:p50-ms<=5,TilesHTTP/year:p99-ms<=20'

## bench-page: issue 14's page benchmark (web/e2e/perf.mjs): Chromium through
## a fixed 30-step tour of the web map over PAGE_N synthetic incidents; into
## "page".
PAGE_N ?= 1000000
bench-page: web/e2e/node_modules/.package-lock.json
	@mkdir -p bin
	$(GO) build -o bin/frontline-e2e ./cmd/frontline
	cd web/e2e && FRONTLINE_BIN=$(CURDIR)/bin/frontline-e2e PAGE_N=$(PAGE_N) node perf.mjs | \
	(cd $(CURDIR) && $(GO) run ./cmd/benchdoc -doc docs/benchmarks.md -section page \
		-cmd "PAGE_N=$(PAGE_N) node web/e2e/perf.mjs" \
		-targets 'Page/FirstRender/n=1000000<=1.5s,Page/Step/n=1000000:p95-ms<=300,Page/Memory/n=1000000:heap-MB<=300,Page/Memory/n=1000000:rss-MB<=1000,Page/Memory/n=1000000:start-rss-MB<=1000')

## bench-filter: a CQL2 filter (polygon, year, type) against the native query
## it amounts to, over 1M synthetic incidents, into "filter" (issue 17)
bench-filter:
	$(GO) test -run '^$$' -bench '^BenchmarkFilter$$' -benchmem -benchtime 20x -count $(BENCHCOUNT) ./geo/cql2/ | \
	$(GO) run ./cmd/benchdoc -doc docs/benchmarks.md -section filter \
		-cmd "go test -run '^$$' -bench '^BenchmarkFilter$$' -benchmem -benchtime 20x -count $(BENCHCOUNT) ./geo/cql2/" \
		-targets 'Filter/polygon+year+type/n=1000000:x-native<=1.5'

## bench-alerts: watch matching per write at 1,000 watches (catalog/watch), alert latency
## from commit to webhook and SSE at 100 writes/s on a GeoPackage store and on two
## PostGIS instances, and the RSS of 1,000 SSE streams (cmd/frontline), into "alerts"
bench-alerts:
	{ $(GO) test -run '^$$' -bench '^BenchmarkMatch$$' -benchmem -benchtime $(BENCHTIME) -count $(BENCHCOUNT) ./catalog/watch/; \
	  $(GO) test -run '^$$' -bench '^(BenchmarkAlerts|BenchmarkStreams)$$' -benchtime 1x -count 1 ./cmd/frontline/; } | \
	$(GO) run ./cmd/benchdoc -doc docs/benchmarks.md -section alerts \
		-cmd "go test -run '^$$' -bench '^BenchmarkMatch$$' -benchmem -benchtime $(BENCHTIME) -count $(BENCHCOUNT) ./catalog/watch/; go test -run '^$$' -bench '^(BenchmarkAlerts|BenchmarkStreams)$$' -benchtime 1x -count 1 ./cmd/frontline/" \
		-targets 'Match<=1ms,Alerts/store=gpkg:webhook-p99-ms<=1000,Alerts/store=gpkg:sse-p99-ms<=1000,Alerts/store=postgis-2:webhook-p99-ms<=1000,Alerts/store=postgis-2:sse-p99-ms<=1000,Streams:rss-growth-MB<=100'

## bench-http: the HTTP benchmarks. First the Go benchmarks of the query
## routes over httptest (server/query_bench_test.go), into the "http"
## section of docs/benchmarks.md; then `frontline serve` on a free loopback
## port with HTTP_BENCH_N synthetic incidents (frontline gen, seed 2026, the
## geo benchmarks' workload) and cmd/loadgen's core suite against it for
## HTTP_BENCH_D per query on HTTP_BENCH_C connections, into "http-load".
HTTP_BENCH_N ?= 1000000
HTTP_BENCH_D ?= 5s
HTTP_BENCH_C ?= 2
bench-http:
	$(GO) test -run '^$$' -bench 'HTTP' -benchmem -benchtime $(BENCHTIME) -count $(BENCHCOUNT) ./server/ | \
	$(GO) run ./cmd/benchdoc -doc docs/benchmarks.md -section http \
		-cmd "go test -run '^$$' -bench 'HTTP' -benchmem -benchtime $(BENCHTIME) -count $(BENCHCOUNT) ./server/" \
		-targets 'HTTPCount/Q1/n=1000000:us-over-in-process<=50,HTTPCount/Q2/n=1000000:us-over-in-process<=50,HTTPCount/Q3/n=1000000:us-over-in-process<=50,HTTPCount/Q5/n=1000000:us-over-in-process<=50,HTTPGeoJSON/Q1/n=1000000:serve-ns/feature<=500,HTTPGeoJSON/Q2/n=1000000:serve-ns/feature<=500,HTTPGeoJSON/Q3/n=1000000:serve-ns/feature<=500,HTTPGeoJSON/Q5/n=1000000:serve-ns/feature<=500,HTTPGeoJSON/Q3/n=1000000:ns/feature<=500,HTTPStream100k:ns/feature<=500'
	@set -e; tmp=$$(mktemp -d); pid=; \
	trap 'test -n "$$pid" && kill $$pid 2>/dev/null; rm -rf $$tmp' EXIT; \
	$(GO) build -o $$tmp/frontline ./cmd/frontline; \
	$(GO) build -o $$tmp/loadgen ./cmd/loadgen; \
	mkdir $$tmp/data; echo '[]' > $$tmp/data/actors.json; \
	$$tmp/frontline gen -n $(HTTP_BENCH_N) -seed 2026 -out $$tmp/data/incidents-synthetic.geojson; \
	$$tmp/frontline serve --addr 127.0.0.1:0 --data $$tmp/data --log-format json 2>$$tmp/serve.log & pid=$$!; \
	addr=$$(bash .ci/wait-ready $$tmp/serve.log $$pid); \
	echo "serving $(HTTP_BENCH_N) synthetic incidents at $$addr"; \
	$$tmp/loadgen -suite core -url "$$addr" -seed 2026 -c $(HTTP_BENCH_C) -d $(HTTP_BENCH_D) -bench Load | \
	$(GO) run ./cmd/benchdoc -doc docs/benchmarks.md -section http-load \
		-cmd "frontline serve with $(HTTP_BENCH_N) synthetic incidents (frontline gen -seed 2026); loadgen -suite core -c $(HTTP_BENCH_C) -d $(HTTP_BENCH_D)"

## bench-attack: issue 11's attack replay. A GeoPackage store with
## ATTACK_N synthetic incidents (frontline gen, seed 2026) and a history of
## seven more imports (5,000 incidents updated each), served by the real
## binary on a free loopback port; then cmd/loadgen -suite attack for
## ATTACK_D: as_of date-times (anonymous and with a viewer token), the
## 7 MB quadratic import, 300 slow-body connections, while a reader on
## 127.0.0.1 times normal reads and the server's RSS is sampled. Figures go
## into the "attack" section of docs/benchmarks.md.
ATTACK_N ?= 200000
ATTACK_D ?= 60s
bench-attack:
	@set -e; tmp=$$(mktemp -d); pid=; \
	trap 'test -n "$$pid" && kill $$pid 2>/dev/null; rm -rf $$tmp' EXIT; \
	$(GO) build -o $$tmp/frontline ./cmd/frontline; \
	$(GO) build -o $$tmp/loadgen ./cmd/loadgen; \
	since=$$(date -u +%Y-%m-%dT%H:%M:%S.%NZ); \
	$$tmp/frontline gen -n $(ATTACK_N) -seed 2026 -out $$tmp/base.geojson; \
	$$tmp/frontline import --format geojson --db $$tmp/attack.gpkg $$tmp/base.geojson >/dev/null; \
	for seed in 1 2 3 4 5 6 7; do \
		$$tmp/frontline gen -n 5000 -seed $$seed -out $$tmp/edit.geojson; \
		$$tmp/frontline import --format geojson --db $$tmp/attack.gpkg $$tmp/edit.geojson >/dev/null; \
	done; \
	viewer=$$($$tmp/frontline token create --db $$tmp/attack.gpkg --name attack-viewer --role viewer); \
	editor=$$($$tmp/frontline token create --db $$tmp/attack.gpkg --name attack-editor --role editor); \
	$$tmp/frontline serve --addr 127.0.0.1:0 --db $$tmp/attack.gpkg --log-format json 2>$$tmp/serve.log & pid=$$!; \
	addr=$$(bash .ci/wait-ready $$tmp/serve.log $$pid); \
	echo "serving $(ATTACK_N) synthetic incidents at $$addr (pid $$pid)"; \
	LOADGEN_VIEWER_TOKEN=$$viewer LOADGEN_EDITOR_TOKEN=$$editor \
		$$tmp/loadgen -suite attack -url "$$addr" -since "$$since" -pid $$pid -d $(ATTACK_D) -bench Attack | \
	$(GO) run ./cmd/benchdoc -doc docs/benchmarks.md -section attack \
		-cmd "frontline serve --db with $(ATTACK_N) synthetic incidents and 8 imports of history; loadgen -suite attack -d $(ATTACK_D)" \
		-targets 'Attack/NormalReads:p99-ms<=100,Attack/ServerRSS:peak-MB<=1000'

## bench-reader: geo.ReadFeatures on one 1 MB feature and then n small ones,
## n growing tenfold: ns/feature stays flat (linear reading; issue 11), into
## the "reader" section of docs/benchmarks.md.
bench-reader:
	$(GO) test -run '^$$' -bench 'ReadFeaturesAfterLargeOne' -benchmem -benchtime $(BENCHTIME) -count $(BENCHCOUNT) ./geo/ | \
	$(GO) run ./cmd/benchdoc -doc docs/benchmarks.md -section reader \
		-cmd "go test -run '^$$' -bench 'ReadFeaturesAfterLargeOne' -benchmem -benchtime $(BENCHTIME) -count $(BENCHCOUNT) ./geo/"
